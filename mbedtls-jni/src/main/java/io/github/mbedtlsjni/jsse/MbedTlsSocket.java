package io.github.mbedtlsjni.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The provider's {@link SSLSocket}: its {@link MbedTlsEngine}, made with the socket, over a plain
 * socket's streams; the plain socket is its own (connected, or unconnected until {@link #connect})
 * or one given to {@code createSocket(socket, host, port, autoClose)} (proxies, STARTTLS). The
 * engine holds the parameters and asks the socket for its peer ({@link #peerHost()}) when the
 * handshake starts, so an unconnected socket needs no copy of anything. Whether the handshake is
 * still to run, and whether it completed, is the engine's state.
 *
 * <p>Full duplex: reads and writes have separate locks and the engine's wrap and unwrap run
 * concurrently, so a thread blocked reading never holds up one writing. {@link #close()}, from
 * any thread, sends close_notify (or the fatal alert a failure left) unless a write is blocked,
 * then closes the plain socket (a layered one only with autoClose), which wakes a blocked read.
 *
 * <p><b>Locks</b>, in this order: {@code handshakeLock}, {@code readLock}, {@code writeLock}, then
 * the engine's ({@link MbedTlsEngine}). The handshake takes all three. Reads and writes, the
 * single-byte ones too, run the handshake (if it is still to run) before they take their own
 * lock, so no thread holding {@code readLock} or {@code writeLock} ever waits for
 * {@code handshakeLock}. A reader that must answer the peer (close_notify, an alert) only tries
 * {@code writeLock}; {@link #close()} takes no lock and only tries {@code writeLock} (and both, to
 * give its buffers back).
 */
final class MbedTlsSocket extends TransportSocket {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final ContextState context;
    private final boolean layered;
    private final boolean autoClose;
    private final MbedTlsEngine engine;
    private volatile String host; // the peer's name, as given; null: the plain socket's address
    private volatile int port;
    private final ReentrantLock handshakeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private ContextState.SocketBuffers buffers; // from the first handshake until close; taken with all three locks
    private ByteBuffer netIn; // guarded by readLock: records read, not yet unwrapped (read mode)
    private ByteBuffer appIn; // guarded by readLock: plaintext unwrapped, not yet read (read mode)
    private ByteBuffer netOut; // guarded by writeLock
    private byte[] lastArray; // guarded by writeLock: the array appOut wraps
    private ByteBuffer appOut; // guarded by writeLock
    private final List<HandshakeCompletedListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean inputEnded;
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    /** Over a socket of its own: {@code transport} is connected, or not yet ({@link #connect}). */
    MbedTlsSocket(ContextState context, Socket transport, String host, int port) {
        this(context, transport, host, port, false, true, context.defaultParameters(), true);
    }

    /** Layered over a connected socket someone else owns. */
    MbedTlsSocket(ContextState context, Socket transport, String host, int port, boolean autoClose) {
        this(context, transport, host, port, true, autoClose, context.defaultParameters(), true);
    }

    /** A client an {@link MbedTlsServerSocket} accepted, with its settings (server mode, unless it says client). */
    MbedTlsSocket(ContextState context, Socket accepted, Parameters params, boolean clientMode) {
        this(context, accepted, null, -1, false, true, params, clientMode);
    }

    private MbedTlsSocket(ContextState context, Socket transport, String host, int port, boolean layered,
            boolean autoClose, Parameters params, boolean clientMode) {
        super(transport);
        this.context = context;
        this.host = host;
        this.port = port;
        this.layered = layered;
        this.autoClose = autoClose;
        this.engine = new MbedTlsEngine(context, this, params, clientMode);
    }

    /** The peer's host for the engine: as given, else the plain socket's address once connected. */
    String peerHost() {
        String h = host;
        if (h == null && transport.isConnected()) {
            h = transport.getInetAddress().getHostAddress();
        }
        return h;
    }

    /** The peer's port for the engine, -1 until known. */
    int peerPort() {
        return host == null && transport.isConnected() ? transport.getPort() : port;
    }

    // --- Handshake -----------------------------------------------------------------------------

    @Override
    public void startHandshake() throws IOException {
        checkOpen();
        if (!engine.state().handshaking() || handshakeLock.isHeldByCurrentThread()) {
            return; // done (or failed: the engine says how), or this thread is inside it (a trust manager asking)
        }
        if (!transport.isConnected()) {
            throw SslExceptions.notConnected();
        }
        boolean completed = false;
        handshakeLock.lock();
        try {
            if (!engine.state().handshaking()) {
                return; // another thread ran it meanwhile
            }
            readLock.lock();
            writeLock.lock();
            try {
                checkOpen();
                takeBuffers();
                engine.beginHandshake();
                while (engine.state().handshaking()) {
                    HandshakeStatus hs = engine.getHandshakeStatus();
                    if (hs == HandshakeStatus.NEED_WRAP) {
                        wrapAndSend(EMPTY);
                    } else if (hs == HandshakeStatus.NEED_UNWRAP) {
                        if (unwrapOnce() < 0) {
                            throw SslExceptions.peerLeftHandshake(engine.getUseClientMode() ? "server" : "client");
                        }
                    } else {
                        break;
                    }
                }
                EngineState s = engine.state();
                if (!s.established()) {
                    throw SslExceptions.handshakeIncomplete(s);
                }
                completed = true;
            } catch (IOException e) {
                closeQuietly(); // sends the fatal alert Mbed TLS made, if any, best effort
                throw e;
            } finally {
                writeLock.unlock();
                readLock.unlock();
            }
        } finally {
            handshakeLock.unlock();
        }
        if (completed && !listeners.isEmpty()) {
            notifyListeners();
        }
    }

    /** The socket's buffers, from the context's pool (all three locks held). */
    private void takeBuffers() {
        if (buffers == null) {
            buffers = context.takeSocketBuffers();
            netIn = buffers.netIn;
            appIn = buffers.appIn;
            netOut = buffers.netOut;
        }
    }

    /** JSSE calls the listeners on a thread of their own, after the handshake. */
    private void notifyListeners() {
        HandshakeCompletedEvent event = new HandshakeCompletedEvent(this, engine.getSession());
        Thread notifier = new Thread(() -> {
            for (HandshakeCompletedListener l : listeners) {
                l.handshakeCompleted(event);
            }
        }, "MbedTLS handshake completed");
        notifier.setDaemon(true);
        notifier.start();
    }

    /** Wraps src (all of it) and sends the records; with writeLock held. */
    private void wrapAndSend(ByteBuffer src) throws IOException {
        OutputStream raw = transport.getOutputStream();
        do {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (netOut.position() > 0) {
                raw.write(netOut.array(), netOut.arrayOffset(), netOut.position());
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                if (src.hasRemaining()) {
                    throw SslExceptions.closedForWriting();
                }
                return;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw SslExceptions.internal("a record does not fit the packet buffer");
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && src.hasRemaining()) {
                throw SslExceptions.internal("wrap made no progress (the engine is " + engine.state() + ")");
            }
        } while (src.hasRemaining());
    }

    /**
     * Unwraps one record into appIn, reading from the plain socket as needed; with readLock held.
     * Returns the plaintext bytes added, or -1 at the end of the stream.
     */
    private int unwrapOnce() throws IOException {
        for (;;) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case CLOSED:
                    inputEnded = true; // our close_notify answers the peer's when the socket is closed
                    return -1;
                case BUFFER_UNDERFLOW:
                    if (fill() < 0) {
                        inputEnded = true;
                        return -1;
                    }
                    continue;
                case BUFFER_OVERFLOW:
                    return 0; // appIn is full: the caller reads from it first
                default:
                    sendPendingIfFree();
                    return r.bytesProduced();
            }
        }
    }

    /**
     * After a read that left the engine something to send (an answer to close_notify, an alert),
     * sends it if no write is in progress and the handshake is over (the handshake sends its own).
     */
    private void sendPendingIfFree() throws IOException {
        EngineState s = engine.state();
        if (!s.handshaking() && s.handshakeStatus == HandshakeStatus.NEED_WRAP && !closed && writeLock.tryLock()) {
            try {
                if (netOut != null) {
                    wrapAndSend(EMPTY);
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Reads more network data into netIn; -1 at the plain socket's EOF. */
    private int fill() throws IOException {
        netIn.compact();
        try {
            if (!netIn.hasRemaining()) {
                throw SslExceptions.recordTooLong();
            }
            int n = transport.getInputStream().read(netIn.array(), netIn.arrayOffset() + netIn.position(),
                    netIn.remaining());
            if (n > 0) {
                netIn.position(netIn.position() + n);
            }
            return n;
        } finally {
            netIn.flip();
        }
    }

    // --- Streams -------------------------------------------------------------------------------

    @Override
    public InputStream getInputStream() throws IOException {
        checkOpen();
        if (!transport.isConnected()) {
            throw SslExceptions.notConnected();
        }
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkOpen();
        if (!transport.isConnected()) {
            throw SslExceptions.notConnected();
        }
        return out;
    }

    /** Reads into b (readLock held): what is unwrapped, else one more record; -1 at the end. */
    private int readLocked(byte[] b, int off, int len) throws IOException {
        try {
            checkOpen();
            while (!appIn.hasRemaining()) {
                if (inputEnded || unwrapOnce() < 0) {
                    // closed by this side meanwhile: the server's answer to our close_notify
                    // is not the end of the stream the reader waited for
                    checkOpen();
                    return -1;
                }
                checkOpen();
            }
            int n = Math.min(len, appIn.remaining());
            appIn.get(b, off, n);
            return n;
        } catch (IOException e) {
            if (closed) {
                throw SslExceptions.socketClosed(e);
            }
            if (e instanceof SSLException) {
                sendAlertQuietly(); // the fatal alert the failed record left, before the application closes
            }
            throw e;
        }
    }

    private void sendAlertQuietly() {
        try {
            sendPendingIfFree();
        } catch (IOException ignored) {
            // best effort: the failure being reported matters more
        }
    }

    /** Writes b (writeLock held). */
    private void writeLocked(byte[] b, int off, int len) throws IOException {
        try {
            checkOpen();
            if (b != lastArray) {
                appOut = ByteBuffer.wrap(b);
                lastArray = b;
            }
            appOut.limit(off + len).position(off);
            wrapAndSend(appOut);
        } catch (IOException e) {
            if (closed) {
                throw SslExceptions.socketClosed(e);
            }
            throw e;
        }
    }

    private final class In extends InputStream {
        private final byte[] one = new byte[1]; // guarded by readLock

        @Override
        public int read() throws IOException {
            startHandshake(); // before readLock: see the lock order
            readLock.lock();
            try {
                int n = readLocked(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            } finally {
                readLock.unlock();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, Objects.requireNonNull(b, "b").length);
            if (len == 0) {
                return 0;
            }
            startHandshake();
            readLock.lock();
            try {
                return readLocked(b, off, len);
            } finally {
                readLock.unlock();
            }
        }

        /** What can be read without blocking: 0 while another thread is inside a read. */
        @Override
        public int available() throws IOException {
            if (!readLock.tryLock()) {
                return 0;
            }
            try {
                return appIn == null || closed ? 0 : appIn.remaining();
            } finally {
                readLock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            MbedTlsSocket.this.close();
        }
    }

    private final class Out extends OutputStream {
        private final byte[] one = new byte[1]; // guarded by writeLock

        @Override
        public void write(int b) throws IOException {
            startHandshake(); // before writeLock: see the lock order
            writeLock.lock();
            try {
                one[0] = (byte) b;
                writeLocked(one, 0, 1);
            } finally {
                writeLock.unlock();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, Objects.requireNonNull(b, "b").length);
            if (len == 0) {
                return;
            }
            startHandshake();
            writeLock.lock();
            try {
                writeLocked(b, off, len);
            } finally {
                writeLock.unlock();
            }
        }

        @Override
        public void close() throws IOException {
            MbedTlsSocket.this.close();
        }
    }

    // --- Closing -------------------------------------------------------------------------------

    /**
     * Sends close_notify (or the fatal alert a failure left) unless a write blocks or the
     * handshake is still running, closes the plain socket (a layered one only with autoClose) and
     * ends the engine.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            EngineState s = engine.state();
            if (!s.handshaking() && s != EngineState.CLOSED && writeLock.tryLock()) {
                try {
                    engine.closeOutbound();
                    if (netOut != null) {
                        wrapAndSend(EMPTY);
                    }
                } catch (IOException ignored) {
                    // the peer is gone: nothing to tell it
                } finally {
                    writeLock.unlock();
                }
            } else {
                engine.closeOutbound();
            }
        } finally {
            if (!layered || autoClose) {
                discardUnread();
                transport.close();
            }
            engine.closeInboundQuietly(); // we are closing: what the peer has not sent is not wanted
            engine.dispose();
            giveBuffersBack();
        }
    }

    /**
     * Reads and drops what has arrived and was not read, without waiting: a TCP socket closed
     * with unread data resets the connection, and the peer may then lose what was sent last (the
     * alert that says why a handshake ended, the close_notify). Only when no read is in progress.
     */
    private void discardUnread() {
        if (!transport.isConnected() || transport.isClosed() || !readLock.tryLock()) {
            return;
        }
        try {
            InputStream raw = transport.getInputStream();
            for (int n = raw.available(); n > 0; n = raw.available()) {
                if (raw.skip(n) <= 0) {
                    return;
                }
            }
        } catch (IOException ignored) {
            // best effort: the socket is being closed anyway
        } finally {
            readLock.unlock();
        }
    }

    /** The buffers back to the pool, if no other thread is in a read or write (else they are left to GC). */
    private void giveBuffersBack() {
        if (readLock.tryLock()) {
            try {
                if (writeLock.tryLock()) {
                    try {
                        if (buffers != null) {
                            context.giveSocketBuffers(buffers);
                            buffers = null;
                            netIn = null;
                            appIn = null;
                            netOut = null;
                        }
                    } finally {
                        writeLock.unlock();
                    }
                }
            } finally {
                readLock.unlock();
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    private void checkOpen() throws SocketException {
        if (closed) {
            throw SslExceptions.socketClosed(null);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    // --- SSLSocket -------------------------------------------------------------------------------

    @Override
    public SSLSession getSession() {
        try {
            startHandshake();
        } catch (IOException e) {
            // JSSE: an invalid session (cipher suite SSL_NULL_WITH_NULL_NULL) after a failed handshake
        }
        return engine.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
        return engine.getHandshakeSession();
    }

    @Override
    public String getApplicationProtocol() {
        return engine.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return engine.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> selector) {
        // a server's hook: never called by a client
    }

    @Override
    public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
        if (!listeners.remove(Objects.requireNonNull(listener, "listener"))) {
            throw new IllegalArgumentException("listener is not registered");
        }
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return engine.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return engine.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        engine.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return engine.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return engine.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        engine.setEnabledProtocols(protocols);
    }

    @Override
    public SSLParameters getSSLParameters() {
        return engine.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters p) {
        engine.setSSLParameters(p);
    }

    @Override
    public void setUseClientMode(boolean mode) {
        engine.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return engine.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        engine.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return engine.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        engine.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return engine.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        engine.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return engine.getEnableSessionCreation();
    }

    SSLEngine engineForTests() {
        return engine;
    }

    // --- Socket --------------------------------------------------------------------------------

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (layered) {
            throw SslExceptions.alreadyConnected();
        }
        checkOpen();
        transport.connect(endpoint, timeout);
        if (host == null && endpoint instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) endpoint;
            port = a.getPort();
            host = a.getHostString();
        }
    }

    @Override
    public String toString() {
        EngineState s = engine.state();
        return "MbedTlsSocket[" + transport + (s.established() ? ", " + engine.getSession() : ", " + s) + "]";
    }
}
