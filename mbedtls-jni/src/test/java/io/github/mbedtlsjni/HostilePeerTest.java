package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Servers that misbehave on purpose: each gives the client a clear
 * exception &mdash; an {@link MbedTlsException} with Mbed TLS's code, or an end of stream that says
 * it was truncated &mdash; never a hang or a crash. Each client call runs under a generous
 * deadline ({@link #HANG}); a call still blocked then fails the test, and closing the client
 * (from this thread) wakes it.
 *
 * <p>The raw cases use {@link HostileServer} (scripted bytes over TCP); the cases that need a
 * real TLS stack partway use JSSE ({@link JsseServer}) or {@code openssl s_server}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostilePeerTest {
    /** Far beyond any legitimate wait here: only a real hang reaches it. */
    private static final Duration HANG = Duration.ofSeconds(60);

    private static final int MBEDTLS_ERR_SSL_CONN_EOF = -0x7280;
    private static final int MBEDTLS_ERR_SSL_INVALID_RECORD = -0x7200;
    private static final int MBEDTLS_ERR_SSL_BAD_INPUT_DATA = -0x7100;
    private static final int MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE = -0x7780;
    private static final int MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY = -0x7880;
    private static final int MBEDTLS_ERR_SSL_TIMEOUT = -0x6800;
    private static final int MBEDTLS_ERR_NET_CONN_RESET = -0x0050;
    private static final int MBEDTLS_ERR_NET_RECV_FAILED = -0x004C;
    private static final int MBEDTLS_ERR_NET_SEND_FAILED = -0x004E;

    /**
     * A handshake message larger than the 16 KiB input buffer: 3.6 reassembles fragmented
     * handshake messages up to that size and then refuses (BAD_INPUT_DATA); 2.28 does not
     * reassemble and rejects the first fragment (INVALID_RECORD or FEATURE_UNAVAILABLE).
     */
    private static final int[] OVERSIZED_MESSAGE = {MBEDTLS_ERR_SSL_BAD_INPUT_DATA, MBEDTLS_ERR_SSL_INVALID_RECORD,
        -0x7080 /* MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE */, -0x6A00 /* MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL */};

    /** handshake_failure, TLS alert description 40. */
    private static final int HANDSHAKE_FAILURE = 40;

    @TempDir
    static Path dir;

    private TestPki pki;

    @BeforeAll
    void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private GuideClient client(TlsVersion version) {
        return GuideClient.prepare(pki.rootPem(), null, AuthMode.REQUIRED, version, version);
    }

    /** Connects and handshakes with a deadline; returns the failure (which must be an MbedTlsException). */
    private static MbedTlsException handshakeFails(GuideClient c, int port) {
        c.ssl.setHostname(TestPki.SERVER_NAME);
        c.net.connect("127.0.0.1", port);
        c.ssl.setBio(c.net);
        MbedTlsException e = assertTimeoutPreemptively(HANG,
                () -> assertThrows(MbedTlsException.class, c.ssl::handshake), "the handshake hung");
        assertEquals("mbedtls_ssl_handshake", e.function());
        assertTrue(e.code() < 0, e::getMessage);
        assertFalse(e instanceof CertificateVerificationException, e::getMessage);
        return e;
    }

    private static void assertCode(MbedTlsException e, int... accepted) {
        for (int code : accepted) {
            if (e.code() == code) {
                return;
            }
        }
        fail("unexpected " + e.getMessage() + " [" + e.errorName() + "]");
    }

    // --- During the handshake -------------------------------------------------------------

    @Test
    void closesRightAfterAccept() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {});
                GuideClient c = client(null)) {
            // Either the ClientHello is written into a socket the peer has already closed (reset,
            // or a failed send), or it goes out and the read meets the end of the stream.
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_CONN_EOF, MBEDTLS_ERR_NET_CONN_RESET,
                    MBEDTLS_ERR_NET_SEND_FAILED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TlsVersion.class)
    void closesAfterClientHello(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        AtomicReference<HostileServer.Record> hello = new AtomicReference<>();
        try (HostileServer server = HostileServer.start(peer -> hello.set(peer.readRecord()));
                GuideClient c = client(version)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_CONN_EOF);
            assertEquals(HostileServer.HANDSHAKE, hello.get().type());
            assertEquals(1, hello.get().handshakeType(), "a ClientHello");
        }
    }

    @Test
    void resetsAfterClientHello() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.reset();
                });
                GuideClient c = client(null)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_NET_CONN_RESET, MBEDTLS_ERR_NET_RECV_FAILED);
        }
    }

    @Test
    void sendsHttpInsteadOfServerHello() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                });
                GuideClient c = client(null)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_INVALID_RECORD);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sendsRandomGarbageInsteadOfServerHello(long seed) throws Exception {
        byte[] garbage = new byte[4096];
        new Random(seed).nextBytes(garbage);
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.write(garbage);
                });
                GuideClient c = client(null)) {
            MbedTlsException e = handshakeFails(c, server.port());
            // Random bytes are almost never a valid record header; when the header happens to
            // pass, the body is truncated or nonsense. Any clean Mbed TLS error will do.
            assertNotNull(e.errorText());
        }
    }

    static Stream<Arguments> seeds() {
        return Stream.of(1L, 2L, 3L, 0x5eedL).map(Arguments::of);
    }

    @Test
    void sendsTruncatedRecordThenCloses() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    byte[] header = {HostileServer.HANDSHAKE, 3, 3, 0x01, 0x00}; // announces 256 bytes
                    peer.write(header);
                    peer.write(HostileServer.handshake(2, new byte[40])); // sends 44
                });
                GuideClient c = client(null)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_CONN_EOF);
        }
    }

    @Test
    void sendsRecordLongerThanTlsAllows() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.write(new byte[] {HostileServer.HANDSHAKE, 3, 3, (byte) 0xff, (byte) 0xff});
                    peer.write(new byte[1024]);
                    peer.stall();
                });
                GuideClient c = client(null)) {
            // Mbed TLS 3.6 refuses to read a record that cannot fit its input buffer before
            // reading it ("requesting more data than fits": BAD_INPUT_DATA), and does not wait for it.
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_BAD_INPUT_DATA, MBEDTLS_ERR_SSL_INVALID_RECORD);
        }
    }

    @Test
    void sendsFatalAlert() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.writeRecord(HostileServer.ALERT, HostileServer.alert(2, HANDSHAKE_FAILURE));
                    peer.stall(); // the alert alone must end the handshake
                });
                GuideClient c = client(null)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
        }
    }

    @Test
    void sendsCloseNotifyInsteadOfServerHello() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.writeRecord(HostileServer.ALERT, HostileServer.alert(1, 0)); // warning close_notify
                    peer.stall();
                });
                GuideClient c = client(null)) {
            assertCode(handshakeFails(c, server.port()), MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
        }
    }

    /**
     * A TLS 1.2 ServerHello, then a Certificate message of over 50 KiB (150 copies of the leaf,
     * fragmented over records of at most 16 KiB): larger than Mbed TLS's 16 KiB input buffer.
     */
    @Test
    void sendsOversizedCertificateChainRaw() throws Exception {
        List<byte[]> chain = Collections.nCopies(150, pki.leaf().der());
        byte[] messages = concat(
                HostileServer.handshake(2, HostileServer.serverHello12(0xC02B)), // ECDHE-ECDSA-AES128-GCM-SHA256
                HostileServer.handshake(11, HostileServer.certificate12(chain)));
        assertTrue(messages.length > 50_000);
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.write(HostileServer.fragment(HostileServer.HANDSHAKE, messages, 16384));
                    peer.stall();
                });
                GuideClient c = client(TlsVersion.TLS1_2)) {
            MbedTlsException e = handshakeFails(c, server.port());
            System.out.println("oversized chain (raw TLS 1.2): " + e.getMessage() + " [" + e.errorName() + "]");
            assertCode(e, OVERSIZED_MESSAGE);
        }
    }

    /** A real TLS server (JSSE) whose chain is 40 intermediates long (over 16 KiB of certificates). */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TlsVersion.class)
    void sendsOversizedCertificateChainJsse(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        List<TestCert> cas = new ArrayList<>();
        TestCert issuer = pki.intermediate();
        for (int i = 0; i < 40; i++) {
            issuer = CertBuilder.ca("Long Chain CA " + i + " " + "x".repeat(200)).keyLabel("long-chain-ca").issuedBy(issuer);
            cas.add(0, issuer);
        }
        TestCert leaf = pki.serverCert().issuedBy(issuer);
        List<java.security.cert.X509Certificate> certs = new ArrayList<>();
        certs.add(leaf.certificate());
        cas.forEach(ca -> certs.add(ca.certificate()));
        certs.add(pki.intermediate().certificate());
        int total = certs.stream().mapToInt(x -> {
            try {
                return x.getEncoded().length;
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }).sum();
        assertTrue(total > 16384, "chain of " + total + " bytes");
        try (JsseServer server = JsseServer.builder(SslContexts.server(leaf.privateKey(), certs))
                        .protocols(version == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3).start();
                GuideClient c = client(version)) {
            MbedTlsException e = handshakeFails(c, server.port());
            assertCode(e, OVERSIZED_MESSAGE);
            System.out.println("oversized chain (JSSE " + version + ", " + total + " bytes): " + e.getMessage()
                    + " [" + e.errorName() + "]");
        }
    }

    // --- Stalls ------------------------------------------------------------------------------

    /** The peer accepts, reads the ClientHello and never answers: the read timeout fires. */
    @Test
    void stallsDuringHandshakeReadTimeoutFires() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.stall();
                });
                GuideClient c = client(null)) {
            c.net.connect("127.0.0.1", server.port());
            c.net.setReadTimeout(300);
            c.ssl.setHostname(TestPki.SERVER_NAME);
            c.ssl.setBio(c.net);
            MbedTlsException e = assertTimeoutPreemptively(HANG,
                    () -> assertThrows(MbedTlsException.class, c.ssl::handshake), "the handshake hung");
            assertCode(e, MBEDTLS_ERR_SSL_TIMEOUT);
        }
    }

    /** Without a timeout, a stalled handshake is ended by close() from another thread. */
    @Test
    void stallsDuringHandshakeCloseFromAnotherThreadEndsIt() throws Exception {
        CountDownLatch helloSeen = new CountDownLatch(1);
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    helloSeen.countDown();
                    peer.stall();
                });
                GuideClient c = client(null)) {
            c.net.connect("127.0.0.1", server.port());
            c.ssl.setHostname(TestPki.SERVER_NAME);
            c.ssl.setBio(c.net);
            Thread closer = new Thread(() -> {
                try {
                    if (helloSeen.await(30, TimeUnit.SECONDS)) {
                        Thread.sleep(200); // let the handshake block in recv
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.ssl.close();
            });
            closer.start();
            IllegalStateException e = assertTimeoutPreemptively(HANG,
                    () -> assertThrows(IllegalStateException.class, c.ssl::handshake), "the handshake hung");
            assertTrue(e.getMessage().contains("closed during handshake"), e::getMessage);
            closer.join();
        }
    }

    /** After a good handshake the server goes silent: a read times out, and may be retried. */
    @Test
    void stallsAfterHandshakeReadTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        JsseServer.Handler silentThenAnswer = exchange -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.out().write("late".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).handler(silentThenAnswer).start();
                GuideClient c = client(null)) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            c.net.setReadTimeout(300);
            MbedTlsException e = assertTimeoutPreemptively(HANG,
                    () -> assertThrows(MbedTlsException.class, () -> c.ssl.read(new byte[16])), "the read hung");
            assertCode(e, MBEDTLS_ERR_SSL_TIMEOUT);
            assertEquals("mbedtls_ssl_read", e.function());
            release.countDown();
            c.net.setReadTimeout(30_000);
            assertEquals("late", assertTimeoutPreemptively(HANG, () -> c.receive(4)), "the connection survives a timeout");
        }
    }

    // --- The same through TlsClient: timeouts as SocketTimeoutException, truncation as such ---

    private TlsClient.Builder tlsClient() {
        return TlsClient.builder().trust(pki.root().certificate());
    }

    /** A stalled handshake ends with the client's handshake timeout: a SocketTimeoutException. */
    @Test
    void stallsDuringHandshakeTlsClientHandshakeTimeout() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
                    peer.readRecord();
                    peer.stall();
                });
                TlsClient client = tlsClient().handshakeTimeout(Duration.ofMillis(500)).build()) {
            java.io.IOException e = assertTimeoutPreemptively(HANG, () -> assertThrows(java.io.IOException.class,
                    () -> client.connection("127.0.0.1", server.port()).serverName(TestPki.SERVER_NAME).connect()),
                    "the handshake hung");
            assertInstanceOf(java.net.SocketTimeoutException.class, e, e::toString);
        }
    }

    /** After the handshake the server goes silent: TlsClient's read timeout fires. */
    @Test
    void stallsAfterHandshakeTlsClientReadTimeout() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        JsseServer.Handler silent = exchange -> {
            try {
                done.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).handler(silent).start();
                TlsClient client = tlsClient().readTimeout(Duration.ofMillis(300)).build();
                TlsConnection c = client.connection("127.0.0.1", server.port()).serverName(TestPki.SERVER_NAME).connect()) {
            assertTimeoutPreemptively(HANG, () -> assertThrows(java.net.SocketTimeoutException.class,
                    () -> c.getInputStream().read()), "the read hung");
        } finally {
            done.countDown();
        }
    }

    /** TlsClient's stream reports an end without close_notify as a TruncationException. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TlsVersion.class)
    void closesWithoutCloseNotifyTlsClientReportsTruncation(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        JsseServer.Handler dataThenDrop = exchange -> {
            exchange.out().write("partial".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
            exchange.closeWithoutCloseNotify();
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki))
                        .protocols(version == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3)
                        .handler(dataThenDrop).start();
                TlsClient client = tlsClient().tlsVersions(version, version).build();
                TlsConnection c = client.connection("127.0.0.1", server.port()).serverName(TestPki.SERVER_NAME).connect()) {
            java.io.InputStream in = c.getInputStream();
            assertEquals("partial", new String(in.readNBytes(7), StandardCharsets.US_ASCII));
            assertTimeoutPreemptively(HANG, () -> assertThrows(TruncationException.class, in::read), "the read hung");
            assertThrows(TruncationException.class, in::read, "and again on every later read");
            assertEquals(SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY, c.inbound());
        }
    }

    // --- After the handshake -----------------------------------------------------------------

    /** The server sends data, then drops TCP without close_notify: truncation, not a clean end. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TlsVersion.class)
    void closesWithoutCloseNotify(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        JsseServer.Handler dataThenDrop = exchange -> {
            exchange.out().write("partial".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
            exchange.closeWithoutCloseNotify();
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki))
                        .protocols(version == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3)
                        .handler(dataThenDrop).start();
                GuideClient c = client(version)) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            assertEquals("partial", assertTimeoutPreemptively(HANG, () -> c.receive(7)));
            assertEquals(-1, assertTimeoutPreemptively(HANG, () -> c.ssl.read(new byte[16])));
            assertEquals(SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY, c.ssl.inbound(),
                    "an end without close_notify is reported as possible truncation");
        }
    }

    /** The server resets the connection after the handshake: the read throws. */
    @Test
    void resetsAfterHandshake() throws Exception {
        JsseServer.Handler reset = exchange -> {
            // Wait for the client's "go" (sent once its handshake is complete: a reset racing
            // the end of the handshake would make it a handshake failure), then reset.
            exchange.in().readNBytes(2);
            exchange.out().write("x".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
            exchange.socket().setSoLinger(true, 0);
            exchange.closeWithoutCloseNotify();
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).handler(reset).start();
                GuideClient c = client(null)) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            c.send("go");
            MbedTlsException e = assertTimeoutPreemptively(HANG, () -> assertThrows(MbedTlsException.class, () -> {
                byte[] buf = new byte[16];
                while (c.ssl.read(buf) >= 0) {
                    // the "x", then the reset
                }
            }), "the read hung");
            assertCode(e, MBEDTLS_ERR_NET_CONN_RESET, MBEDTLS_ERR_NET_RECV_FAILED);
        }
    }

    /**
     * openssl s_server asks for renegotiation (TLS 1.2 HelloRequest, its interactive "r"
     * command). Mbed TLS's default, {@code MBEDTLS_SSL_RENEGOTIATION_DISABLED}, refuses: the
     * client answers with a no_renegotiation warning alert and never sends a second ClientHello.
     * OpenSSL treats that refusal as fatal (handshake_failure), which the client then reports.
     */
    @Test
    void renegotiationRequestFromOpenSslIsRefused() throws Exception {
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(TlsProtocol.TLS_1_2)
                        .mode(OpenSslServer.Mode.INTERACTIVE).msg().start();
                GuideClient c = client(TlsVersion.TLS1_2)) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            c.send("before\n");
            assertTrue(server.awaitOutput("before", Duration.ofSeconds(20)), server::output);
            server.sendToClient("r\n");
            assertTrue(server.awaitOutput(">>> TLS 1.2, Handshake [length 0004], HelloRequest", Duration.ofSeconds(20)),
                    server::output);
            RuntimeException e = assertTimeoutPreemptively(HANG, () -> assertThrows(RuntimeException.class, () -> {
                byte[] buf = new byte[64];
                while (c.ssl.read(buf) >= 0) {
                    // nothing is sent to the client after the HelloRequest but the alert
                }
                throw new IllegalStateException("read ended without an error");
            }), "the read hung");
            MbedTlsException m = assertInstanceOf(MbedTlsException.class, e, e::toString);
            assertCode(m, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
            assertTrue(server.awaitOutput("warning no_renegotiation", Duration.ofSeconds(20)), server::output);
            String out = server.output();
            assertEquals(1, count(out, "ClientHello"), "the client never started a second handshake:\n" + out);
        }
    }

    /**
     * A JSSE server asks for renegotiation (TLS 1.2, {@code startHandshake()} again). The client
     * refuses with a no_renegotiation warning; the connection goes on if the server accepts that.
     */
    @Test
    void renegotiationRequestFromJsseIsRefused() throws Exception {
        AtomicReference<Throwable> serverSide = new AtomicReference<>();
        JsseServer.Handler renegotiate = exchange -> {
            byte[] buf = new byte[6];
            int n = exchange.in().readNBytes(buf, 0, 6);
            try {
                exchange.socket().startHandshake(); // sends HelloRequest
                exchange.out().write(buf, 0, n);
                exchange.out().flush();
                exchange.in().readNBytes(buf, 0, 6);
            } catch (java.io.IOException e) {
                serverSide.set(e);
                throw e;
            }
        };
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).protocols(TlsProtocol.TLS_1_2)
                        .handler(renegotiate).start();
                GuideClient c = client(TlsVersion.TLS1_2)) {
            c.connect(server.port(), TestPki.SERVER_NAME);
            c.send("first!");
            Object result = assertTimeoutPreemptively(HANG, () -> {
                try {
                    return c.receive(6);
                } catch (MbedTlsException e) {
                    return e;
                }
            }, "the read hung");
            JsseServer.Connection conn = server.awaitConnection(HANG);
            System.out.println("JSSE renegotiation request: client got " + result + "; server " + conn);
            assertEquals(JsseServer.Ending.ERROR, conn.ending(), conn::toString);
            assertTrue(String.valueOf(conn.error()).contains("no_renegotiation"), conn::toString);
            if (result instanceof MbedTlsException e) {
                assertCode(e, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, MBEDTLS_ERR_SSL_CONN_EOF);
            } else {
                assertEquals("first!", result);
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        return all;
    }
}
