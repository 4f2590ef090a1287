package io.github.mbedtlsjni.mbedtls;

import java.util.Optional;

/**
 * An Mbed TLS function returned an error.
 *
 * <p>Carries the negative Mbed TLS error code, the text {@code mbedtls_strerror} gives for it
 * and the name of the Mbed TLS function that failed. {@link #getMessage()} reads, for example,
 * {@code mbedtls_ssl_handshake: -0x7780 SSL - A fatal alert message was received from our peer}.
 * {@link #errorName()} names the code by its C macro(s), and {@link #category()} files
 * certificate and PEM errors in the x509errors.org taxonomy ({@link MbedTlsError}).
 * Holds no native memory: the code and texts are copied out of Mbed TLS when it is thrown.
 */
public class MbedTlsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String function;
    private final String errorText;

    /**
     * @param code the Mbed TLS error code (negative)
     * @param function the Mbed TLS function that returned it
     * @param errorText {@code mbedtls_strerror}'s text for the code
     */
    MbedTlsException(int code, String function, String errorText) {
        this(code, function, errorText, null);
    }

    /**
     * @param code the Mbed TLS error code (negative)
     * @param function the Mbed TLS function that returned it
     * @param errorText {@code mbedtls_strerror}'s text for the code
     * @param detail extra context (a file name, a host), or null
     */
    MbedTlsException(int code, String function, String errorText, String detail) {
        super(function + ": " + formatCode(code) + " " + errorText + (detail == null ? "" : " (" + detail + ")"));
        this.code = code;
        this.function = function;
        this.errorText = errorText;
    }

    /** The Mbed TLS error code, negative, as the C function returned it. */
    public int code() {
        return code;
    }

    /** The name of the Mbed TLS function that failed, e.g. {@code mbedtls_ssl_handshake}. */
    public String function() {
        return function;
    }

    /** {@code mbedtls_strerror}'s text for {@link #code()}. */
    public String errorText() {
        return errorText;
    }

    /**
     * The C macro(s) of {@link #code()}, e.g. {@code MBEDTLS_ERR_X509_INVALID_EXTENSIONS +
     * MBEDTLS_ERR_ASN1_UNEXPECTED_TAG}; see {@link MbedTlsError#name(int)}.
     */
    public String errorName() {
        return MbedTlsError.name(code);
    }

    /** The x509errors.org category of {@link #code()}, for certificate and PEM errors; see {@link MbedTlsError}. */
    public Optional<VerifyCategory> category() {
        return MbedTlsError.category(code);
    }

    /** The x509errors.org entry of {@link #code()}, if that site lists it. */
    public Optional<String> documentationUrl() {
        return MbedTlsError.documentationUrl(code);
    }

    /** Formats an Mbed TLS error code the way Mbed TLS's own programs do: {@code -0x7780}. */
    public static String formatCode(int code) {
        return code < 0 ? "-0x" + String.format("%04X", -(long) code) : "0x" + String.format("%04X", code);
    }
}
