package io.github.mbedtlsjni;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import java.io.IOException;

/**
 * An Mbed TLS failure met by {@link TlsClient}, as an {@link IOException}: in a
 * {@link TlsConnection} (handshake, read, write) or in what {@link TlsClient.Builder#build()}
 * loads (certificates, CRLs, keys that Mbed TLS cannot parse). Carries the Mbed TLS error code,
 * the failing function and, when the server's certificate did not verify, the verification
 * result. The cause is the {@link MbedTlsException} the thin classes threw; the message says what
 * was being done (which file, which host) and ends with the cause's message. Holds no native
 * memory.
 */
public class TlsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String function;
    private final transient VerifyResult verifyResult;

    /**
     * @param message what failed, e.g. {@code TLS handshake with example.org:443 failed: ...}
     * @param cause the Mbed TLS failure
     */
    TlsException(String message, MbedTlsException cause) {
        super(message, cause);
        this.code = cause.code();
        this.function = cause.function();
        this.verifyResult = cause instanceof CertificateVerificationException
                ? ((CertificateVerificationException) cause).verifyResult() : null;
    }

    /** The Mbed TLS error code, negative, e.g. {@code -0x2700} ({@code MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}). */
    public int code() {
        return code;
    }

    /** The Mbed TLS function that failed, e.g. {@code mbedtls_ssl_handshake}. */
    public String function() {
        return function;
    }

    /** What was wrong with the server's certificate, or null if this is not a verification failure. */
    public VerifyResult verifyResult() {
        return verifyResult;
    }

    /** True if the handshake failed because the server's certificate did not verify. */
    public boolean isCertificateVerificationFailure() {
        return verifyResult != null;
    }

    /** The {@link MbedTlsException} behind this one. */
    @Override
    public synchronized MbedTlsException getCause() {
        return (MbedTlsException) super.getCause();
    }
}
