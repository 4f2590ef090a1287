package io.github.mbedtlsjni.mbedtls;

/**
 * How the peer's certificate is checked: the {@code MBEDTLS_SSL_VERIFY_*} value
 * {@code mbedtls_ssl_conf_authmode} takes ({@link SslConfig#setAuthMode}). A plain value.
 */
public enum AuthMode {
    /** {@code MBEDTLS_SSL_VERIFY_NONE}: no verification at all. Insecure; ask for it by name. */
    NONE,
    /**
     * {@code MBEDTLS_SSL_VERIFY_OPTIONAL}: verify, record the result, complete the handshake
     * anyway. The caller must check {@link SslContext#verifyResult()}.
     */
    OPTIONAL,
    /** {@code MBEDTLS_SSL_VERIFY_REQUIRED}: the handshake fails unless verification passes. The default. */
    REQUIRED
}
