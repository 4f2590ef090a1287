package io.github.mbedtlsjni.mbedtls;

/**
 * A handshake failed because the peer's certificate did not verify
 * ({@code MBEDTLS_ERR_X509_CERT_VERIFY_FAILED} in {@code VERIFY_REQUIRED} mode).
 *
 * <p>Besides the error code, it carries the verification result Mbed TLS recorded
 * ({@code mbedtls_ssl_get_verify_result} and {@code mbedtls_x509_crt_verify_info}), copied
 * out of the context: it holds no native memory.
 */
public class CertificateVerificationException extends MbedTlsException {
    private static final long serialVersionUID = 1L;

    private final VerifyResult verifyResult;

    /**
     * @param code the Mbed TLS error code
     * @param function the Mbed TLS function that returned it
     * @param errorText {@code mbedtls_strerror}'s text
     * @param flags the verify flags ({@code mbedtls_ssl_get_verify_result})
     * @param verifyInfo {@code mbedtls_x509_crt_verify_info}'s text for the flags
     */
    CertificateVerificationException(int code, String function, String errorText, int flags, String verifyInfo) {
        this(code, function, errorText, new VerifyResult(flags, verifyInfo));
    }

    private CertificateVerificationException(int code, String function, String errorText, VerifyResult result) {
        super(code, function, errorText, result.describe());
        this.verifyResult = result;
    }

    /** What Mbed TLS found wrong with the peer's certificate chain. */
    public VerifyResult verifyResult() {
        return verifyResult;
    }
}
