package io.github.mbedtlsjni.mbedtls;

import java.util.ArrayList;
import java.util.List;

/**
 * A handshake failed because the peer's certificate did not verify
 * ({@code MBEDTLS_ERR_X509_CERT_VERIFY_FAILED} in {@code VERIFY_REQUIRED} mode).
 *
 * <p>Besides the error code, it carries the verification result Mbed TLS recorded
 * ({@code mbedtls_ssl_get_verify_result} and {@code mbedtls_x509_crt_verify_info}) and the
 * chain the peer sent, as DER, copied out of the context: it holds no native memory.
 * {@link #peerChain()} parses that chain again with Mbed TLS, to see who issued what was
 * refused.
 */
public class CertificateVerificationException extends MbedTlsException {
    private static final long serialVersionUID = 1L;

    private final VerifyResult verifyResult;
    /** The peer's chain as it sent it, leaf first, as DER; empty if none was kept. */
    private final List<byte[]> chain;

    /**
     * @param code the Mbed TLS error code
     * @param function the Mbed TLS function that returned it
     * @param errorText {@code mbedtls_strerror}'s text
     * @param flags the verify flags ({@code mbedtls_ssl_get_verify_result})
     * @param verifyInfo {@code mbedtls_x509_crt_verify_info}'s text for the flags
     * @param chain the peer's certificates as DER, leaf first, or null if none were kept
     */
    CertificateVerificationException(int code, String function, String errorText, int flags, String verifyInfo,
            byte[][] chain) {
        super(code, function, errorText, new VerifyResult(flags, verifyInfo).describe());
        this.verifyResult = new VerifyResult(flags, verifyInfo);
        List<byte[]> ders = new ArrayList<>();
        if (chain != null) {
            for (byte[] der : chain) {
                ders.add(der.clone());
            }
        }
        this.chain = List.copyOf(ders);
    }

    /** What Mbed TLS found wrong with the peer's certificate chain. */
    public VerifyResult verifyResult() {
        return verifyResult;
    }

    /**
     * The chain the peer sent and Mbed TLS refused, leaf first, each certificate parsed by Mbed
     * TLS again from the DER it received ({@code mbedtls_x509_crt_parse_der}): a new
     * {@link X509Crt} that the caller closes, or null if the failure left no chain (Mbed TLS
     * stopped before it had one, or there was no memory to keep it).
     */
    public X509Crt peerChain() {
        return X509Crt.ofDers(chain);
    }
}
