package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslCookie;
import io.github.mbedtlsjni.testing.DatagramPair;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * DTLS misuse gets a clear exception, never a crash or a leak: steps out of order, the wrong
 * transport or endpoint, CID where this Mbed TLS has none (the message names the version),
 * oversized datagrams, bad saved state, use after close and close from another thread; and the
 * new native kind ({@code mbedtls_ssl_cookie_ctx}) is counted and freed.
 */
class DtlsMisuseTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    private static CtrDrbg drbg(Entropy e) {
        CtrDrbg d = new CtrDrbg();
        d.seed(e, "misuse");
        return d;
    }

    @Test
    void thinStepsOutOfOrderAreRefusedByName() {
        try (Entropy e = new Entropy(); CtrDrbg d = drbg(e); SslConfig stream = new SslConfig();
                SslConfig client = new SslConfig(); SslConfig server = new SslConfig()) {
            stream.defaults();
            stream.setRng(d);
            IllegalStateException notDtls = assertThrows(IllegalStateException.class, () -> stream.setHandshakeTimeout(100, 200));
            assertTrue(notDtls.getMessage().contains("Transport.DATAGRAM"), notDtls.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new SslConfig().setHandshakeTimeout(0, 10));
            try (SslContext ssl = new SslContext()) {
                ssl.setup(stream);
                IllegalStateException e2 = assertThrows(IllegalStateException.class, ssl::setDatagramBio);
                assertTrue(e2.getMessage().contains("DTLS config"), e2.getMessage());
            }

            client.defaults(SslConfig.Endpoint.CLIENT, SslConfig.Transport.DATAGRAM);
            client.setRng(d);
            assertThrows(IllegalStateException.class, () -> client.setDtlsCookies(new SslCookie()),
                    "cookies are a server's");
            server.defaults(SslConfig.Endpoint.SERVER, SslConfig.Transport.DATAGRAM);
            server.setRng(d);
            try (SslCookie notSetUp = new SslCookie()) {
                assertThrows(IllegalStateException.class, () -> server.setDtlsCookies(notSetUp));
            }
            try (SslContext ssl = new SslContext()) {
                IllegalStateException noCookies = assertThrows(IllegalStateException.class, () -> ssl.setup(server));
                assertTrue(noCookies.getMessage().contains("setDtlsCookies"), noCookies.getMessage());
            }
            try (SslContext ssl = new SslContext()) {
                ssl.setup(client);
                ssl.skipHostnameVerification();
                DatagramBio bio = ssl.setDatagramBio();
                ByteBuffer out = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
                assertThrows(IllegalStateException.class, () -> bio.read(null, ByteBuffer.allocate(10), out),
                        "read before the handshake");
                assertThrows(IllegalStateException.class, () -> bio.write(ByteBuffer.allocate(10), out));
                assertThrows(IllegalStateException.class, bio::peerCid);
                assertThrows(IllegalStateException.class, () -> bio.checkClientHello(new byte[4], ByteBuffer.allocate(1), out),
                        "a client has no cookie check");
                assertThrows(IllegalStateException.class, bio::save, "nothing established to save");
                assertThrows(IllegalArgumentException.class, () -> bio.setMtu(70000));
                assertEquals(DatagramBio.WANT_READ, bio.handshake(null, out));
                assertTrue(out.position() > 2, "the ClientHello, framed");
                assertTrue(bio.timeoutMillis() >= 0, "the retransmission timer runs");
                assertThrows(IllegalStateException.class, () -> bio.load(new byte[10]), "load after the handshake started");
                assertThrows(java.nio.ReadOnlyBufferException.class,
                        () -> bio.handshake(null, ByteBuffer.allocate(100).asReadOnlyBuffer()));
            }
            try (SslContext ssl = new SslContext()) {
                ssl.setup(client);
                DatagramBio bio = ssl.setDatagramBio();
                MbedTlsException bad = assertThrows(MbedTlsException.class, () -> bio.load(new byte[] {1, 2, 3}));
                assertTrue(bad.getMessage().contains("mbedtls_ssl_context_load"), bad.getMessage());
                // Mbed TLS freed the context when the load failed: its configuration pointer is
                // gone, so reaching it again would crash the JVM. Every call is refused instead.
                List<Executable> after = List.of(ssl::protocol, ssl::ciphersuite, ssl::verifyResult, ssl::alpnProtocol,
                        ssl::peerCertificates, () -> bio.load(new byte[] {1, 2, 3}), bio::timeoutMillis,
                        bio::isEstablished, bio::maxPayload, () -> bio.setMtu(1200), () -> bio.handshake(null, ByteBuffer.allocate(DatagramBio.minOutputBuffer())),
                        () -> bio.sessionReset());
                for (Executable call : after) {
                    IllegalStateException refused = assertThrows(IllegalStateException.class, call);
                    assertTrue(refused.getMessage().contains("after a failed DatagramBio.load()"), refused.getMessage());
                }
                assertFalse(ssl.isResumed());
            }
        }
    }

    /**
     * {@code mbedtls_ssl_context_save} refuses while the handshake's last flight is not known to
     * have arrived (the server keeps it to resend until the client's first record), then saves;
     * the state loads into a fresh context, which goes on where the saved one stopped.
     */
    @Test
    void saveRefusedUntilTheLastFlightIsAcknowledgedThenLoadGoesOn() {
        try (Entropy e = new Entropy(); CtrDrbg d = drbg(e);
                SslConfig cc = DatagramPair.config(SslConfig.Endpoint.CLIENT, d, KEY, ID, "TLS-PSK-WITH-AES-128-CCM-8", false);
                SslConfig sc = DatagramPair.config(SslConfig.Endpoint.SERVER, d, KEY, ID, "TLS-PSK-WITH-AES-128-CCM-8", false);
                SslContext client = new SslContext(); SslContext server = new SslContext();
                SslContext restored = new SslContext()) {
            client.setup(cc);
            client.skipHostnameVerification();
            server.setup(sc);
            DatagramBio c = client.setDatagramBio();
            DatagramBio s = server.setDatagramBio();
            ByteBuffer toServer = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
            ByteBuffer toClient = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
            DatagramPair.handshake(c, s, toServer, toClient);
            MbedTlsException early = assertThrows(MbedTlsException.class, s::save);
            assertTrue(early.getMessage().contains("acknowledged"), early.getMessage());
            ByteBuffer plain = ByteBuffer.allocate(100);
            assertEquals(5, c.write(ByteBuffer.wrap("hello".getBytes()), toServer));
            DatagramPair.deliver(toServer, datagram -> assertEquals(5, s.read(datagram, plain, toClient)));
            byte[] state = s.save();
            assertTrue(state.length > 0);
            assertTrue(!s.isEstablished(), "the saved context was reset");
            restored.setup(sc);
            DatagramBio r = restored.setDatagramBio();
            r.load(state);
            assertTrue(r.isEstablished());
            assertEquals(5, c.write(ByteBuffer.wrap("again".getBytes()), toServer));
            plain.clear();
            DatagramPair.deliver(toServer, datagram -> assertEquals(5, r.read(datagram, plain, toClient)));
            assertEquals("again", new String(plain.array(), 0, 5));
        }
    }

    @Test
    void cidIsRefusedNamingTheVersionWhereThereIsNone() {
        try (Entropy e = new Entropy(); CtrDrbg d = drbg(e); SslConfig c = new SslConfig()) {
            c.defaults(SslConfig.Endpoint.CLIENT, SslConfig.Transport.DATAGRAM);
            c.setRng(d);
            if (MbedTlsVersions.hasCid()) {
                assertThrows(IllegalArgumentException.class, () -> c.setCid(SslConfig.maxCidLength() + 1, true));
                assertTrue(MbedTls.hasFeature("MBEDTLS_SSL_DTLS_CONNECTION_ID"));
            } else {
                IllegalStateException none = assertThrows(IllegalStateException.class, () -> c.setCid(4, true));
                assertTrue(none.getMessage().contains(MbedTls.version()), none.getMessage());
                assertTrue(none.getMessage().contains("RFC 9146"), none.getMessage());
                assertTrue(!MbedTls.hasFeature("MBEDTLS_SSL_DTLS_CONNECTION_ID"), "2.28 never claims RFC 9146 CID");
                IllegalStateException viaClient = assertThrows(IllegalStateException.class,
                        () -> DtlsClient.builder().psk(ID, KEY).cid(4).build());
                assertTrue(viaClient.getMessage().contains(MbedTls.version()), viaClient.getMessage());
            }
        }
    }

    @Test
    void applicationApiMisuse() {
        assertTimeoutPreemptively(HANG, () -> {
            assertThrows(IllegalStateException.class, () -> DtlsServer.builder().psk(ID, KEY).start(), "no handler");
            assertThrows(IllegalStateException.class, () -> DtlsServer.builder().handler((s, d) -> { }).start(),
                    "no identity");
            assertThrows(IllegalStateException.class, () -> DtlsClient.builder().build(), "no trust and no PSK");
            assertThrows(IllegalArgumentException.class, () -> DtlsClient.builder().mtu(-1));
            assertThrows(NullPointerException.class, () -> DtlsClient.builder().psk(null, KEY));
            try (DtlsServer server = DtlsServerTest.echoServer().psk(ID, KEY).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build()) {
                DtlsConnection c = client.connect("127.0.0.1", server.port());
                IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                        () -> c.send(new byte[c.maxPayload() + 1]));
                assertTrue(big.getMessage().contains("one DTLS record"), big.getMessage());
                DtlsServerTest.assertEcho(c, "still fine");
                c.close();
                c.close(); // idempotent
                assertThrows(SocketException.class, () -> c.send(new byte[1]));
                assertThrows(SocketException.class, () -> c.receive(Duration.ofMillis(1)));
                assertThrows(IllegalArgumentException.class, () -> client.connect("127.0.0.1", 0));
            }
        });
    }

    @Test
    void closeFromAnotherThreadWakesAReceiver() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .psk(ID, KEY).handler((s, d) -> { }).start();
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY).build()) {
                DtlsConnection c = client.connect("127.0.0.1", server.port());
                CompletableFuture<Throwable> receiver = CompletableFuture.supplyAsync(() -> {
                    try {
                        c.receive(Duration.ZERO); // for ever: the server never answers
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                });
                CidRoutingTest.await(() -> isWaiting(receiver), "the receiver waits");
                c.close();
                Throwable t = receiver.get(30, TimeUnit.SECONDS);
                assertInstanceOf(SocketException.class, t);
            }
        });
    }

    private static boolean isWaiting(CompletableFuture<?> f) {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement s : e.getValue()) {
                if (s.getMethodName().equals("awaitDatagram")) {
                    return !f.isDone();
                }
            }
        }
        return false;
    }

    @Test
    void nothingLeaksAndCookiesAreCounted() throws Exception {
        Map<String, Long> baseline = LiveObjects.settle();
        assertTrue(baseline.containsKey("mbedtls_ssl_cookie_ctx"), baseline.toString());
        try (DtlsServer server = DtlsServerTest.echoServer().psk(ID, KEY).start()) {
            assertEquals(baseline.get("mbedtls_ssl_cookie_ctx") + 1, MbedTls.liveNativeObjects().get("mbedtls_ssl_cookie_ctx"),
                    "the server's config holds its cookie secret");
            try (DtlsClient client = DtlsClient.builder().psk(ID, KEY).build()) {
                for (int i = 0; i < 5; i++) {
                    try (DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                        DtlsServerTest.assertEcho(c, "round " + i);
                    }
                }
                try (DtlsConnection c = client.connect("127.0.0.1", server.port());
                        io.github.mbedtlsjni.mbedtls.SslSession session = c.session()) {
                    assertTrue(session != null && session.isFilled(), "a session to resume");
                }
            }
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        assertNull(LiveObjects.leaks(baseline, after), "leaked: " + LiveObjects.leaks(baseline, after));
    }
}
