package io.github.mbedtlsjni;

/**
 * The certificate and CRL verification flags of Mbed TLS's {@code x509.h}
 * ({@code MBEDTLS_X509_BADCERT_*} and {@code MBEDTLS_X509_BADCRL_*}), by their Mbed TLS names.
 */
public enum VerifyFlag {
    /** The certificate validity has expired. */
    BADCERT_EXPIRED(0x01),
    /** The certificate has been revoked (is on a CRL). */
    BADCERT_REVOKED(0x02),
    /** The certificate Common Name (CN) or subjectAltName does not match the expected name. */
    BADCERT_CN_MISMATCH(0x04),
    /** The certificate is not correctly signed by the trusted CA. */
    BADCERT_NOT_TRUSTED(0x08),
    /** The CRL is not correctly signed by the trusted CA. */
    BADCRL_NOT_TRUSTED(0x10),
    /** The CRL is expired. */
    BADCRL_EXPIRED(0x20),
    /** Certificate was missing. */
    BADCERT_MISSING(0x40),
    /** Certificate verification was skipped. */
    BADCERT_SKIP_VERIFY(0x80),
    /** Other reason (can be used by verify callback). */
    BADCERT_OTHER(0x0100),
    /** The certificate validity starts in the future. */
    BADCERT_FUTURE(0x0200),
    /** The CRL is from the future. */
    BADCRL_FUTURE(0x0400),
    /** Usage does not match the keyUsage extension. */
    BADCERT_KEY_USAGE(0x0800),
    /** Usage does not match the extendedKeyUsage extension. */
    BADCERT_EXT_KEY_USAGE(0x1000),
    /** Usage does not match the nsCertType extension. */
    BADCERT_NS_CERT_TYPE(0x2000),
    /** The certificate is signed with an unacceptable hash. */
    BADCERT_BAD_MD(0x4000),
    /** The certificate is signed with an unacceptable PK algorithm (e.g. RSA vs ECDSA). */
    BADCERT_BAD_PK(0x8000),
    /** The certificate is signed with an unacceptable key (e.g. bad curve, RSA too short). */
    BADCERT_BAD_KEY(0x010000),
    /** The CRL is signed with an unacceptable hash. */
    BADCRL_BAD_MD(0x020000),
    /** The CRL is signed with an unacceptable PK algorithm (e.g. RSA vs ECDSA). */
    BADCRL_BAD_PK(0x040000),
    /** The CRL is signed with an unacceptable key (e.g. bad curve, RSA too short). */
    BADCRL_BAD_KEY(0x080000);

    private final int bit;

    VerifyFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit in Mbed TLS's verify result. */
    public int bit() {
        return bit;
    }

    /** The C macro name, e.g. {@code MBEDTLS_X509_BADCERT_EXPIRED}. */
    public String mbedtlsName() {
        return "MBEDTLS_X509_" + name();
    }
}
