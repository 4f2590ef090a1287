package io.github.mbedtlsjni.mbedtls;

import java.util.Locale;

/**
 * The categories of the <a href="https://x509errors.org/">x509errors.org</a> taxonomy of
 * certificate validation errors, as that site files Mbed TLS's verify flags and X.509 error
 * codes (its {@code _data/errors/mbedtls.yml}). Pure Java: wraps no Mbed TLS function and owns
 * no native memory.
 */
public enum VerifyCategory {
    /** Validity period and revocation ("Time validity errors"). */
    TIME,
    /** Building the chain to a trusted root ("Trust or chain related errors"). */
    TRUST,
    /** Hostname verification ("Name related errors"). */
    NAME,
    /** keyUsage, extendedKeyUsage, policies ("Usage and policy errors"). */
    USAGE,
    /** Unacceptable or unsupported algorithms and keys ("Algorithm related errors"). */
    ALGORITHM,
    /** Badly encoded certificates and CRLs ("Formatting errors"). */
    FORMAT,
    /** Everything else ("Uncategorized errors"). */
    UNCATEGORIZED;

    /** The site's tag for the category: {@code time}, {@code trust}, ... {@code uncategorized}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** x509errors.org's page of Mbed TLS errors. */
    static final String MBEDTLS_PAGE = "https://x509errors.org/mbedtls";

    /** The link to an entry of {@link #MBEDTLS_PAGE}, whose anchors are {@code <slug>-link}. */
    static String documentationUrl(String slug) {
        return MBEDTLS_PAGE + "#" + slug + "-link";
    }
}
