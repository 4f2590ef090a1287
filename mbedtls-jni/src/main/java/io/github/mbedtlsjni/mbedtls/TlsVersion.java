package io.github.mbedtlsjni.mbedtls;

/**
 * A TLS protocol version, the {@code mbedtls_ssl_protocol_version} that
 * {@code mbedtls_ssl_conf_min_tls_version} and {@code _max_tls_version} take
 * ({@link SslConfig#setMinTlsVersion}, {@link SslConfig#setMaxTlsVersion}). A plain value.
 */
public enum TlsVersion {
    /** TLS 1.2 ({@code MBEDTLS_SSL_VERSION_TLS1_2}). */
    TLS1_2("TLSv1.2"),
    /** TLS 1.3 ({@code MBEDTLS_SSL_VERSION_TLS1_3}); needs Mbed TLS 3.x. */
    TLS1_3("TLSv1.3");

    private final String protocolName;

    TlsVersion(String protocolName) {
        this.protocolName = protocolName;
    }

    /** The name Mbed TLS's {@code mbedtls_ssl_get_version} uses, e.g. {@code TLSv1.3}. */
    public String protocolName() {
        return protocolName;
    }

    /** Parses "1.2", "1.3", "TLSv1.2" or "TLSv1.3". */
    public static TlsVersion parse(String text) {
        switch (text) {
            case "1.2":
            case "TLSv1.2":
                return TLS1_2;
            case "1.3":
            case "TLSv1.3":
                return TLS1_3;
            default:
                throw new IllegalArgumentException("unknown TLS version '" + text + "' (expected 1.2 or 1.3)");
        }
    }
}
