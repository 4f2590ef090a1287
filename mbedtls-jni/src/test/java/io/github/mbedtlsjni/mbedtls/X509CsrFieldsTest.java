package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CsrBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.NameAttributes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The accessors of {@link X509Csr}, read by Mbed TLS, against requests Bouncy Castle wrote: every
 * field, the requested extensions 3.6 reads (2.28 reads none: refused, saying so), PEM, DER and
 * files, and the refusals (a second parse, a read before any parse).
 */
class X509CsrFieldsTest {
    /** MBEDTLS_X509_EXT_* bits (x509.h), as ext_types holds them. */
    private static final int EXT_KEY_USAGE = 1 << 2;
    private static final int EXT_SUBJECT_ALT_NAME = 1 << 5;
    private static final int EXT_EXTENDED_KEY_USAGE = 1 << 11;
    private static final int EXT_NS_CERT_TYPE = 1 << 16;

    @TempDir
    Path dir;

    @Test
    void subjectKeyAlgorithmAndRawPartsAreMbedTlsReading() throws Exception {
        byte[] der = CsrBuilder.subject("CN=device 42,O=Example Devices,C=DE").keyType(KeyType.EC_P384)
                .signatureAlgorithm("SHA384withECDSA").buildDer();
        PKCS10CertificationRequest bc = new PKCS10CertificationRequest(der);
        try (X509Csr csr = new X509Csr()) {
            assertFalse(csr.isParsed());
            csr.parseDer(der);
            assertTrue(csr.isParsed());
            assertEquals("CN=device 42, O=Example Devices, C=DE", csr.subject());
            assertEquals(1, csr.version());
            assertEquals("ECDSA with SHA384", csr.signatureAlgorithm());
            assertEquals("EC", csr.publicKeyType());
            assertEquals(384, csr.publicKeyBits());
            assertArrayEquals(der, csr.der());
            assertArrayEquals(bc.toASN1Structure().getCertificationRequestInfo().getEncoded(), csr.certificationRequestInfo());
            assertArrayEquals(bc.getSignature(), csr.signature());
            String info = csr.info();
            assertTrue(info.startsWith("CSR version   : 1\n"), info);
            assertTrue(info.contains("subject name  : CN=device 42, O=Example Devices, C=DE\n"), info);
            assertTrue(info.contains("signed using  : ECDSA with SHA384\n"), info);
            assertTrue(info.contains("EC key size   : 384 bits\n"), info);
        }
    }

    @Test
    void subjectAttributesAreMbedTlsReadingInOrder() throws Exception {
        byte[] der = CsrBuilder.subject("C=SE,CN=device 7+SERIALNUMBER=SN0042,O=Example Devices").buildDer();
        PKCS10CertificationRequest bc = new PKCS10CertificationRequest(der);
        try (X509Csr csr = X509Csr.of(der)) {
            List<NameAttribute> attributes = csr.subjectAttributes();
            assertEquals(NameAttributes.written(bc.getSubject()), NameAttributes.read(attributes));
            // DER sorts the multi-valued RDN's SET, so CN and serialNumber come in encoding order
            List<String> names = attributes.stream().map(NameAttribute::shortName).toList();
            assertEquals("C", names.get(0));
            assertEquals(Set.of("CN", "serialNumber"), Set.copyOf(names.subList(1, 3)));
            assertEquals("O", names.get(3));
            assertEquals(List.of(false, true, false, false), attributes.stream().map(NameAttribute::sameRdnAsNext).toList(),
                    "only the multi-valued RDN continues");
            assertEquals("device 7", attributes.get(names.indexOf("CN")).valueString());
            assertEquals("Example Devices", attributes.get(3).valueString());
            assertEquals(attributes, csr.subjectAttributes());
        }
        try (X509Csr empty = new X509Csr()) {
            assertThrows(IllegalStateException.class, empty::subjectAttributes);
        }
    }

    @Test
    void rsaRequestFromPemAndFromFileReadsTheSame() throws Exception {
        CsrBuilder builder = CsrBuilder.subject("CN=rsa.example").keyType(KeyType.RSA_2048);
        String pem = builder.buildPem();
        Path file = Files.writeString(dir.resolve("req.pem"), pem);
        Path derFile = Files.write(dir.resolve("req.der"), builder.buildDer());
        try (X509Csr fromPem = X509Csr.of(pem.getBytes(StandardCharsets.US_ASCII));
             X509Csr fromFile = new X509Csr(); X509Csr fromDerFile = new X509Csr()) {
            fromFile.parseFile(file);
            fromDerFile.parseFile(derFile);
            for (X509Csr csr : List.of(fromPem, fromFile, fromDerFile)) {
                assertEquals("CN=rsa.example", csr.subject());
                assertEquals("RSA", csr.publicKeyType());
                assertEquals(2048, csr.publicKeyBits());
                assertEquals("RSA with SHA-256", csr.signatureAlgorithm());
                assertEquals(fromPem.info(), csr.info());
                assertArrayEquals(fromPem.der(), csr.der());
            }
            if (X509Csr.hasExtensions()) {
                assertEquals(0, fromPem.keyUsage(), "no extension requested");
                assertEquals(0, fromPem.extensionTypes());
                assertEquals(0, fromPem.nsCertType());
                assertEquals(List.of(), fromPem.subjectAltNames());
            }
        }
    }

    @Test
    void requestedExtensionsAreWhatMbedTlsReads() throws Exception {
        byte[] der = CsrBuilder.subject("CN=device.example")
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement | KeyUsage.decipherOnly)
                .extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                .nsCertType(0x80 | 0x20) // SSL client, e-mail
                .dnsSan("device.example", "*.device.example")
                .san(new GeneralName(GeneralName.iPAddress, "192.0.2.9"))
                .san(new GeneralName(GeneralName.uniformResourceIdentifier, "urn:dev:9"))
                .san(new GeneralName(GeneralName.rfc822Name, "ops@example.org"))
                .san(new GeneralName(GeneralName.directoryName, new org.bouncycastle.asn1.x500.X500Name("CN=inner,O=Dir")))
                .buildDer();
        try (X509Csr csr = new X509Csr()) {
            csr.parseDer(der);
            if (MbedTlsVersions.is2()) {
                assertFalse(X509Csr.hasExtensions());
                IllegalStateException e = assertThrows(IllegalStateException.class, csr::keyUsage);
                assertTrue(e.getMessage().contains("does not read a CSR's requested extensions"), e.getMessage());
                assertThrows(IllegalStateException.class, csr::subjectAltNames);
                assertThrows(IllegalStateException.class, csr::nsCertType);
                assertThrows(IllegalStateException.class, csr::extensionTypes);
                assertEquals("CN=device.example", csr.subject(), "the rest reads as on 3.6");
                return;
            }
            assertTrue(X509Csr.hasExtensions());
            assertEquals(X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_AGREEMENT | X509Crt.KU_DECIPHER_ONLY, csr.keyUsage());
            assertEquals(X509Csr.NS_CERT_TYPE_SSL_CLIENT | X509Csr.NS_CERT_TYPE_EMAIL, csr.nsCertType());
            assertEquals(EXT_KEY_USAGE | EXT_SUBJECT_ALT_NAME | EXT_EXTENDED_KEY_USAGE | EXT_NS_CERT_TYPE, csr.extensionTypes(),
                    "extendedKeyUsage is marked, though Mbed TLS keeps nothing of it in a request");
            List<SubjectAltName> names = csr.subjectAltNames();
            assertEquals(6, names.size(), names.toString());
            assertEquals(SubjectAltName.Type.DNS_NAME, names.get(0).type());
            assertEquals("device.example", names.get(0).value());
            assertEquals("*.device.example", names.get(1).value());
            assertEquals(SubjectAltName.Type.IP_ADDRESS, names.get(2).type());
            assertEquals("192.0.2.9", names.get(2).value());
            assertArrayEquals(new byte[] {(byte) 192, 0, 2, 9}, names.get(2).bytes());
            assertEquals(SubjectAltName.Type.URI, names.get(3).type());
            assertEquals("urn:dev:9", names.get(3).value());
            assertEquals(SubjectAltName.Type.RFC822_NAME, names.get(4).type());
            assertEquals(SubjectAltName.Type.DIRECTORY_NAME, names.get(5).type());
            assertEquals("CN=inner, O=Dir", names.get(5).value());
            String info = csr.info();
            assertTrue(info.contains("key usage"), info);
            assertTrue(info.contains("dNSName : *.device.example"), info);
        }
    }

    @Test
    void aRequestIsParsedOnceAndReadOnlyAfterwards() {
        byte[] der = CsrBuilder.subject("CN=once").buildDer();
        try (X509Csr csr = new X509Csr()) {
            IllegalStateException empty = assertThrows(IllegalStateException.class, csr::subject);
            assertTrue(empty.getMessage().contains("holds no request"), empty.getMessage());
            assertThrows(IllegalStateException.class, csr::info);
            assertThrows(IllegalStateException.class, csr::der);
            csr.parseDer(der);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> csr.parseDer(der));
            assertTrue(twice.getMessage().contains("already holds a request"), twice.getMessage());
            assertThrows(IllegalStateException.class, () -> csr.parse(der));
            assertThrows(IllegalStateException.class, () -> csr.parseFile(Path.of("/dev/null")));
            assertEquals("CN=once", csr.subject(), "the first request is kept");
        }
    }

    @Test
    void aFailedParseLeavesTheObjectEmptyForAnotherTry() {
        byte[] der = CsrBuilder.subject("CN=retry").buildDer();
        byte[] truncated = java.util.Arrays.copyOf(der, der.length - 5);
        try (X509Csr csr = new X509Csr()) {
            X509ParseException e = assertThrows(X509ParseException.class, () -> csr.parseDer(truncated));
            assertTrue(e.code() < 0);
            assertEquals("mbedtls_x509_csr_parse_der", e.function());
            assertFalse(csr.isParsed());
            csr.parseDer(der);
            assertEquals("CN=retry", csr.subject());
        }
    }

    /** Mbed TLS refuses a request with an empty subject (a certificate with one it accepts): reported as it says. */
    @Test
    void anEmptySubjectIsRefusedByMbedTls() {
        X509ParseException e = assertThrows(X509ParseException.class, () -> X509Csr.of(CsrBuilder.subject("").buildDer()));
        assertTrue(e.errorName().startsWith("MBEDTLS_ERR_X509_INVALID_NAME"), e.getMessage());
        assertEquals("mbedtls_x509_csr_parse", e.function());
    }
}
