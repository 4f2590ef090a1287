package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsServerStats;
import io.github.mbedtlsjni.DtlsSession;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.UdpProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DtlsServer on 127.0.0.1 with real clients: Mbed TLS's {@code ssl_client2} (same source, default
 * config) with PSK and certificates, CID negotiated and used both ways, and this library's own
 * {@link DtlsClient}.
 */
class DtlsServerTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** An echo server: each datagram goes back as it came. */
    static DtlsServer.Builder echoServer() {
        return DtlsServer.builder()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .handler((session, data) -> session.send(data));
    }

    @Test
    void ownClientWithPskAndCid() {
        MbedTlsVersions.assumeCid();
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(MbedTlsPeersTest.PSK_IDENTITY, MbedTlsPeersTest.PSK).cid(6).start();
                    DtlsClient client = DtlsClient.builder().psk(MbedTlsPeersTest.PSK_IDENTITY, MbedTlsPeersTest.PSK)
                            .cid(3).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                for (int i = 0; i < 5; i++) {
                    byte[] message = ("datagram " + i).getBytes(StandardCharsets.UTF_8);
                    c.send(message);
                    assertArrayEquals(message, c.receive(Duration.ofSeconds(30)));
                }
                List<DtlsSession> sessions = server.sessions();
                assertEquals(1, sessions.size());
                DtlsSession s = sessions.get(0);
                assertEquals(6, c.peerCid().length, "the server's CID, in the client's records");
                assertArrayEquals(c.peerCid(), s.ownCid());
                assertArrayEquals(c.ownCid(), s.peerCid());
                assertEquals(c.localAddress().getPort(), s.peerAddress().getPort());
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.helloVerifies(), "one cookie exchange: " + stats);
                assertEquals(1, stats.handshakes(), stats.toString());
            }
        });
    }

    @Test
    void sslClient2WithPskAndCid() {
        MbedTlsVersions.assumeCid();
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(MbedTlsPeersTest.PSK_IDENTITY, MbedTlsPeersTest.PSK).cid(5).start()) {
                UdpProcess client = sslClient2(server.port(), "psk=" + MbedTlsPeersTest.hex(MbedTlsPeersTest.PSK),
                        "psk_identity=" + MbedTlsPeersTest.PSK_IDENTITY, "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8",
                        "cid=1", "cid_val=abcdef");
                try (client) {
                    assertEquals(0, client.awaitExit(HANG), client.output());
                    String out = client.output();
                    assertTrue(out.contains("Use of Connection ID has been negotiated"), out);
                    assertTrue(out.contains("Peer CID (length 5 Bytes)"), out);
                    assertTrue(out.contains("GET / HTTP/1.0"), "the echo of its request: " + out);
                }
                DtlsServerStats stats = server.stats();
                assertEquals(1, stats.handshakes(), stats.toString());
            }
        });
    }

    @Test
    void sslClient2WithCertificatesAndCid() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            try (DtlsServer server = Cids.server(echoServer().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .clientAuth(AuthMode.NONE), 4).start()) {
                UdpProcess client = sslClient2(server.port(), "ca_file=" + pki.rootPem(), "server_name=" + TestPki.SERVER_NAME,
                        "auth_mode=required", "force_ciphersuite=TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8",
                        // 2.28's ssl_client2 (default config) knows no cid option
                        Cids.AVAILABLE ? "cid=1" : "exchanges=1", Cids.AVAILABLE ? "cid_val=00" : "exchanges=1");
                try (client) {
                    assertEquals(0, client.awaitExit(HANG), client.output());
                    String out = client.output();
                    assertEquals(Cids.AVAILABLE, out.contains("Peer CID (length 4 Bytes)"), out);
                    assertTrue(out.contains("GET / HTTP/1.0"), out);
                }
            }
        });
    }

    @Test
    void sslClient2WithPskWithoutCid() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = echoServer().psk(MbedTlsPeersTest.PSK_IDENTITY, MbedTlsPeersTest.PSK).start()) {
                UdpProcess client = sslClient2(server.port(), "psk=" + MbedTlsPeersTest.hex(MbedTlsPeersTest.PSK),
                        "psk_identity=" + MbedTlsPeersTest.PSK_IDENTITY, "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8");
                try (client) {
                    assertEquals(0, client.awaitExit(HANG), client.output());
                    assertTrue(client.output().contains("GET / HTTP/1.0"), client.output());
                }
            }
        });
    }

    private UdpProcess sslClient2(int port, String... options) {
        return MbedTlsPrograms.dtlsClient2(dir, port, options);
    }

    static void assertEcho(DtlsConnection c, String text) throws Exception {
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        c.send(message);
        byte[] back = c.receive(Duration.ofSeconds(30));
        assertNotNull(back);
        assertArrayEquals(message, back);
    }
}
