package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.MbedTlsVersions;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI ({@code java -jar target/mbedtls-jni-cli.jar connect ...}, path in the system
 * property {@code mbedtlsjni.cli.jar}) as a subprocess against {@code openssl s_server} on
 * 127.0.0.1, checking its exit status and {@code --json} output.
 */
class CliIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long BADCERT_REVOKED = 0x02;
    private static final long BADCERT_CN_MISMATCH = 0x04;
    private static final long BADCERT_NOT_TRUSTED = 0x08;
    private static final long ERR_X509_CERT_VERIFY_FAILED = -0x2700;
    private static final long ERR_NET_CONNECT_FAILED = -0x0044;

    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /** The outcome of one CLI run. */
    record Run(int status, String out, String err) {
        Map<String, Object> json() {
            try {
                return MiniJson.parseObject(out);
            } catch (IllegalArgumentException e) {
                throw new AssertionError("stdout is not one JSON object: " + this, e);
            }
        }
    }

    private static Run cli(String... args) throws IOException, InterruptedException {
        String jar = System.getProperty("mbedtlsjni.cli.jar");
        assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "-Dmbedtlsjni.cli.jar names the CLI jar: " + jar);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cli-", ".out");
        Path err = Files.createTempFile(dir, "cli-", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("timed out after " + TIMEOUT + ": " + command + "\nstdout: "
                    + Files.readString(out) + "\nstderr: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String address(OpenSslServer server) {
        return "127.0.0.1:" + server.port();
    }

    private static String root() {
        return pki.rootPem().toString();
    }

    @Test
    void goodCertificateTls13WithSend() throws Exception {
        MbedTlsVersions.assumeTls13();
        try (OpenSslServer server = OpenSslServer.builder(pki).msg().start()) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--send", "hello, world", "--json");
            assertEquals(0, run.status(), run.toString());
            assertTrue(run.out().endsWith("}\n") && run.out().indexOf('\n') == run.out().length() - 1,
                    "exactly one JSON object on one line: " + run);
            Map<String, Object> json = run.json();
            assertEquals("ok", json.get("handshake"), run.toString());
            assertEquals(0L, json.get("error_code"));
            assertNull(json.get("error"));
            assertEquals(0L, json.get("verify_flags"));
            assertEquals(List.of(), json.get("verify_flag_names"));
            assertEquals(List.of(), json.get("verify_categories"));
            assertEquals("", json.get("verify_info"));
            assertEquals("TLSv1.3", json.get("protocol"));
            assertTrue(((String) json.get("ciphersuite")).startsWith("TLS1-3-"), run.toString());
            assertEquals("CN=localhost", json.get("peer_subject"));
            assertTrue(((String) json.get("mbedtls_version")).matches("\\d+\\.\\d+\\.\\d+"), run.toString());
            assertEquals(OpenSslServer.reverse("hello, world") + "\n", json.get("received"));
            assertTrue(server.awaitClientCloseNotify(Duration.ofSeconds(15)), "close_notify sent:\n" + server.output());
        }
    }

    @Test
    void goodCertificateTls12ByIpAddressAsServerName() throws Exception {
        MbedTlsVersions.assumeIpSanMatching();
        try (OpenSslServer server = OpenSslServer.start(pki, TlsProtocol.TLS_1_2)) {
            // No --server-name: HOST (127.0.0.1) is the name, matched against the leaf's IP SAN.
            Run run = cli("connect", address(server), "--ca-file", root(), "--tls-max", "1.2", "--json");
            assertEquals(0, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals("ok", json.get("handshake"));
            assertEquals(0L, json.get("verify_flags"));
            assertEquals("TLSv1.2", json.get("protocol"));
            assertNotEquals(null, json.get("ciphersuite"));
            assertFalse(json.containsKey("received"), "no --send");
        }
    }

    @Test
    void humanSummary() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli(byIpOrName("connect", address(server), "--ca-file", root(), "--send", "abc"));
            assertEquals(0, run.status(), run.toString());
            assertTrue(run.out().contains("Handshake:    ok"), run.out());
            assertTrue(run.out().contains("Verification: ok (flags 0x00000000)"), run.out());
            assertTrue(run.out().contains("Peer subject: CN=localhost"), run.out());
            assertTrue(run.out().contains("Received:     \"cba\\n\""), run.out());
            assertEquals("", run.err());
        }
    }

    @Test
    void wrongServerNameFailsVerification() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "wrong.example",
                    "--send", "never sent", "--json");
            assertEquals(1, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals("failed", json.get("handshake"));
            assertEquals(ERR_X509_CERT_VERIFY_FAILED, json.get("error_code"));
            assertTrue(((String) json.get("error")).contains("mbedtls_ssl_handshake"), run.toString());
            long flags = (Long) json.get("verify_flags");
            assertEquals(BADCERT_CN_MISMATCH, flags & BADCERT_CN_MISMATCH, run.toString());
            assertEquals(0, flags & BADCERT_NOT_TRUSTED, "the chain itself is fine: " + run);
            assertTrue(((String) json.get("verify_info")).contains("CN"), run.toString());
            assertEquals(List.of("MBEDTLS_X509_BADCERT_CN_MISMATCH"), json.get("verify_flag_names"), run.toString());
            assertEquals(List.of("name"), json.get("verify_categories"), run.toString());
            assertNull(json.get("protocol"));
            assertTrue(json.containsKey("received") && json.get("received") == null, run.toString());
        }
    }

    @Test
    void unknownCaFailsVerification() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", pki.unknownRootPem().toString(), "--json");
            assertEquals(1, run.status(), run.toString());
            long flags = (Long) run.json().get("verify_flags");
            assertEquals(BADCERT_NOT_TRUSTED, flags & BADCERT_NOT_TRUSTED, run.toString());
            assertFalse(((String) run.json().get("verify_info")).isEmpty());
        }
    }

    @Test
    void revokedCertificateFailsWithCrl() throws Exception {
        try (OpenSslServer server = OpenSslServer.builder(pki.revokedChainPem(), pki.serverKeyPem()).start()) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--crl-file", pki.crlPem().toString(),
                    "--server-name", "localhost", "--json");
            assertEquals(1, run.status(), run.toString());
            assertEquals(BADCERT_REVOKED, (Long) run.json().get("verify_flags") & BADCERT_REVOKED, run.toString());

            Run withoutCrl = cli(byIpOrName("connect", address(server), "--ca-file", root(), "--json"));
            assertEquals(0, withoutCrl.status(), withoutCrl.toString());
        }
    }

    @Test
    void optionalVerificationCompletesTheHandshakeAndReportsTheFlags() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "wrong.example",
                    "--verify", "optional", "--send", "still talking", "--json");
            assertEquals(0, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals("ok", json.get("handshake"));
            assertEquals(0L, json.get("error_code"));
            long flags = (Long) json.get("verify_flags");
            assertNotEquals(0L, flags);
            assertEquals(BADCERT_CN_MISMATCH, flags & BADCERT_CN_MISMATCH);
            assertFalse(((String) json.get("verify_info")).isEmpty());
            assertEquals(OpenSslServer.reverse("still talking") + "\n", json.get("received"));

            Run noCa = cli("connect", address(server), "--verify", "optional", "--json");
            assertEquals(0, noCa.status(), noCa.toString());
            assertEquals(BADCERT_NOT_TRUSTED, (Long) noCa.json().get("verify_flags") & BADCERT_NOT_TRUSTED, noCa.toString());
        }
    }

    @Test
    void closedPortIsANetworkFailure() throws Exception {
        int port = closedPort();
        Run run = cli("connect", "127.0.0.1:" + port, "--ca-file", root(), "--json");
        assertEquals(2, run.status(), run.toString());
        Map<String, Object> json = run.json();
        assertEquals("failed", json.get("handshake"));
        assertEquals(ERR_NET_CONNECT_FAILED, json.get("error_code"));
        assertTrue(((String) json.get("error")).contains("mbedtls_net_connect"), run.toString());
        assertFalse(json.containsKey("verify_flags"), "no certificate was verified: " + run);
        assertFalse(json.containsKey("verify_info"));

        Run ipv6 = cli("connect", "[::1]:" + port, "--ca-file", root(), "--json");
        assertEquals(2, ipv6.status(), ipv6.toString());
        assertEquals(ERR_NET_CONNECT_FAILED, ipv6.json().get("error_code"), ipv6.toString());

        Run human = cli("connect", "127.0.0.1:" + port, "--ca-file", root());
        assertEquals(2, human.status(), human.toString());
        assertTrue(human.out().contains("Handshake:    failed"), human.toString());
    }

    @Test
    void unreadableCaFileIsAFailure() throws Exception {
        Run run = cli("connect", "127.0.0.1:" + closedPort(), "--ca-file", dir.resolve("missing.pem").toString(), "--json");
        assertEquals(2, run.status(), run.toString());
        assertTrue(((String) run.json().get("error")).contains("missing.pem"), run.toString());
    }

    @Test
    void badUsage() throws Exception {
        Run noCa = cli("connect", "127.0.0.1:443", "--json");
        assertEquals(64, noCa.status(), noCa.toString());
        assertEquals("", noCa.out());
        assertTrue(noCa.err().contains("--ca-file is required"), noCa.toString());
        assertTrue(noCa.err().contains("Usage: "), noCa.toString());

        assertEquals(64, cli().status());
        assertEquals(64, cli("connect", "::1:443", "--ca-file", root()).status());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--verify", "none").status());

        Run help = cli("connect", "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().startsWith("Usage: java -jar mbedtls-jni-cli.jar connect HOST:PORT"), help.toString());
        assertEquals(0, cli("--help").status());
    }

    /**
     * {@code args}, plus {@code --server-name localhost} where Mbed TLS cannot verify HOST
     * 127.0.0.1 against the leaf's IP SAN (2.28; see {@link MbedTlsVersions#hasIpSanMatching()}).
     */
    private static String[] byIpOrName(String... args) {
        if (MbedTlsVersions.hasIpSanMatching()) {
            return args;
        }
        String[] named = java.util.Arrays.copyOf(args, args.length + 2);
        named[args.length] = "--server-name";
        named[args.length + 1] = "localhost";
        return named;
    }

    /** A port on 127.0.0.1 that nothing listens on (just released by the OS). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
