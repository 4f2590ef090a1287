package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Writes an X.509 certificate with Mbed TLS's {@code mbedtls_x509write_cert}: a CA signing a
 * device's key, or a self-signed certificate for tests and device bootstrap.
 *
 * <p>A plain Java builder: the setters only record values. {@link #writePem} and
 * {@link #writeDer} make one native call that initialises an {@code mbedtls_x509write_cert}, sets
 * everything recorded ({@code mbedtls_x509write_crt_set_*}), signs with the issuer's key and
 * writes PEM or DER, then frees it before returning: nothing native outlives the call and there is
 * nothing to close. The {@link PkContext}s and {@link CtrDrbg} stay the caller's.
 *
 * <pre>{@code
 * byte[] selfSigned = new X509CrtWriter().subject("CN=dev42")
 *         .validity(Instant.now(), Instant.now().plus(Duration.ofDays(365)))
 *         .basicConstraints(false, 0).subjectKeyIdentifier()
 *         .writePem(key, key, rng);
 * }</pre>
 *
 * <p>Defaults: version 3, SHA-256, the issuer name the subject name (self-signed), and a random
 * positive 16-byte serial number drawn from the writer's {@link CtrDrbg} when none is set. Mbed TLS
 * writes extensions into version 3 certificates only. On Mbed TLS 2.28 (no subjectAltName or
 * extendedKeyUsage writer, no raw serial) the glue sets the extensions' DER it builds with Mbed
 * TLS's ASN.1 writers (no directoryName), and the serial number goes through an
 * {@code mbedtls_mpi}, which drops leading zero bytes. Not thread-safe.
 */
public final class X509CrtWriter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
    // The int[] the native call takes, in native/x509_crt_writer.c's order.
    private static final int FIELD_VERSION = 0;
    private static final int FIELD_MD = 1;
    private static final int FIELD_KEY_USAGE = 2;
    private static final int FIELD_NS_CERT_TYPE = 3;
    private static final int FIELD_CA = 4;
    private static final int FIELD_PATH_LEN = 5;
    private static final int FIELD_SUBJECT_KEY_ID = 6;
    private static final int FIELD_AUTHORITY_KEY_ID = 7;
    private static final int FIELDS = 8;
    /** What the native side copies a serial into; Mbed TLS itself takes up to 20 bytes (RFC 5280). */
    private static final int SERIAL_MAX = 64;

    private final X509Extensions values = new X509Extensions();
    private String issuer;
    private byte[] serial;
    private Instant notBefore;
    private Instant notAfter;
    private int version = 3;
    private int ca = -1;
    private int pathLength = -1;
    private boolean subjectKeyId;
    private boolean authorityKeyId;

    /** A writer with nothing set (see the class comment for the defaults). */
    public X509CrtWriter() {
    }

    /**
     * The subject ({@code mbedtls_x509write_crt_set_subject_name}), a DN string as
     * {@link X509CsrWriter#subject} takes it.
     */
    public X509CrtWriter subject(String dn) {
        values.subject = X509Extensions.name(dn, "subject");
        return this;
    }

    /** The issuer ({@code mbedtls_x509write_crt_set_issuer_name}); the subject if never set. */
    public X509CrtWriter issuer(String dn) {
        issuer = X509Extensions.name(dn, "issuer");
        return this;
    }

    /**
     * The issuer name taken from the subject of certificate {@code index} of {@code ca}, as
     * {@code mbedtls_x509_dn_gets} prints it (Mbed TLS writes it back as UTF8Strings; Mbed TLS's
     * and OpenSSL's chain building match names across string types).
     */
    public X509CrtWriter issuer(X509Crt ca, int index) {
        Objects.requireNonNull(ca, "ca");
        return issuer(ca.subject(index));
    }

    /**
     * The serial number's bytes, big-endian, as written ({@code mbedtls_x509write_crt_set_serial_raw};
     * a first byte of 0x80 or above gets a 0x00 in front, as DER wants). Mbed TLS takes up to
     * {@code MBEDTLS_X509_RFC5280_MAX_SERIAL_LEN} bytes: 20 on 3.6, 32 on 2.28.
     */
    public X509CrtWriter serial(byte[] serial) {
        Objects.requireNonNull(serial, "serial");
        if (serial.length == 0 || serial.length > SERIAL_MAX) {
            throw new IllegalArgumentException("a serial number of " + serial.length + " bytes (Mbed TLS takes 1 to 20, 2.28 up to 32)");
        }
        this.serial = serial.clone();
        return this;
    }

    /** The serial number as a positive integer (its minimal big-endian bytes). */
    public X509CrtWriter serial(BigInteger serial) {
        Objects.requireNonNull(serial, "serial");
        if (serial.signum() <= 0) {
            throw new IllegalArgumentException("a serial number must be positive: " + serial);
        }
        byte[] bytes = serial.toByteArray();
        return serial(bytes[0] == 0 && bytes.length > 1 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes);
    }

    /** notBefore and notAfter ({@code mbedtls_x509write_crt_set_validity}), to the second, in UTC. */
    public X509CrtWriter validity(Instant notBefore, Instant notAfter) {
        this.notBefore = Objects.requireNonNull(notBefore, "notBefore");
        this.notAfter = Objects.requireNonNull(notAfter, "notAfter");
        return this;
    }

    /** The version, 1, 2 or 3 ({@code mbedtls_x509write_crt_set_version}); 3 by default. */
    public X509CrtWriter version(int version) {
        if (version < 1 || version > 3) {
            throw new IllegalArgumentException("X.509 version " + version + ": 1, 2 or 3");
        }
        this.version = version;
        return this;
    }

    /** The signature's digest ({@code mbedtls_x509write_crt_set_md_alg}); SHA-256 by default. */
    public X509CrtWriter digest(VerifyProfile.Hash digest) {
        values.digest = Objects.requireNonNull(digest, "digest");
        return this;
    }

    /**
     * basicConstraints ({@code mbedtls_x509write_crt_set_basic_constraints}): a CA or not, and
     * for a CA the pathLenConstraint (-1: none).
     */
    public X509CrtWriter basicConstraints(boolean isCa, int maxPathLength) {
        if (maxPathLength < -1) {
            throw new IllegalArgumentException("maxPathLength " + maxPathLength + ": -1 (none) or more");
        }
        ca = isCa ? 1 : 0;
        pathLength = maxPathLength;
        return this;
    }

    /** keyUsage ({@code mbedtls_x509write_crt_set_key_usage}): {@link X509Crt}'s {@code KU_*} bits. */
    public X509CrtWriter keyUsage(int bits) {
        values.keyUsage = X509Extensions.bits(bits, 0xFFFF, "keyUsage");
        return this;
    }

    /** Netscape cert type ({@code mbedtls_x509write_crt_set_ns_cert_type}): bits as in {@link X509CsrWriter#nsCertType}. */
    public X509CrtWriter nsCertType(int bits) {
        values.nsCertType = X509Extensions.bits(bits, 0xFF, "nsCertType");
        return this;
    }

    /** Adds extendedKeyUsage purposes ({@code mbedtls_x509write_crt_set_ext_key_usage}), dotted OIDs. */
    public X509CrtWriter extendedKeyUsage(String... oids) {
        values.extendedKeyUsage(oids);
        return this;
    }

    /**
     * Adds a subjectAltName entry ({@code mbedtls_x509write_crt_set_subject_alternative_name}), as
     * {@link X509CsrWriter#subjectAltName} takes it.
     */
    public X509CrtWriter subjectAltName(SubjectAltName.Type type, String value) {
        values.subjectAltName(type, value);
        return this;
    }

    /** Adds subjectKeyIdentifier ({@code mbedtls_x509write_crt_set_subject_key_identifier}: SHA-1 of the subject key). */
    public X509CrtWriter subjectKeyIdentifier() {
        subjectKeyId = true;
        return this;
    }

    /** Adds authorityKeyIdentifier ({@code mbedtls_x509write_crt_set_authority_key_identifier}: SHA-1 of the issuer key). */
    public X509CrtWriter authorityKeyIdentifier() {
        authorityKeyId = true;
        return this;
    }

    /**
     * The certificate as PEM ({@code mbedtls_x509write_crt_pem}).
     *
     * @param subjectKey the certified key (a public key is enough: {@link PkContext#parsePublicKey})
     * @param issuerKey the key that signs (the same as {@code subjectKey} for a self-signed one)
     * @param rng the seeded generator for the signature (and a default serial number)
     * @throws IllegalStateException if no subject or validity was set, the issuer key has no
     *     private key, the generator is not seeded, or anything is closed
     * @throws MbedTlsException whatever Mbed TLS refuses (names, serial, times, signature), with its code
     */
    public byte[] writePem(PkContext subjectKey, PkContext issuerKey, CtrDrbg rng) {
        return write(subjectKey, issuerKey, rng, true);
    }

    /** As {@link #writePem}, DER ({@code mbedtls_x509write_crt_der}). */
    public byte[] writeDer(PkContext subjectKey, PkContext issuerKey, CtrDrbg rng) {
        return write(subjectKey, issuerKey, rng, false);
    }

    private byte[] write(PkContext subjectKey, PkContext issuerKey, CtrDrbg rng, boolean pem) {
        Objects.requireNonNull(subjectKey, "subjectKey");
        Objects.requireNonNull(issuerKey, "issuerKey");
        Objects.requireNonNull(rng, "rng");
        String subject = values.requireSubject();
        if (notBefore == null) {
            throw new IllegalStateException("no validity: call validity(notBefore, notAfter) first");
        }
        rng.requireSeeded();
        NativeLibrary.ensureLoaded();
        byte[] serialBytes = serial != null ? serial : randomSerial(rng);
        int[] fields = new int[FIELDS];
        fields[FIELD_VERSION] = version;
        fields[FIELD_MD] = values.digest.ordinal();
        fields[FIELD_KEY_USAGE] = values.keyUsage;
        fields[FIELD_NS_CERT_TYPE] = values.nsCertType;
        fields[FIELD_CA] = ca;
        fields[FIELD_PATH_LEN] = pathLength;
        fields[FIELD_SUBJECT_KEY_ID] = subjectKeyId ? 1 : 0;
        fields[FIELD_AUTHORITY_KEY_ID] = authorityKeyId ? 1 : 0;
        long s = subjectKey.acquireKey("subject", false);
        try {
            long i = issuerKey.acquireKey("issuer", true);
            try {
                long r = rng.handle.acquire();
                try {
                    return nWrite(s, i, r, subject, issuer != null ? issuer : subject, serialBytes, TIME.format(notBefore),
                            TIME.format(notAfter), fields, values.extendedKeyUsageOids(), values.sanTypes(), values.sanValues(), pem);
                } finally {
                    rng.handle.release();
                }
            } finally {
                issuerKey.handle.release();
            }
        } finally {
            subjectKey.handle.release();
        }
    }

    /** 16 random bytes, the first below 0x80 and not 0: a positive 128-bit serial, minimally encoded. */
    private static byte[] randomSerial(CtrDrbg rng) {
        byte[] serial = new byte[16];
        rng.random(serial);
        serial[0] = (byte) ((serial[0] & 0x7F) | 0x01);
        return serial;
    }

    private static native byte[] nWrite(long subjectKey, long issuerKey, long drbg, String subject, String issuer, byte[] serial,
            String notBefore, String notAfter, int[] fields, byte[][] extendedKeyUsage, int[] sanTypes, byte[][] sanValues,
            boolean pem);
}
