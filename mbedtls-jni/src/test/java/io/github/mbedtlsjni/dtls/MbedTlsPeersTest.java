package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.UdpProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DtlsClient against Mbed TLS's own {@code ssl_server2} (same source, Mbed TLS's default config)
 * over UDP on 127.0.0.1: PSK and certificates, with the Connection ID of RFC 9146 negotiated and
 * used in both directions (Mbed TLS 3.x), and without CID.
 */
class MbedTlsPeersTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    static final byte[] PSK = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    static final String PSK_IDENTITY = "mbedtls-jni-device";
    private static final String GET = "GET / HTTP/1.0\r\n\r\n";

    @TempDir
    Path dir;

    @Test
    void pskWithCidAgainstSslServer2() {
        MbedTlsVersions.assumeCid();
        assertTimeoutPreemptively(HANG, () -> {
            String serverCid = "c0ffee0123";
            try (UdpProcess server = sslServer2("psk=" + hex(PSK), "psk_identity=" + PSK_IDENTITY,
                    "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8", "cid=1", "cid_val=" + serverCid);
                    DtlsClient client = DtlsClient.builder().psk(PSK_IDENTITY, PSK).cid(4).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertEquals("TLS-PSK-WITH-AES-128-CCM-8", c.ciphersuite());
                // The server's CID goes into every record this client sends; the client's own
                // (4 random bytes) into the server's records.
                assertArrayEquals(HexFormat.of().parseHex(serverCid), c.peerCid());
                byte[] own = c.ownCid();
                assertNotNull(own);
                assertEquals(4, own.length);
                String response = exchange(c);
                assertTrue(response.contains("Successful connection using: TLS-PSK-WITH-AES-128-CCM-8"), response);
                assertTrue(server.awaitOutput("Peer CID (length 4 Bytes): " + spaced(own), HANG), server.output());
            }
        });
    }

    @Test
    void certificatesWithCidAgainstSslServer2() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            try (UdpProcess server = sslServer2("crt_file=" + pki.serverChainPem(), "key_file=" + pki.serverKeyPem(),
                    "ca_file=none", "auth_mode=none", "force_ciphersuite=TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8",
                    // 2.28's ssl_server2 (default config) knows no cid option
                    Cids.AVAILABLE ? "cid=1" : "exchanges=1", Cids.AVAILABLE ? "cid_val=01020304" : "exchanges=1");
                    DtlsClient client = Cids.client(DtlsClient.builder().trustPemFile(pki.rootPem()), 8).build();
                    DtlsConnection c = client.connect(TestPki.SERVER_NAME, server.port())) {
                assertEquals("TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8", c.ciphersuite());
                Cids.assertLength(4, c.peerCid());
                Cids.assertLength(8, c.ownCid());
                assertTrue(exchange(c).contains("Successful connection"));
                if (Cids.AVAILABLE) {
                    assertArrayEquals(new byte[] {1, 2, 3, 4}, c.peerCid());
                    assertTrue(server.awaitOutput("Peer CID (length 8 Bytes): " + spaced(c.ownCid()), HANG), server.output());
                }
            }
        });
    }

    @Test
    void pskWithoutCidAgainstSslServer2() {
        assertTimeoutPreemptively(HANG, () -> {
            try (UdpProcess server = sslServer2("psk=" + hex(PSK), "psk_identity=" + PSK_IDENTITY,
                    "force_ciphersuite=TLS-PSK-WITH-AES-128-CCM-8");
                    DtlsClient client = DtlsClient.builder().psk(PSK_IDENTITY, PSK).build();
                    DtlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertNull(c.peerCid(), "no CID was asked for");
                assertNull(c.ownCid());
                assertTrue(exchange(c).contains("Successful connection using: TLS-PSK-WITH-AES-128-CCM-8"));
            }
        });
    }

    private UdpProcess sslServer2(String... options) {
        return MbedTlsPrograms.dtlsServer2(dir, options);
    }

    private static String exchange(DtlsConnection c) throws Exception {
        c.send(GET.getBytes(StandardCharsets.US_ASCII));
        byte[] response = c.receive(Duration.ofSeconds(30));
        assertNotNull(response, "ssl_server2 closed instead of answering");
        return new String(response, StandardCharsets.ISO_8859_1);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String spaced(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x ", x & 0xFF));
        }
        return s.toString().trim();
    }
}
