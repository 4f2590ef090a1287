package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.ExtKeyUsage;
import io.github.mbedtlsjni.testing.JdkRefused;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.KeyUsageBit;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-certificate accessors of {@link X509Crt}, read by Mbed TLS, against what Bouncy Castle wrote. */
class X509CrtFieldsTest {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int EXT_KEY_USAGE = 1 << 2;
    private static final int EXT_BASIC_CONSTRAINTS = 1 << 8;
    private static final int EXT_EXTENDED_KEY_USAGE = 1 << 11;

    @TempDir
    static Path dir;

    static TestPki ec;

    @BeforeAll
    static void pki() {
        ec = TestPki.create(dir.resolve("ec"), KeyType.EC_P384);
    }

    @Test
    void serialVersionAlgorithmsAndRawPartsAreMbedTlsReading() throws Exception {
        BigInteger serial = new BigInteger("c0ffee0123456789", 16);
        TestCert cert = ec.serverCert().serial(serial).issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            assertArrayEquals(serial.toByteArray(), crt.serial(0), "the DER INTEGER with its leading zero");
            assertEquals(3, crt.version(0));
            assertEquals("ECDSA with SHA384", crt.signatureAlgorithm(0));
            assertEquals("EC", crt.publicKeyType(0));
            assertEquals(384, crt.publicKeyBits(0));
            assertArrayEquals(cert.certificate().getTBSCertificate(), crt.tbs(0));
            assertArrayEquals(cert.certificate().getSignature(), crt.signature(0));
        }
        TestPki rsa = TestPki.create(dir.resolve("rsa"), KeyType.RSA_2048);
        try (X509Crt crt = X509Crt.of(rsa.leaf().der())) {
            assertEquals("RSA with SHA-256", crt.signatureAlgorithm(0));
            assertEquals("RSA", crt.publicKeyType(0));
            assertEquals(2048, crt.publicKeyBits(0));
        }
        try (X509Crt crt = X509Crt.of(CertBuilder.endEntity("v1").version1().selfSigned().der())) {
            assertEquals(1, crt.version(0));
            assertEquals(0, crt.extensionTypes(0));
        }
    }

    @Test
    void basicConstraintsOfEachCertificateOfAChain() {
        TestCert limited = ec.caCert("limited CA").pathLen(2).issuedBy(ec.root());
        try (X509Crt chain = new X509Crt()) {
            chain.parseDer(ec.leaf().der());
            chain.parseDer(limited.der());
            chain.parseDer(ec.root().der());
            assertFalse(chain.isCa(0));
            assertEquals(-1, chain.maxPathLength(0));
            assertTrue(chain.isCa(1));
            assertEquals(2, chain.maxPathLength(1));
            assertTrue(chain.isCa(2));
            assertEquals(-1, chain.maxPathLength(2), "a CA with no pathLenConstraint");
            assertTrue((chain.extensionTypes(1) & EXT_BASIC_CONSTRAINTS) != 0);
        }
    }

    @Test
    void keyUsageBitsAndChecks() {
        TestCert cert = ec.serverCert().keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.DECIPHER_ONLY,
                KeyUsageBit.KEY_AGREEMENT).issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            assertEquals(X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_AGREEMENT | X509Crt.KU_DECIPHER_ONLY, crt.keyUsage(0));
            assertTrue((crt.extensionTypes(0) & EXT_KEY_USAGE) != 0);
            assertTrue(crt.checkKeyUsage(0, X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_AGREEMENT | X509Crt.KU_DECIPHER_ONLY));
            assertFalse(crt.checkKeyUsage(0, X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_AGREEMENT),
                    "Mbed TLS wants encipherOnly/decipherOnly asked for exactly as the certificate has them");
            assertFalse(crt.checkKeyUsage(0, X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_ENCIPHERMENT));
            assertFalse(crt.checkKeyUsage(0, X509Crt.KU_KEY_CERT_SIGN));
        }
        try (X509Crt crt = X509Crt.of(ec.serverCert().noKeyUsage().issuedBy(ec.intermediate()).der())) {
            assertEquals(0, crt.extensionTypes(0) & EXT_KEY_USAGE);
            assertTrue(crt.checkKeyUsage(0, X509Crt.KU_KEY_CERT_SIGN), "no keyUsage extension allows everything");
        }
    }

    @Test
    void extendedKeyUsageChecks() {
        try (X509Crt crt = X509Crt.of(ec.serverCert().issuedBy(ec.intermediate()).der())) {
            assertTrue((crt.extensionTypes(0) & EXT_EXTENDED_KEY_USAGE) != 0);
            assertTrue(crt.checkExtendedKeyUsage(0, SERVER_AUTH));
            assertFalse(crt.checkExtendedKeyUsage(0, CLIENT_AUTH));
        }
        TestCert any = ec.serverCert().extendedKeyUsage(ExtKeyUsage.ANY).issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(any.der())) {
            assertTrue(crt.checkExtendedKeyUsage(0, CLIENT_AUTH), "anyExtendedKeyUsage allows any purpose");
        }
        try (X509Crt crt = X509Crt.of(ec.serverCert().noExtendedKeyUsage().issuedBy(ec.intermediate()).der())) {
            assertEquals(0, crt.extensionTypes(0) & EXT_EXTENDED_KEY_USAGE);
            assertTrue(crt.checkExtendedKeyUsage(0, "1.2.3.4"));
        }
    }

    @Test
    void aCertificateTheJdkRefusesIsReadByMbedTls() {
        try (X509Crt crt = new X509Crt()) {
            crt.parseDer(JdkRefused.EMPTY_SERIAL.leaf(ec));
            assertArrayEquals(new byte[0], crt.serial(0));
            assertEquals(3, crt.version(0));
            assertEquals("EC", crt.publicKeyType(0));
            assertTrue(crt.checkExtendedKeyUsage(0, SERVER_AUTH));
        }
    }

    @Test
    void subjectAltNamesAreTypedAsMbedTlsParsesThem() throws Exception {
        String hwType = "1.3.6.1.4.1.55555.7";
        byte[] hwSerial = {1, 2, 3, (byte) 0xFE};
        DERSequence hardwareModuleName = new DERSequence(new ASN1Encodable[] {
            new ASN1ObjectIdentifier("1.3.6.1.5.5.7.8.4"),
            new DERTaggedObject(true, 0, new DERSequence(new ASN1Encodable[] {
                new ASN1ObjectIdentifier(hwType), new DEROctetString(hwSerial)}))});
        GeneralNames sans = new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "device.example"),
            new GeneralName(GeneralName.iPAddress, "192.0.2.7"),
            new GeneralName(GeneralName.uniformResourceIdentifier, "urn:dev:42"),
            new GeneralName(GeneralName.rfc822Name, "ops@example.org"),
            new GeneralName(GeneralName.otherName, hardwareModuleName),
            new GeneralName(GeneralName.registeredID, "1.2.3.4"),
            new GeneralName(GeneralName.dNSName, "*.example")});
        TestCert cert = ec.serverCert().noSan().extension("2.5.29.17", false, sans.getEncoded()).issuedBy(ec.intermediate());
        try (X509Crt crt = X509Crt.of(cert.der())) {
            List<SubjectAltName> names = crt.subjectAltNames(0);
            SubjectAltName dns = names.get(0);
            assertEquals(SubjectAltName.Type.DNS_NAME, dns.type());
            assertEquals("device.example", dns.value());
            assertArrayEquals("device.example".getBytes(StandardCharsets.US_ASCII), dns.bytes());
            SubjectAltName hw = names.stream().filter(n -> n.type() == SubjectAltName.Type.HARDWARE_MODULE_NAME)
                    .findFirst().orElseThrow();
            assertEquals(hwType, hw.value());
            assertArrayEquals(hwSerial, hw.bytes());
            assertEquals(0, hw.tag());
            assertEquals("*.example", names.get(names.size() - 1).value());
            assertEquals(7, names.size(), names.toString());
            SubjectAltName registered = names.get(5);
            assertEquals(SubjectAltName.Type.UNSUPPORTED, registered.type());
            assertEquals(8, registered.tag());
            assertArrayEquals(new ASN1ObjectIdentifier("1.2.3.4").getEncoded(), oidTlv(registered.bytes()));
            assertEquals(hw, names.get(4));
            if (MbedTlsVersions.is2()) {
                assertEquals(List.of(7, 6, 1), names.subList(1, 4).stream().map(SubjectAltName::tag).toList());
                assertTrue(names.subList(1, 4).stream().allMatch(n -> n.type() == SubjectAltName.Type.UNSUPPORTED && n.value() == null),
                        "2.28 parses only dNSName and otherName: " + names);
            } else {
                assertEquals(SubjectAltName.Type.IP_ADDRESS, names.get(1).type());
                assertEquals("192.0.2.7", names.get(1).value());
                assertEquals(SubjectAltName.Type.URI, names.get(2).type());
                assertEquals("urn:dev:42", names.get(2).value());
                assertEquals(SubjectAltName.Type.RFC822_NAME, names.get(3).type());
                assertEquals("ops@example.org", names.get(3).value());
            }
            assertArrayEquals(new byte[] {(byte) 192, 0, 2, 7}, names.get(1).bytes());
        }
        try (X509Crt crt = X509Crt.of(ec.serverCert().noSan().issuedBy(ec.intermediate()).der())) {
            assertEquals(List.of(), crt.subjectAltNames(0));
        }
    }

    /** An OID's contents as a full OBJECT IDENTIFIER TLV (short length). */
    private static byte[] oidTlv(byte[] contents) {
        byte[] tlv = new byte[contents.length + 2];
        tlv[0] = 0x06;
        tlv[1] = (byte) contents.length;
        System.arraycopy(contents, 0, tlv, 2, contents.length);
        return tlv;
    }

    @Test
    void oidsAreEncodedAsMbedTlsComparesThem() {
        assertArrayEquals(new byte[] {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01}, Oids.encode(SERVER_AUTH));
        assertArrayEquals(new byte[] {(byte) 0x88, 0x37}, Oids.encode("2.999"));
        assertArrayEquals(new byte[] {0x2A, (byte) 0x86, 0x48}, Oids.encode("1.2.840"));
    }

    @Test
    void misuseIsRefusedClearly() {
        X509Crt crt = X509Crt.of(ec.leaf().der());
        assertThrows(IndexOutOfBoundsException.class, () -> crt.serial(1));
        assertThrows(IndexOutOfBoundsException.class, () -> crt.version(-1));
        for (String bad : new String[] {null, "", "1", "1..2", "3.1", "1.40", "1.2.x", "1.2."}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crt.checkExtendedKeyUsage(0, bad));
            assertTrue(e.getMessage().contains("OID"), e.getMessage());
        }
        crt.close();
        assertThrows(IllegalStateException.class, () -> crt.keyUsage(0));
        assertThrows(IllegalStateException.class, () -> crt.tbs(0));
    }
}
