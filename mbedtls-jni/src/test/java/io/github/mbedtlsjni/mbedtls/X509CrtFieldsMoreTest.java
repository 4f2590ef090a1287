package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.CsrBuilder;
import io.github.mbedtlsjni.testing.ExtKeyUsage;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.NameAttributes;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERT61String;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key identifiers, extendedKeyUsage OIDs, name attributes and public keys of {@link X509Crt}
 * and {@link X509Csr}, read by Mbed TLS, against what Bouncy Castle wrote.
 */
class X509CrtFieldsMoreTest {
    private static final String AKI_OID = "2.5.29.35";
    private static final String PRIVATE_OID = "1.3.6.1.4.1.55555.9";

    @TempDir
    static Path dir;

    static TestPki ec;

    @BeforeAll
    static void pki() {
        ec = TestPki.create(dir.resolve("ec"), KeyType.EC_P256);
    }

    private static boolean keyIdsExpected() {
        return MbedTls.versionNumber() >= 0x03050000;
    }

    private static Extensions extensions(TestCert cert) throws Exception {
        return new X509CertificateHolder(cert.der()).getExtensions();
    }

    @Test
    void hasKeyIdentifiersFollowsTheVersion() {
        assertEquals(keyIdsExpected(), X509Crt.hasKeyIdentifiers(), MbedTls.version());
    }

    @Test
    void aCertificateWithoutSkiAkiOrEkuHasNone() {
        TestCert cert = ec.serverCert().noSubjectKeyId().noAuthorityKeyId().noExtendedKeyUsage().issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            assertEquals(List.of(), crt.extendedKeyUsages(0));
            if (keyIdsExpected()) {
                assertNull(crt.subjectKeyIdentifier(0));
                assertNull(crt.authorityKeyIdentifier(0));
            }
        }
    }

    @Test
    void skiAkiKeyIdAndEkuAreWhatBouncyCastleWrote() throws Exception {
        assumeTrue(keyIdsExpected(), "subject_key_id/authority_key_id came with Mbed TLS 3.5");
        TestCert cert = ec.serverCert().extendedKeyUsage(ExtKeyUsage.SERVER_AUTH, ExtKeyUsage.CLIENT_AUTH, ExtKeyUsage.OCSP_SIGNING)
                .issuedBy(ec.intermediate());
        Extensions ext = extensions(cert);
        byte[] ski = SubjectKeyIdentifier.fromExtensions(ext).getKeyIdentifier();
        byte[] akiKeyId = org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.fromExtensions(ext).getKeyIdentifier();
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(cert.der());
            crt.parseDer(ec.intermediate().der());
            assertArrayEquals(ski, crt.subjectKeyIdentifier(0));
            AuthorityKeyIdentifier aki = crt.authorityKeyIdentifier(0);
            assertNotNull(aki);
            assertArrayEquals(akiKeyId, aki.keyIdentifier());
            assertArrayEquals(crt.subjectKeyIdentifier(1), aki.keyIdentifier(), "the issuer's SKI, as Mbed TLS reads it there");
            assertEquals(List.of(), aki.issuer());
            assertNull(aki.serial());
            List<String> expected = new ArrayList<>();
            for (KeyPurposeId id : ExtendedKeyUsage.fromExtensions(ext).getUsages()) {
                expected.add(id.getId());
            }
            assertEquals(List.of(ExtKeyUsage.SERVER_AUTH.oid(), ExtKeyUsage.CLIENT_AUTH.oid(), ExtKeyUsage.OCSP_SIGNING.oid()),
                    expected);
            assertEquals(expected, crt.extendedKeyUsages(0));
            byte[] copy = crt.subjectKeyIdentifier(0);
            copy[0] ^= 1;
            assertArrayEquals(ski, crt.subjectKeyIdentifier(0), "a new array each time");
            byte[] keyId = aki.keyIdentifier();
            keyId[0] ^= 1;
            assertArrayEquals(akiKeyId, aki.keyIdentifier(), "keyIdentifier() returns a copy");
            assertEquals(aki, crt.authorityKeyIdentifier(0));
            assertEquals(aki.hashCode(), crt.authorityKeyIdentifier(0).hashCode());
        }
    }

    @Test
    void extendedKeyUsagesWorkOnEveryLine() {
        TestCert cert = ec.serverCert().extendedKeyUsage(ExtKeyUsage.ANY, ExtKeyUsage.CODE_SIGNING).issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            assertEquals(List.of(ExtKeyUsage.ANY.oid(), ExtKeyUsage.CODE_SIGNING.oid()), crt.extendedKeyUsages(0));
        }
    }

    @Test
    void akiWithIssuerAndSerialReadsTheDirectoryNameAsDnGetsWritesIt() throws Exception {
        assumeTrue(keyIdsExpected(), "subject_key_id/authority_key_id came with Mbed TLS 3.5");
        X500Name issuerName = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "SE").addRDN(BCStyle.O, "Example")
                .addRDN(BCStyle.CN, "Issuing CA").build();
        GeneralNames issuer = new GeneralNames(new GeneralName[] {
            new GeneralName(issuerName), new GeneralName(GeneralName.uniformResourceIdentifier, "urn:ca:7")});
        BigInteger serial = new BigInteger("00ff00112233", 16);
        byte[] keyId = {9, 8, 7, 6, 5};
        TestCert withoutKeyId = ec.serverCert().noAuthorityKeyId()
                .extension(AKI_OID, false, new org.bouncycastle.asn1.x509.AuthorityKeyIdentifier(issuer, serial).getEncoded())
                .issuedBy(ec.intermediate());
        TestCert all = ec.serverCert().noAuthorityKeyId()
                .extension(AKI_OID, false, new org.bouncycastle.asn1.x509.AuthorityKeyIdentifier(keyId, issuer, serial).getEncoded())
                .issuedBy(ec.intermediate());
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(withoutKeyId.der());
            crt.parseDer(all.der());
            AuthorityKeyIdentifier first = crt.authorityKeyIdentifier(0);
            assertNull(first.keyIdentifier());
            assertArrayEquals(serial.toByteArray(), first.serial());
            assertEquals(2, first.issuer().size(), first.toString());
            SubjectAltName dirName = first.issuer().get(0);
            assertEquals(SubjectAltName.Type.DIRECTORY_NAME, dirName.type());
            assertEquals(4, dirName.tag());
            assertEquals("C=SE, O=Example, CN=Issuing CA", dirName.value());
            assertEquals(SubjectAltName.Type.URI, first.issuer().get(1).type());
            assertEquals("urn:ca:7", first.issuer().get(1).value());

            AuthorityKeyIdentifier second = crt.authorityKeyIdentifier(1);
            assertArrayEquals(keyId, second.keyIdentifier());
            assertEquals(first.issuer(), second.issuer());
            assertArrayEquals(serial.toByteArray(), second.serial());
            assertFalse(first.equals(second));
            assertTrue(second.toString().contains("0908070605"), second.toString());
        }
    }

    @Test
    void nameAttributesWithAMultiValuedRdnAndOtherStringTypes() throws Exception {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "SE")
                .addMultiValuedRDN(new ASN1ObjectIdentifier[] {BCStyle.CN, BCStyle.SERIALNUMBER},
                        new String[] {"device 7", "SN0042"})
                .addRDN(BCStyle.O, new DERBMPString("Bj\u00f6rk AB"))
                .addRDN(BCStyle.OU, new DERT61String("t61 unit"))
                .addRDN(new ASN1ObjectIdentifier(PRIVATE_OID), new DERUTF8String("private \u00e9"))
                .build();
        TestCert cert = CertBuilder.endEntity("x").subjectName(subject).issuedBy(ec.intermediate());
        X509CertificateHolder bc = new X509CertificateHolder(cert.der());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            List<NameAttribute> attributes = crt.subjectAttributes(0);
            assertEquals(NameAttributes.written(bc.getSubject()), NameAttributes.read(attributes));
            assertEquals(6, attributes.size(), attributes.toString());
            assertEquals(List.of(false, true, false, false, false, false),
                    attributes.stream().map(NameAttribute::sameRdnAsNext).toList(), "only the multi-valued RDN continues");

            NameAttribute country = attributes.get(0);
            assertEquals("2.5.4.6", country.oid());
            assertEquals("C", country.shortName());
            assertEquals(NameAttribute.PRINTABLE_STRING, country.tag());
            assertEquals("SE", country.valueString());
            assertEquals("C=SE", country.toString());

            Function<String, NameAttribute> byOid = oid -> attributes.stream().filter(a -> a.oid().equals(oid)).findFirst()
                    .orElseThrow(() -> new AssertionError(oid + " not in " + attributes));
            NameAttribute cn = byOid.apply("2.5.4.3");
            assertEquals("CN", cn.shortName());
            assertEquals(NameAttribute.UTF8_STRING, cn.tag());
            assertEquals("device 7", cn.valueString());
            NameAttribute sn = byOid.apply("2.5.4.5");
            assertEquals("serialNumber", sn.shortName());
            assertEquals(NameAttribute.PRINTABLE_STRING, sn.tag());
            NameAttribute o = byOid.apply("2.5.4.10");
            assertEquals(NameAttribute.BMP_STRING, o.tag());
            assertEquals("Bj\u00f6rk AB", o.valueString());
            assertArrayEquals("Bj\u00f6rk AB".getBytes(StandardCharsets.UTF_16BE), o.value());
            NameAttribute ou = byOid.apply("2.5.4.11");
            assertEquals(0x14, ou.tag());
            assertNull(ou.valueString(), "T61String is not decoded");
            assertArrayEquals("t61 unit".getBytes(StandardCharsets.US_ASCII), ou.value());
            NameAttribute unknown = byOid.apply(PRIVATE_OID);
            assertNull(unknown.shortName(), "Mbed TLS has no name for a private OID");
            assertEquals("private \u00e9", unknown.valueString());

            byte[] copy = cn.value();
            copy[0] = 'X';
            assertEquals("device 7", cn.valueString(), "value() returns a copy");
            assertEquals(attributes, crt.subjectAttributes(0));

            assertEquals(NameAttributes.written(bc.getIssuer()), NameAttributes.read(crt.issuerAttributes(0)));
            assertFalse(crt.issuerAttributes(0).isEmpty());
        }
    }

    @Test
    void anEmptySubjectHasNoAttributes() {
        TestCert cert = CertBuilder.endEntity("x").emptySubject().dnsSan("empty.example").issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            assertEquals(List.of(), crt.subjectAttributes(0));
            assertEquals("", crt.subject(0));
        }
    }

    @Test
    void certificatePublicKeyIsTheSubjectPublicKeyInfo() {
        TestPki rsa = TestPki.create(dir.resolve("rsa"), KeyType.RSA_2048);
        for (TestCert cert : List.of(ec.leaf(), rsa.leaf())) {
            try (X509Crt crt = X509Crt.of(cert.der()); PkContext key = crt.publicKey(0)) {
                assertArrayEquals(cert.publicKey().getEncoded(), key.publicKeyDer());
                assertFalse(key.hasPrivateKey());
                assertEquals(crt.publicKeyType(0), key.name());
                assertEquals(crt.publicKeyBits(0), key.bits());
            }
        }
    }

    @Test
    void csrPublicKeyRoundTripsTheWritersKey() throws Exception {
        PkContext closed;
        try (Entropy entropy = new Entropy(); CtrDrbg rng = new CtrDrbg()) {
            rng.seed(entropy, "X509CrtFieldsMoreTest");
            try (PkContext key = PkContext.generateEc("secp256r1", rng)) {
                byte[] der = new X509CsrWriter().subject("CN=csr key").writeDer(key, rng);
                try (X509Csr csr = X509Csr.of(der); PkContext pub = csr.publicKey()) {
                    assertArrayEquals(key.publicKeyDer(), pub.publicKeyDer());
                    assertArrayEquals(new PKCS10CertificationRequest(der).getSubjectPublicKeyInfo().getEncoded(), pub.publicKeyDer());
                    assertFalse(pub.hasPrivateKey());
                    assertEquals("EC", pub.name());
                    assertEquals(256, pub.bits());
                    closed = pub;
                }
            }
        }
        assertThrows(IllegalStateException.class, closed::publicKeyDer, "closed with the try block");

        byte[] rsaDer = CsrBuilder.subject("CN=rsa csr").keyType(KeyType.RSA_2048).buildDer();
        try (X509Csr csr = X509Csr.of(rsaDer); PkContext pub = csr.publicKey()) {
            assertArrayEquals(new PKCS10CertificationRequest(rsaDer).getSubjectPublicKeyInfo().getEncoded(), pub.publicKeyDer());
            assertEquals(2048, pub.bits());
        }
    }

    @Test
    void keyIdentifiersAreRefusedBefore35() {
        assumeFalse(keyIdsExpected(), "Mbed TLS " + MbedTls.version() + " reads key identifiers");
        try (X509Crt crt = X509Crt.of(ec.leaf().der())) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> crt.subjectKeyIdentifier(0));
            assertTrue(e.getMessage().contains(MbedTls.version()), e.getMessage());
            assertTrue(e.getMessage().contains("3.5"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> crt.authorityKeyIdentifier(0));
            assertThrows(IndexOutOfBoundsException.class, () -> crt.subjectKeyIdentifier(1), "the index is checked first");
        }
    }

    @Test
    void misuseIsRefusedAsByTheOtherAccessors() {
        X509Crt crt = X509Crt.of(ec.leaf().der());
        List<java.util.function.IntConsumer> reads = new ArrayList<>(List.of(crt::extendedKeyUsages, crt::subjectAttributes,
                crt::issuerAttributes, i -> crt.publicKey(i).close()));
        if (keyIdsExpected()) {
            reads.add(crt::subjectKeyIdentifier);
            reads.add(crt::authorityKeyIdentifier);
        }
        for (java.util.function.IntConsumer read : reads) {
            read.accept(0);
            assertThrows(IndexOutOfBoundsException.class, () -> read.accept(1));
            assertThrows(IndexOutOfBoundsException.class, () -> read.accept(-1));
        }
        crt.close();
        for (java.util.function.IntConsumer read : reads) {
            assertThrows(IllegalStateException.class, () -> read.accept(0));
        }
        X509Csr empty = new X509Csr();
        assertThrows(IllegalStateException.class, empty::publicKey, "no request parsed");
        empty.close();
        assertThrows(IllegalStateException.class, empty::publicKey);
    }
}
