package io.github.mbedtlsjni.mbedtls;

/**
 * A server's pre-shared keys by identity: the Java side of {@code mbedtls_ssl_conf_psk_cb}, set
 * with {@link SslConfig#setPskLookup}.
 *
 * <p>Called during each handshake that offers a PSK, on the thread running the handshake, while
 * the connection's context is locked: it must not use that context, and should answer quickly
 * (look the key up, do not wait for the network).
 */
@FunctionalInterface
public interface PskLookup {
    /**
     * The key of {@code identity}, or null to refuse it. The binding copies the key into Mbed TLS
     * ({@code mbedtls_ssl_set_hs_psk}) and then wipes the array returned (fills it with zeros), so
     * return a fresh copy, not a key kept in a field. An exception refuses the identity too (it
     * is not propagated; the handshake fails as for an unknown identity).
     *
     * @param identity the identity the client sent (a copy; the lookup may keep it)
     * @return the key, or null (or an empty array) to refuse
     */
    byte[] keyFor(byte[] identity);
}
