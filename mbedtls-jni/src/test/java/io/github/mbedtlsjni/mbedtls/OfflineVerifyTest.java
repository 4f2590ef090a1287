package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CrlBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.Pem;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestCrl;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link X509Crt#verify} (offline {@code mbedtls_x509_crt_verify_with_profile}), CRL lists,
 * {@link VerifyProfile} offline and in handshakes ({@link SslConfig#setVerifyProfile}), and
 * {@link X509ParseException}.
 */
class OfflineVerifyTest {
    @TempDir
    static Path dir;

    static TestPki ec;
    static TestPki rsa;

    @BeforeAll
    static void pkis() {
        ec = TestPki.create(dir, KeyType.EC_P256, "Offline");
        rsa = TestPki.create(dir, KeyType.RSA_2048, "Offline");
    }

    private static X509Crt chain(TestCert... certs) {
        X509Crt crt = new X509Crt();
        for (TestCert c : certs) {
            crt.parseDer(c.der());
        }
        return crt;
    }

    private static int flags(VerifyFlag... fs) {
        int bits = 0;
        for (VerifyFlag f : fs) {
            bits |= f.bit();
        }
        return bits;
    }

    private static VerifyResult verify(TestPki pki, VerifyProfile profile, TestCert... certs) {
        try (X509Crt chain = chain(certs); X509Crt trusted = X509Crt.of(pki.root().der())) {
            return chain.verify(trusted, null, TestPki.SERVER_NAME, profile);
        }
    }

    // --- names, trust ------------------------------------------------------------------------------

    @Test
    void aGoodChainVerifiesAndTheExpectedNameIsChecked() {
        try (X509Crt chain = chain(ec.leaf(), ec.intermediate()); X509Crt trusted = X509Crt.of(ec.root().der());
                X509Crt nothing = new X509Crt()) {
            VerifyResult ok = chain.verify(trusted, null, TestPki.SERVER_NAME);
            assertTrue(ok.isOk(), ok::describe);
            assertEquals("", ok.info());
            // The leaf's SANs are DNS:localhost and IP:127.0.0.1. Mbed TLS matches an IP literal
            // against iPAddress SANs since 3.5.0; 2.28 compares it with dNSName SANs only.
            assertEquals(MbedTlsVersions.hasIpSanMatching() ? 0 : flags(VerifyFlag.BADCERT_CN_MISMATCH),
                    chain.verify(trusted, null, TestPki.SERVER_IP).flags(), "the IP SAN");
            assertTrue(chain.verify(trusted, null, null).isOk(), "null: no name check");

            VerifyResult wrong = chain.verify(trusted, null, "wrong.example");
            assertEquals(flags(VerifyFlag.BADCERT_CN_MISMATCH), wrong.flags());
            assertEquals("The certificate Common Name (CN) does not match with the expected CN\n", wrong.info());
            assertEquals(List.of("name"), wrong.categoryTags());

            assertEquals(flags(VerifyFlag.BADCERT_NOT_TRUSTED), chain.verify(nothing, null, null).flags(),
                    "an empty trust list trusts nothing");
        }
    }

    @Test
    void theLeafAloneIsNotTrustedAndTheIntermediateAloneIsATrustAnchor() {
        try (X509Crt leaf = chain(ec.leaf()); X509Crt root = X509Crt.of(ec.root().der());
                X509Crt intermediate = X509Crt.of(ec.intermediate().der())) {
            assertEquals(flags(VerifyFlag.BADCERT_NOT_TRUSTED), leaf.verify(root, null, TestPki.SERVER_NAME).flags());
            assertTrue(leaf.verify(intermediate, null, TestPki.SERVER_NAME).isOk());
        }
    }

    @Test
    void aChainLongerThanMbedTlsAllowsIsAFatalErrorNotFlags() {
        List<TestCert> certs = new ArrayList<>();
        TestCert issuer = ec.root();
        List<TestCert> cas = new ArrayList<>();
        for (int i = 1; i <= 10; i++) { // MBEDTLS_X509_MAX_INTERMEDIATE_CA is 8
            issuer = ec.caCert("Offline Deep CA " + i).issuedBy(issuer);
            cas.add(0, issuer);
        }
        certs.add(ec.serverCert().issuedBy(issuer));
        certs.addAll(cas);
        try (X509Crt chain = chain(certs.toArray(new TestCert[0])); X509Crt trusted = X509Crt.of(ec.root().der())) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> chain.verify(trusted, null, TestPki.SERVER_NAME));
            assertEquals(-0x3000, e.code(), e::getMessage);
            assertEquals("MBEDTLS_ERR_X509_FATAL_ERROR", e.errorName());
            assertEquals("mbedtls_x509_crt_verify_with_profile", e.function());
            assertEquals(Optional.of(VerifyCategory.UNCATEGORIZED), e.category());
        }
    }

    // --- CRLs -------------------------------------------------------------------------------------------

    /** Root CRL revoking the intermediate or nothing, intermediate CRL revoking the revoked leaf. */
    private static List<TestCrl> crls(boolean revokeIntermediate) {
        CrlBuilder root = CrlBuilder.issuedBy(ec.root());
        if (revokeIntermediate) {
            root.revoke(ec.intermediate());
        }
        return List.of(root.build(), ec.crl());
    }

    /** The same two CRLs loaded three ways: one PEM file, two DER files, PEM and DER byte arrays. */
    private static List<X509Crl> loadedThreeWays(List<TestCrl> crls, String tag) {
        X509Crl pemFile = new X509Crl();
        pemFile.parseFile(Pem.write(dir.resolve(tag + "-both.pem"), crls.get(0).pem() + crls.get(1).pem()));
        X509Crl derFiles = new X509Crl();
        derFiles.parseFile(crls.get(0).writeDer(dir.resolve(tag + "-root.der")));
        derFiles.parseFile(crls.get(1).writeDer(dir.resolve(tag + "-intermediate.der")));
        X509Crl bytes = new X509Crl();
        bytes.parse(crls.get(0).der());
        bytes.parse(crls.get(1).pem().getBytes(StandardCharsets.US_ASCII));
        return List.of(pemFile, derFiles, bytes);
    }

    @Test
    void severalCrlsOnePerIssuerFromPemAndDerFilesAndBytes() {
        try (X509Crt revoked = chain(ec.revokedLeaf(), ec.intermediate()); X509Crt good = chain(ec.leaf(), ec.intermediate());
                X509Crt trusted = X509Crt.of(ec.root().der())) {
            for (X509Crl crl : loadedThreeWays(crls(false), "clean-root")) {
                try (crl) {
                    assertEquals(2, crl.size());
                    assertEquals(flags(VerifyFlag.BADCERT_REVOKED), revoked.verify(trusted, crl, TestPki.SERVER_NAME).flags(),
                            "the intermediate's CRL, second in the list, applies to the leaf");
                    assertTrue(good.verify(trusted, crl, TestPki.SERVER_NAME).isOk());
                }
            }
            for (X509Crl crl : loadedThreeWays(crls(true), "revoking-root")) {
                try (crl) {
                    VerifyResult r = good.verify(trusted, crl, TestPki.SERVER_NAME);
                    assertEquals(flags(VerifyFlag.BADCERT_REVOKED), r.flags(), "the root's CRL revokes the intermediate");
                    assertEquals("The certificate has been revoked (is on a CRL)\n", r.info());
                }
            }
        }
    }

    @Test
    void crlFlagsOffline() {
        TestCert inter = ec.intermediate();
        try (X509Crt good = chain(ec.leaf(), inter); X509Crt trusted = X509Crt.of(ec.root().der());
                X509Crl expired = crlOf(CrlBuilder.issuedBy(inter).expired().build());
                X509Crl future = crlOf(CrlBuilder.issuedBy(inter).notYetValid().build());
                X509Crl forged = crlOf(CrlBuilder.issuedBy(inter).signingKey(ec.unknownRoot().privateKey()).build())) {
            assertEquals(flags(VerifyFlag.BADCRL_EXPIRED), good.verify(trusted, expired, TestPki.SERVER_NAME).flags());
            assertEquals(flags(VerifyFlag.BADCRL_FUTURE), good.verify(trusted, future, TestPki.SERVER_NAME).flags());
            assertEquals(flags(VerifyFlag.BADCRL_NOT_TRUSTED), good.verify(trusted, forged, TestPki.SERVER_NAME).flags());
        }
    }

    private static X509Crl crlOf(TestCrl crl) {
        X509Crl c = new X509Crl();
        c.parse(crl.der());
        return c;
    }

    // --- profiles ---------------------------------------------------------------------------------------

    private static final VerifyProfile SHA1_RSA_2048 = VerifyProfile.custom()
            .allowHashes(VerifyProfile.Hash.SHA1, VerifyProfile.Hash.SHA256)
            .allowPkTypes(VerifyProfile.PkType.RSA).minRsaBits(2048).build();

    @Test
    void mbedTlsProfilesAndCustomOnesOffline() {
        TestCert sha1Leaf = rsa.serverCert().signatureAlgorithm("SHA1withRSA").issuedBy(rsa.intermediate());
        assertEquals(flags(VerifyFlag.BADCERT_BAD_MD), verify(rsa, VerifyProfile.DEFAULT, sha1Leaf, rsa.intermediate()).flags());
        assertEquals(flags(VerifyFlag.BADCERT_BAD_MD), verify(rsa, VerifyProfile.NEXT, sha1Leaf, rsa.intermediate()).flags());
        assertTrue(verify(rsa, SHA1_RSA_2048, sha1Leaf, rsa.intermediate()).isOk());

        // Suite B: ECDSA on P-256/P-384 with SHA-256/384 only.
        assertTrue(verify(ec, VerifyProfile.SUITE_B, ec.leaf(), ec.intermediate()).isOk());
        assertEquals(SUITE_B_ON_RSA, verify(rsa, VerifyProfile.SUITE_B, rsa.leaf(), rsa.intermediate()).flags());
        assertTrue(verify(rsa, VerifyProfile.NEXT, rsa.leaf(), rsa.intermediate()).isOk());

        TestCert weakLeaf = rsa.serverCert().keyType(KeyType.RSA_1024).keyLabel("Offline/server-1024").issuedBy(rsa.intermediate());
        assertEquals(flags(VerifyFlag.BADCERT_BAD_KEY), verify(rsa, VerifyProfile.DEFAULT, weakLeaf, rsa.intermediate()).flags());
        VerifyProfile rsa1024 = VerifyProfile.custom().allowHashes(VerifyProfile.Hash.SHA256)
                .allowPkTypes(VerifyProfile.PkType.RSA).minRsaBits(1024).build();
        assertTrue(verify(rsa, rsa1024, weakLeaf, rsa.intermediate()).isOk());

        VerifyProfile p256Only = VerifyProfile.custom().allowHashes(VerifyProfile.Hash.SHA256, VerifyProfile.Hash.SHA384)
                .allowPkTypes(VerifyProfile.PkType.ECKEY, VerifyProfile.PkType.ECDSA)
                .allowCurves(VerifyProfile.Curve.SECP256R1).build();
        assertTrue(verify(ec, p256Only, ec.leaf(), ec.intermediate()).isOk());
        TestCert p384Leaf = ec.serverCert().keyType(KeyType.EC_P384).keyLabel("Offline/server-p384").issuedBy(ec.intermediate());
        assertEquals(flags(VerifyFlag.BADCERT_BAD_KEY), verify(ec, p256Only, p384Leaf, ec.intermediate()).flags());

        assertEquals(NOTHING_ALLOWED_ON_EC, verify(ec, VerifyProfile.custom().build(), ec.leaf(), ec.intermediate()).flags());
    }

    /** What Mbed TLS flags for an RSA chain under Suite B (measured; see the javadoc of the test). */
    private static final int SUITE_B_ON_RSA = flags(VerifyFlag.BADCERT_BAD_PK);
    /** What Mbed TLS flags for an EC chain under a profile that allows nothing. */
    private static final int NOTHING_ALLOWED_ON_EC = flags(VerifyFlag.BADCERT_BAD_MD, VerifyFlag.BADCERT_BAD_PK,
            VerifyFlag.BADCERT_BAD_KEY);

    @Test
    void profileValues() {
        assertEquals("default", VerifyProfile.DEFAULT.name());
        assertEquals("suiteb", VerifyProfile.SUITE_B.name());
        assertFalse(VerifyProfile.NEXT.isCustom());
        assertTrue(SHA1_RSA_2048.isCustom());
        assertEquals(Set.of(VerifyProfile.Hash.SHA1, VerifyProfile.Hash.SHA256), SHA1_RSA_2048.allowedHashes());
        assertEquals(2048, SHA1_RSA_2048.minRsaBits());
        assertEquals(SHA1_RSA_2048, VerifyProfile.custom().allowPkTypes(VerifyProfile.PkType.RSA)
                .allowHashes(VerifyProfile.Hash.SHA256, VerifyProfile.Hash.SHA1).minRsaBits(2048).build());
        assertFalse(VerifyProfile.DEFAULT.equals(VerifyProfile.NEXT));
        assertThrows(IllegalArgumentException.class, () -> VerifyProfile.custom().minRsaBits(-1));
    }

    /** The guide's client with a profile; returns the verify result or throws the handshake's exception. */
    private static VerifyResult handshake(int port, TestPki pki, VerifyProfile profile) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
                X509Crt ca = X509Crt.of(pki.root().der()); NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            drbg.seed(entropy, "profile test");
            config.defaults();
            config.setRng(drbg);
            config.setCaChain(ca);
            if (profile != null) {
                config.setVerifyProfile(profile);
            }
            ssl.setup(config);
            ssl.setHostname(TestPki.SERVER_NAME);
            net.connect("127.0.0.1", port);
            ssl.setBio(net);
            ssl.handshake();
            ssl.closeNotify();
            return ssl.verifyResult();
        }
    }

    @Test
    void aProfileAppliesToHandshakes() {
        try (OpenSslServer rsaServer = OpenSslServer.start(rsa); OpenSslServer ecServer = OpenSslServer.start(ec)) {
            assertTrue(handshake(rsaServer.port(), rsa, null).isOk());
            assertTrue(handshake(rsaServer.port(), rsa, VerifyProfile.NEXT).isOk());
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class,
                    () -> handshake(rsaServer.port(), rsa, VerifyProfile.SUITE_B));
            assertEquals(SUITE_B_ON_RSA, e.verifyResult().flags(), e.verifyResult()::describe);
            assertTrue(handshake(ecServer.port(), ec, VerifyProfile.SUITE_B).isOk());
        }
        TestCert sha1Leaf = rsa.serverCert().signatureAlgorithm("SHA1withRSA").issuedBy(rsa.intermediate());
        Path chain = rsa.writeChain("sha1-chain.pem", sha1Leaf, rsa.intermediate());
        try (OpenSslServer server = OpenSslServer.builder(chain, rsa.serverKeyPem()).securityLevel(0).start()) {
            CertificateVerificationException e = assertThrows(CertificateVerificationException.class,
                    () -> handshake(server.port(), rsa, null));
            assertEquals(flags(VerifyFlag.BADCERT_BAD_MD), e.verifyResult().flags());
            assertTrue(handshake(server.port(), rsa, SHA1_RSA_2048).isOk(), "the custom profile allows SHA-1");
        }
    }

    @Test
    void theProfileIsPartOfTheConfigAndFrozenWithIt() {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
                SslContext ssl = new SslContext()) {
            assertThrows(IllegalStateException.class, () -> config.setVerifyProfile(VerifyProfile.NEXT), "before defaults()");
            drbg.seed(entropy, "profile test");
            config.defaults();
            config.setRng(drbg);
            config.setVerifyProfile(VerifyProfile.custom().build());
            config.setVerifyProfile(VerifyProfile.SUITE_B); // may be replaced until the config is in use
            ssl.setup(config);
            assertThrows(IllegalStateException.class, () -> config.setVerifyProfile(VerifyProfile.DEFAULT));
        }
    }

    // --- parse failures and misuse -----------------------------------------------------------------------

    @Test
    void parseFailuresAreX509ParseExceptionsNamingTheMbedTlsError() {
        try (X509Crt crt = new X509Crt(); X509Crl crl = new X509Crl()) {
            X509ParseException pem = assertThrows(X509ParseException.class, () -> crt.parse(
                    "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("MBEDTLS_ERR_PEM_INVALID_DATA + MBEDTLS_ERR_BASE64_INVALID_CHARACTER", pem.errorName());
            assertEquals(Optional.of(VerifyCategory.FORMAT), pem.category());
            assertTrue(pem.getMessage().contains(pem.errorName()), pem.getMessage());

            X509ParseException der = assertThrows(X509ParseException.class, () -> crt.parseDer(new byte[] {1, 2, 3}));
            assertEquals("MBEDTLS_ERR_X509_INVALID_FORMAT", der.errorName(), "no low-level part for a missing outer SEQUENCE");
            assertEquals(Optional.of("https://x509errors.org/mbedtls#mbedtls-err-x509-invalid-format-link"), der.documentationUrl());
            assertInstanceOf(MbedTlsException.class, der);

            TestCert critical = ec.serverCert().unknownCriticalExtension().issuedBy(ec.intermediate());
            X509ParseException ext = assertThrows(X509ParseException.class, () -> crt.parseDer(critical.der()));
            assertEquals(-0x2562, ext.code());
            assertEquals("mbedtls_x509_crt_parse_der", ext.function());

            // A missing file is the JDK's to tell, before Mbed TLS (which says only MBEDTLS_ERR_PK_FILE_IO_ERROR).
            Path missing = dir.resolve("no-such-file.pem");
            java.io.UncheckedIOException file = assertThrows(java.io.UncheckedIOException.class, () -> crt.parseFile(missing));
            assertInstanceOf(java.nio.file.NoSuchFileException.class, file.getCause());
            assertTrue(file.getMessage().contains(missing.toString()), file.getMessage());

            X509ParseException crlDer = assertThrows(X509ParseException.class, () -> crl.parse(new byte[] {0x30, 0x03, 1, 2, 3}));
            assertEquals(Optional.of(VerifyCategory.FORMAT), crlDer.category(), crlDer::errorName);
            assertEquals("mbedtls_x509_crl_parse", crlDer.function());
            assertEquals(0, crt.size(), "nothing was added");
            assertEquals(0, crl.size());
        }
    }

    @Test
    void verifyRefusesAnEmptyChainAndClosedObjects() {
        X509Crt closed = X509Crt.of(ec.root().der());
        closed.close();
        try (X509Crt empty = new X509Crt(); X509Crt chain = chain(ec.leaf(), ec.intermediate());
                X509Crt trusted = X509Crt.of(ec.root().der())) {
            assertThrows(IllegalStateException.class, () -> empty.verify(trusted, null, null));
            assertThrows(IllegalStateException.class, () -> chain.verify(closed, null, null));
            assertThrows(NullPointerException.class, () -> chain.verify(null, null, null));
            assertThrows(NullPointerException.class, () -> chain.verify(trusted, null, null, null));
            assertTrue(chain.verify(trusted, null, null).isOk(), "still usable after refused calls");
        }
    }

    @Test
    void aCaChainInUseByAConfigStillVerifiesOffline() {
        try (SslConfig config = new SslConfig(); X509Crt ca = X509Crt.of(ec.root().der());
                X509Crt chain = chain(ec.leaf(), ec.intermediate())) {
            config.defaults();
            config.setCaChain(ca);
            assertTrue(chain.verify(ca, null, TestPki.SERVER_NAME).isOk());
        }
    }
}
