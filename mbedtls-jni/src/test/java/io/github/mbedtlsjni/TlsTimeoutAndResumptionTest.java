package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Connect, handshake and read timeouts; session resumption checked on the server's side too. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTimeoutAndResumptionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private TlsClient.Builder builder() {
        return TlsClient.builder().trustPemFile(pki.rootPem());
    }

    // ---- timeouts ------------------------------------------------------------------------------

    @Test
    void aReadTimeoutIsASocketTimeoutAndTheReadMayBeRetried() throws Exception {
        CountDownLatch timedOut = new CountDownLatch(1);
        JsseServer.Handler late = exchange -> {
            exchange.in().read();
            try {
                timedOut.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.out().write("late".getBytes(StandardCharsets.UTF_8));
            exchange.out().flush();
            exchange.in().read();
        };
        TlsClient client = builder().readTimeout(Duration.ofMillis(200)).build();
        assertEquals(200, client.readTimeoutMillis());
        try (JsseServer server = JsseServer.builder(pki).handler(late).start();
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            c.getOutputStream().write('x');
            InputStream in = c.getInputStream();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> in.read(new byte[10]));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            timedOut.countDown();
            c.setReadTimeout(Duration.ZERO); // and wait as long as it takes from now on
            assertEquals("late", new String(in.readNBytes(4), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aHandshakeTimeoutIsASocketTimeout() throws Exception {
        try (HostileServer mute = HostileServer.silent()) {
            TlsClient client = builder().handshakeTimeout(Duration.ofMillis(300)).build();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> client.connect(TestPki.SERVER_NAME, mute.port()));
            assertTrue(e.getMessage().contains("handshake"), e.getMessage());
            assertTrue(e.getCause() instanceof MbedTlsException, String.valueOf(e.getCause()));
        }
    }

    @Test
    void aConnectTimeoutIsASocketTimeout() throws Exception {
        // A listener that never accepts, with its accept queue filled: Linux then drops new SYNs,
        // so a connect waits until its timeout.
        try (ServerSocket full = new ServerSocket()) {
            full.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            List<Socket> fillers = new ArrayList<>();
            boolean queueFull = false;
            try {
                for (int i = 0; i < 64 && !queueFull; i++) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(full.getLocalSocketAddress(), 300);
                    } catch (SocketTimeoutException expected) {
                        queueFull = true;
                    }
                }
                assumeTrue(queueFull, "this kernel does not drop connections to a full accept queue");
                TlsClient client = builder().connectTimeout(Duration.ofMillis(300)).build();
                assertEquals(300, client.connectTimeoutMillis());
                SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                        () -> client.connect("127.0.0.1", full.getLocalPort()));
                assertTrue(e.getMessage().contains("timed out"), e.getMessage());
                try (NetContext net = new NetContext()) {
                    assertThrows(SocketTimeoutException.class, () -> net.connect("127.0.0.1", full.getLocalPort(), 200));
                    assertFalse(net.isConnected());
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectWithATimeoutConnectsAndRefusalsAreConnectExceptions() throws Exception {
        TlsClient client = builder().connectTimeout(Duration.ofSeconds(10)).handshakeTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(10)).build();
        try (JsseServer server = JsseServer.start(pki);
                TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
            c.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
            assertEquals("ok", new String(c.getInputStream().readNBytes(2), StandardCharsets.UTF_8));
        }
        int closedPort = TestServer.freePort();
        assertThrows(java.net.ConnectException.class, () -> client.connect("127.0.0.1", closedPort));
        assertThrows(java.net.ConnectException.class,
                () -> builder().build().connect("127.0.0.1", closedPort), "without a timeout too");
    }

    // ---- resumption ------------------------------------------------------------------------------

    private static String echo(TlsConnection c, String line) throws IOException {
        c.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] back = c.getInputStream().readNBytes(line.length() + 1);
        return new String(back, StandardCharsets.UTF_8).strip();
    }

    /** What s_server -msg logs for each Certificate message it sends (not CertificateVerify). */
    private static final String SERVER_CERTIFICATE = "], Certificate\n";

    private static int occurrences(String text, String substring) {
        int n = 0;
        for (int i = text.indexOf(substring); i >= 0; i = text.indexOf(substring, i + 1)) {
            n++;
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aSessionFromOneConnectionResumesTheNextWithAnAbbreviatedHandshake(TlsProtocol protocol) throws Exception {
        TlsClientTest.assumeProtocol(protocol);
        TlsClient client = builder().build();
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).msg().start()) {
            SslSession session;
            try (TlsConnection first = client.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals("olleh", echo(first, "hello")); // a TLS 1.3 ticket arrives with this read
                assertFalse(first.isResumed());
                session = first.session();
                assertNotNull(session, "a session to resume");
                assertTrue(session.isFilled());
            }
            try (SslSession offered = session;
                    TlsConnection second = client.connection(TestPki.SERVER_NAME, server.port()).resume(offered).connect()) {
                assertTrue(second.isResumed(), "resumed");
                assertEquals(protocol.protocolName(), second.protocol());
                assertTrue(second.verifyResult().isOk());
                assertEquals("dlrow", echo(second, "world"));
            }
            try (TlsConnection third = client.connect(TestPki.SERVER_NAME, server.port())) {
                assertFalse(third.isResumed(), "no session offered: a full handshake");
                assertEquals("cba", echo(third, "abc"));
            }
            // The server's side: a Certificate for the first and third handshakes, none for the second.
            assertTrue(server.awaitOccurrences(SERVER_CERTIFICATE, 2, WAIT), server.output());
            assertEquals(2, occurrences(server.output(), SERVER_CERTIFICATE), server.output());
        }
    }

    @Test
    void aSavedSessionResumesAndAnotherServerRefusesIt() throws Exception {
        TlsClient client = builder().tlsVersions(TlsVersion.TLS1_2, TlsVersion.TLS1_2).build();
        byte[] saved;
        try (OpenSslServer server = OpenSslServer.builder(pki).msg().start()) {
            try (TlsConnection first = client.connect(TestPki.SERVER_NAME, server.port());
                    SslSession session = first.session()) {
                saved = session.save();
                try (SslSession again = first.session()) {
                    assertNotNull(again, "asking twice gives another copy");
                }
            }
            try (SslSession loaded = SslSession.load(saved);
                    TlsConnection second = client.connection(TestPki.SERVER_NAME, server.port()).resume(loaded).connect()) {
                assertTrue(second.isResumed());
                assertEquals(1, second.peerCertificates().size(), "a resumed session knows the leaf only");
            }
        }
        try (OpenSslServer other = OpenSslServer.builder(pki).start();
                SslSession loaded = SslSession.load(saved);
                TlsConnection c = client.connection(TestPki.SERVER_NAME, other.port()).resume(loaded).connect()) {
            assertFalse(c.isResumed(), "a server that does not know the session does a full handshake");
            assertEquals(2, c.peerCertificates().size());
        }
        assertThrows(MbedTlsException.class, () -> SslSession.load(new byte[] {1, 2, 3}));
        try (SslSession empty = new SslSession()) {
            assertThrows(IllegalStateException.class, empty::save);
        }
    }
}
