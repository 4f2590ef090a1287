package io.github.mbedtlsjni.internal;

import io.github.mbedtlsjni.mbedtls.SslContext;

/**
 * A last word on a server certificate chain that Mbed TLS has accepted: the binding's verify
 * callback ({@code mbedtls_ssl_set_verify}, set with {@link ThinAccess#setVerifyCallback}) calls it
 * once per verification, at the leaf, when the chain's flags are all 0, with the chain as the
 * server sent it. It can only refuse: flags it returns beyond those it got are added (so the
 * handshake fails with them, e.g. {@code MBEDTLS_X509_BADCERT_OTHER}, 0x0100, Mbed TLS's flag for a
 * callback's reasons); flags it drops are kept. If it throws, the chain is refused with
 * {@code MBEDTLS_X509_BADCERT_OTHER}. It is not called for a resumed session (no certificate).
 *
 * <p>It runs on the thread inside the handshake, with the context's lock held: it may read the
 * context ({@link SslContext#protocol()}, {@link SslContext#ciphersuite()}) but must not read,
 * write or hand it to another thread that does.
 *
 * <p>Internal: the JSSE provider asks its {@code X509TrustManager} through it. It is not a binding
 * of {@code mbedtls_ssl_set_verify}'s callback (which is called for every certificate, with its
 * depth, and may clear flags), so it is not offered to applications.
 */
@FunctionalInterface
public interface VerifyCallback {
    /** {@code MBEDTLS_X509_BADCERT_OTHER}: "other reason (can be used by verify callback)". */
    int BADCERT_OTHER = 0x0100;

    /**
     * @param chain the server's certificates as DER, leaf first, as it sent them
     * @param flags the verify flags Mbed TLS computed (0 here: accepted)
     * @return {@code flags} to accept, or {@code flags | BADCERT_OTHER} (or other flags) to refuse
     */
    int verify(byte[][] chain, int flags);
}
