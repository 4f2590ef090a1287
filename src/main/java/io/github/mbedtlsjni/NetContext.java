package io.github.mbedtlsjni;

import java.util.Objects;

/**
 * A TCP connection, {@code mbedtls_net_context}.
 *
 * <p>{@code new NetContext()} is {@code mbedtls_net_init}; {@link #connect} is
 * {@code mbedtls_net_connect}; {@link #close()} shuts the socket down at once (waking any thread
 * blocked on it) and then {@code mbedtls_net_free} closes it, once no {@link SslContext} uses it
 * any more.
 */
public final class NetContext extends NativeResource {
    private boolean connected; // guarded by this

    /** {@code mbedtls_net_init}. */
    public NetContext() {
        super("NetContext", NetContext::nInit, NetContext::nFree);
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
        long self = handle.acquire();
        try {
            nConnect(self, this, host, Integer.toString(port));
            connected = true;
        } finally {
            handle.release();
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

    private static native void nConnect(long net, NetContext owner, String host, String port);

    private static native void nShutdown(long net);
}
