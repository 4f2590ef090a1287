package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.TlsClient;
import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.testing.GuideServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The thin classes as a TLS server over TCP ({@code mbedtls_net_bind}, {@code mbedtls_net_accept},
 * a server config), against real clients: {@code openssl s_client}, Mbed TLS's own
 * {@code ssl_client2} and this library's {@link TlsClient}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThinServerTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void opensslClientGetsTheServersReply(String version) throws Exception {
        assumeTls13(version);
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("hello from mbed tls\n");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", version, "-connect", "127.0.0.1:" + server.port(),
                    "-servername", TestPki.SERVER_NAME, "-CAfile", pki.rootPem().toString(), "-verify_return_error",
                    "-ign_eof");
            GuideServer.Served s = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("hello from mbed tls"), client.output());
            assertTrue(client.output().contains("Verify return code: 0 (ok)"), client.output());
            assertEquals(version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3", s.protocol());
            assertEquals(InetAddress.getByName("127.0.0.1"), s.peer().getAddress());
            assertTrue(s.peer().getPort() > 0, s.peer().toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"force_version=tls12", "force_version=tls13"})
    void mbedTlsClientGetsTheServersReply(String version) throws Exception {
        assumeTls13(version);
        Path program = MbedTlsPrograms.sslClient2();
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("HTTP/1.0 200 OK\r\n\r\nthin server\r\n",
                    true, ssl -> { });
            OpenSsl.Result client = OpenSsl.runCommand(HANG, List.of(program.toString(), "server_addr=127.0.0.1",
                    "server_port=" + server.port(), "server_name=" + TestPki.SERVER_NAME,
                    "ca_file=" + pki.rootPem(), version));
            GuideServer.Served s = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, client.exitCode(), client.output());
            assertTrue(client.output().contains("thin server"), client.output());
            assertTrue(s.request().startsWith("GET / HTTP/1.0"), s.request());
        }
    }

    @Test
    void tlsClientOfThisLibraryGetsTheServersReply() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen();
                TlsClient client = TlsClient.builder().trustPemFile(pki.rootPem()).build()) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("from the thin server");
            try (TlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                byte[] all = c.getInputStream().readAllBytes();
                assertEquals("from the thin server", new String(all, StandardCharsets.UTF_8));
            }
            assertEquals(MbedTlsVersions.hasTls13() ? "TLSv1.3" : "TLSv1.2",
                    served.get(HANG.toSeconds(), TimeUnit.SECONDS).protocol());
        }
    }

    /** Two pairs, ECDSA first: a client that can only use RSA gets the RSA certificate. */
    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256", "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256",
            "-tls1_3 -sigalgs rsa_pss_rsae_sha256", "-tls1_3 -sigalgs ecdsa_secp256r1_sha256"})
    void eachClientGetsTheCertificateItCanUse(String options) throws Exception {
        assumeTls13(options.substring(0, 7));
        TestPki rsa = TestPki.create(dir, KeyType.RSA_2048, "rsa");
        boolean wantsRsa = options.contains("RSA") || options.contains("rsa_");
        try (GuideServer server = GuideServer.prepare(pki.serverChainPem(), pki.serverKeyPem(),
                rsa.serverChainPem(), rsa.serverKeyPem()).listen()) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("two identities\n");
            List<String> args = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-CAfile", (wantsRsa ? rsa : pki).rootPem().toString(), "-verify_return_error", "-ign_eof"));
            args.addAll(List.of(options.split(" ")));
            OpenSsl.Result client = OpenSsl.run(HANG, args.toArray(new String[0]));
            served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("two identities"), client.output());
            assertTrue(client.output().contains("Server public key is " + (wantsRsa ? "2048" : "256") + " bit"),
                    client.output());
        }
    }

    /** An SNI pair for one name; other names and no name get the config's own pair. */
    @ParameterizedTest
    @ValueSource(strings = {"alpha.example", "ALPHA.example", "other.example", ""})
    void theCertificateIsPickedByServerName(String name) throws Exception {
        TestPki alpha = TestPki.create(dir, KeyType.EC_P256, "alpha");
        try (GuideServer server = GuideServer.prepare(pki)) {
            X509Crt chain = server.own(new X509Crt());
            chain.parseFile(alpha.serverChainPem());
            PkContext key = server.own(new PkContext());
            key.parseKeyFile(alpha.serverKeyPem(), null, server.drbg);
            server.config.addSniIdentity("alpha.example", chain, key);
            server.listen();
            CompletableFuture<GuideServer.Served> served = server.serveOne("by name\n");
            List<String> args = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + server.port(), "-ign_eof"));
            args.addAll(name.isEmpty() ? List.of("-noservername") : List.of("-servername", name));
            OpenSsl.Result client = OpenSsl.run(HANG, args.toArray(new String[0]));
            served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            boolean wantsAlpha = name.equalsIgnoreCase("alpha.example");
            assertTrue(client.output().contains("issuer=CN = " + (wantsAlpha ? "alpha" : "Test") + " Intermediate CA"),
                    client.output());
        }
    }

    /** The server's ALPN list decides (mbedtls_ssl_conf_alpn_protocols on a server): its first match. */
    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void theServerSelectsTheApplicationProtocol(String version) throws Exception {
        assumeTls13(version);
        try (GuideServer server = GuideServer.prepare(pki)) {
            server.config.setAlpnProtocols("h2", "http/1.1");
            server.listen();
            CompletableFuture<GuideServer.Served> served = server.serveOne("alpn\n");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", version, "-connect", "127.0.0.1:" + server.port(),
                    "-alpn", "spdy/3,http/1.1", "-ign_eof");
            assertEquals("http/1.1", served.get(HANG.toSeconds(), TimeUnit.SECONDS).alpn());
            assertTrue(client.output().contains("ALPN protocol: http/1.1"), client.output());
        }
    }

    /** Plain HTTP, and a TLS record header cut off: each handshake fails, the next client is served. */
    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000"})
    void aHostileClientFailsAndTheNextIsServed(String garbage) throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            CompletableFuture<GuideServer.Served> hostile = server.serveOne("never");
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                try {
                    s.getOutputStream().write(garbage.getBytes(StandardCharsets.ISO_8859_1));
                    s.shutdownOutput(); // a ClientHello cut off: the server sees EOF
                } catch (IOException alreadyRefused) {
                    // the server may have answered the garbage with an alert and a close already
                }
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> hostile.get(HANG.toSeconds(), TimeUnit.SECONDS));
                assertInstanceOf(MbedTlsException.class, e.getCause(), String.valueOf(e));
            }
            CompletableFuture<GuideServer.Served> next = server.serveOne("still serving\n");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-connect", "127.0.0.1:" + server.port(), "-ign_eof");
            next.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("still serving"), client.output());
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed");
    }

    @Test
    void acceptTimesOutAndStaysUsable() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            assertThrows(SocketTimeoutException.class, () -> server.listener.accept(50));
            CompletableFuture<GuideServer.Served> served = server.serveOne("after a timeout");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-connect", "127.0.0.1:" + server.port(),
                    "-CAfile", pki.rootPem().toString(), "-ign_eof");
            served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("after a timeout"), client.output());
        }
    }

    @Test
    void closeFromAnotherThreadWakesABlockedAccept() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        NetContext listener = new NetContext();
        listener.bind("127.0.0.1", 0);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Object> accepting = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            try {
                return listener.accept();
            } catch (RuntimeException e) {
                return e;
            }
        });
        started.await();
        // Whether the accept is already waiting in poll() or not yet called, close must end it.
        listener.close();
        Object outcome = accepting.get(HANG.toSeconds(), TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, outcome, String.valueOf(outcome));
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed");
    }

    /** Four threads accept on one listener: each of eight clients is accepted once; close ends all four. */
    @Test
    void severalThreadsAcceptOnOneListener() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        NetContext listener = new NetContext();
        int port = listener.bind("127.0.0.1", 0);
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        AtomicInteger accepted = new AtomicInteger();
        List<CompletableFuture<Object>> threads = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            threads.add(CompletableFuture.supplyAsync(() -> {
                while (true) {
                    try (NetContext client = listener.accept()) {
                        clientPorts.add(client.peerAddress().getPort());
                        accepted.incrementAndGet();
                    } catch (RuntimeException e) {
                        return e;
                    }
                }
            }, pool));
        }
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(new Socket("127.0.0.1", port));
        }
        for (Socket c : clients) { // each sees EOF once its connection was accepted and closed
            c.setSoTimeout((int) HANG.toMillis());
            assertEquals(-1, c.getInputStream().read());
            c.close();
        }
        listener.close();
        for (CompletableFuture<Object> t : threads) {
            Object outcome = t.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, outcome, String.valueOf(outcome));
        }
        pool.shutdown();
        assertEquals(8, accepted.get());
        assertEquals(8, clientPorts.size());
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed");
    }

    @Test
    void misuseIsRefusedWithTheMistakeNamed() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        try (NetContext net = new NetContext()) {
            IllegalStateException notBound = assertThrows(IllegalStateException.class, () -> net.accept(10));
            assertTrue(notBound.getMessage().contains("bind"), notBound.getMessage());
            assertThrows(IllegalArgumentException.class, () -> net.bind("127.0.0.1", 65536));
            assertThrows(IllegalArgumentException.class, () -> net.bind("", 0));
            int port = net.bind("127.0.0.1", 0);
            assertEquals(port, net.localPort());
            assertThrows(IllegalStateException.class, () -> net.bind("127.0.0.1", 0));
            assertThrows(IllegalStateException.class, () -> net.connect("127.0.0.1", port));
            assertThrows(IllegalArgumentException.class, () -> net.accept(-1));
            try (NetContext second = new NetContext()) {
                MbedTlsException inUse = assertThrows(MbedTlsException.class, () -> second.bind("127.0.0.1", port));
                assertEquals(-0x0046, inUse.code(), inUse.getMessage());
                assertEquals(0, second.localPort());
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed");
    }

    private static void assumeTls13(String version) {
        if (version.endsWith("1_3") || version.endsWith("tls13")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(MbedTlsVersions.hasTls13(), "this Mbed TLS has no TLS 1.3");
        }
    }
}
