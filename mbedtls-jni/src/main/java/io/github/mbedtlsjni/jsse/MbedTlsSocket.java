package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MemoryBio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The provider's {@link SSLSocket}: an {@link MbedTlsEngine} over a plain socket's streams, the
 * socket being its own (connected, or unconnected until {@link #connect}) or one given to
 * {@code createSocket(socket, host, port, autoClose)} (proxies, STARTTLS). Full duplex: reads and
 * writes have separate locks and the engine's wrap and unwrap run concurrently, so a thread
 * blocked reading never holds up one writing. {@link #setSoTimeout} is the plain socket's
 * (a read that waits longer throws {@link java.net.SocketTimeoutException} and may be retried).
 * {@link #close()}, from any thread, sends close_notify unless a write is blocked, then closes the
 * plain socket (a layered one only with autoClose), which wakes a blocked read.
 */
final class MbedTlsSocket extends SSLSocket {
    private final ContextState context;
    private final Socket transport;
    private final boolean layered;
    private final boolean autoClose;
    private String host;
    private int port;
    private SSLParameters params; // guarded by this, until the engine exists
    private volatile MbedTlsEngine engine;
    private final Object handshakeLock = new Object();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer netIn; // guarded by readLock: records read, not yet unwrapped (read mode)
    private ByteBuffer appIn; // guarded by readLock: plaintext unwrapped, not yet read (read mode)
    private ByteBuffer netOut; // guarded by writeLock
    private byte[] lastArray; // guarded by writeLock: the array appOut wraps
    private ByteBuffer appOut; // guarded by writeLock
    private final List<HandshakeCompletedListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean handshakeDone;
    private volatile boolean closed;
    private volatile boolean inputEnded;
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    /** Over a socket of its own: {@code transport} is connected, or not yet ({@link #connect}). */
    MbedTlsSocket(ContextState context, Socket transport, String host, int port) {
        this(context, transport, host, port, false, true);
    }

    /** Layered over a connected socket someone else owns. */
    MbedTlsSocket(ContextState context, Socket transport, String host, int port, boolean autoClose) {
        this(context, transport, host, port, true, autoClose);
    }

    private MbedTlsSocket(ContextState context, Socket transport, String host, int port, boolean layered,
            boolean autoClose) {
        this.context = context;
        this.transport = transport;
        this.host = host;
        this.port = port;
        this.layered = layered;
        this.autoClose = autoClose;
        this.params = MbedTlsEngine.defaultParameters(context);
    }

    // --- Handshake -----------------------------------------------------------------------------

    private MbedTlsEngine engine() throws IOException {
        MbedTlsEngine e = engine;
        if (e != null) {
            return e;
        }
        synchronized (this) {
            if (engine == null) {
                if (!transport.isConnected()) {
                    throw new SocketException("the socket is not connected: call connect(address, timeout) first");
                }
                if (host == null) {
                    host = transport.getInetAddress().getHostAddress();
                    port = transport.getPort();
                }
                MbedTlsEngine made = new MbedTlsEngine(context, host, port, this);
                made.setSSLParameters(params); // server names the application set replace the host's
                engine = made;
            }
            return engine;
        }
    }

    @Override
    public void startHandshake() throws IOException {
        checkOpen();
        MbedTlsEngine e = engine();
        synchronized (handshakeLock) {
            if (handshakeDone) {
                return;
            }
            e.beginHandshake();
            readLock.lock();
            writeLock.lock();
            try {
                allocate();
                for (;;) {
                    SSLEngineResult.HandshakeStatus hs = e.getHandshakeStatus();
                    if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                        wrapAndSend(EMPTY);
                    } else if (hs == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                        if (unwrapOnce() < 0) {
                            throw new SSLException("the server closed the connection during the handshake");
                        }
                    } else {
                        break;
                    }
                }
                if (!(e.getSession().isValid() || e.getSession().getCipherSuite().startsWith("TLS_"))) {
                    throw new SSLException("the handshake did not complete");
                }
            } catch (IOException ex) {
                closeQuietly();
                throw ex;
            } finally {
                writeLock.unlock();
                readLock.unlock();
            }
            handshakeDone = true;
        }
        if (!listeners.isEmpty()) {
            HandshakeCompletedEvent event = new HandshakeCompletedEvent(this, e.getSession());
            Thread notifier = new Thread(() -> {
                for (HandshakeCompletedListener l : listeners) {
                    l.handshakeCompleted(event);
                }
            }, "MbedTLS handshake completed");
            notifier.setDaemon(true);
            notifier.start();
        }
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private void allocate() {
        if (netIn == null) {
            int packet = Math.max(MemoryBio.maxRecordIn(), MemoryBio.maxRecordOut());
            netIn = ByteBuffer.allocate(packet);
            netIn.flip();
            appIn = ByteBuffer.allocate(MemoryBio.maxPlaintext());
            appIn.flip();
            netOut = ByteBuffer.allocate(packet);
        }
    }

    /** Wraps src (all of it) and sends the records; with writeLock held. */
    private void wrapAndSend(ByteBuffer src) throws IOException {
        OutputStream raw = transport.getOutputStream();
        do {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (netOut.position() > 0) {
                raw.write(netOut.array(), 0, netOut.position());
                raw.flush();
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                if (src.hasRemaining()) {
                    throw new SocketException("the connection is closed for writing");
                }
                return;
            }
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("internal: a record does not fit the packet buffer");
            }
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP && src.hasRemaining()) {
                return; // the handshake goes on: the caller unwraps
            }
        } while (src.hasRemaining() || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP
                && !handshakeDone);
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
                    inputEnded = true;
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

    /** After an unwrap that left something to send (an alert, a reply to close_notify): if no write blocks. */
    private void sendPendingIfFree() throws IOException {
        if (handshakeDone && engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP
                && writeLock.tryLock()) {
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
                throw new SSLException("a record longer than the packet buffer");
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
            throw new SocketException("the socket is not connected");
        }
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkOpen();
        if (!transport.isConnected()) {
            throw new SocketException("the socket is not connected");
        }
        return out;
    }

    private final class In extends InputStream {
        private final byte[] one = new byte[1]; // guarded by readLock

        @Override
        public int read() throws IOException {
            readLock.lock();
            try {
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            } finally {
                readLock.unlock();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            startHandshake();
            readLock.lock();
            try {
                while (!appIn.hasRemaining()) {
                    checkOpen();
                    if (inputEnded || unwrapOnce() < 0) {
                        // closed by this side meanwhile: the server's answer to our close_notify
                        // is not the end of the stream the reader waited for
                        checkOpen();
                        return -1;
                    }
                }
                int n = Math.min(len, appIn.remaining());
                appIn.get(b, off, n);
                return n;
            } catch (IOException e) {
                if (closed) {
                    throw socketClosed(e);
                }
                throw e;
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
                return appIn == null ? 0 : appIn.remaining();
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
            writeLock.lock();
            try {
                one[0] = (byte) b;
                write(one, 0, 1);
            } finally {
                writeLock.unlock();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return;
            }
            startHandshake();
            writeLock.lock();
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
                    throw socketClosed(e);
                }
                throw e;
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

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        MbedTlsEngine e = engine;
        try {
            if (e != null && handshakeDone && writeLock.tryLock()) {
                try {
                    e.closeOutbound();
                    if (netOut != null) {
                        wrapAndSend(EMPTY);
                    }
                } catch (IOException ignored) {
                    // the peer is gone: nothing to tell it
                } finally {
                    writeLock.unlock();
                }
            } else if (e != null) {
                e.closeOutbound();
            }
        } finally {
            if (!layered || autoClose) {
                transport.close();
            }
            if (e != null) {
                try {
                    e.closeInbound();
                } catch (SSLException truncatedIsExpected) {
                    // we are closing: what the peer has not sent is not wanted
                }
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
            throw new SocketException("Socket is closed");
        }
    }

    private static SocketException socketClosed(IOException cause) {
        SocketException e = new SocketException("Socket is closed");
        e.initCause(cause);
        return e;
    }

    // --- SSLSocket -------------------------------------------------------------------------------

    @Override
    public SSLSession getSession() {
        try {
            startHandshake();
        } catch (IOException e) {
            // JSSE: an invalid session (cipher suite SSL_NULL_WITH_NULL_NULL) after a failed handshake
        }
        MbedTlsEngine e = engine;
        return e != null ? e.getSession() : MbedTlsSession.none(context.sessions(), host, port);
    }

    @Override
    public SSLSession getHandshakeSession() {
        MbedTlsEngine e = engine;
        return e == null ? null : e.getHandshakeSession();
    }

    @Override
    public String getApplicationProtocol() {
        MbedTlsEngine e = engine;
        return e == null ? null : e.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        MbedTlsEngine e = engine;
        return e == null ? null : e.getHandshakeApplicationProtocol();
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
        return CipherSuites.supported().toArray(new String[0]);
    }

    @Override
    public synchronized String[] getEnabledCipherSuites() {
        return engine != null ? engine.getEnabledCipherSuites() : params.getCipherSuites().clone();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        if (engine != null) {
            engine.setEnabledCipherSuites(suites);
        } else {
            params.setCipherSuites(CipherSuites.check(suites));
        }
    }

    @Override
    public String[] getSupportedProtocols() {
        return Protocols.supported().toArray(new String[0]);
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        return engine != null ? engine.getEnabledProtocols() : params.getProtocols().clone();
    }

    @Override
    public synchronized void setEnabledProtocols(String[] protocols) {
        if (engine != null) {
            engine.setEnabledProtocols(protocols);
        } else {
            params.setProtocols(Protocols.check(protocols));
        }
    }

    /** Before the engine exists (an unconnected socket), the parameters are kept here. */
    @Override
    public synchronized SSLParameters getSSLParameters() {
        return engine != null ? engine.getSSLParameters() : MbedTlsEngine.merged(params, params);
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        if (engine != null) {
            engine.setSSLParameters(p);
        } else {
            params = MbedTlsEngine.merged(params, p);
        }
    }

    @Override
    public void setUseClientMode(boolean mode) {
        if (!mode) {
            throw MbedTlsEngine.serverMode();
        }
    }

    @Override
    public boolean getUseClientMode() {
        return true;
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        // a server's setting
    }

    @Override
    public boolean getNeedClientAuth() {
        return false;
    }

    @Override
    public void setWantClientAuth(boolean want) {
        // a server's setting
    }

    @Override
    public boolean getWantClientAuth() {
        return false;
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        if (!flag) {
            throw new UnsupportedOperationException("setEnableSessionCreation(false) is not supported");
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        return true;
    }

    SSLEngine engineForTests() {
        return engine;
    }

    // --- Socket, delegated to the plain socket -------------------------------------------------

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        connect(endpoint, 0);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (layered) {
            throw new SocketException("a layered socket is connected already");
        }
        checkOpen();
        transport.connect(endpoint, timeout);
        if (host == null && endpoint instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) endpoint;
            host = a.getHostString();
            port = a.getPort();
        }
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        transport.bind(bindpoint);
    }

    @Override
    public InetAddress getInetAddress() {
        return transport.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return transport.getLocalAddress();
    }

    @Override
    public int getPort() {
        return transport.getPort();
    }

    @Override
    public int getLocalPort() {
        return transport.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return transport.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return transport.getLocalSocketAddress();
    }

    @Override
    public SocketChannel getChannel() {
        return null;
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        transport.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return transport.getTcpNoDelay();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        transport.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return transport.getSoLinger();
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException("urgent data is not supported on a TLS socket");
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        throw new SocketException("OOB data is not supported on a TLS socket");
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        return false;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        transport.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return transport.getSoTimeout();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        transport.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return transport.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        transport.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return transport.getReceiveBufferSize();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        transport.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return transport.getKeepAlive();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        transport.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return transport.getTrafficClass();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        transport.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return transport.getReuseAddress();
    }

    @Override
    public void shutdownInput() throws IOException {
        throw new UnsupportedOperationException("shutdownInput() is not supported on a TLS socket");
    }

    @Override
    public void shutdownOutput() throws IOException {
        throw new UnsupportedOperationException("shutdownOutput() is not supported on a TLS socket");
    }

    @Override
    public boolean isConnected() {
        return transport.isConnected();
    }

    @Override
    public boolean isBound() {
        return transport.isBound();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public boolean isInputShutdown() {
        return transport.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return transport.isOutputShutdown();
    }

    @Override
    public String toString() {
        return "MbedTlsSocket[" + transport + (handshakeDone ? ", " + engine.getSession() : "") + "]";
    }
}
