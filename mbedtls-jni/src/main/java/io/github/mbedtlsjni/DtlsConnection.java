package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.SslSession;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One DTLS connection of a {@link DtlsClient} over a connected UDP socket: whole datagrams of
 * application data out ({@link #send}) and in ({@link #receive}), the negotiated Connection IDs,
 * and the session to resume or the whole connection to save.
 *
 * <p>Built on a {@link DtlsEngine} and a {@link DatagramChannel} connected to the server; the
 * engine's retransmission timer is served while waiting for datagrams, by the thread that waits
 * (the handshake in {@link DtlsClient#connect}; afterwards {@link #receive}). The connection owns
 * both and frees them on {@link #close()}.
 *
 * <p><b>Threads.</b> One thread may receive while another sends; the engine's calls are
 * serialized by one lock, held only around non-blocking calls, never while waiting.
 * {@link #close()} may come from any thread: a thread waiting in {@link #receive} wakes and
 * throws {@link SocketException}. Lock order: {@code receiving}, then {@code engineLock}.
 *
 * <p>{@link #send(ByteBuffer)} and {@link #receive(ByteBuffer, Duration)} allocate nothing on the
 * Java heap in steady state. The direct buffers a datagram passes through (in, and the engine's
 * out) are the calling thread's, shared by the connections it serves, not each connection's own:
 * two zeroed 18 KB allocations fewer per connection, and no native memory left for the GC to free.
 */
public final class DtlsConnection implements AutoCloseable {
    private final DatagramChannel channel;
    private final Selector selector;
    private final DtlsEngine engine;
    private final String peer;
    private final Object engineLock = new Object();
    private final Object receiving = new Object();
    private final Consumer<SelectionKey> ignoreKey = key -> { };
    private volatile boolean closed;

    /**
     * Each thread's buffer for the datagram it reads: used from channel.read to the engine's call
     * that takes it (the engine copies it), all on that thread, with nothing in between that could
     * read into it for another connection.
     */
    private static final ThreadLocal<ByteBuffer> INPUT = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(io.github.mbedtlsjni.mbedtls.DatagramBio.maxDatagramIn()));

    private DtlsConnection(DatagramChannel channel, Selector selector, DtlsEngine engine, String peer) {
        this.channel = channel;
        this.selector = selector;
        this.engine = engine;
        this.peer = peer;
    }

    static DtlsConnection open(DtlsClient client, String host, int port, int localPort, String serverName,
            SslSession resume, byte[] saved) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException(host);
        }
        String peer = host + ":" + port;
        // Fewer system calls per connection: an IPv4 socket for an IPv4 server (a dual-stack one
        // costs three setsockopt), non-blocking before connect (whose flush of queued datagrams
        // then needs no mode switches), and bound by connect unless a local port is asked for.
        boolean ipv4 = address.getAddress() instanceof Inet4Address;
        DatagramChannel channel = ipv4 ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        Selector selector = null;
        DtlsEngine engine = null;
        DtlsConnection connection = null;
        try {
            channel.configureBlocking(false);
            if (localPort != 0) {
                channel.bind(ipv4 ? new InetSocketAddress(InetAddress.getByAddress(new byte[4]), localPort)
                        : new InetSocketAddress(localPort));
            }
            channel.connect(address);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            DatagramChannel sendOn = channel;
            engine = client.newEngine(serverName, resume, saved, datagram -> sendOn.write(datagram), peer, true);
            connection = new DtlsConnection(channel, selector, engine, peer);
            if (saved == null) {
                connection.handshake();
            }
            DtlsConnection result = connection;
            connection = null;
            engine = null;
            selector = null;
            channel = null;
            return result;
        } finally {
            if (connection != null) {
                connection.close();
            } else {
                if (engine != null) {
                    engine.close();
                }
                if (selector != null) {
                    selector.close();
                }
                if (channel != null) {
                    channel.close();
                }
            }
        }
    }

    /** The handshake, serving the timer while waiting; Mbed TLS's timeout ends it. */
    private void handshake() throws IOException {
        synchronized (receiving) {
            synchronized (engineLock) {
                requireOpen();
                engine.beginHandshake();
            }
            while (!engine.isEstablished()) {
                long wait;
                synchronized (engineLock) {
                    requireOpen();
                    wait = engine.timeoutMillis();
                }
                if (wait == 0) {
                    synchronized (engineLock) {
                        requireOpen();
                        try {
                            engine.handleTimeout();
                        } catch (TlsException e) {
                            throw timedOut(e);
                        }
                    }
                    continue;
                }
                if (!awaitDatagram(wait)) {
                    continue;
                }
                ByteBuffer in = INPUT.get();
                in.clear();
                if (channel.read(in) <= 0) {
                    continue;
                }
                in.flip();
                synchronized (engineLock) {
                    requireOpen();
                    engine.handshake(in);
                }
            }
        }
    }

    private IOException timedOut(TlsException e) {
        if (e.code() == io.github.mbedtlsjni.mbedtls.DatagramBio.MBEDTLS_ERR_SSL_TIMEOUT) {
            SocketTimeoutException t = new SocketTimeoutException("DTLS handshake with " + peer
                    + ": no answer within the handshake timeout");
            t.initCause(e);
            return t;
        }
        return e;
    }

    /**
     * Sends the remaining bytes of {@code data} as one datagram (one record).
     *
     * @throws IllegalArgumentException if they exceed {@link #maxPayload()}
     * @throws SocketException if the connection is closed
     */
    public void send(ByteBuffer data) throws IOException {
        Objects.requireNonNull(data, "data");
        try {
            synchronized (engineLock) {
                requireOpen(); // inside the lock: close() marks the connection before freeing it under the lock
                engine.send(data);
            }
        } catch (ClosedChannelException e) {
            throw closed(e);
        }
    }

    /** Sends {@code data} as one datagram. */
    public void send(byte[] data) throws IOException {
        send(ByteBuffer.wrap(Objects.requireNonNull(data, "data")));
    }

    /**
     * Waits for the next datagram of application data and writes it to {@code dst} (a datagram
     * larger than the space in {@code dst} is cut, as UDP does).
     *
     * @param timeout how long to wait at most (zero: for ever)
     * @return the number of bytes, or -1 once the server has closed the connection (close_notify)
     * @throws SocketTimeoutException if nothing came within the timeout
     * @throws SocketException if the connection is closed, also by another thread meanwhile
     */
    public int receive(ByteBuffer dst, Duration timeout) throws IOException {
        Objects.requireNonNull(dst, "dst");
        long deadline = deadline(timeout);
        synchronized (receiving) {
            for (;;) {
                requireOpen();
                int n;
                synchronized (engineLock) {
                    requireOpen();
                    n = engine.hasPendingPlaintext() ? engine.receive(null, dst) : DtlsEngine.NO_DATA;
                }
                if (n == DtlsEngine.NO_DATA) {
                    n = readOne(dst, deadline);
                }
                if (n == DtlsEngine.CLOSED) {
                    return -1;
                }
                if (n >= 0) {
                    return n;
                }
            }
        }
    }

    /**
     * Waits for the next datagram of application data and returns it.
     *
     * @return the datagram's bytes, or null once the server has closed the connection
     */
    public byte[] receive(Duration timeout) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(io.github.mbedtlsjni.mbedtls.DatagramBio.maxPlaintext());
        int n = receive(dst, timeout);
        if (n < 0) {
            return null;
        }
        byte[] data = new byte[n];
        dst.flip().get(data);
        return data;
    }

    /** One datagram from the socket through the engine: its plaintext count, NO_DATA or CLOSED. */
    private int readOne(ByteBuffer dst, long deadline) throws IOException {
        ByteBuffer in = INPUT.get();
        in.clear();
        int got;
        try {
            got = channel.read(in);
            if (got <= 0) {
                long left = deadline == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (deadline != 0 && left <= 0) {
                    throw new SocketTimeoutException("no datagram from " + peer + " within the receive timeout");
                }
                long timer;
                synchronized (engineLock) {
                    requireOpen();
                    timer = engine.timeoutMillis();
                    if (timer == 0) {
                        engine.handleTimeout();
                        return DtlsEngine.NO_DATA;
                    }
                }
                long wait = timer < 0 ? left : left == 0 ? timer : Math.min(left, timer);
                awaitDatagram(wait == 0 ? -1 : wait);
                return DtlsEngine.NO_DATA;
            }
        } catch (ClosedChannelException e) {
            throw closed(e);
        } catch (java.net.PortUnreachableException e) {
            throw new java.net.PortUnreachableException("DTLS server " + peer + " is not listening (ICMP port unreachable)");
        }
        in.flip();
        synchronized (engineLock) {
            requireOpen();
            return engine.receive(in, dst);
        }
    }

    /** Waits until a datagram may be read: at most {@code millis} ms (-1: for ever). True if one may. */
    private boolean awaitDatagram(long millis) throws IOException {
        requireOpen();
        int n;
        try {
            n = millis < 0 ? selector.select(ignoreKey) : selector.select(ignoreKey, Math.max(1, millis));
        } catch (java.nio.channels.ClosedSelectorException e) {
            throw closed(e);
        }
        requireOpen();
        return n > 0;
    }

    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout is negative: " + timeout);
        }
        return timeout.isZero() ? 0 : System.nanoTime() + Math.max(1, timeout.toNanos()) | 1;
    }

    /**
     * The most application data one datagram carries.
     *
     * @throws IllegalStateException once closed
     */
    public int maxPayload() {
        synchronized (engineLock) {
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            return engine.maxPayload();
        }
    }

    /**
     * The CID this client puts into the records it sends (chosen by the server), or null if none
     * was agreed (or the connection is closed).
     */
    public byte[] peerCid() {
        synchronized (engineLock) {
            return closed ? null : engine.peerCid();
        }
    }

    /**
     * The CID the server puts into the records it sends here (chosen by this client), or null if
     * none was agreed (or the connection is closed).
     */
    public byte[] ownCid() {
        synchronized (engineLock) {
            return closed ? null : engine.ownCid();
        }
    }

    /** The negotiated cipher suite, by its Mbed TLS name (null once closed). */
    public String ciphersuite() {
        synchronized (engineLock) {
            return closed ? null : engine.ciphersuite();
        }
    }

    /** The local UDP address the connection sends from. */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /**
     * The session, for {@link DtlsClient.ConnectionBuilder#resume} on a later connection
     * ({@code mbedtls_ssl_get_session}; the caller owns it), or null if there is none to export.
     */
    public SslSession session() {
        synchronized (engineLock) {
            return closed ? null : engine.session();
        }
    }

    /**
     * Saves the whole connection ({@code mbedtls_ssl_context_save}) and closes this one without
     * close_notify: the bytes restore it ({@link DtlsClient.ConnectionBuilder#restore}) from
     * another socket, e.g. after a device slept. Keep them secret and restore them once.
     *
     * @throws io.github.mbedtlsjni.mbedtls.MbedTlsException if Mbed TLS cannot save it now (see
     *     {@link io.github.mbedtlsjni.mbedtls.DatagramBio#save()})
     */
    public byte[] save() throws IOException {
        byte[] state;
        synchronized (engineLock) {
            requireOpen();
            state = engine.bio().save();
            // Saving reset the context: marked closed before the lock is released, so that a
            // receive or send on another thread finds it closed instead of reaching the context.
            closed = true;
        }
        closeQuietly();
        return state;
    }

    /** Sends close_notify and frees the connection. Callable from any thread; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        synchronized (engineLock) {
            engine.close();
        }
        closeQuietly();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "DtlsConnection[" + peer + (closed ? ", closed]" : "]");
    }

    private void closeQuietly() {
        closed = true;
        selector.wakeup();
        synchronized (engineLock) {
            engine.close();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private void requireOpen() throws SocketException {
        if (closed) {
            throw new SocketException("DtlsConnection to " + peer + " is closed");
        }
    }

    private SocketException closed(Exception cause) {
        SocketException e = new SocketException("DtlsConnection to " + peer + " is closed");
        e.initCause(cause);
        return e;
    }
}
