package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.TlsClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A TCP connection, {@code mbedtls_net_context}.
 *
 * <p>{@code new NetContext()} is {@code mbedtls_net_init}; {@link #connect} is
 * {@code mbedtls_net_connect}; {@link #close()} shuts the socket down at once (waking any thread
 * blocked on it) and then {@code mbedtls_net_free} closes it, once no {@link SslContext} uses it
 * any more.
 *
 * <p>A server's side: {@link #bind} is {@code mbedtls_net_bind} and {@link #accept(int)}
 * {@code mbedtls_net_accept}, which returns each client's connection as a new
 * {@code NetContext} (its own to close) knowing the client's {@link #peerAddress()}. The
 * listening socket is non-blocking: {@code accept} waits in {@code poll()}, for at most its
 * timeout, and {@link #close()} of the listening context from another thread wakes it (it then
 * throws). Any number of threads may accept on one listening context.
 *
 * <p>Beyond the guide: {@link #connect(String, int, int)} connects within a time limit, and
 * {@link #setReadTimeout} and {@link #setWriteTimeout} limit how long an {@link SslContext} waits
 * for the socket to deliver data or to take more (the call then fails with
 * {@code MBEDTLS_ERR_SSL_TIMEOUT}). By default all of them wait forever, as
 * {@code mbedtls_net_connect}, {@code mbedtls_net_recv} and {@code mbedtls_net_send} do. Once
 * given to {@link SslContext#setBio}, the socket is used non-blocking and the waits happen in the
 * binding, with {@code poll()}, never {@code select()}, so they work for any descriptor number.
 */
public final class NetContext extends NativeResource {
    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int DEADLINE = 2;
    private static final Type TYPE = new Type("NetContext") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean connected; // guarded by this
    private int boundPort; // guarded by this: the listening port after bind, else 0
    private volatile InetSocketAddress peer; // the client's address, of a context accept returned
    private volatile boolean closing; // close() began: set before the socket is shut down

    /** {@code mbedtls_net_init}. */
    public NetContext() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_net_connect(&net, host, port, MBEDTLS_NET_PROTO_TCP)}: resolves
     * {@code host} and connects over TCP, blocking.
     *
     * @throws IllegalArgumentException if the port is not 1..65535 or the host is empty
     * @throws IllegalStateException if already connected or closed
     * @throws MbedTlsException ({@code MBEDTLS_ERR_NET_UNKNOWN_HOST}, {@code ..._CONNECT_FAILED}) on failure
     */
    public synchronized void connect(String host, int port) {
        checkConnect(host, port);
        long self = handle.acquire();
        try {
            nConnect(self, host, Integer.toString(port));
            connected = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@link #connect(String, int)} within {@code timeoutMillis}: the same name resolution and TCP
     * connect as {@code mbedtls_net_connect}, but non-blocking with {@code poll()}, trying each
     * address of the host until one connects or the time is up. The socket is blocking again
     * afterwards, so the rest of Mbed TLS sees what {@code mbedtls_net_connect} would leave.
     *
     * @param timeoutMillis the time limit for connecting, over all addresses (name resolution
     *     itself, {@code getaddrinfo}, is not limited); 0 means none (exactly {@link #connect(String, int)})
     * @throws SocketTimeoutException if no address connected in time
     * @throws MbedTlsException ({@code MBEDTLS_ERR_NET_UNKNOWN_HOST}, {@code ..._CONNECT_FAILED}) on failure
     */
    public synchronized void connect(String host, int port, int timeoutMillis) throws SocketTimeoutException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout " + timeoutMillis + " ms is negative");
        }
        if (timeoutMillis == 0) {
            connect(host, port);
            return;
        }
        checkConnect(host, port);
        long self = handle.acquire();
        try {
            nConnectTimeout(self, host, Integer.toString(port), timeoutMillis);
            connected = true;
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_net_bind(&net, address, port, MBEDTLS_NET_PROTO_TCP)}: opens a listening TCP
     * socket ({@code SO_REUSEADDR}, the first of the address's resolutions that binds). Then
     * {@link #accept(int)} takes the clients' connections. The listen queue is the system's
     * largest ({@code SOMAXCONN}) rather than Mbed TLS's 10, so that a burst of clients waits
     * in the queue instead of retransmitting.
     *
     * @param address the local address to listen on ({@code "127.0.0.1"}, {@code "::"}), or null
     *     for every interface
     * @param port the port, or 0 for one the system picks ({@link #localPort()} tells which)
     * @return the port bound
     * @throws IllegalArgumentException if the port is not 0..65535 or the address is empty
     * @throws IllegalStateException if already bound, connected or closed
     * @throws MbedTlsException ({@code MBEDTLS_ERR_NET_BIND_FAILED} with the system's reason, such
     *     as "Address already in use"; {@code ..._UNKNOWN_HOST}) on failure
     */
    public synchronized int bind(String address, int port) {
        if (address != null && address.isEmpty()) {
            throw new IllegalArgumentException("address is empty (null means every interface)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 0..65535");
        }
        if (connected || boundPort != 0) {
            throw new IllegalStateException("NetContext is already " + (connected ? "connected" : "bound"));
        }
        long self = handle.acquire();
        try {
            boundPort = nBind(self, address, Integer.toString(port));
            return boundPort;
        } finally {
            handle.release();
        }
    }

    /** The port {@link #bind} listens on, or 0 if this context is not listening. */
    public synchronized int localPort() {
        return boundPort;
    }

    /** {@link #accept(int)} without a time limit. */
    public NetContext accept() {
        try {
            return accept(0);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("accept without a timeout timed out", e);
        }
    }

    /**
     * {@code mbedtls_net_accept}: waits for a client's connection on this listening context and
     * returns it as a new, connected {@code NetContext}, which the caller closes. Its
     * {@link #peerAddress()} is the client's address and port. Not synchronized on this context:
     * several threads may wait at once, each gets another connection.
     *
     * @param timeoutMillis the longest wait, 0 for none
     * @throws SocketTimeoutException if no client connected in time (the context stays usable)
     * @throws IllegalStateException if this context is not {@link #bind bound}, or was closed
     *     (also while this call waited: then the {@link MbedTlsException} is the cause)
     * @throws MbedTlsException ({@code MBEDTLS_ERR_NET_ACCEPT_FAILED}) on failure
     */
    public NetContext accept(int timeoutMillis) throws SocketTimeoutException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeout " + timeoutMillis + " ms is negative");
        }
        if (localPort() == 0) {
            throw new IllegalStateException("NetContext is not listening: call bind(address, port) first");
        }
        long self = handle.acquire();
        NetContext client = new NetContext();
        boolean ok = false;
        try {
            long c = client.handle.acquire();
            try {
                byte[] address = new byte[18];
                int length = nAccept(self, c, timeoutMillis, address);
                client.accepted(address, length);
                ok = true;
                return client;
            } finally {
                client.handle.release();
            }
        } catch (MbedTlsException e) {
            if (closing || isClosed()) {
                throw new IllegalStateException("NetContext was closed during accept()", e);
            }
            throw e;
        } finally {
            handle.release();
            if (!ok) {
                client.close();
            }
        }
    }

    private synchronized void accepted(byte[] address, int length) {
        connected = true;
        int port = (address[16] & 0xff) << 8 | (address[17] & 0xff);
        try {
            peer = new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOf(address, length)), port);
        } catch (UnknownHostException e) {
            throw new AssertionError("mbedtls_net_accept gave a " + length + "-byte address", e);
        }
    }

    /**
     * The client's address and port, of a context {@link #accept(int)} returned (no name lookup
     * is made); null for any other context.
     */
    public InetSocketAddress peerAddress() {
        return peer;
    }

    /**
     * Limits how long a call of an {@link SslContext} using this connection
     * ({@code mbedtls_ssl_read}, {@code mbedtls_ssl_handshake}) waits for data from the peer:
     * when it elapses, the call fails with {@code MBEDTLS_ERR_SSL_TIMEOUT}. A read that timed out
     * may be retried: Mbed TLS keeps what it had received of a record. May be called at any time,
     * from any thread.
     *
     * @param millis the longest wait, 0 for none (the default)
     */
    public void setReadTimeout(int millis) {
        setTimeout(READ, millis);
    }

    /**
     * Limits how long a call of an {@link SslContext} using this connection
     * ({@code mbedtls_ssl_write}, {@code mbedtls_ssl_close_notify}) waits for the socket to take
     * more data, i.e. for a peer that does not read: when it elapses, the call fails with
     * {@code MBEDTLS_ERR_SSL_TIMEOUT}. A write that timed out cannot be resumed (part of a record
     * may have gone out; see {@link SslContext#write(byte[], int, int)}). May be called at any
     * time, from any thread.
     *
     * @param millis the longest wait, 0 for none (the default)
     */
    public void setWriteTimeout(int millis) {
        setTimeout(WRITE, millis);
    }

    /**
     * A deadline {@code millis} from now after which every wait for the socket times out at
     * once (0: none). The handshake timeout of {@link TlsClient} is such a deadline.
     */
    void setDeadline(int millis) {
        setTimeout(DEADLINE, millis);
    }

    private void setTimeout(int kind, int millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout " + millis + " ms is negative");
        }
        long self = handle.acquire();
        try {
            nSetTimeout(self, kind, millis);
        } finally {
            handle.release();
        }
    }

    private void checkConnect(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        if (connected || boundPort != 0) {
            throw new IllegalStateException("NetContext is already " + (connected ? "connected" : "bound"));
        }
    }

    /** True after a successful {@link #connect}. */
    public synchronized boolean isConnected() {
        return connected;
    }

    /** Shuts the socket down (both directions) at once, then frees as described above. */
    @Override
    public void close() {
        closing = true; // before the shutdown wakes an accept, which then reports a close, not a failure
        shutdownSocket();
        super.close();
    }

    void shutdownSocket() {
        shutdown(handle);
    }

    /**
     * Wakes threads blocked on the socket of {@code net} ({@code shutdown(fd, SHUT_RDWR)}); safe
     * from any thread, does nothing once the memory is freed. The descriptor stays open until
     * {@code mbedtls_net_free}, so it cannot be reused under a blocked call.
     */
    static void shutdown(Handle net) {
        if (net != null && net.acquireIfAllocated()) {
            try {
                nShutdown(net.pointerWhileAcquired());
            } finally {
                net.release();
            }
        }
    }

    private static native long nInit();

    private static native void nFree(long net);

    private static native void nConnect(long net, String host, String port);

    private static native void nShutdown(long net);

    private static native void nConnectTimeout(long net, String host, String port, int timeoutMillis);

    private static native void nSetTimeout(long net, int kind, int millis);

    private static native int nBind(long net, String address, String port);

    private static native int nAccept(long net, long client, int timeoutMillis, byte[] peer);
}
