package io.github.mbedtlsjni.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GuideClient}, run in-process against {@code openssl s_server -rev} with a generated PKI. */
class GuideClientTest {
    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /** The exit status and everything printed. */
    record Run(int status, String output) {
    }

    private static Run guideClient(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = GuideClient.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void followsTheGuideToTheEnd() {
        try (OpenSslServer server = OpenSslServer.builder(pki).msg().start()) {
            Run run = guideClient("localhost", Integer.toString(server.port()), pki.rootPem().toString(),
                    "--send", "Hello server");
            assertEquals(0, run.status(), run.output());
            String out = run.output();
            assertTrue(out.contains("  . Seeding the random number generator... ok"), out);
            assertTrue(out.contains("  . Loading the CA certificates from " + pki.rootPem() + "... ok (0 skipped)"), out);
            assertTrue(out.contains("  . Connecting to tcp/localhost/" + server.port() + "... ok"), out);
            // s_server offers TLS 1.2 and 1.3; Mbed TLS 2.28 has no TLS 1.3.
            assertTrue(out.contains("  . Performing the TLS handshake... ok ("
                    + MbedTlsVersions.byLine("TLSv1.2, TLS-", "TLSv1.3, TLS1-3-")), out);
            assertTrue(out.contains("  . Verifying the peer X.509 certificate... ok"), out);
            assertTrue(out.contains("  > Write to server: 13 bytes written"), out);
            assertTrue(out.contains("  < Read from server: 13 bytes read"), out);
            assertTrue(out.contains("\n" + OpenSslServer.reverse("Hello server") + "\n"), out);
            assertTrue(out.contains("  . Closing the connection... ok"), out);
            assertFalse(out.contains("failed"), out);
            assertTrue(server.awaitClientCloseNotify(Duration.ofSeconds(15)), server.output());
        }
    }

    @Test
    void sendsAnHttpRequestByDefaultAndChecksTheCrl() {
        // The host is also the name verified: 2.28 cannot match 127.0.0.1 against the leaf's IP SAN.
        String host = MbedTlsVersions.hasIpSanMatching() ? "127.0.0.1" : "localhost";
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = guideClient(host, Integer.toString(server.port()), pki.rootPem().toString(),
                    pki.crlPem().toString());
            assertEquals(0, run.status(), run.output());
            assertTrue(run.output().contains("  . Loading the CRLs from " + pki.crlPem() + "... ok"), run.output());
            assertTrue(run.output().contains("GET / HTTP/1.0\r\nHost: " + host), run.output());
            assertTrue(run.output().contains(OpenSslServer.reverse("GET / HTTP/1.0")), run.output());
        }
    }

    @Test
    void unknownCaFailsTheHandshakeWithVerifyInfo() {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = guideClient("localhost", Integer.toString(server.port()), pki.unknownRootPem().toString());
            assertEquals(1, run.status(), run.output());
            String out = run.output();
            assertTrue(out.contains("  . Performing the TLS handshake... failed\n  ! mbedtls_ssl_handshake: -0x2700"), out);
            assertTrue(out.contains("  ! The certificate is not correctly signed by the trusted CA"), out);
            assertFalse(out.contains("Write to server"), out);
        }
    }

    @Test
    void revokedCertificateFailsTheHandshake() {
        try (OpenSslServer server = OpenSslServer.builder(pki.revokedChainPem(), pki.serverKeyPem()).start()) {
            Run run = guideClient("localhost", Integer.toString(server.port()), pki.rootPem().toString(),
                    pki.crlPem().toString());
            assertEquals(1, run.status(), run.output());
            assertTrue(run.output().contains("  ! The certificate has been revoked (is on a CRL)"), run.output());
        }
    }

    @Test
    void closedPortIsAnotherFailure() throws IOException {
        int port = TestServer.freePort();
        Run run = guideClient("127.0.0.1", Integer.toString(port), pki.rootPem().toString());
        assertEquals(2, run.status(), run.output());
        assertTrue(run.output().contains("  . Connecting to tcp/127.0.0.1/" + port + "... failed\n  ! mbedtls_net_connect"),
                run.output());
    }

    @Test
    void badUsage() {
        Run run = guideClient("localhost", "443");
        assertEquals(64, run.status());
        assertTrue(run.output().contains(GuideClient.USAGE), run.output());
        assertEquals(64, guideClient("localhost", "https", "ca.pem").status());
        assertEquals(64, guideClient("localhost", "70000", "ca.pem").status());
        assertEquals(64, guideClient("localhost", "443", "ca.pem", "--verbose").status());
    }
}
