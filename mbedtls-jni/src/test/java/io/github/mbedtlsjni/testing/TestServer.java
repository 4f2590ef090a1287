package io.github.mbedtlsjni.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * A server a test starts on 127.0.0.1: a child process ({@link ProcessServer}: openssl s_server,
 * gnutls-serv, nginx, ssl_server2...) or in-process ({@link LoopbackServer}: JSSE, hostile
 * scripts). {@link #close()} stops it and everything it started, and throws no checked exception,
 * so servers of every kind go in one try-with-resources.
 */
public interface TestServer extends AutoCloseable {
    /** The port the server listens on, at 127.0.0.1. */
    int port();

    /** Stops the server, ends its connections and waits for its threads or process. */
    @Override
    void close();

    /** 127.0.0.1, the only address test servers listen on. */
    static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException impossible) { // four bytes are always an IPv4 address
            throw new AssertionError(impossible);
        }
    }

    /**
     * A TCP port on 127.0.0.1 that was free a moment ago: for a server told its port on the
     * command line, or as a port nothing listens on.
     */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, loopback())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
