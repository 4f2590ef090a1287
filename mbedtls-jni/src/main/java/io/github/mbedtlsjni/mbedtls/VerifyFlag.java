package io.github.mbedtlsjni.mbedtls;

import java.util.Locale;

/**
 * The certificate and CRL verification flags of Mbed TLS's {@code x509.h}
 * ({@code MBEDTLS_X509_BADCERT_*} and {@code MBEDTLS_X509_BADCRL_*}), by their Mbed TLS names,
 * each with its category in the <a href="https://x509errors.org/mbedtls">x509errors.org</a>
 * taxonomy and its entry there. Pure Java: no native memory.
 */
public enum VerifyFlag {
    /** The certificate validity has expired. */
    BADCERT_EXPIRED(0x01, VerifyCategory.TIME),
    /** The certificate has been revoked (is on a CRL). */
    BADCERT_REVOKED(0x02, VerifyCategory.TIME),
    /** The certificate Common Name (CN) or subjectAltName does not match the expected name. */
    BADCERT_CN_MISMATCH(0x04, VerifyCategory.NAME),
    /** The certificate is not correctly signed by the trusted CA. */
    BADCERT_NOT_TRUSTED(0x08, VerifyCategory.TRUST),
    /** The CRL is not correctly signed by the trusted CA. */
    BADCRL_NOT_TRUSTED(0x10, VerifyCategory.TRUST),
    /** The CRL is expired. */
    BADCRL_EXPIRED(0x20, VerifyCategory.TIME),
    /** Certificate was missing. */
    BADCERT_MISSING(0x40, VerifyCategory.UNCATEGORIZED),
    /** Certificate verification was skipped. */
    BADCERT_SKIP_VERIFY(0x80, VerifyCategory.UNCATEGORIZED),
    /** Other reason (can be used by verify callback). */
    BADCERT_OTHER(0x0100, VerifyCategory.UNCATEGORIZED),
    /** The certificate validity starts in the future. */
    BADCERT_FUTURE(0x0200, VerifyCategory.TIME),
    /** The CRL is from the future. */
    BADCRL_FUTURE(0x0400, VerifyCategory.TIME),
    /** Usage does not match the keyUsage extension. */
    BADCERT_KEY_USAGE(0x0800, VerifyCategory.USAGE),
    /** Usage does not match the extendedKeyUsage extension. */
    BADCERT_EXT_KEY_USAGE(0x1000, VerifyCategory.USAGE),
    /** Usage does not match the nsCertType extension. */
    BADCERT_NS_CERT_TYPE(0x2000, VerifyCategory.USAGE),
    /** The certificate is signed with an unacceptable hash. */
    BADCERT_BAD_MD(0x4000, VerifyCategory.ALGORITHM),
    /** The certificate is signed with an unacceptable PK algorithm (e.g. RSA vs ECDSA). */
    BADCERT_BAD_PK(0x8000, VerifyCategory.ALGORITHM),
    /** The certificate is signed with an unacceptable key (e.g. bad curve, RSA too short). */
    BADCERT_BAD_KEY(0x010000, VerifyCategory.ALGORITHM),
    /** The CRL is signed with an unacceptable hash. */
    BADCRL_BAD_MD(0x020000, VerifyCategory.ALGORITHM),
    /** The CRL is signed with an unacceptable PK algorithm (e.g. RSA vs ECDSA). */
    BADCRL_BAD_PK(0x040000, VerifyCategory.ALGORITHM),
    /** The CRL is signed with an unacceptable key (e.g. bad curve, RSA too short). */
    BADCRL_BAD_KEY(0x080000, VerifyCategory.ALGORITHM);

    private final int bit;
    private final VerifyCategory category;

    VerifyFlag(int bit, VerifyCategory category) {
        this.bit = bit;
        this.category = category;
    }

    /** The flag's bit in Mbed TLS's verify result. */
    public int bit() {
        return bit;
    }

    /** The C macro name, e.g. {@code MBEDTLS_X509_BADCERT_EXPIRED}. */
    public String mbedtlsName() {
        return "MBEDTLS_X509_" + name();
    }

    /** The flag's category in the x509errors.org taxonomy (as that site files it). */
    public VerifyCategory category() {
        return category;
    }

    /**
     * The flag's entry on x509errors.org, e.g.
     * {@code https://x509errors.org/mbedtls#mbedtls-x509-badcert-expired-link}.
     */
    public String documentationUrl() {
        return VerifyCategory.documentationUrl(mbedtlsName().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /** The flag whose bit is {@code bit}, or null if Mbed TLS's {@code x509.h} names no such flag. */
    public static VerifyFlag ofBit(int bit) {
        for (VerifyFlag f : values()) {
            if (f.bit == bit) {
                return f;
            }
        }
        return null;
    }
}
