package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guide's whole sequence against real servers on 127.0.0.1: {@code openssl s_server} and an
 * in-process JSSE server, TLS 1.2 and 1.3, ECDSA P-256 and RSA-2048 chains.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HandshakeTest {
    @TempDir
    static Path dir;

    private final Map<KeyType, TestPki> pkis = new EnumMap<>(KeyType.class);
    private final List<AutoCloseable> servers = new ArrayList<>();

    enum Peer { OPENSSL, JSSE }

    @BeforeAll
    void createPkis() {
        for (KeyType type : new KeyType[] {KeyType.EC_P256, KeyType.RSA_2048}) {
            pkis.put(type, TestPki.create(dir.resolve(type.name()), type));
        }
    }

    @AfterAll
    void stopServers() throws Exception {
        for (AutoCloseable s : servers) {
            s.close();
        }
    }

    static Stream<Arguments> peersVersionsKeys() {
        List<Arguments> list = new ArrayList<>();
        for (Peer peer : Peer.values()) {
            for (TlsVersion version : TlsVersion.values()) {
                for (KeyType key : new KeyType[] {KeyType.EC_P256, KeyType.RSA_2048}) {
                    list.add(Arguments.of(peer, version, key));
                }
            }
        }
        return list.stream();
    }

    static Stream<Arguments> peers() {
        return Stream.of(Peer.values()).map(Arguments::of);
    }

    private static TlsProtocol protocol(TlsVersion v) {
        return v == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
    }

    /** An echo server of the given kind, serving {@code chain}. */
    private int server(Peer peer, TestPki pki, Path chain, TlsVersion version) {
        if (peer == Peer.OPENSSL) {
            OpenSslServer.Builder b = OpenSslServer.builder(chain, pki.serverKeyPem());
            if (version != null) {
                b.protocols(protocol(version));
            }
            OpenSslServer s = b.start();
            servers.add(s);
            return s.port();
        }
        JsseServer s = JsseServer.builder(jsse(pki.leaf(), pki.intermediate()))
                .protocols(version == null ? TlsProtocol.values() : new TlsProtocol[] {protocol(version)})
                .start();
        servers.add(s);
        return s.port();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("peersVersionsKeys")
    void handshakeAndEcho(Peer peer, TlsVersion version, KeyType key) {
        MbedTlsVersions.assumeSupported(version);
        TestPki pki = pkis.get(key);
        int port = server(peer, pki, pki.serverChainPem(), version);
        try (GuideClient c = GuideClient.prepare(pki.rootPem(), null, AuthMode.REQUIRED, version, version)) {
            c.connect(port, TestPki.SERVER_NAME);
            assertEquals(version.protocolName(), c.ssl.protocol());
            assertNotNull(c.ssl.ciphersuite());
            VerifyResult result = c.ssl.verifyResult();
            assertTrue(result.isOk(), result::describe);
            assertEquals("", result.info(), "Mbed TLS has no verify info for a clean result");

            String line = "hello over " + version + " with " + key + "\n";
            c.send(line);
            String expected = peer == Peer.OPENSSL
                    ? OpenSslServer.reverse(line.substring(0, line.length() - 1)) + "\n"
                    : line;
            assertEquals(expected, c.receive(expected.length()));

            try (X509Crt peerChain = c.ssl.peerCertificates()) {
                assertEquals(2, peerChain.size());
                assertTrue(peerChain.subject(0).contains("CN=" + TestPki.SERVER_NAME), peerChain.subject(0));
                assertArrayEquals(pki.leaf().der(), peerChain.der(0), "the leaf's DER, as the server sent it");
            }
            c.ssl.closeNotify();
        }
    }

    private static VerifyResult failRequired(Path ca, Path crl, int port, String host) {
        try (GuideClient c = GuideClient.prepare(ca, crl, AuthMode.REQUIRED, null, null)) {
            CertificateVerificationException e =
                    assertThrows(CertificateVerificationException.class, () -> c.connect(port, host));
            assertEquals(-0x2700, e.code(), "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
            assertEquals("mbedtls_ssl_handshake", e.function());
            assertEquals(e.verifyResult().flags(), c.ssl.verifyResult().flags());
            assertFalse(e.verifyResult().info().isEmpty());
            return e.verifyResult();
        }
    }

    private static VerifyResult passOptional(Path ca, Path crl, int port, String host) {
        try (GuideClient c = GuideClient.prepare(ca, crl, AuthMode.OPTIONAL, null, null)) {
            c.connect(port, host);
            return c.ssl.verifyResult();
        }
    }

    private void expectFlags(Path ca, Path crl, int port, String host, Set<VerifyFlag> flags) {
        VerifyResult required = failRequired(ca, crl, port, host);
        assertEquals(flags, required.flagSet(), required::describe);
        VerifyResult optional = passOptional(ca, crl, port, host);
        assertEquals(required, optional, "optional mode reads the same result");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void wrongHostnameIsCnMismatch(Peer peer) {
        TestPki pki = pkis.get(KeyType.EC_P256);
        int port = server(peer, pki, pki.serverChainPem(), null);
        expectFlags(pki.rootPem(), null, port, "wrong.example", Set.of(VerifyFlag.BADCERT_CN_MISMATCH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void unknownCaIsNotTrusted(Peer peer) {
        TestPki pki = pkis.get(KeyType.EC_P256);
        int port = server(peer, pki, pki.serverChainPem(), null);
        expectFlags(pki.unknownRootPem(), null, port, TestPki.SERVER_NAME, Set.of(VerifyFlag.BADCERT_NOT_TRUSTED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void expiredLeafIsExpired(Peer peer) {
        TestPki pki = pkis.get(KeyType.RSA_2048);
        int port = serverFor(peer, pki, pki.expiredChainPem(), pki.expiredLeaf());
        expectFlags(pki.rootPem(), null, port, TestPki.SERVER_NAME, Set.of(VerifyFlag.BADCERT_EXPIRED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void leafListedInCrlIsRevoked(Peer peer) {
        TestPki pki = pkis.get(KeyType.EC_P256);
        int port = serverFor(peer, pki, pki.revokedChainPem(), pki.revokedLeaf());
        expectFlags(pki.rootPem(), pki.crlPem(), port, TestPki.SERVER_NAME, Set.of(VerifyFlag.BADCERT_REVOKED));
        // The same chain without the CRL verifies: the CRL is what flags it.
        assertTrue(passOptional(pki.rootPem(), null, port, TestPki.SERVER_NAME).isOk());
    }

    private int serverFor(Peer peer, TestPki pki, Path chain, TestCert leaf) {
        if (peer == Peer.OPENSSL) {
            OpenSslServer s = OpenSslServer.builder(chain, pki.writeKey("leaf-" + leaf.serial() + ".key", leaf)).start();
            servers.add(s);
            return s.port();
        }
        JsseServer s = JsseServer.builder(jsse(leaf, pki.intermediate())).start();
        servers.add(s);
        return s.port();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("peers")
    void serverSeesCloseNotify(Peer peer) throws Exception {
        TestPki pki = pkis.get(KeyType.EC_P256);
        if (peer == Peer.OPENSSL) {
            try (OpenSslServer s = OpenSslServer.builder(pki).msg().start();
                    GuideClient c = GuideClient.prepare(pki.rootPem())) {
                c.connect(s.port(), TestPki.SERVER_NAME);
                c.send("x\n");
                assertEquals("x\n", c.receive(2));
                c.ssl.closeNotify();
                assertTrue(s.awaitClientCloseNotify(Duration.ofSeconds(10)), s::output);
            }
        } else {
            try (JsseServer s = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
                c.connect(s.port(), TestPki.SERVER_NAME);
                c.send("ping");
                assertEquals("ping", c.receive(4));
                c.ssl.closeNotify();
                JsseServer.Connection conn = s.awaitConnection(Duration.ofSeconds(10));
                assertEquals(JsseServer.Ending.CLOSE_NOTIFY, conn.ending(), conn::toString);
                assertEquals("ping", conn.receivedText());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void readReturnsMinusOneAfterServerCloseNotify(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        TestPki pki = pkis.get(KeyType.EC_P256);
        JsseServer.Handler answerAndClose = exchange -> {
            exchange.out().write("bye".getBytes());
            exchange.out().flush();
            // returning closes the socket; JSSE sends close_notify
        };
        try (JsseServer s = JsseServer.builder(jsse(pki.leaf(), pki.intermediate()))
                        .protocols(protocol(version)).handler(answerAndClose).start();
                GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.connect(s.port(), TestPki.SERVER_NAME);
            assertEquals(SslContext.Inbound.OPEN, c.ssl.inbound());
            assertEquals("bye", c.receive(3));
            assertEquals(-1, c.ssl.read(new byte[10], 0, 10));
            assertEquals(SslContext.Inbound.CLOSE_NOTIFY, c.ssl.inbound());
            assertEquals(-1, c.ssl.read(new byte[10], 0, 10), "stays at end");
        }
    }

    private static javax.net.ssl.SSLContext jsse(TestCert leaf, TestCert intermediate) {
        return SslContexts.server(leaf.privateKey(), List.of(leaf.certificate(), intermediate.certificate()));
    }

    static Stream<Arguments> versions() {
        return Stream.of(TlsVersion.values()).map(Arguments::of);
    }
}
