package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Self-tests of {@link JsseServer}, driven by a plain JSSE client. */
class JsseServerTest {
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
    void echoesAndRecordsCloseNotify(KeyType keyType, TlsProtocol protocol) throws Exception {
        TestPki pki = pki(keyType);
        byte[] payload = new byte[40_000]; // several TLS records
        new Random(1).nextBytes(payload);
        try (JsseServer server = JsseServer.start(pki, protocol)) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            try (SSLSocket socket = JsseClient.connect(client, server.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(payload);
                out.flush();
                assertArrayEquals(payload, JsseClient.readExactly(socket.getInputStream(), payload.length));
            }
            JsseServer.Connection connection = server.awaitConnection(TIMEOUT);
            assertEquals(JsseServer.Ending.CLOSE_NOTIFY, connection.ending(), connection::toString);
            assertNull(connection.error());
            assertArrayEquals(payload, connection.received());
            assertEquals(protocol.protocolName(), connection.protocol());
            assertTrue(connection.peerCertificates().isEmpty());
            assertEquals(1, connection.id());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void distinguishesTcpCloseWithoutCloseNotify(TlsProtocol protocol) throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        try (JsseServer server = JsseServer.start(pki, protocol)) {
            SSLContext client = SslContexts.client(pki.root().certificate());
            Socket raw = JsseClient.connectRaw(server.port());
            SSLSocket socket = JsseClient.handshake(client, raw, server.port(), false);
            socket.getOutputStream().write("abc\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("abc", JsseClient.readLine(socket.getInputStream()));
            raw.close(); // TCP FIN, no close_notify: the TLS layer never learns of the close

            JsseServer.Connection connection = server.awaitConnection(TIMEOUT);
            assertEquals(JsseServer.Ending.EOF_WITHOUT_CLOSE_NOTIFY, connection.ending(), connection::toString);
            assertEquals("abc\n", connection.receivedText());
        }
    }

    @Test
    void recordsHandshakeFailureWithTheException() {
        TestPki pki = pki(KeyType.EC_P256);
        try (JsseServer server = JsseServer.start(pki)) {
            SSLContext client = SslContexts.client(pki.unknownRoot().certificate());
            assertThrows(SSLHandshakeException.class, () -> JsseClient.connect(client, server.port()).close());
            JsseServer.Connection connection = server.awaitConnection(TIMEOUT);
            assertEquals(JsseServer.Ending.ERROR, connection.ending());
            // Usually the client's alert arrives first; under load the client's close can reset
            // the connection before the server reads it. Either way the failure is recorded.
            if (connection.error() instanceof SSLException) {
                assertTrue(connection.error().getMessage().contains("certificate_unknown"), connection::toString);
            } else {
                assertInstanceOf(java.net.SocketException.class, connection.error(), connection::toString);
            }
            assertNull(connection.protocol());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void handlerThatReturnsFirstSendsOnlyCloseNotify(TlsProtocol protocol) {
        TestPki pki = pki(KeyType.EC_P256);
        JsseServer.Handler greetAndHangUp = exchange -> exchange.out().write("bye\n".getBytes(StandardCharsets.UTF_8));
        try (JsseServer server = JsseServer.builder(pki).protocols(protocol).handler(greetAndHangUp).start()) {
            String client = openSslClient(pki, server);
            assertTrue(client.contains("bye"), client);
            assertTrue(client.contains("<<< " + openSslVersion(protocol) + ", Alert [length 0002], warning close_notify"), client);
            assertFalse(client.contains("user_canceled"), client);
            assertEquals(JsseServer.Ending.SERVER_CLOSED, server.awaitConnection(TIMEOUT).ending());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void handlerCanDropTheConnectionWithoutCloseNotify(TlsProtocol protocol) {
        TestPki pki = pki(KeyType.EC_P256);
        JsseServer.Handler truncate = exchange -> {
            exchange.out().write("partial\n".getBytes(StandardCharsets.UTF_8));
            exchange.closeWithoutCloseNotify();
        };
        try (JsseServer server = JsseServer.builder(pki).protocols(protocol).handler(truncate).start()) {
            String client = openSslClient(pki, server);
            assertTrue(client.contains("partial"), client);
            assertFalse(client.contains("<<< " + openSslVersion(protocol) + ", Alert"), client);
            assertEquals(JsseServer.Ending.SERVER_ABORTED, server.awaitConnection(TIMEOUT).ending());
        }
    }

    @Test
    void servesSequentialConnectionsAndClientCertificates() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        TestCert clientCert = CertBuilder.client("client").issuedBy(pki.intermediate());
        List<java.security.cert.X509Certificate> clientChain =
                List.of(clientCert.certificate(), pki.intermediate().certificate());
        SSLContext serverContext = SslContexts.server(pki.leaf().privateKey(),
                List.of(pki.leaf().certificate(), pki.intermediate().certificate()), pki.root().certificate());
        try (JsseServer server = JsseServer.builder(serverContext).needClientAuth().start()) {
            SSLContext client = SslContexts.client(clientCert.privateKey(), clientChain, pki.root().certificate());
            for (int i = 1; i <= 3; i++) {
                try (SSLSocket socket = JsseClient.connect(client, server.port())) {
                    socket.getOutputStream().write(("#" + i + "\n").getBytes(StandardCharsets.UTF_8));
                    assertEquals("#" + i, JsseClient.readLine(socket.getInputStream()));
                }
                JsseServer.Connection connection = server.awaitConnection(TIMEOUT);
                assertEquals(i, connection.id());
                assertEquals(JsseServer.Ending.CLOSE_NOTIFY, connection.ending(), connection::toString);
                assertEquals(clientChain, connection.peerCertificates());
            }
            assertEquals(3, server.acceptedCount());
            assertTrue(server.connections().isEmpty());
        }
    }

    @Test
    void closeEndsOpenConnectionsAndThreads() throws Exception {
        TestPki pki = pki(KeyType.EC_P256);
        JsseServer server = JsseServer.start(pki);
        String threadPrefix = "jsse-server-" + server.port() + "-";
        SSLContext client = SslContexts.client(pki.root().certificate());
        try (SSLSocket socket = JsseClient.connect(client, server.port())) {
            socket.getOutputStream().write("x\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("x", JsseClient.readLine(socket.getInputStream()));
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(threadPrefix)));
            server.close(); // while the connection is open
            assertEquals(JsseServer.Ending.ERROR, server.awaitConnection(TIMEOUT).ending());
        }
        // A pool thread is counted out before it has quite finished dying: wait for it (bounded).
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(threadPrefix)) {
                t.join(TIMEOUT.toMillis());
            }
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith(threadPrefix)), "server threads ended");
        AssertionError timeout = assertThrows(AssertionError.class, () -> server.awaitConnection(Duration.ofMillis(50)));
        assertTrue(timeout.getMessage().contains("no connection"), timeout.getMessage());
    }

    /** Runs {@code openssl s_client -msg} against the server until the server ends the connection. */
    private static String openSslClient(TestPki pki, JsseServer server) {
        OpenSsl.Result result = OpenSsl.run(TIMEOUT, "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-servername", TestPki.SERVER_NAME, "-CAfile", pki.rootPem().toString(), "-msg", "-ign_eof");
        return result.output();
    }

    private static String openSslVersion(TlsProtocol protocol) {
        return protocol == TlsProtocol.TLS_1_2 ? "TLS 1.2" : "TLS 1.3";
    }
}
