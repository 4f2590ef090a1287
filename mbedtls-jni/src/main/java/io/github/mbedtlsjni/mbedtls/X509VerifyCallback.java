package io.github.mbedtlsjni.mbedtls;

/**
 * The verify callback of an offline verification, {@code mbedtls_x509_crt_verify_with_profile}'s
 * {@code f_vrfy} ({@link X509Crt#verify(X509Crt, X509Crl, String, VerifyProfile, X509Crt.Purpose, X509VerifyCallback)}).
 * Mbed TLS calls it once for each certificate of the chain it built, from the top (the trust
 * anchor, or the last certificate it could chain to) down to the leaf at depth 0, with the flags
 * it found for that certificate; what it returns replaces them, exactly as a C callback that
 * writes {@code *flags}: clear a flag to accept what it stands for, add one (e.g.
 * {@link #BADCERT_OTHER}) to refuse. The verification's result is the union of every
 * certificate's flags after the callback.
 *
 * <p>An exception thrown by the callback ends the verification at once (Mbed TLS sees
 * {@code MBEDTLS_ERR_X509_FATAL_ERROR} returned by its callback) and propagates from
 * {@code verify} unchanged.
 *
 * <p>It runs on the thread calling {@code verify}, which holds the read locks of the lists
 * involved: it may read them (the accessors of {@link X509Crt} and {@link X509Crl}), not append
 * to them (refused with {@link IllegalStateException}).
 */
@FunctionalInterface
public interface X509VerifyCallback {
    /** {@code MBEDTLS_X509_BADCERT_OTHER}: "other reason (can be used by verify callback)". */
    int BADCERT_OTHER = 0x0100;

    /**
     * @param certificate the certificate's DER, as Mbed TLS holds it
     * @param depth 0 for the leaf, one more for each certificate above it
     * @param flags the {@code MBEDTLS_X509_BADCERT_*}/{@code BADCRL_*} flags Mbed TLS found for
     *     this certificate (see {@link VerifyFlag})
     * @return the flags this certificate keeps
     */
    int verify(byte[] certificate, int depth, int flags);
}
