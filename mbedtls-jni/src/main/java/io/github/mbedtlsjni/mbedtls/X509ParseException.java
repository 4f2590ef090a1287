package io.github.mbedtlsjni.mbedtls;

/**
 * Mbed TLS could not parse a certificate or CRL: {@code mbedtls_x509_crt_parse*} or
 * {@code mbedtls_x509_crl_parse*} returned an {@code MBEDTLS_ERR_X509_*}, {@code MBEDTLS_ERR_PEM_*}
 * (or, inside those, {@code MBEDTLS_ERR_ASN1_*}, {@code MBEDTLS_ERR_PK_*}, ...) error.
 *
 * <p>{@link #errorName()} names it, e.g. {@code MBEDTLS_ERR_X509_INVALID_EXTENSIONS +
 * MBEDTLS_ERR_ASN1_UNEXPECTED_TAG}; {@link #category()} is its x509errors.org category
 * ({@code FORMAT} for most). The message ends with the name, and the file if there was one.
 * Holds no native memory.
 */
public class X509ParseException extends MbedTlsException {
    private static final long serialVersionUID = 1L;

    /**
     * @param code the Mbed TLS error code (negative)
     * @param function the Mbed TLS parse function that returned it
     * @param errorText {@code mbedtls_strerror}'s text for the code
     * @param detail the file name, or null
     */
    X509ParseException(int code, String function, String errorText, String detail) {
        super(code, function, errorText, MbedTlsError.name(code) + (detail == null ? "" : "; " + detail));
    }
}
