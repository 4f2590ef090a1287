package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.util.Objects;

/**
 * Writes a PKCS#10 certificate signing request with Mbed TLS's {@code mbedtls_x509write_csr}.
 *
 * <p>A plain Java builder: the setters only record values. {@link #writePem} and
 * {@link #writeDer} make one native call that initialises an {@code mbedtls_x509write_csr}, sets
 * everything recorded ({@code mbedtls_x509write_csr_set_subject_name}, {@code _set_md_alg},
 * {@code _set_key}, {@code _set_key_usage}, {@code _set_ns_cert_type}, extendedKeyUsage and
 * subjectAltName), signs with the key and writes PEM or DER, then frees it (and everything it
 * allocated) before returning. So nothing native outlives the call and there is nothing to close;
 * the {@link PkContext} and {@link CtrDrbg} stay the caller's.
 *
 * <pre>{@code
 * byte[] csr = new X509CsrWriter().subject("CN=dev42,O=Example")
 *         .subjectAltName(SubjectAltName.Type.DNS_NAME, "dev42.local")
 *         .writePem(key, rng);
 * }</pre>
 *
 * <p>Mbed TLS decides what it accepts: a DN string it cannot parse, a key that cannot sign with
 * the digest (an {@code x25519} key, say) end in its {@link MbedTlsException} with its code. On
 * Mbed TLS 2.28, which has no subjectAltName writer, the extension's DER is built in C with Mbed
 * TLS's ASN.1 writers (DNS, URI, IP, rfc822; a directoryName needs 3.5 or later). Mbed TLS has no
 * extendedKeyUsage setter for CSRs: the extension is set as DER ({@code _set_extension}), as its
 * own tests do. Not thread-safe; use one writer per thread.
 */
public final class X509CsrWriter {
    private final X509Extensions values = new X509Extensions();

    /** A writer with nothing set; the digest is SHA-256 until {@link #digest} says otherwise. */
    public X509CsrWriter() {
    }

    /**
     * The subject, as {@code mbedtls_x509write_csr_set_subject_name} takes it:
     * {@code "CN=dev42,O=Example,C=NL"} (Mbed TLS's names: CN, C, O, OU, ST, L, R, serialNumber,
     * emailAddress...; a comma inside a value escaped as {@code \,}). Mbed TLS parses it when the
     * CSR is written.
     *
     * @throws IllegalArgumentException if blank (Mbed TLS would write an empty name)
     */
    public X509CsrWriter subject(String dn) {
        values.subject = X509Extensions.name(dn, "subject");
        return this;
    }

    /** The signature's digest ({@code mbedtls_x509write_csr_set_md_alg}); SHA-256 by default. */
    public X509CsrWriter digest(VerifyProfile.Hash digest) {
        values.digest = Objects.requireNonNull(digest, "digest");
        return this;
    }

    /**
     * keyUsage ({@code mbedtls_x509write_csr_set_key_usage}): {@link X509Crt}'s {@code KU_*} bits,
     * the first 8 only (Mbed TLS's CSR setter takes an {@code unsigned char}: no decipherOnly).
     */
    public X509CsrWriter keyUsage(int bits) {
        values.keyUsage = X509Extensions.bits(bits, 0xFF, "a CSR's keyUsage");
        return this;
    }

    /**
     * Netscape cert type ({@code mbedtls_x509write_csr_set_ns_cert_type}): Mbed TLS's
     * {@code MBEDTLS_X509_NS_CERT_TYPE_*} bits (0x80 SSL client, 0x40 SSL server, 0x20 email,
     * 0x10 object signing, 0x04 SSL CA, 0x02 email CA, 0x01 object signing CA).
     */
    public X509CsrWriter nsCertType(int bits) {
        values.nsCertType = X509Extensions.bits(bits, 0xFF, "nsCertType");
        return this;
    }

    /** Adds extendedKeyUsage purposes, dotted OIDs ({@code "1.3.6.1.5.5.7.3.2"} clientAuth). */
    public X509CsrWriter extendedKeyUsage(String... oids) {
        values.extendedKeyUsage(oids);
        return this;
    }

    /**
     * Adds a subjectAltName entry: {@code DNS_NAME}, {@code RFC822_NAME}, {@code URI} (ASCII),
     * {@code IP_ADDRESS} (an IPv4 or IPv6 literal, never resolved) or {@code DIRECTORY_NAME} (a
     * DN string as for {@link #subject}; Mbed TLS 3.5 and later).
     *
     * @throws IllegalArgumentException for another type, an empty value, non-ASCII text or an IP
     *     address that is not a literal
     */
    public X509CsrWriter subjectAltName(SubjectAltName.Type type, String value) {
        values.subjectAltName(type, value);
        return this;
    }

    /**
     * The CSR as PEM ({@code mbedtls_x509write_csr_pem}), signed with {@code key}.
     *
     * @throws IllegalStateException if no subject was set, the key holds no private key, the
     *     generator is not seeded, or either is closed
     * @throws MbedTlsException whatever Mbed TLS refuses (the subject, the key's signature), with its code
     */
    public byte[] writePem(PkContext key, CtrDrbg rng) {
        return write(key, rng, true);
    }

    /**
     * The CSR as DER ({@code mbedtls_x509write_csr_der}), signed with {@code key}.
     *
     * @throws IllegalStateException if no subject was set, the key holds no private key, the
     *     generator is not seeded, or either is closed
     * @throws MbedTlsException whatever Mbed TLS refuses (the subject, the key's signature), with its code
     */
    public byte[] writeDer(PkContext key, CtrDrbg rng) {
        return write(key, rng, false);
    }

    private byte[] write(PkContext key, CtrDrbg rng, boolean pem) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(rng, "rng");
        String subject = values.requireSubject();
        rng.requireSeeded();
        NativeLibrary.ensureLoaded();
        long k = key.acquireKey("signing", true);
        try {
            long r = rng.handle.acquire();
            try {
                return nWrite(k, r, subject, values.digest.ordinal(), values.keyUsage, values.nsCertType,
                        values.extendedKeyUsageOids(), values.sanTypes(), values.sanValues(), pem);
            } finally {
                rng.handle.release();
            }
        } finally {
            key.handle.release();
        }
    }

    private static native byte[] nWrite(long key, long drbg, String subject, int digest, int keyUsage, int nsCertType,
            byte[][] extendedKeyUsage, int[] sanTypes, byte[][] sanValues, boolean pem);
}
