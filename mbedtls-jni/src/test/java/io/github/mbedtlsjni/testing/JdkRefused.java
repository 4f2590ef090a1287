package io.github.mbedtlsjni.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Kinds of certificate that Mbed TLS accepts and the JDK's {@code CertificateFactory} refuses,
 * each made at test time from a {@link TestPki}'s leaf for {@code localhost}: its
 * TBSCertificate is changed in one place, at the DER level (Bouncy Castle's encoders would not
 * write these), and signed again by the intermediate, so that Mbed TLS verifies the chain (with
 * flags 0, except {@link #EMPTY_SUBJECT_NO_SAN}, which has no name to match).
 *
 * <p>Found by running the JDK's parser over the fuzz inputs, the verify corpus and mutations of
 * a valid leaf ({@code JdkRefusedCertificatesTest} checks each kind still splits the two).
 * {@link #opensslServes()} tells the kinds {@code openssl s_server} can serve (TLS 1.2 and 1.3);
 * {@link ExactChainServer} serves any of them.
 */
public enum JdkRefused {
    /** notBefore/notAfter as UTCTime {@code YYMMDDHHMMSS}, without "Z": the JDK wants a zone. */
    UTCTIME_WITHOUT_Z("utctime-without-z", "validity as UTCTime without its trailing Z", true),
    /**
     * The cRLDistributionPoints extension twice: Mbed TLS skips extensions it does not use, the
     * JDK refuses duplicates. (OpenSSL loads it but finds it invalid, and then will not sign with
     * it over TLS 1.2: no shared cipher.)
     */
    DUPLICATE_EXTENSION("duplicate-extension", "an extension (cRLDistributionPoints) present twice", false),
    /** An empty subject and no subjectAltName: the JDK wants one or the other (Mbed TLS flags the name). */
    EMPTY_SUBJECT_NO_SAN("empty-subject-no-san", "empty subject and no subjectAltName", true),
    /** The serial number tagged [2] (context-specific) instead of INTEGER, which Mbed TLS also takes. */
    SERIAL_CONTEXT_TAG("serial-context-tag", "serial number tagged [2] instead of INTEGER", false),
    /** A serial number of zero length. */
    EMPTY_SERIAL("empty-serial", "serial number of zero length", false),
    /** An extension OID with a redundant leading 0x80 in one arc: not DER, which the JDK checks. */
    NON_MINIMAL_OID("non-minimal-oid", "an extension OID with a redundant 0x80 octet", false),
    /** A name attribute whose OID ends inside an arc (last octet with its high bit set), after the CN. */
    UNENDED_NAME_OID("unended-name-oid", "a subject attribute whose OID does not end", false),
    /**
     * A subjectUniqueID [2] with the constructed bit set: Mbed TLS reads that form (and only it)
     * and keeps the bytes, the JDK wants a primitive BIT STRING.
     */
    CONSTRUCTED_UNIQUE_ID("constructed-unique-id", "subjectUniqueID tagged [2] constructed", false);

    private static final int TBS_SERIAL = 1;
    private static final int TBS_VALIDITY = 4;
    private static final int TBS_SUBJECT = 5;
    private static final byte[] CRL_DISTRIBUTION_POINTS = {0x06, 0x03, 0x55, 0x1D, 0x1F};
    private static final Map<TestPki, Map<JdkRefused, byte[]>> MADE = new WeakHashMap<>();
    private static final DateTimeFormatter UTC_TIME_NO_ZONE = DateTimeFormatter.ofPattern("yyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final String id;
    private final String description;
    private final boolean opensslServes;

    JdkRefused(String id, String description, boolean opensslServes) {
        this.id = id;
        this.description = description;
        this.opensslServes = opensslServes;
    }

    /** A short stable name, e.g. {@code utctime-without-z}. */
    public String id() {
        return id;
    }

    /** What is unusual about the certificate. */
    public String description() {
        return description;
    }

    /** True if {@code openssl s_server} serves such a certificate, over TLS 1.2 and 1.3. */
    public boolean opensslServes() {
        return opensslServes;
    }

    /**
     * The changed leaf of {@code pki}, DER, signed by {@code pki}'s intermediate, with the key of
     * {@code pki.leaf()} ({@code pki.serverKeyPem()}). Made once per PKI: every call returns the
     * same bytes.
     */
    public byte[] leaf(TestPki pki) {
        synchronized (MADE) {
            return MADE.computeIfAbsent(pki, p -> new EnumMap<>(JdkRefused.class)).computeIfAbsent(this, k -> make(pki)).clone();
        }
    }

    private byte[] make(TestPki pki) {
        TestCert base = this == EMPTY_SUBJECT_NO_SAN
                ? pki.serverCert().emptySubject().keyPair(pki.leaf().keyPair()).issuedBy(pki.intermediate())
                : pki.leaf();
        return resign(base.der(), pki.intermediate().privateKey(), this::edit);
    }

    /** The changed leaf and {@code pki}'s intermediate, DER, as a server sends them. */
    public List<byte[]> chain(TestPki pki) {
        return List.of(leaf(pki), pki.intermediate().der());
    }

    /** {@link #chain} as a PEM file {@code <id>-chain.pem} in {@code pki}'s directory. */
    public Path writeChain(TestPki pki) {
        StringBuilder pem = new StringBuilder();
        for (byte[] der : chain(pki)) {
            pem.append(Pem.encode("CERTIFICATE", der));
        }
        return Pem.write(pki.file(id + "-chain.pem"), pem.toString());
    }

    @Override
    public String toString() {
        return id;
    }

    private List<byte[]> edit(List<byte[]> tbs) {
        List<byte[]> out = new ArrayList<>(tbs);
        switch (this) {
            case UTCTIME_WITHOUT_Z: {
                TBSCertificate parsed = TBSCertificate.getInstance(sequence(tbs));
                out.set(TBS_VALIDITY, tlv(0x30, utcTimeWithoutZone(parsed.getStartDate().getDate().toInstant()),
                        utcTimeWithoutZone(parsed.getEndDate().getDate().toInstant())));
                break;
            }
            case DUPLICATE_EXTENSION: {
                byte[] uri = "http://crl.invalid/ca.crl".getBytes(StandardCharsets.US_ASCII);
                // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
                byte[] value = tlv(0x30, tlv(0x30, tlv(0xA0, tlv(0xA0, tlv(0x86, uri)))));
                byte[] extension = tlv(0x30, CRL_DISTRIBUTION_POINTS, tlv(0x04, value));
                out.set(out.size() - 1, withExtensions(tbs.get(tbs.size() - 1), extension, extension));
                break;
            }
            case EMPTY_SUBJECT_NO_SAN:
                out.set(out.size() - 1, withoutExtension(tbs.get(tbs.size() - 1), new ASN1ObjectIdentifier("2.5.29.17")));
                break;
            case SERIAL_CONTEXT_TAG: {
                byte[] serial = tbs.get(TBS_SERIAL).clone();
                serial[0] = (byte) 0x82;
                out.set(TBS_SERIAL, serial);
                break;
            }
            case EMPTY_SERIAL:
                out.set(TBS_SERIAL, new byte[] {0x02, 0x00});
                break;
            case NON_MINIMAL_OID: {
                // 1.3.6.1.4.1.55555.1.9 with its "6" arc written 0x80 0x06 (DER wants 0x06).
                byte[] oid = {0x06, 0x0B, 0x2B, (byte) 0x80, 0x06, 0x01, 0x04, 0x01, (byte) 0x83, (byte) 0xB2, 0x03, 0x01, 0x09};
                byte[] extension = tlv(0x30, oid, tlv(0x04, new byte[] {0x05, 0x00}));
                out.set(out.size() - 1, withExtensions(tbs.get(tbs.size() - 1), extension));
                break;
            }
            case UNENDED_NAME_OID: {
                // 2.5.4 and an arc 0x97 that never ends (needs a last octet below 0x80).
                byte[] attribute = tlv(0x31, tlv(0x30, new byte[] {0x06, 0x03, 0x55, 0x04, (byte) 0x97},
                        tlv(0x0C, "x".getBytes(StandardCharsets.US_ASCII))));
                byte[] subject = tbs.get(TBS_SUBJECT);
                byte[] rdns = Arrays.copyOfRange(subject, headerLength(subject), subject.length);
                out.set(TBS_SUBJECT, tlv(0x30, rdns, attribute));
                break;
            }
            case CONSTRUCTED_UNIQUE_ID:
                // Before the extensions; its content is no BIT STRING (0x30: 48 unused bits, to the JDK).
                out.add(out.size() - 1, tlv(0xA2, new byte[] {0x30, 0x00}));
                break;
            default:
                throw new AssertionError(this);
        }
        return out;
    }

    // ---- DER ------------------------------------------------------------------------------------

    /**
     * {@code der} with the DER encodings of its TBSCertificate's fields passed through
     * {@code edit}, then signed again by {@code issuerKey}: any bytes, valid DER or not.
     */
    public static byte[] resign(byte[] der, PrivateKey issuerKey, UnaryOperator<List<byte[]>> edit) {
        Certificate cert = Certificate.getInstance(der);
        List<byte[]> fields = new ArrayList<>();
        for (ASN1Encodable f : ASN1Sequence.getInstance(cert.getTBSCertificate().toASN1Primitive())) {
            fields.add(encoded(f));
        }
        byte[] tbs = sequence(edit.apply(fields));
        try {
            ContentSigner signer = CertBuilder.contentSigner(CertBuilder.defaultSignatureAlgorithm(issuerKey), issuerKey);
            signer.getOutputStream().write(tbs);
            byte[] signature = signer.getSignature();
            byte[] bits = new byte[signature.length + 1]; // no unused bits
            System.arraycopy(signature, 0, bits, 1, signature.length);
            return tlv(0x30, tbs, encoded(signer.getAlgorithmIdentifier()), tlv(0x03, bits));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A DER TLV: {@code tag}, the definite length, the concatenated contents. */
    public static byte[] tlv(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : contents) {
            body.writeBytes(c);
        }
        int n = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** The length of the tag and length octets of the DER TLV {@code der}. */
    private static int headerLength(byte[] der) {
        return (der[1] & 0x80) == 0 ? 2 : 2 + (der[1] & 0x7F);
    }

    private static byte[] sequence(List<byte[]> fields) {
        return tlv(0x30, fields.toArray(new byte[0][]));
    }

    private static byte[] encoded(ASN1Encodable e) {
        try {
            return e.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static byte[] utcTimeWithoutZone(Instant t) {
        return tlv(0x17, UTC_TIME_NO_ZONE.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** The Extensions field ([3] EXPLICIT SEQUENCE OF Extension) {@code field} with {@code extra} appended. */
    private static byte[] withExtensions(byte[] field, byte[]... extra) {
        List<byte[]> extensions = extensions(field);
        extensions.addAll(List.of(extra));
        return tlv(0xA3, sequence(extensions));
    }

    private static byte[] withoutExtension(byte[] field, ASN1ObjectIdentifier oid) {
        List<byte[]> kept = new ArrayList<>();
        for (byte[] e : extensions(field)) {
            if (!ASN1Sequence.getInstance(e).getObjectAt(0).equals(oid)) {
                kept.add(e);
            }
        }
        return tlv(0xA3, sequence(kept));
    }

    private static List<byte[]> extensions(byte[] field) {
        if ((field[0] & 0xFF) != 0xA3) {
            throw new IllegalArgumentException("not the extensions field of a v3 certificate");
        }
        List<byte[]> extensions = new ArrayList<>();
        for (ASN1Encodable e : ASN1Sequence.getInstance(ASN1TaggedObject.getInstance(field).getExplicitBaseObject())) {
            extensions.add(encoded(e));
        }
        return extensions;
    }
}
