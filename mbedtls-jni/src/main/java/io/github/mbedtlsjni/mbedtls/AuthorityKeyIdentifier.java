package io.github.mbedtlsjni.mbedtls;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The authorityKeyIdentifier extension of a certificate as Mbed TLS 3.5 and later parse it: the
 * fields of its {@code mbedtls_x509_crt.authority_key_id} ({@code mbedtls_x509_authority};
 * {@link X509Crt#authorityKeyIdentifier}). An immutable value.
 *
 * <p>RFC 5280's {@code AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL,
 * authorityCertIssuer [1] GeneralNames OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }}: Mbed
 * TLS takes the issuer and the serial number together or not at all.
 */
public final class AuthorityKeyIdentifier {
    private final byte[] keyIdentifier;
    private final List<SubjectAltName> issuer;
    private final byte[] serial;

    AuthorityKeyIdentifier(byte[] keyIdentifier, List<SubjectAltName> issuer, byte[] serial) {
        this.keyIdentifier = keyIdentifier;
        this.issuer = List.copyOf(issuer);
        this.serial = serial;
    }

    /** The keyIdentifier bytes (a copy; Mbed TLS's {@code keyIdentifier}), or null if absent. */
    public byte[] keyIdentifier() {
        return keyIdentifier == null ? null : keyIdentifier.clone();
    }

    /**
     * The authorityCertIssuer GeneralNames in order (Mbed TLS's {@code authorityCertIssuer}), each
     * as {@code mbedtls_x509_parse_subject_alt_name} reads it, typed as {@link X509Crt#subjectAltNames}
     * types a subjectAltName (a directoryName's {@link SubjectAltName#value} is its
     * {@code mbedtls_x509_dn_gets} text); empty if absent.
     */
    public List<SubjectAltName> issuer() {
        return issuer;
    }

    /**
     * The authorityCertSerialNumber: the contents of its INTEGER (a copy; Mbed TLS's
     * {@code authorityCertSerialNumber}), or null if absent.
     */
    public byte[] serial() {
        return serial == null ? null : serial.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AuthorityKeyIdentifier)) {
            return false;
        }
        AuthorityKeyIdentifier a = (AuthorityKeyIdentifier) o;
        return Arrays.equals(a.keyIdentifier, keyIdentifier) && a.issuer.equals(issuer) && Arrays.equals(a.serial, serial);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(keyIdentifier) * 31 + issuer.hashCode()) * 31 + Arrays.hashCode(serial);
    }

    @Override
    public String toString() {
        return "AuthorityKeyIdentifier[keyIdentifier=" + hex(keyIdentifier) + ", issuer=" + issuer + ", serial="
                + hex(serial) + "]";
    }

    private static String hex(byte[] bytes) {
        return bytes == null ? "none" : NameAttribute.hex(bytes);
    }

    /** Used by X509Crt: the value from the glue's {keyIdentifier, serial, issuer entries...}. */
    static AuthorityKeyIdentifier of(byte[][] raw) {
        Objects.requireNonNull(raw, "raw");
        return new AuthorityKeyIdentifier(raw[0], SubjectAltName.listOf(raw, 2), raw[1]);
    }
}
