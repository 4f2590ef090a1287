package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.Pem;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The convenience client: streams, ends of stream, trust sources, identity, names, ALPN, suites, debug, close. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsClientTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    // Mbed TLS's MBEDTLS_X509_BADCERT_* bits.
    private static final int BADCERT_REVOKED = 0x02;
    private static final int BADCERT_CN_MISMATCH = 0x04;
    private static final int BADCERT_NOT_TRUSTED = 0x08;

    @TempDir
    static Path dir;

    TestPki pki;
    TlsClient client;

    @BeforeAll
    void setUp() throws IOException {
        pki = TestPki.create(dir, KeyType.EC_P256);
        client = TlsClient.builder().trustPemFile(pki.rootPem()).build();
    }

    @AfterAll
    void closeClient() {
        client.close();
    }

    static void assumeProtocol(TlsProtocol protocol) {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
    }

    /** pkey's cipher for an encrypted PKCS#8 key this Mbed TLS can read (2.28's PBES2 knows only DES). */
    static String keyCipher() {
        return MbedTlsVersions.byLine("-des3", "-aes256");
    }

    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "stream ended early");
        return b;
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void echoRoundTripNegotiatedFactsAndCleanClose(TlsProtocol protocol) throws Exception {
        assumeProtocol(protocol);
        try (JsseServer server = JsseServer.start(pki, protocol)) {
            try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals(protocol.protocolName(), c.protocol());
                assertNotNull(c.ciphersuite());
                assertTrue(c.verifyResult().isOk(), c.verifyResult().toString());
                assertFalse(c.isResumed());
                assertNull(c.alpnProtocol());
                List<X509Certificate> chain = c.peerCertificates();
                assertEquals(2, chain.size());
                assertEquals(pki.leaf().certificate(), chain.get(0));
                assertEquals(pki.intermediate().certificate(), chain.get(1));
                try (X509Crt copy = c.peerChain()) {
                    assertEquals(2, copy.size());
                    assertArrayEquals(pki.leaf().der(), copy.der(0));
                }
                c.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                c.getOutputStream().flush();
                assertEquals("hello", new String(readExactly(c.getInputStream(), 5), StandardCharsets.UTF_8));
                c.getOutputStream().write('!');
                assertEquals('!', c.getInputStream().read());
            }
            JsseServer.Connection seen = server.awaitConnection(WAIT);
            assertEquals(JsseServer.Ending.CLOSE_NOTIFY, seen.ending(), seen.toString());
            assertEquals("hello!", seen.receivedText());
        }
    }

    @Test
    void aCloseNotifyFromTheServerEndsTheStreamWithMinusOne() throws Exception {
        JsseServer.Handler greet = exchange -> exchange.out().write("bye".getBytes(StandardCharsets.UTF_8));
        try (JsseServer server = JsseServer.builder(pki).handler(greet).start();
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            assertEquals("bye", new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(-1, c.getInputStream().read());
            assertEquals(SslContext.Inbound.CLOSE_NOTIFY, c.inbound());
        }
    }

    @Test
    void anEofWithoutCloseNotifyIsATruncationNotAnEnd() throws Exception {
        JsseServer.Handler cut = exchange -> {
            exchange.out().write("partial".getBytes(StandardCharsets.UTF_8));
            exchange.out().flush();
            exchange.closeWithoutCloseNotify();
        };
        try (JsseServer server = JsseServer.builder(pki).handler(cut).start();
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            InputStream in = c.getInputStream();
            assertEquals("partial", new String(readExactly(in, 7), StandardCharsets.UTF_8));
            TruncationException e = assertThrows(TruncationException.class, () -> in.read(new byte[10]));
            assertInstanceOf(EOFException.class, e);
            assertThrows(TruncationException.class, in::read, "and on every later read");
            assertEquals(SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY, c.inbound());
        }
    }

    @Test
    void closedConnectionRefusesIoAndCloseIsIdempotent() throws Exception {
        try (JsseServer server = JsseServer.start(pki)) {
            TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port());
            c.close();
            c.close();
            assertTrue(c.isClosed());
            assertThrows(SocketException.class, () -> c.getInputStream().read());
            assertThrows(SocketException.class, () -> c.getOutputStream().write(1));
            assertThrows(SocketException.class, c::session);
            assertEquals(TestPki.SERVER_NAME, c.host());
        }
    }

    // ---- trust ------------------------------------------------------------------------------

    @Test
    void trustFromADirectoryAKeyStoreBytesAndCertificates() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Files.copy(pki.rootPem(), certs.resolve("root.pem"));
        Files.copy(pki.unknownRootPem(), certs.resolve("other.pem"));
        Files.writeString(certs.resolve("README"), "not a certificate\n");
        List<TlsClient> clients = List.of(
                TlsClient.builder().trustPath(certs).build(),
                TlsClient.builder().trust(SslContexts.trustStore(pki.root().certificate())).build(),
                TlsClient.builder().trust(Files.readAllBytes(pki.rootPem())).build(),
                TlsClient.builder().trust(pki.root().der()).build(),
                TlsClient.builder().trust(pki.root().certificate()).build());
        assertEquals(2, clients.get(0).trustAnchorCount());
        assertEquals(1, clients.get(0).skippedTrustAnchors(), "the README");
        try (JsseServer server = JsseServer.start(pki)) {
            for (TlsClient each : clients) {
                try (TlsConnection c = each.connect(TestPki.SERVER_NAME, server.port())) {
                    assertTrue(c.verifyResult().isOk(), each.toString());
                } finally {
                    each.close();
                }
            }
        }
    }

    @Test
    void jdkTrustHoldsPublicRootsAndNotTheTestRoot() throws Exception {
        TlsClient jdk = TlsClient.builder().trustJdkDefaults().build();
        assertTrue(jdk.trustAnchorCount() > 10, "the JDK's cacerts: " + jdk.trustAnchorCount());
        try (JsseServer server = JsseServer.start(pki)) {
            TlsException e = assertThrows(TlsException.class, () -> jdk.connect(TestPki.SERVER_NAME, server.port()));
            assertTrue(e.isCertificateVerificationFailure(), e.toString());
            assertTrue((e.verifyResult().flags() & BADCERT_NOT_TRUSTED) != 0, e.verifyResult().toString());
        }
    }

    @Test
    void aVerifyingClientNeedsTrustAnchors() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TlsClient.builder().build());
        assertTrue(e.getMessage().contains("trust"), e.getMessage());
    }

    @Test
    void optionalModeCompletesAndReportsTheFlags() throws Exception {
        TlsClient inspect = TlsClient.builder().authMode(AuthMode.OPTIONAL).trustPemFile(pki.unknownRootPem()).build();
        try (JsseServer server = JsseServer.start(pki);
                TlsConnection c = inspect.connect(TestPki.SERVER_NAME, server.port())) {
            assertTrue((c.verifyResult().flags() & BADCERT_NOT_TRUSTED) != 0, c.verifyResult().toString());
        }
    }

    @Test
    void crlsFromFilesAndBytesRevokeTheServer() throws Exception {
        TlsClient fromFile = TlsClient.builder().trustPemFile(pki.rootPem()).crlFile(pki.crlPem()).build();
        TlsClient fromBytes = TlsClient.builder().trustPemFile(pki.rootPem()).crl(Files.readAllBytes(pki.crlDer())).build();
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki.revokedLeaf().privateKey(),
                List.of(pki.revokedLeaf().certificate(), pki.intermediate().certificate()))).start()) {
            for (TlsClient each : List.of(fromFile, fromBytes)) {
                TlsException e = assertThrows(TlsException.class, () -> each.connect(TestPki.SERVER_NAME, server.port()));
                assertTrue((e.verifyResult().flags() & BADCERT_REVOKED) != 0, e.verifyResult().toString());
            }
        }
        try (JsseServer server = JsseServer.start(pki);
                TlsConnection c = fromFile.connect(TestPki.SERVER_NAME, server.port())) {
            assertTrue(c.verifyResult().isOk(), "the good leaf is not revoked");
        }
    }

    // ---- names --------------------------------------------------------------------------------

    /** A JSSE server that records the SNI each connection asked for ("" for none). */
    private JsseServer sniRecordingServer(BlockingQueue<String> sni) {
        return JsseServer.builder(pki).handler(exchange -> {
            List<SNIServerName> names = ((ExtendedSSLSession) exchange.socket().getSession()).getRequestedServerNames();
            sni.add(names.isEmpty() ? "" : ((SNIHostName) names.get(0)).getAsciiName());
            JsseServer.ECHO.handle(exchange);
        }).start();
    }

    @Test
    void theHostIsBothSniAndTheVerifiedName() throws Exception {
        BlockingQueue<String> sni = new LinkedBlockingQueue<>();
        try (JsseServer server = sniRecordingServer(sni)) {
            client.connect(TestPki.SERVER_NAME, server.port()).close();
            assertEquals(TestPki.SERVER_NAME, sni.poll(20, TimeUnit.SECONDS));
            TlsException e = assertThrows(TlsException.class,
                    () -> client.connection("127.0.0.1", server.port()).serverName("wrong.example").connect());
            assertTrue((e.verifyResult().flags() & BADCERT_CN_MISMATCH) != 0, e.verifyResult().toString());
        }
    }

    @Test
    void sniCanDifferFromTheVerifiedName() throws Exception {
        BlockingQueue<String> sni = new LinkedBlockingQueue<>();
        try (JsseServer server = sniRecordingServer(sni)) {
            // SNI elsewhere, certificate checked against the host: matches.
            try (TlsConnection c = client.connection(TestPki.SERVER_NAME, server.port()).sni("front.example").connect()) {
                assertTrue(c.verifyResult().isOk());
            }
            assertEquals("front.example", sni.poll(20, TimeUnit.SECONDS));

            // SNI matching the certificate, verified name not: refused, with Mbed TLS's flag.
            TlsException e = assertThrows(TlsException.class, () -> client.connection(TestPki.SERVER_NAME, server.port())
                    .serverName("wrong.example").sni(TestPki.SERVER_NAME).connect());
            assertTrue((e.verifyResult().flags() & BADCERT_CN_MISMATCH) != 0, e.verifyResult().toString());
            assertEquals(BADCERT_CN_MISMATCH, e.verifyResult().flags(), "only the name");

            // The verified name may be an IP address (the leaf has IP:127.0.0.1).
            if (MbedTlsVersions.hasIpSanMatching()) {
                try (TlsConnection c = client.connection("127.0.0.1", server.port()).sni("front.example").connect()) {
                    assertTrue(c.verifyResult().isOk());
                }
            }

            // No SNI at all, name still checked.
            try (TlsConnection c = client.connection(TestPki.SERVER_NAME, server.port()).noSni().connect()) {
                assertTrue(c.verifyResult().isOk());
            }
            TlsException noSniWrongName = assertThrows(TlsException.class, () -> client
                    .connection(TestPki.SERVER_NAME, server.port()).serverName("wrong.example").noSni().connect());
            assertTrue((noSniWrongName.verifyResult().flags() & BADCERT_CN_MISMATCH) != 0);

            // In optional mode the flag is reported and the handshake completes.
            TlsClient optional = TlsClient.builder().authMode(AuthMode.OPTIONAL).trustPemFile(pki.rootPem()).build();
            try (TlsConnection c = optional.connection(TestPki.SERVER_NAME, server.port())
                    .serverName("wrong.example").sni(TestPki.SERVER_NAME).connect()) {
                assertEquals(BADCERT_CN_MISMATCH, c.verifyResult().flags(), "only the name");
            }
        }
    }

    // ---- identity (mutual TLS) -----------------------------------------------------------------

    private TestCert clientCert() {
        return CertBuilder.client("mbedtls-jni client").keyType(KeyType.EC_P256).keyLabel("Test/client")
                .issuedBy(pki.intermediate());
    }

    private JsseServer mutualTlsServer(TlsProtocol protocol) {
        return JsseServer.builder(SslContexts.server(pki.leaf().privateKey(),
                        List.of(pki.leaf().certificate(), pki.intermediate().certificate()), pki.root().certificate()))
                .protocols(protocol).needClientAuth().start();
    }

    private static void echoOnce(TlsConnection c) throws IOException {
        c.getOutputStream().write("mtls".getBytes(StandardCharsets.UTF_8));
        assertEquals("mtls", new String(readExactly(c.getInputStream(), 4), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void clientCertificateFromPemFilesEncryptedPemAndPkcs12(TlsProtocol protocol) throws Exception {
        assumeProtocol(protocol);
        TestCert cert = clientCert();
        Path chain = pki.writeChain("client-chain.pem", cert, pki.intermediate());
        Path key = pki.writeKey("client-key.pem", cert);
        Path encrypted = pki.file("client-key-encrypted.pem");
        OpenSsl.Result r = OpenSsl.run(WAIT, "pkey", "-in", key.toString(), keyCipher(), "-passout", "pass:s3cret",
                "-out", encrypted.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(Files.readString(encrypted).contains("ENCRYPTED PRIVATE KEY"));
        KeyStore p12 = SslContexts.keyStore(cert.privateKey(), List.of(cert.certificate(), pki.intermediate().certificate()));

        List<TlsClient> clients = List.of(
                TlsClient.builder().trustPemFile(pki.rootPem()).identity(chain, key, null).build(),
                TlsClient.builder().trustPemFile(pki.rootPem()).identity(chain, encrypted, "s3cret".toCharArray()).build(),
                TlsClient.builder().trustPemFile(pki.rootPem())
                        .identity(Files.readAllBytes(chain), Files.readAllBytes(encrypted), "s3cret".toCharArray()).build(),
                TlsClient.builder().trustPemFile(pki.rootPem()).identity(p12, null, "changeit".toCharArray()).build());
        try (JsseServer server = mutualTlsServer(protocol)) {
            for (TlsClient each : clients) {
                assertTrue(each.hasIdentity());
                try (TlsConnection c = each.connect(TestPki.SERVER_NAME, server.port())) {
                    echoOnce(c);
                }
                JsseServer.Connection seen = server.awaitConnection(WAIT);
                assertEquals(JsseServer.Ending.CLOSE_NOTIFY, seen.ending(), seen.toString());
                assertEquals(cert.certificate(), seen.peerCertificates().get(0), "the server saw the client certificate");
                assertEquals(2, seen.peerCertificates().size());
            }
        }
    }

    @Test
    void withoutAClientCertificateTheServerRefuses() throws Exception {
        try (JsseServer server = mutualTlsServer(MbedTlsVersions.hasTls13() ? TlsProtocol.TLS_1_3 : TlsProtocol.TLS_1_2)) {
            // TLS 1.3: the client's handshake ends before the server checks; the refusal comes with the first read.
            IOException e = assertThrows(IOException.class, () -> {
                try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                    echoOnce(c);
                }
            });
            assertInstanceOf(TlsException.class, e);
            assertEquals(JsseServer.Ending.ERROR, server.awaitConnection(WAIT).ending());
        }
    }

    /**
     * Mbed TLS recognizes a wrong password by what it decrypted, which a wrong password matches
     * by chance (about 1 in 256 for PKCS#8): then it reports the format error it meets in the
     * garbage ({@code -0x3D62}) instead of {@code MBEDTLS_ERR_PK_PASSWORD_MISMATCH}. The binding
     * says "wrong password" for both; the chance case is made on purpose below, so the test does
     * not depend on it.
     */
    @Test
    void aWrongOrMissingKeyPasswordIsAClearError() throws Exception {
        TestCert cert = clientCert();
        Path chain = pki.writeChain("client-chain2.pem", cert);
        Path key = pki.writeKey("client-key2.pem", cert);
        Path encrypted = pki.file("client-key2-encrypted.pem");
        assertEquals(0, OpenSsl.run(WAIT, "pkey", "-in", key.toString(), keyCipher(), "-passout", "pass:right",
                "-out", encrypted.toString()).exitCode());

        // A wrong password, whichever way Mbed TLS noticed it.
        TlsException wrong = assertThrows(TlsException.class, () -> TlsClient.builder()
                .trustPemFile(pki.rootPem()).identity(chain, encrypted, "wrong".toCharArray()).build());
        assertEquals("mbedtls_pk_parse_keyfile", wrong.function());
        assertTrue(wrong.getMessage().contains(encrypted + ": wrong password, or a damaged key"), wrong.getMessage());
        assertInstanceOf(MbedTlsException.class, wrong.getCause());

        // What Mbed TLS makes of a key that a wrong password decrypts to valid-looking bytes: a
        // key encrypted under that password whose plaintext is no key.
        byte[] notAKey = encryptedPkcs8("not a private key at all".getBytes(StandardCharsets.US_ASCII), "wrong");
        byte[] notAKeyPem = Pem.encode("ENCRYPTED PRIVATE KEY", notAKey).getBytes(StandardCharsets.US_ASCII);
        for (byte[] damaged : List.of(notAKey, notAKeyPem)) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> PkContext.of(damaged, "wrong".toCharArray()));
            assertTrue(e.code() != -0x3B80, "not MBEDTLS_ERR_PK_PASSWORD_MISMATCH: " + e.getMessage());
            assertTrue(e.errorName().contains("MBEDTLS_ERR_PK_KEY_INVALID_FORMAT"), e.getMessage());
            assertTrue(e.getMessage().contains("wrong password, or a damaged key"), e.getMessage());
            TlsException viaClient = assertThrows(TlsException.class, () -> TlsClient.builder().trustPemFile(pki.rootPem())
                    .identity(Files.readAllBytes(chain), damaged, "wrong".toCharArray()).build());
            assertEquals(e.code(), viaClient.code());
            assertTrue(viaClient.getMessage().contains("wrong password, or a damaged key"), viaClient.getMessage());
        }

        MbedTlsException missing = assertThrows(MbedTlsException.class, () -> PkContext.of(Files.readAllBytes(encrypted), null));
        assertEquals(-0x3C00, missing.code(), "MBEDTLS_ERR_PK_PASSWORD_REQUIRED");
        assertTrue(missing.getMessage().contains("the key is encrypted: give its password"), missing.getMessage());
        try (PkContext right = PkContext.of(Files.readAllBytes(encrypted), "right".toCharArray())) {
            assertEquals("EC", right.name());
        }
    }

    /** {@code plaintext} encrypted as PKCS#8 EncryptedPrivateKeyInfo (PBES2, the cipher of {@link #keyCipher()}). */
    static byte[] encryptedPkcs8(byte[] plaintext, String password) throws Exception {
        ASN1ObjectIdentifier cipher = MbedTlsVersions.byLine(PKCSObjectIdentifiers.des_EDE3_CBC,
                NISTObjectIdentifiers.id_aes256_CBC);
        OutputEncryptor encryptor = new JcePKCSPBEOutputEncryptorBuilder(cipher).setProvider(new BouncyCastleProvider())
                .setIterationCount(2048).build(password.toCharArray());
        ByteArrayOutputStream encrypted = new ByteArrayOutputStream();
        try (OutputStream out = encryptor.getOutputStream(encrypted)) {
            out.write(plaintext);
        }
        return new EncryptedPrivateKeyInfo(encryptor.getAlgorithmIdentifier(), encrypted.toByteArray()).getEncoded();
    }

    @Test
    void pkContextParsesKeysAndRefusesMisuse() throws Exception {
        TestCert cert = clientCert();
        try (PkContext pk = PkContext.of(cert.privateKeyPem().getBytes(StandardCharsets.US_ASCII), null)) {
            assertTrue(pk.hasKey());
            assertEquals("EC", pk.name());
            assertEquals(256, pk.bits());
            assertThrows(IllegalStateException.class, () -> pk.parseKey(cert.privateKey().getEncoded(), null));
        }
        try (PkContext der = PkContext.of(cert.privateKey().getEncoded(), null)) {
            assertEquals("EC", der.name());
        }
        try (PkContext rsa = PkContext.of(Pem.privateKey(KeyType.RSA_2048.cached("tls-client-test").getPrivate()).getBytes(
                StandardCharsets.US_ASCII), null)) {
            assertEquals("RSA", rsa.name());
        }
        assertThrows(MbedTlsException.class, () -> PkContext.of("garbage".getBytes(StandardCharsets.US_ASCII), null));
        PkContext closed = new PkContext();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.parseKey(cert.privateKey().getEncoded(), null));
        try (SslConfig config = new SslConfig(); PkContext empty = new PkContext(); X509Crt chain = X509Crt.of(cert.der())) {
            config.defaults();
            assertThrows(IllegalStateException.class, () -> config.setOwnCert(chain, empty));
        }
    }

    // ---- versions, suites, ALPN ------------------------------------------------------------------

    @Test
    void tlsVersionRangeAndCipherSuitesByMbedTlsName() throws Exception {
        try (JsseServer server = JsseServer.start(pki)) {
            TlsClient tls12 = TlsClient.builder().trustPemFile(pki.rootPem())
                    .tlsVersions(TlsVersion.TLS1_2, TlsVersion.TLS1_2)
                    .ciphersuites("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384").build();
            try (TlsConnection c = tls12.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals("TLSv1.2", c.protocol());
                assertEquals("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", c.ciphersuite());
            }
            if (!MbedTlsVersions.hasTls13()) {
                return;
            }
            TlsClient tls13 = TlsClient.builder().trustPemFile(pki.rootPem())
                    .tlsVersions(TlsVersion.TLS1_3, TlsVersion.TLS1_3)
                    .ciphersuites("TLS1-3-CHACHA20-POLY1305-SHA256").build();
            try (TlsConnection c = tls13.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals("TLSv1.3", c.protocol());
                assertEquals("TLS1-3-CHACHA20-POLY1305-SHA256", c.ciphersuite());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsClient.builder()
                .trustPemFile(pki.rootPem()).ciphersuites("TLS-NO-SUCH-SUITE").build());
        assertTrue(e.getMessage().contains("TLS-NO-SUCH-SUITE"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TlsClient.builder().tlsVersions(TlsVersion.TLS1_3, TlsVersion.TLS1_2));
    }

    @Test
    void alpnNegotiatesWithOpenSsl() throws Exception {
        try (OpenSslServer server = OpenSslServer.builder(pki).args("-alpn", "h2,http/1.1").start()) {
            TlsClient alpn = TlsClient.builder().trustPemFile(pki.rootPem()).alpn("spdy/1", "http/1.1").build();
            assertEquals(List.of("spdy/1", "http/1.1"), alpn.alpnProtocols());
            try (TlsConnection c = alpn.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals("http/1.1", c.alpnProtocol());
            }
            try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                assertNull(c.alpnProtocol(), "none offered, none negotiated");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TlsClient.builder().alpn("").trustPemFile(pki.rootPem()).build());
        assertThrows(MbedTlsException.class, () -> TlsClient.builder().alpn("x".repeat(256)).trustPemFile(pki.rootPem()).build());
    }

    // ---- debug output ----------------------------------------------------------------------------

    @Test
    void debugOutputGoesToTheCallbackUpToItsLevel() throws Exception {
        List<int[]> levels = Collections.synchronizedList(new ArrayList<>());
        List<String> texts = Collections.synchronizedList(new ArrayList<>());
        TlsClient debug = TlsClient.builder().trustPemFile(pki.rootPem()).debug(2, (level, file, line, text) -> {
            levels.add(new int[] {level});
            texts.add(text);
        }).build();
        try (JsseServer server = JsseServer.start(pki)) {
            try (TlsConnection c = debug.connect(TestPki.SERVER_NAME, server.port())) {
                echoOnce(c);
            }
            assertFalse(texts.isEmpty());
            assertTrue(levels.stream().allMatch(l -> l[0] >= 1 && l[0] <= 2), "nothing above level 2");
            assertTrue(texts.stream().anyMatch(t -> t.contains("handshake")), String.join("", texts.subList(0, 5)));

            // Another config, debug off (the default): its connections report nothing, although the
            // process-wide threshold is 2 while the debug client lives.
            int before = texts.size();
            try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                echoOnce(c);
            }
            assertEquals(before, texts.size());
        }
    }

    @Test
    void aDebugCallbackThatThrowsDoesNotDisturbTheConnection() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        TlsClient throwing = TlsClient.builder().trustPemFile(pki.rootPem()).debug(3, (level, file, line, text) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("a broken debug callback");
        }).build();
        try (JsseServer server = JsseServer.start(pki); TlsConnection c = throwing.connect(TestPki.SERVER_NAME, server.port())) {
            echoOnce(c);
        }
        assertTrue(calls.get() > 10, "called " + calls.get() + " times");
    }

    @Test
    void debugOutputCanGoToSystemLogger() throws Exception {
        Logger jul = Logger.getLogger("io.github.mbedtlsjni.mbedtls");
        List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level old = jul.getLevel();
        jul.setLevel(Level.ALL);
        jul.addHandler(handler);
        try (JsseServer server = JsseServer.start(pki)) {
            TlsClient debug = TlsClient.builder().trustPemFile(pki.rootPem()).debug(1).build();
            try (TlsConnection c = debug.connect(TestPki.SERVER_NAME, server.port())) {
                echoOnce(c);
            }
            // Level 1 is errors only: a good connection has none. Level 3 has plenty.
            TlsClient verbose = TlsClient.builder().trustPemFile(pki.rootPem()).debug(3).build();
            try (TlsConnection c = verbose.connect(TestPki.SERVER_NAME, server.port())) {
                echoOnce(c);
            }
            assertFalse(records.isEmpty());
            assertEquals(Level.FINE, records.get(0).getLevel(), "System.Logger DEBUG is java.util.logging FINE");
            assertTrue(records.stream().anyMatch(r -> r.getMessage().contains("ssl_")), records.get(0).getMessage());
        } finally {
            jul.removeHandler(handler);
            jul.setLevel(old);
        }
    }

    // ---- threads -----------------------------------------------------------------------------------

    @Test
    void closeFromAnotherThreadWakesABlockedReadWhichThrows() throws Exception {
        JsseServer.Handler silent = exchange -> {
            while (exchange.in().read() >= 0) {
                // never answers
            }
        };
        try (JsseServer server = JsseServer.builder(pki).handler(silent).start()) {
            for (int i = 0; i < 20; i++) {
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port());
                CountDownLatch reading = new CountDownLatch(1);
                CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                    reading.countDown();
                    try {
                        return c.getInputStream().read(new byte[100]);
                    } catch (IOException | RuntimeException e) {
                        return e;
                    }
                });
                assertTrue(reading.await(10, TimeUnit.SECONDS));
                if (i % 2 == 0) {
                    Thread.sleep(20); // sometimes inside the native read, sometimes before it
                }
                c.close();
                Object outcome = blocked.get(20, TimeUnit.SECONDS);
                assertInstanceOf(SocketException.class, outcome, String.valueOf(outcome));
            }
        }
    }

    @Test
    void oneClientServesManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (JsseServer server = JsseServer.start(pki)) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String message = "thread-" + i;
                results.add(pool.submit(() -> {
                    try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                        OutputStream out = c.getOutputStream();
                        out.write(message.getBytes(StandardCharsets.UTF_8));
                        return new String(readExactly(c.getInputStream(), message.length()), StandardCharsets.UTF_8);
                    }
                }));
            }
            for (int i = 0; i < 32; i++) {
                assertEquals("thread-" + i, results.get(i).get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedClientRefusesNewConnectionsButOpenOnesKeepWorking() throws Exception {
        TlsClient temporary = TlsClient.builder().trustPemFile(pki.rootPem()).build();
        try (JsseServer server = JsseServer.start(pki)) {
            try (TlsConnection c = temporary.connect(TestPki.SERVER_NAME, server.port())) {
                temporary.close();
                assertTrue(temporary.isClosed());
                echoOnce(c);
                assertThrows(IllegalStateException.class, () -> temporary.connect(TestPki.SERVER_NAME, server.port()));
            }
        }
    }

    // ---- misuse, leaks, allocation -----------------------------------------------------------

    @Test
    void theNewThinStepsRefuseMisuseClearly() throws Exception {
        try (SslContext ssl = new SslContext(); SslSession empty = new SslSession()) {
            assertThrows(IllegalStateException.class, () -> ssl.setVerifyName("x"), "before setup");
            assertThrows(IllegalStateException.class, () -> ssl.setSession(empty), "before setup");
            assertThrows(IllegalStateException.class, () -> ssl.getSession(empty), "before setup");
        }
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
                X509Crt ca = X509Crt.of(java.nio.file.Files.readAllBytes(pki.rootPem()));
                SslSession empty = new SslSession();
                JsseServer server = JsseServer.start(pki)) {
            drbg.seed(entropy, "test");
            assertThrows(IllegalStateException.class, () -> config.setCiphersuites("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"),
                    "before defaults");
            config.defaults();
            config.setRng(drbg);
            config.setCaChain(ca);
            assertThrows(IllegalArgumentException.class, config::setCiphersuites);
            assertThrows(IllegalArgumentException.class, () -> config.setAlpnProtocols());
            assertThrows(IllegalArgumentException.class, () -> config.setDebug(6, (l, f, n, t) -> { }));
            assertThrows(NullPointerException.class, () -> config.setDebug(1, null));
            config.setDebug(0, null); // off: allowed, no callback needed
            try (SslContext ssl = new SslContext(); NetContext net = new NetContext()) {
                ssl.setup(config);
                assertThrows(IllegalStateException.class, () -> config.setAlpnProtocols("h2"), "config in use");
                assertThrows(IllegalStateException.class, () -> ssl.setSession(empty), "an empty session");
                ssl.setHostname(TestPki.SERVER_NAME);
                assertThrows(IllegalArgumentException.class, () -> ssl.setVerifyName(""));
                assertThrows(IllegalArgumentException.class, () -> net.setReadTimeout(-1));
                assertThrows(IllegalArgumentException.class, () -> net.connect("127.0.0.1", server.port(), -5));
                net.connect("127.0.0.1", server.port(), 10_000);
                ssl.setBio(net);
                assertThrows(IllegalStateException.class, () -> ssl.getSession(empty), "before the handshake");
                ssl.handshake();
                assertThrows(IllegalStateException.class, () -> ssl.setVerifyName("late.example"), "after the handshake");
                assertTrue(ssl.getSession(empty));
                assertThrows(IllegalStateException.class, () -> ssl.setSession(empty), "after the handshake");
                try (SslSession second = new SslSession()) {
                    assertEquals(MbedTlsVersions.is2(), ssl.getSession(second), "3.x exports a session once");
                }
                assertThrows(IllegalStateException.class, () -> ssl.getSession(empty), "a filled session");
                assertFalse(ssl.isResumed());
                assertNull(ssl.alpnProtocol());
                ssl.closeNotify();
            }
        }
    }

    private static long live(String type) {
        return MbedTls.liveNativeObjects().get(type);
    }

    @Test
    void connectionsAndClientsFreeEverythingTheyAllocate() throws Exception {
        String[] types = {"mbedtls_ssl_config", "mbedtls_ssl_context", "mbedtls_net_context", "mbedtls_ssl_session",
                "mbedtls_pk_context", "mbedtls_x509_crt", "mbedtls_ctr_drbg_context", "mbedtls_entropy_context"};
        TestCert cert = clientCert();
        long[] before = new long[types.length];
        for (int i = 0; i < types.length; i++) {
            before[i] = live(types[i]);
        }
        try (JsseServer server = mutualTlsServer(TlsProtocol.TLS_1_2)) {
            TlsClient mtls = TlsClient.builder().trustPemFile(pki.rootPem())
                    .identity((cert.pem() + pki.intermediate().pem()).getBytes(StandardCharsets.US_ASCII),
                            cert.privateKey().getEncoded(), null).build();
            for (int i = 0; i < 10; i++) {
                try (TlsConnection c = mtls.connect(TestPki.SERVER_NAME, server.port()); SslSession s = c.session()) {
                    echoOnce(c);
                    assertNotNull(s);
                }
            }
            mtls.close();
        }
        for (int i = 0; i < types.length; i++) {
            long now = live(types[i]);
            for (int wait = 0; wait < 100 && now > before[i]; wait++) {
                System.gc();
                Thread.sleep(50);
                now = live(types[i]);
            }
            assertTrue(now <= before[i], types[i] + ": " + before[i] + " before, " + now + " after");
        }
    }

    @Test
    void streamReadsAndWritesAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        try (JsseServer server = JsseServer.start(pki); TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            OutputStream out = c.getOutputStream();
            InputStream in = c.getInputStream();
            byte[] sent = new byte[64];
            byte[] got = new byte[64];
            int rounds = 2000;
            for (int pass = 0; pass < 2; pass++) {
                long start = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < rounds; i++) {
                    sent[0] = (byte) i;
                    out.write(sent, 0, 64);
                    for (int n = 0; n < 64; ) {
                        n += in.read(got, n, 64 - n);
                    }
                    if (got[0] != sent[0]) {
                        throw new AssertionError("echo mismatch");
                    }
                }
                long bytes = threads.getThreadAllocatedBytes(id) - start;
                if (pass == 1) { // the first pass warms up
                    assertTrue(bytes < rounds * 2, bytes + " bytes allocated over " + rounds * 2 + " stream calls");
                }
            }
        }
    }
}
