package io.github.mbedtlsjni.mbedtls;

/**
 * Receives Mbed TLS's debug output ({@code mbedtls_ssl_conf_dbg}'s callback), set with
 * {@link SslConfig#setDebug}.
 *
 * <p>Called on the thread that is inside the Mbed TLS call (a handshake, read or write), while
 * that call runs: it must return quickly and must not use the connection it reports on. What it
 * throws is dropped. The config holds a reference to it until the config is freed.
 */
@FunctionalInterface
public interface DebugCallback {
    /**
     * One debug message.
     *
     * @param level the message's debug level, 1 (errors) to 4 (verbose)
     * @param file the Mbed TLS source file that printed it
     * @param line the line in that file
     * @param text the message, usually ending in a newline
     */
    void message(int level, String file, int line, String text);
}
