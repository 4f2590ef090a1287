package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.TlsClient;
import java.net.SocketTimeoutException;
import java.util.Objects;

/**
 * A TCP connection, {@code mbedtls_net_context}.
 *
 * <p>{@code new NetContext()} is {@code mbedtls_net_init}; {@link #connect} is
 * {@code mbedtls_net_connect}; {@link #close()} shuts the socket down at once (waking any thread
 * blocked on it) and then {@code mbedtls_net_free} closes it, once no {@link SslContext} uses it
 * any more.
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
        if (connected) {
            throw new IllegalStateException("NetContext is already connected");
        }
    }

    /** True after a successful {@link #connect}. */
    public synchronized boolean isConnected() {
        return connected;
    }

    /** Shuts the socket down (both directions) at once, then frees as described above. */
    @Override
    public void close() {
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
}
