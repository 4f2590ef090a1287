package io.github.mbedtlsjni;

/**
 * An Mbed TLS function returned an error.
 *
 * <p>Carries the negative Mbed TLS error code, the text {@code mbedtls_strerror} gives for it
 * and the name of the Mbed TLS function that failed. {@link #getMessage()} reads, for example,
 * {@code mbedtls_ssl_handshake: -0x7780 SSL - A fatal alert message was received from our peer}.
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
    public MbedTlsException(int code, String function, String errorText) {
        this(code, function, errorText, null);
    }

    /**
     * @param code the Mbed TLS error code (negative)
     * @param function the Mbed TLS function that returned it
     * @param errorText {@code mbedtls_strerror}'s text for the code
     * @param detail extra context (a file name, a host), or null
     */
    public MbedTlsException(int code, String function, String errorText, String detail) {
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

    /** Formats an Mbed TLS error code the way Mbed TLS's own programs do: {@code -0x7780}. */
    public static String formatCode(int code) {
        return code < 0 ? "-0x" + String.format("%04X", -(long) code) : "0x" + String.format("%04X", code);
    }
}
