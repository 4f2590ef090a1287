package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Self-tests of {@link OpenSslServer}, driven by a plain JSSE client. */
class OpenSslServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static final Map<KeyType, TestPki> PKIS = new ConcurrentHashMap<>();

    private static TestPki pki(KeyType keyType) {
        return PKIS.computeIfAbsent(keyType, type -> TestPki.create(dir, type));
    }

    @AfterAll
    static void forgetPkis() {
        PKIS.clear();
    }

    @ParameterizedTest
    @CsvSource({"EC_P256, TLS_1_2", "EC_P256, TLS_1_3", "RSA_2048, TLS_1_2", "RSA_2048, TLS_1_3"})
    void echoesReversedLinesAndSeesTheClientsCloseNotify(KeyType keyType, TlsProtocol protocol) throws Exception {
        TestPki pki = pki(keyType);
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).msg().start()) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            try (SSLSocket socket = JsseClient.connect(client, server.port())) {
                assertEquals(protocol.protocolName(), socket.getSession().getProtocol());
                OutputStream out = socket.getOutputStream();
                out.write("hello, world\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertEquals(OpenSslServer.reverse("hello, world"), JsseClient.readLine(socket.getInputStream()));
            }
            assertTrue(server.awaitClientCloseNotify(TIMEOUT), server.output());
            assertTrue(server.awaitOutput("CONNECTION CLOSED", TIMEOUT), server.output());
            assertTrue(server.output().contains("Protocol version: " + protocol.protocolName()), server.output());
        }
    }

    @Test
    void servesSequentialConnections() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            for (int i = 1; i <= 3; i++) {
                try (SSLSocket socket = JsseClient.connect(client, server.port())) {
                    socket.getOutputStream().write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    assertEquals(i + " enil", JsseClient.readLine(socket.getInputStream()));
                    assertEquals("TLSv1.3", socket.getSession().getProtocol(), "default allows TLS 1.3");
                }
                assertTrue(server.awaitOccurrences("CONNECTION CLOSED", i, TIMEOUT), server.output());
            }
            assertTrue(server.isAlive());
        }
    }

    @Test
    void clientRejectsExpiredLeafAndUnknownCa() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        try (OpenSslServer server = OpenSslServer.builder(pki.expiredChainPem(), pki.serverKeyPem()).start()) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                    () -> JsseClient.connect(client, server.port()).close());
            assertTrue(hasCause(e, java.security.cert.CertificateExpiredException.class), () -> describe(e));
        }
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            SSLContext client = SslContexts.client(pki.unknownRoot().certificate());
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                    () -> JsseClient.connect(client, server.port()).close());
            assertTrue(hasCause(e, java.security.cert.CertPathValidatorException.class)
                    || hasCause(e, java.security.cert.CertPathBuilderException.class), () -> describe(e));
        }
    }

    @Test
    void interactiveModeRelaysBothWays() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        try (OpenSslServer server = OpenSslServer.builder(pki).mode(OpenSslServer.Mode.INTERACTIVE).start()) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            try (SSLSocket socket = JsseClient.connect(client, server.port())) {
                socket.getOutputStream().write("to the server\n".getBytes(StandardCharsets.UTF_8));
                assertTrue(server.awaitOutput("to the server", TIMEOUT), server.output());
                server.sendToClient("hello from s_server\n");
                InputStream in = socket.getInputStream();
                assertEquals("hello from s_server", JsseClient.readLine(in));
            }
        }
    }

    @Test
    void awaitOutputTimesOutAndCloseStopsTheProcess() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        OpenSslServer server = OpenSslServer.start(pki, TlsProtocol.TLS_1_2);
        int port = server.port();
        assertTrue(server.command().containsAll(java.util.List.of("-accept", "127.0.0.1:0")));
        assertFalse(server.awaitOutput("never printed", Duration.ofMillis(200)));
        server.close();
        assertFalse(server.isAlive());
        assertThrows(ConnectException.class, () -> JsseClient.connectRaw(port).close());
        assertFalse(server.awaitOutput("never printed", Duration.ofSeconds(5)), "returns at once after exit");
    }

    @Test
    void securityLevelZeroServesWeakChains() throws Exception {
        TestPki pki = pki(KeyType.RSA_2048);
        TestCert sha1Leaf = pki.serverCert().signatureAlgorithm("SHA1withRSA").issuedBy(pki.intermediate());
        Path chain = pki.writeChain("sha1-chain.pem", sha1Leaf, pki.intermediate());
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> OpenSslServer.builder(chain, pki.serverKeyPem()).start().close());
        assertTrue(refused.getMessage().contains("md too weak"), refused.getMessage());
        try (OpenSslServer server = OpenSslServer.builder(chain, pki.serverKeyPem()).securityLevel(0).start()) {
            assertTrue(server.isAlive());
        }
    }

    @Test
    void failsClearlyWhenOpensslIsMissing() {
        TestPki pki = pki(KeyType.EC_P256);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpenSslServer.builder(pki).executable(Path.of("/nonexistent/openssl")).start().close());
        assertTrue(e.getMessage().contains("openssl not found"), e.getMessage());
    }

    @Test
    void failsClearlyWhenSserverExits() {
        TestPki pki = pki(KeyType.EC_P256);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpenSslServer.builder(pki.serverChainPem(), pki.rootPem()).start().close());
        assertTrue(e.getMessage().contains("exited"), e.getMessage());
    }

    @Test
    void pemWithoutCertificatesIsRejected() {
        TestPki pki = pki(KeyType.EC_P256);
        assertThrows(IllegalArgumentException.class,
                () -> OpenSslServer.builder(pki.serverKeyPem(), pki.serverKeyPem()).start().close());
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append('\n');
        }
        return text.toString();
    }
}
