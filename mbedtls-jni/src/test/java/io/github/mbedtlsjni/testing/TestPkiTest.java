package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Self-tests of the certificate generator: validated by JDK PKIX and by the openssl CLI. */
class TestPkiTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void defaultPkiValidatesAndHasTheExpectedShape(KeyType keyType) throws Exception {
        TestPki pki = TestPki.create(dir, keyType);

        validate(pki.root(), List.of(pki.leaf(), pki.intermediate()), null);
        X509Certificate leaf = pki.leaf().certificate();
        assertEquals("CN=localhost", pki.leaf().subject());
        assertEquals(Set.of(List.of(2, "localhost"), List.of(7, "127.0.0.1")), Set.copyOf(leaf.getSubjectAlternativeNames()));
        assertEquals(List.of(ExtKeyUsage.SERVER_AUTH.oid()), leaf.getExtendedKeyUsage());
        assertEquals(-1, leaf.getBasicConstraints());
        assertEquals(Integer.MAX_VALUE, pki.intermediate().certificate().getBasicConstraints());
        assertEquals(keyType.algorithm(), leaf.getPublicKey().getAlgorithm());
        assertEquals(keyType.defaultSignatureAlgorithm().toUpperCase(), leaf.getSigAlgName().toUpperCase());
        assertTrue(pki.intermediate().certificate().getKeyUsage()[5], "keyCertSign");
        assertTrue(pki.intermediate().certificate().getKeyUsage()[6], "cRLSign");

        assertEquals(List.of(pki.root().certificate()), readCertificates(pki.rootPem()));
        assertEquals(List.of(leaf, pki.intermediate().certificate()), readCertificates(pki.serverChainPem()));
        assertEquals(List.of(leaf, pki.intermediate().certificate(), pki.root().certificate()),
                readCertificates(pki.fullChainPem()));
        String keyPem = Files.readString(pki.serverKeyPem());
        assertTrue(keyPem.startsWith("-----BEGIN PRIVATE KEY-----\n"), keyPem);
        assertTrue(keyPem.endsWith("-----END PRIVATE KEY-----\n"), keyPem);
        assertKeyMatches(readPrivateKey(pki.serverKeyPem(), keyType.algorithm()), leaf);
        assertArrayEquals(leaf.getEncoded(), pki.leaf().der());
    }

    @Test
    void expiredLeafFailsPkixValidation() {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        CertPathValidatorException e = assertThrows(CertPathValidatorException.class,
                () -> validate(pki.root(), List.of(pki.expiredLeaf(), pki.intermediate()), null));
        assertEquals(CertPathValidatorException.BasicReason.EXPIRED, e.getReason());
        assertThrows(CertificateExpiredException.class, () -> pki.expiredLeaf().certificate().checkValidity());
        assertEquals(pki.leaf().publicKey(), pki.expiredLeaf().publicKey(), "all server leaves share the key");
    }

    @Test
    void unknownRootFailsPkixValidation() {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        assertNotEquals(pki.root().publicKey(), pki.unknownRoot().publicKey());
        CertPathValidatorException e = assertThrows(CertPathValidatorException.class,
                () -> validate(pki.unknownRoot(), List.of(pki.leaf(), pki.intermediate()), null));
        assertEquals(PKIXReason.NO_TRUST_ANCHOR, e.getReason());
    }

    @Test
    void differentlyNamedPkisAreUnrelated() {
        TestPki a = TestPki.create(dir, KeyType.EC_P256);
        TestPki b = TestPki.create(dir, KeyType.EC_P256, "Other");
        assertEquals("CN=Other Root CA", b.root().subject());
        assertNotEquals(a.rootPem(), b.rootPem());
        assertThrows(CertPathValidatorException.class,
                () -> validate(a.root(), List.of(b.leaf(), b.intermediate()), null));
    }

    @Test
    void crlParsesFromPemAndDerAndListsTheRevokedSerial() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (Path file : List.of(pki.crlPem(), pki.crlDer())) {
            X509CRL crl;
            try (InputStream in = Files.newInputStream(file)) {
                crl = (X509CRL) factory.generateCRL(in);
            }
            crl.verify(pki.intermediate().publicKey());
            assertEquals(pki.intermediate().certificate().getSubjectX500Principal(), crl.getIssuerX500Principal());
            assertNotNull(crl.getRevokedCertificate(pki.revokedLeaf().serial()));
            assertNull(crl.getRevokedCertificate(pki.leaf().serial()));
            assertEquals(1, crl.getRevokedCertificates().size());
            assertTrue(crl.getNextUpdate().after(new Date()));
        }
        assertTrue(Files.readString(pki.crlPem()).startsWith("-----BEGIN X509 CRL-----\n"));
        assertTrue(pki.crl().crl().isRevoked(pki.revokedLeaf().certificate()));

        CertPathValidatorException e = assertThrows(CertPathValidatorException.class,
                () -> validate(pki.root(), List.of(pki.revokedLeaf(), pki.intermediate()), pki.crl()));
        assertEquals(CertPathValidatorException.BasicReason.REVOKED, e.getReason());
        validate(pki.root(), List.of(pki.leaf(), pki.intermediate()), pki.crl());
    }

    @Test
    void opensslAgreesWithTheGeneratedFiles() {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        String root = pki.rootPem().toString();
        String intermediate = pki.intermediatePem().toString();
        Path leaf = pki.leaf().writePem(dir.resolve("leaf.pem"));
        Path revoked = pki.revokedLeaf().writePem(dir.resolve("revoked.pem"));
        Path expired = pki.expiredLeaf().writePem(dir.resolve("expired.pem"));
        Path untrustedRoot = pki.unknownRootPem();

        assertOpenSsl(0, ": OK", "verify", "-CAfile", root, "-untrusted", intermediate, leaf.toString());
        assertOpenSsl(2, "certificate has expired", "verify", "-CAfile", root, "-untrusted", intermediate,
                expired.toString());
        assertOpenSsl(2, "unable to get local issuer certificate", "verify", "-CAfile", untrustedRoot.toString(),
                "-untrusted", intermediate, leaf.toString());
        assertOpenSsl(2, "certificate revoked", "verify", "-crl_check", "-CRLfile", pki.crlPem().toString(),
                "-CAfile", root, "-untrusted", intermediate, revoked.toString());
        assertOpenSsl(0, ": OK", "verify", "-crl_check", "-CRLfile", pki.crlPem().toString(),
                "-CAfile", root, "-untrusted", intermediate, leaf.toString());
        assertOpenSsl(0, "", "pkey", "-in", pki.serverKeyPem().toString(), "-noout");
        assertOpenSsl(0, "", "crl", "-inform", "DER", "-in", pki.crlDer().toString(), "-noout");
    }

    @Test
    void builderVariants() throws Exception {
        TestCert root = CertBuilder.ca("Variant Root").selfSigned();

        X509Certificate pathLen = CertBuilder.ca("PathLen CA").pathLen(0).issuedBy(root).certificate();
        assertEquals(0, pathLen.getBasicConstraints());

        X509Certificate bare = CertBuilder.server("bare").noBasicConstraints().noKeyUsage().noExtendedKeyUsage()
                .issuedBy(root).certificate();
        assertNull(bare.getExtensionValue("2.5.29.19"));
        assertNull(bare.getKeyUsage());
        assertNull(bare.getExtendedKeyUsage());
        assertNull(bare.getSubjectAlternativeNames());

        X509Certificate notCa = CertBuilder.ca("Not a CA").ca(false).noKeyUsage().issuedBy(root).certificate();
        assertEquals(-1, notCa.getBasicConstraints());

        X509Certificate usages = CertBuilder.client("usages")
                .keyUsage(KeyUsageBit.KEY_AGREEMENT, KeyUsageBit.DIGITAL_SIGNATURE).keyUsageCritical(false)
                .extendedKeyUsage(ExtKeyUsage.CLIENT_AUTH, ExtKeyUsage.CODE_SIGNING)
                .issuedBy(root).certificate();
        assertTrue(usages.getKeyUsage()[0] && usages.getKeyUsage()[4] && !usages.getKeyUsage()[2]);
        assertFalse(usages.getCriticalExtensionOIDs().contains("2.5.29.15"));
        assertEquals(List.of(ExtKeyUsage.CLIENT_AUTH.oid(), ExtKeyUsage.CODE_SIGNING.oid()),
                usages.getExtendedKeyUsage());

        X509Certificate sans = CertBuilder.server("sans").dnsSan("*.example.com", "example.com")
                .ipSan("::1", "10.1.2.3").issuedBy(root).certificate();
        assertEquals(List.of("*.example.com", "example.com", "0:0:0:0:0:0:0:1", "10.1.2.3"),
                sans.getSubjectAlternativeNames().stream().map(san -> (String) san.get(1)).collect(Collectors.toList()));

        X509Certificate empty = CertBuilder.server("x").emptySubject().dnsSan("localhost").issuedBy(root).certificate();
        assertEquals("", empty.getSubjectX500Principal().getName());
        assertTrue(empty.getCriticalExtensionOIDs().contains("2.5.29.17"), "SAN is critical with an empty subject");

        X509Certificate dn = CertBuilder.server("x").subjectDn("CN=localhost,O=Example,C=SE")
                .issuedBy(root).certificate();
        assertEquals("CN=localhost,O=Example,C=SE", dn.getSubjectX500Principal().getName());

        TestCert rsaRoot = CertBuilder.ca("RSA Variant Root").keyType(KeyType.RSA_2048).selfSigned();
        for (String algorithm : List.of("SHA1withRSA", "MD5withRSA", "SHA384withRSA")) {
            X509Certificate signed = CertBuilder.server("alg").signatureAlgorithm(algorithm)
                    .issuedBy(rsaRoot).certificate();
            assertEquals(algorithm.toUpperCase(), signed.getSigAlgName().toUpperCase());
            signed.verify(rsaRoot.publicKey());
        }

        TestCert weak = CertBuilder.server("weak").keyType(KeyType.RSA_1024).issuedBy(root);
        assertEquals(1024, ((RSAPublicKey) weak.publicKey()).getModulus().bitLength());
        assertTrue(weak.certificate().getKeyUsage()[2], "RSA server certs get keyEncipherment");

        X509Certificate v1 = CertBuilder.ca("V1 Root").version1().selfSigned().certificate();
        assertEquals(1, v1.getVersion());
        assertNull(v1.getCriticalExtensionOIDs());

        X509Certificate unknown = CertBuilder.server("ext").unknownCriticalExtension().issuedBy(root).certificate();
        assertTrue(unknown.getCriticalExtensionOIDs().contains(CertBuilder.UNKNOWN_EXTENSION_OID));
        assertTrue(unknown.hasUnsupportedCriticalExtension());

        X509Certificate tampered = CertBuilder.server("tampered").tamperSignature().issuedBy(root).certificate();
        assertThrows(SignatureException.class, () -> tampered.verify(root.publicKey()));
        X509Certificate wrongKey = CertBuilder.server("wrong key")
                .signingKey(KeyType.EC_P256.cached("someone else").getPrivate()).issuedBy(root).certificate();
        assertThrows(SignatureException.class, () -> wrongKey.verify(root.publicKey()));

        X509Certificate future = CertBuilder.server("future").notYetValid().issuedBy(root).certificate();
        assertThrows(CertificateNotYetValidException.class, future::checkValidity);
        Instant start = Instant.parse("2020-01-01T00:00:00Z");
        X509Certificate dated = CertBuilder.server("dated").notBefore(start).notAfter(start.plusSeconds(60))
                .serial(BigInteger.valueOf(42)).issuedBy(root).certificate();
        assertEquals(Date.from(start), dated.getNotBefore());
        assertEquals(BigInteger.valueOf(42), dated.getSerialNumber());

        X509Certificate ed = CertBuilder.server("ed").keyType(KeyType.ED25519)
                .issuedBy(CertBuilder.ca("Ed Root").keyType(KeyType.ED25519).selfSigned()).certificate();
        assertEquals("Ed25519", ed.getSigAlgName());

        X509Certificate p384 = CertBuilder.server("p384")
                .issuedBy(CertBuilder.ca("P-384 Root").keyType(KeyType.EC_P384).selfSigned()).certificate();
        assertEquals("SHA384withECDSA", p384.getSigAlgName());

        X509Certificate renamed = CertBuilder.server("renamed").issuerDn("CN=Somebody Else").issuedBy(root)
                .certificate();
        assertEquals("CN=Somebody Else", renamed.getIssuerX500Principal().getName());
        renamed.verify(root.publicKey());
    }

    @Test
    void crlVariants() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        TestCert ca = pki.intermediate();

        X509CRL expired = CrlBuilder.issuedBy(ca).expired().build().crl();
        assertTrue(expired.getNextUpdate().before(new Date()));
        X509CRL future = CrlBuilder.issuedBy(ca).notYetValid().build().crl();
        assertTrue(future.getThisUpdate().after(new Date()));
        X509CRL badlySigned = CrlBuilder.issuedBy(ca).signingKey(pki.unknownRoot().privateKey()).build().crl();
        assertThrows(SignatureException.class, () -> badlySigned.verify(ca.publicKey()));
        X509CRL tampered = CrlBuilder.issuedBy(ca).tamperSignature().build().crl();
        assertThrows(SignatureException.class, () -> tampered.verify(ca.publicKey()));
        X509CRL otherIssuer = CrlBuilder.issuedBy(pki.unknownRoot()).revoke(pki.leaf()).build().crl();
        otherIssuer.verify(pki.unknownRoot().publicKey());
        assertNotEquals(ca.certificate().getSubjectX500Principal(), otherIssuer.getIssuerX500Principal());
        X509CRL open = CrlBuilder.issuedBy(ca).noNextUpdate().revoke(BigInteger.TEN).build().crl();
        assertNull(open.getNextUpdate());
        assertNotNull(open.getRevokedCertificate(BigInteger.TEN));
        X509CRL sha1 = CrlBuilder.issuedBy(CertBuilder.ca("RSA CRL CA").keyType(KeyType.RSA_2048).selfSigned())
                .signatureAlgorithm("SHA1withRSA").build().crl();
        assertEquals("SHA1withRSA", sha1.getSigAlgName());
    }

    /** PKIX-validates {@code chain} (leaf first) against {@code anchor}; with {@code crl}, checks the leaf against it. */
    private static void validate(TestCert anchor, List<TestCert> chain, TestCrl crl) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        var path = factory.generateCertPath(chain.stream().map(TestCert::certificate).collect(Collectors.toList()));
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor.certificate(), null)));
        CertPathValidator validator = CertPathValidator.getInstance("PKIX");
        if (crl == null) {
            parameters.setRevocationEnabled(false);
        } else {
            PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
            checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.ONLY_END_ENTITY, PKIXRevocationChecker.Option.NO_FALLBACK));
            parameters.addCertPathChecker(checker);
            parameters.addCertStore(CertStore.getInstance("Collection",
                    new CollectionCertStoreParameters(List.of(crl.crl()))));
        }
        validator.validate(path, parameters);
    }

    private static List<X509Certificate> readCertificates(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends java.security.cert.Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            return certificates.stream().map(X509Certificate.class::cast).collect(Collectors.toList());
        }
    }

    private static PrivateKey readPrivateKey(Path file, String algorithm) throws Exception {
        String base64 = Files.readString(file, StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm)
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static void assertKeyMatches(PrivateKey key, X509Certificate certificate) throws Exception {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] data = "proof of possession".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        assertTrue(verifier.verify(signature), "key matches certificate");
    }

    private static void assertOpenSsl(int exitCode, String expectedOutput, String... args) {
        OpenSsl.Result result = OpenSsl.run(java.time.Duration.ofSeconds(30), args);
        assertEquals(exitCode, result.exitCode(), () -> "openssl " + String.join(" ", args) + "\n" + result.output());
        assertTrue(result.output().contains(expectedOutput), () -> "expected '" + expectedOutput + "' in\n" + result.output());
    }
}
