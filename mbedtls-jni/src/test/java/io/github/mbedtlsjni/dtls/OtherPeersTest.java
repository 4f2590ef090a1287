package io.github.mbedtlsjni.dtls;

import static io.github.mbedtlsjni.dtls.DtlsServerTest.assertEcho;
import static io.github.mbedtlsjni.dtls.DtlsServerTest.echoServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.UdpProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTLS 1.2 with peers that have no CID: OpenSSL ({@code s_server -dtls1_2} and
 * {@code s_client -dtls1_2}, PSK and certificates) and GnuTLS ({@code gnutls-serv --udp --echo}),
 * on 127.0.0.1. A client that asks for a CID still connects: the server ignores the extension.
 */
class OtherPeersTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;

    @TempDir
    Path dir;

    @Test
    void ownClientToOpenSslWithPsk() {
        assertTimeoutPreemptively(HANG, () -> {
            int port = UdpProcess.freeUdpPort();
            try (UdpProcess server = UdpProcess.start("openssl s_server", dir.resolve("s_server"), port, HANG,
                    OpenSsl.executable().toString(), "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + port,
                    "-nocert", "-psk", MbedTlsPeersTest.hex(KEY), "-psk_identity", ID, "-cipher", "PSK-AES128-CCM8");
                    DtlsClient client = Cids.client(DtlsClient.builder().psk(ID, KEY), 4).build();
                    DtlsConnection c = client.connect("127.0.0.1", port)) {
                assertEquals("TLS-PSK-WITH-AES-128-CCM-8", c.ciphersuite());
                assertNull(c.peerCid(), "OpenSSL has no CID: the extension is ignored");
                exchangeWithSServer(server, c);
            }
        });
    }

    @Test
    void ownClientToOpenSslWithCertificates() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            int port = UdpProcess.freeUdpPort();
            try (UdpProcess server = UdpProcess.start("openssl s_server", dir.resolve("s_server"), port, HANG,
                    OpenSsl.executable().toString(), "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + port,
                    "-cert", pki.serverChainPem().toString(), "-cert_chain", pki.serverChainPem().toString(),
                    "-key", pki.serverKeyPem().toString());
                    DtlsClient client = DtlsClient.builder().trustPemFile(pki.rootPem()).build();
                    DtlsConnection c = client.connect(TestPki.SERVER_NAME, port)) {
                exchangeWithSServer(server, c);
            }
        });
    }

    @Test
    void openSslClientToOwnServerWithPsk() {
        assertTimeoutPreemptively(HANG, () -> {
            try (DtlsServer server = Cids.server(echoServer().psk(ID, KEY), 4).start()) {
                UdpProcess client = UdpProcess.start("openssl s_client", dir.resolve("s_client"), 0, HANG,
                        OpenSsl.executable().toString(), "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + server.port(),
                        "-psk", MbedTlsPeersTest.hex(KEY), "-psk_identity", ID, "-cipher", "PSK-AES128-CCM8", "-quiet");
                try (client) {
                    client.input("ping from openssl\n");
                    assertTrue(client.awaitOccurrences("ping from openssl", 1, HANG), client.output());
                }
                assertEquals(1, server.stats().handshakes(), server.stats().toString());
                assertEquals(1, server.stats().helloVerifies(), "OpenSSL answered the cookie exchange");
            }
        });
    }

    @Test
    void openSslClientToOwnServerWithCertificates() {
        assertTimeoutPreemptively(HANG, () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            try (DtlsServer server = echoServer().identity(pki.serverChainPem(), pki.serverKeyPem(), null)
                    .clientAuth(AuthMode.NONE).start()) {
                UdpProcess client = UdpProcess.start("openssl s_client", dir.resolve("s_client"), 0, HANG,
                        OpenSsl.executable().toString(), "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + server.port(),
                        "-CAfile", pki.rootPem().toString(), "-verify_return_error", "-verify_hostname",
                        TestPki.SERVER_NAME, "-quiet");
                try (client) {
                    client.input("verified ping\n");
                    assertTrue(client.awaitOccurrences("verified ping", 1, HANG), client.output());
                }
                assertEquals(1, server.stats().handshakes(), server.stats().toString());
            }
        });
    }

    /** s_server prints what it receives and sends what it reads from its input. */
    private static void exchangeWithSServer(UdpProcess server, DtlsConnection c) throws Exception {
        c.send("from mbedtls-jni\n".getBytes());
        assertTrue(server.awaitOutput("from mbedtls-jni", HANG), server.output());
        server.input("from openssl\n");
        assertEquals("from openssl\n", new String(c.receive(HANG)));
    }

    @Test
    void ownClientToGnuTlsWithCertificates() {
        assertTimeoutPreemptively(HANG, () -> {
            Path gnutls = ExternalServer.require("gnutls-serv", "gnutls-bin");
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            Path key = dir.resolve("key-sec1.pem"); // GnuTLS reads the EC key as SEC1 with its point
            OpenSsl.Result converted = OpenSsl.run(HANG, "ec", "-in", pki.serverKeyPem().toString(), "-out", key.toString());
            assertEquals(0, converted.exitCode(), converted::toString);
            int port = UdpProcess.freeUdpPort();
            Path shim = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "interop", "bind_loopback.so");
            assertTrue(Files.isRegularFile(shim), "the native build did not make " + shim);
            try (UdpProcess server = UdpProcess.start("gnutls-serv", dir.resolve("gnutls"), port, HANG,
                    java.util.Map.of("LD_PRELOAD", shim.toString()), gnutls.toString(), "--udp", "--echo",
                    "--port=" + port, "--x509certfile=" + pki.serverChainPem(), "--x509keyfile=" + key,
                    "--priority=NORMAL:-VERS-ALL:+VERS-DTLS1.2");
                    DtlsClient client = Cids.client(DtlsClient.builder().trustPemFile(pki.rootPem()), 4).build();
                    DtlsConnection c = client.connect(TestPki.SERVER_NAME, port)) {
                assertNull(c.peerCid());
                assertEcho(c, "hello gnutls");
            }
        });
    }

    @Test
    void ownClientToGnuTlsWithPsk() {
        assertTimeoutPreemptively(HANG, () -> {
            Path gnutls = ExternalServer.require("gnutls-serv", "gnutls-bin");
            Path passwd = Files.writeString(dir.resolve("psk.txt"), ID + ":" + MbedTlsPeersTest.hex(KEY) + "\n");
            int port = UdpProcess.freeUdpPort();
            Path shim = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "interop", "bind_loopback.so");
            try (UdpProcess server = UdpProcess.start("gnutls-serv", dir.resolve("gnutls"), port, HANG,
                    java.util.Map.of("LD_PRELOAD", shim.toString()), gnutls.toString(), "--udp", "--echo",
                    "--port=" + port, "--pskpasswd=" + passwd,
                    "--priority=NORMAL:-VERS-ALL:+VERS-DTLS1.2:+PSK:+AES-128-CCM-8");
                    DtlsClient client = DtlsClient.builder().psk(ID, KEY)
                            .ciphersuites("TLS-PSK-WITH-AES-128-CCM-8").build();
                    DtlsConnection c = client.connect("127.0.0.1", port)) {
                assertEquals("TLS-PSK-WITH-AES-128-CCM-8", c.ciphersuite());
                assertEcho(c, "hello gnutls psk");
            }
        });
    }
}
