package io.github.mbedtlsjni.mbedtls;

/**
 * A TLS 1.3 key exchange mode: the {@code MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_*} values that
 * {@code mbedtls_ssl_conf_tls13_key_exchange_modes} takes ({@link SslConfig#setTls13KeyExchangeModes}).
 * Mbed TLS allows all three by default. A plain value.
 */
public enum Tls13KeyExchangeMode {
    /**
     * {@code MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK}: the pre-shared key alone (external or a
     * resumption ticket), no (EC)DHE: no forward secrecy. Weaker; ask for it by name.
     */
    PSK,
    /** {@code MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL}: (EC)DHE with certificates, no PSK. */
    EPHEMERAL,
    /** {@code MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL}: a pre-shared key and (EC)DHE. */
    PSK_EPHEMERAL;

    /** The bit the native side maps to Mbed TLS's constant (ssl_config.c): 1, 2 or 4. */
    int bit() {
        return 1 << ordinal();
    }
}
