package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keys, CSRs and certificates written by Mbed TLS through {@link PkContext},
 * {@link X509CsrWriter} and {@link X509CrtWriter}, read by real tools: {@code openssl pkey},
 * {@code openssl req -verify}, {@code openssl verify}, Bouncy Castle and the JDK; and a CSR signed
 * by {@code openssl x509 -req} used as this library's client identity against
 * {@code openssl s_server -Verify 1}.
 */
class X509WriteInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Entropy entropy;
    private static CtrDrbg rng;

    @TempDir
    Path dir;

    @BeforeAll
    static void seed() {
        entropy = new Entropy();
        rng = new CtrDrbg();
        rng.seed(entropy, "X509WriteInteropTest");
    }

    @AfterAll
    static void free() {
        rng.close();
        entropy.close();
    }

    /** "ec:secp256r1", "rsa:2048"... */
    private static PkContext generate(String spec) {
        String[] p = spec.split(":");
        return p[0].equals("rsa") ? PkContext.generateRsa(Integer.parseInt(p[1]), rng) : PkContext.generateEc(p[1], rng);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec:secp256r1", "ec:secp384r1", "ec:secp521r1", "ec:brainpoolP256r1", "rsa:2048"})
    void generatedKeysAreReadByOpenSslBouncyCastleAndTheJdk(String spec) throws Exception {
        try (PkContext key = generate(spec)) {
            assertTrue(key.hasPrivateKey());
            assertEquals(spec.startsWith("rsa") ? "RSA" : "EC", key.name());
            byte[] pem = key.privateKeyPem();
            byte[] der = key.privateKeyDer();
            Path pemFile = Files.write(dir.resolve("key.pem"), pem);
            Path derFile = Files.write(dir.resolve("key.der"), der);
            Path pubOut = dir.resolve("pub.der");

            // OpenSSL checks the private key and derives the public key Mbed TLS wrote.
            OpenSsl.Result check = OpenSsl.run(TIMEOUT, "pkey", "-in", pemFile.toString(), "-check", "-noout");
            assertEquals(0, check.exitCode(), check.output());
            for (Path in : List.of(pemFile, derFile)) {
                OpenSsl.Result r = OpenSsl.run(TIMEOUT, "pkey", "-in", in.toString(), "-inform", in == derFile ? "DER" : "PEM",
                        "-pubout", "-outform", "DER", "-out", pubOut.toString());
                assertEquals(0, r.exitCode(), r.output());
                assertArrayEquals(key.publicKeyDer(), Files.readAllBytes(pubOut), "openssl's public key of " + in);
            }
            String pubPem = new String(key.publicKeyPem(), StandardCharsets.US_ASCII);
            assertTrue(pubPem.startsWith("-----BEGIN PUBLIC KEY-----\n"), pubPem);

            // Bouncy Castle reads the PEM key pair; its public key encodes to Mbed TLS's bytes.
            try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
                PEMKeyPair pair = (PEMKeyPair) parser.readObject();
                java.security.KeyPair kp = new JcaPEMKeyConverter().getKeyPair(pair);
                assertArrayEquals(key.publicKeyDer(), kp.getPublic().getEncoded());
            }
            // The JDK reads the SubjectPublicKeyInfo.
            PublicKey jdk = KeyFactory.getInstance(spec.startsWith("rsa") ? "RSA" : "EC")
                    .generatePublic(new X509EncodedKeySpec(key.publicKeyDer()));
            assertArrayEquals(key.publicKeyDer(), jdk.getEncoded());

            // And Mbed TLS reads back what it wrote.
            try (PkContext again = PkContext.of(der, null); PkContext pub = new PkContext()) {
                assertArrayEquals(pem, again.privateKeyPem());
                pub.parsePublicKey(key.publicKeyPem());
                assertArrayEquals(key.publicKeyDer(), pub.publicKeyDer());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec:secp256r1", "ec:secp384r1", "rsa:2048"})
    void csrsAreVerifiedByOpenSslAndBouncyCastle(String spec) throws Exception {
        try (PkContext key = generate(spec)) {
            X509CsrWriter writer = new X509CsrWriter().subject("CN=dev42,O=Example,C=NL")
                    .keyUsage(X509Crt.KU_DIGITAL_SIGNATURE | X509Crt.KU_KEY_AGREEMENT)
                    .extendedKeyUsage("1.3.6.1.5.5.7.3.2")
                    .subjectAltName(SubjectAltName.Type.DNS_NAME, "dev42.local")
                    .subjectAltName(SubjectAltName.Type.IP_ADDRESS, "192.0.2.42")
                    .subjectAltName(SubjectAltName.Type.IP_ADDRESS, "2001:db8::42");
            if (!MbedTlsVersions.is2()) {
                writer.subjectAltName(SubjectAltName.Type.URI, "urn:dev:42")
                        .subjectAltName(SubjectAltName.Type.RFC822_NAME, "ops@example.com");
            }
            byte[] pem = writer.digest(VerifyProfile.Hash.SHA384).writePem(key, rng);
            byte[] der = writer.writeDer(key, rng);
            Path csr = Files.write(dir.resolve("dev42.csr"), pem);
            OpenSsl.Result r = OpenSsl.run(TIMEOUT, "req", "-in", csr.toString(), "-verify", "-noout");
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("verify OK"), r.output());
            Path csrDer = Files.write(dir.resolve("dev42.csr.der"), der);
            r = OpenSsl.run(TIMEOUT, "req", "-in", csrDer.toString(), "-inform", "DER", "-verify", "-noout");
            assertEquals(0, r.exitCode(), r.output());

            for (PKCS10CertificationRequest request : List.of(new PKCS10CertificationRequest(der), bcFromPem(pem))) {
                PublicKey pub = KeyFactory.getInstance(spec.startsWith("rsa") ? "RSA" : "EC")
                        .generatePublic(new X509EncodedKeySpec(key.publicKeyDer()));
                assertTrue(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(pub)));
                assertArrayEquals(key.publicKeyDer(), request.getSubjectPublicKeyInfo().getEncoded());
                assertEquals("dev42", IETFUtils.valueToString(request.getSubject().getRDNs(BCStyle.CN)[0].getFirst().getValue()));
                assertEquals("Example", IETFUtils.valueToString(request.getSubject().getRDNs(BCStyle.O)[0].getFirst().getValue()));
                Extensions ext = Extensions.getInstance(
                        request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
                List<String> sans = new ArrayList<>();
                for (GeneralName n : GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName).getNames()) {
                    sans.add(n.getTagNo() + ":" + (n.getTagNo() == GeneralName.iPAddress
                            ? InetAddress.getByAddress(org.bouncycastle.asn1.DEROctetString.getInstance(n.getName()).getOctets()).getHostAddress()
                            : n.getName().toString()));
                }
                List<String> expected = new ArrayList<>(List.of("2:dev42.local", "7:192.0.2.42", "7:2001:db8:0:0:0:0:0:42"));
                if (!MbedTlsVersions.is2()) {
                    expected.addAll(List.of("6:urn:dev:42", "1:ops@example.com"));
                }
                assertEquals(expected, sans);
                assertTrue(ExtendedKeyUsage.fromExtensions(ext).hasKeyPurposeId(KeyPurposeId.id_kp_clientAuth));
                ASN1Encodable ku = ext.getExtensionParsedValue(Extension.keyUsage);
                assertEquals(new org.bouncycastle.asn1.x509.KeyUsage(
                        org.bouncycastle.asn1.x509.KeyUsage.digitalSignature | org.bouncycastle.asn1.x509.KeyUsage.keyAgreement),
                        org.bouncycastle.asn1.x509.KeyUsage.getInstance(ku));
            }
        }
    }

    private static PKCS10CertificationRequest bcFromPem(byte[] pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            return (PKCS10CertificationRequest) parser.readObject();
        }
    }

    @Test
    void aCsrSignedByOpenSslIsTheClientIdentityAgainstSServerRequiringOne() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC_P256);
        try (PkContext key = PkContext.generateEc("secp256r1", rng)) {
            Path csr = Files.write(dir.resolve("client.csr"), new X509CsrWriter().subject("CN=dev42,O=Example")
                    .subjectAltName(SubjectAltName.Type.DNS_NAME, "dev42.local").writePem(key, rng));
            Path caKey = pki.writeKey("root.key", pki.root());
            Path clientCrt = dir.resolve("client.crt");
            OpenSsl.Result signed = OpenSsl.run(TIMEOUT, "x509", "-req", "-in", csr.toString(), "-CA", pki.rootPem().toString(),
                    "-CAkey", caKey.toString(), "-CAcreateserial", "-days", "2", "-sha256", "-copy_extensions", "copy",
                    "-out", clientCrt.toString());
            assertEquals(0, signed.exitCode(), signed.output());

            try (OpenSslServer server = OpenSslServer.builder(pki).args("-Verify", "1", "-CAfile", pki.rootPem().toString()).start();
                    X509Crt ca = new X509Crt(); X509Crt own = new X509Crt(); SslConfig config = new SslConfig();
                    NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
                ca.parseFile(pki.rootPem());
                own.parseFile(clientCrt);
                config.defaults();
                config.setRng(rng);
                config.setAuthMode(AuthMode.REQUIRED);
                config.setCaChain(ca);
                config.setOwnCert(own, key);
                ssl.setup(config);
                ssl.setHostname(TestPki.SERVER_NAME);
                net.connect("127.0.0.1", server.port());
                ssl.setBio(net);
                ssl.handshake();
                ssl.writeFully("hello\n".getBytes(StandardCharsets.UTF_8));
                byte[] buf = new byte[6];
                int n = 0;
                while (n < buf.length) {
                    int k = ssl.read(buf, n, buf.length - n);
                    if (k < 0) {
                        break;
                    }
                    n += k;
                }
                assertEquals("olleh\n", new String(buf, 0, n, StandardCharsets.UTF_8));
                assertTrue(server.output().contains("CN = dev42") || server.output().contains("CN=dev42"), server.output());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ec:secp256r1", "rsa:2048"})
    void aSelfSignedCertificateIsAcceptedByOpenSslVerifyWithItselfAsCa(String spec) throws Exception {
        try (PkContext key = generate(spec)) {
            Instant now = Instant.now();
            byte[] pem = new X509CrtWriter().subject("CN=bootstrap,O=Example").validity(now.minusSeconds(60), now.plus(Duration.ofDays(30)))
                    .basicConstraints(true, -1).keyUsage(X509Crt.KU_KEY_CERT_SIGN | X509Crt.KU_DIGITAL_SIGNATURE)
                    .subjectKeyIdentifier().authorityKeyIdentifier()
                    .subjectAltName(SubjectAltName.Type.DNS_NAME, "bootstrap.local").writePem(key, key, rng);
            Path crt = Files.write(dir.resolve("self.pem"), pem);
            OpenSsl.Result r = OpenSsl.run(TIMEOUT, "verify", "-CAfile", crt.toString(), crt.toString());
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains(": OK"), r.output());
            try (X509Crt parsed = new X509Crt()) {
                parsed.parse(pem);
                assertEquals("CN=bootstrap, O=Example", parsed.subject(0));
                assertEquals(parsed.subject(0), parsed.issuer(0));
                assertTrue(parsed.isCa(0));
                assertEquals(3, parsed.version(0));
                assertEquals("bootstrap.local", parsed.subjectAltNames(0).get(0).value());
                assertEquals(0, parsed.verify(parsed, null, "bootstrap.local").flags());
            }
        }
    }

    @Test
    void aCaWrittenHereSignsALeafForAPublicKeyAndOpenSslVerifiesTheChain() throws Exception {
        try (PkContext caKey = PkContext.generateEc("secp384r1", rng); PkContext leafKey = PkContext.generateEc("secp256r1", rng);
                PkContext leafPublic = new PkContext(); X509Crt ca = new X509Crt(); X509Crt leaf = new X509Crt()) {
            Instant now = Instant.now();
            byte[] caPem = new X509CrtWriter().subject("CN=Device CA,O=Example").validity(now.minusSeconds(60), now.plus(Duration.ofDays(30)))
                    .basicConstraints(true, 0).keyUsage(X509Crt.KU_KEY_CERT_SIGN | X509Crt.KU_CRL_SIGN).subjectKeyIdentifier()
                    .digest(VerifyProfile.Hash.SHA384).writePem(caKey, caKey, rng);
            ca.parse(caPem);
            leafPublic.parsePublicKey(leafKey.publicKeyDer());
            byte[] leafDer = new X509CrtWriter().subject("CN=dev42").issuer(ca, 0).serial(new java.math.BigInteger("4242"))
                    .validity(now.minusSeconds(60), now.plus(Duration.ofDays(7))).basicConstraints(false, 0)
                    .keyUsage(X509Crt.KU_DIGITAL_SIGNATURE).extendedKeyUsage("1.3.6.1.5.5.7.3.2").subjectKeyIdentifier()
                    .authorityKeyIdentifier().digest(VerifyProfile.Hash.SHA384).writeDer(leafPublic, caKey, rng);
            leaf.parseDer(leafDer);
            assertArrayEquals(new byte[] {0x10, (byte) 0x92}, leaf.serial(0));
            assertEquals(0, leaf.verify(ca, null, null).flags());
            assertTrue(leaf.checkExtendedKeyUsage(0, "1.3.6.1.5.5.7.3.2"));
            Path caFile = Files.write(dir.resolve("ca.pem"), caPem);
            Path leafFile = Files.write(dir.resolve("leaf.der"), leafDer);
            Path leafPem = dir.resolve("leaf.pem");
            assertEquals(0, OpenSsl.run(TIMEOUT, "x509", "-inform", "DER", "-in", leafFile.toString(), "-out", leafPem.toString()).exitCode());
            OpenSsl.Result r = OpenSsl.run(TIMEOUT, "verify", "-CAfile", caFile.toString(), "-purpose", "sslclient", leafPem.toString());
            assertEquals(0, r.exitCode(), r.output());
        }
    }
}
