package io.github.mbedtlsjni.mbedtls;

/**
 * The extension callback of a parse, {@code mbedtls_x509_crt_ext_cb_t} of
 * {@code mbedtls_x509_crt_parse_der_with_ext_cb} ({@link X509Crt#parseDer(byte[], X509ExtensionCallback)})
 * and {@code mbedtls_x509_csr_ext_cb_t} of {@code mbedtls_x509_csr_parse_der_with_ext_cb}
 * ({@link X509Csr#parseDer(byte[], X509ExtensionCallback)}, Mbed TLS 3.6 only). Mbed TLS calls
 * it for each extension it does not parse itself (an OID it does not know; for a certificate
 * also a certificatePolicies extension with a policy it does not support), in the order of the
 * certificate or request, and its answer decides what happens, as in C:
 *
 * <ul>
 *   <li>0 accepts the extension: the parse goes on as if Mbed TLS knew it;
 *   <li>a negative Mbed TLS error code refuses it: for a critical extension the parse fails with
 *       that code ({@link X509ParseException#code()}); a refused non-critical extension is skipped
 *       by Mbed TLS, and the parse goes on.
 * </ul>
 *
 * <p>An exception thrown by the callback ends the parse in every case (also for a non-critical
 * extension, which Mbed TLS itself would skip): nothing is added, and the parse throws an
 * {@link X509ParseException} ({@code MBEDTLS_ERR_X509_FATAL_ERROR}) whose cause is the
 * callback's exception. A positive answer, which is no Mbed TLS code, is such a failure too
 * ({@link IllegalArgumentException} as cause).
 *
 * <p>It runs on the thread calling the parse, which holds the object being parsed into: reading
 * or changing that same object from the callback is refused ({@link IllegalStateException}, which
 * then fails the parse as above). Other objects may be used freely. Holds no native memory; the
 * arrays it is given are copies, its own to keep.
 */
@FunctionalInterface
public interface X509ExtensionCallback {
    /**
     * @param oid the extension's OID, dotted as {@code mbedtls_oid_get_numeric_string} writes it
     *     (e.g. {@code "1.3.6.1.5.5.7.1.31"}), or null if Mbed TLS cannot write it so
     * @param oidDer the OID as Mbed TLS found it: the contents octets, without tag and length
     * @param critical the extension's critical flag
     * @param value the contents of the extension's extnValue OCTET STRING
     * @return 0 to accept the extension, or a negative Mbed TLS error code to refuse it
     */
    int extension(String oid, byte[] oidDer, boolean critical, byte[] value);
}
