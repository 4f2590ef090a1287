package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.HostileServer;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
            return CliRun.json(out, this);
        }
    }

    static Run cli(String... args) throws IOException, InterruptedException {
        CliRun r = CliRun.of(dir, args);
        return new Run(r.status(), r.out(), r.err());
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
        int port = TestServer.freePort();
        Run run = cli("connect", "127.0.0.1:" + port, "--ca-file", root(), "--json");
        assertEquals(2, run.status(), run.toString());
        Map<String, Object> json = run.json();
        assertEquals("failed", json.get("handshake"));
        assertEquals(ERR_NET_CONNECT_FAILED, json.get("error_code"));
        assertTrue(((String) json.get("error")).contains("mbedtls_net_connect"), run.toString());
        assertTrue(((String) json.get("error")).contains("Connection refused"), "the system's reason: " + run);
        assertFalse(json.containsKey("verify_flags"), "no certificate was verified: " + run);
        assertFalse(json.containsKey("verify_info"));

        Run ipv6 = cli("connect", "[::1]:" + port, "--ca-file", root(), "--json");
        assertEquals(2, ipv6.status(), ipv6.toString());
        assertEquals(ERR_NET_CONNECT_FAILED, ipv6.json().get("error_code"), ipv6.toString());

        Run human = cli("connect", "127.0.0.1:" + port, "--ca-file", root());
        assertEquals(2, human.status(), human.toString());
        assertTrue(human.out().contains("Handshake:    failed"), human.toString());
    }

    /**
     * A file that cannot be used is a usage error, found before any connection (the port is
     * closed: a connection attempt would say so): one line on stderr naming the option, the file
     * and what is wrong with it, nothing on stdout, status 64.
     */
    @Test
    void aFileThatCannotBeUsedIsAUsageErrorBeforeAnyConnection() throws Exception {
        String closed = "127.0.0.1:" + TestServer.freePort();
        Path missing = dir.resolve("missing.pem");
        assertUsageLine("--ca-file " + missing + ": no such file", cli("connect", closed, "--ca-file", missing.toString(), "--json"));
        assertUsageLine("--ca-file " + dir + ": is a directory: use --ca-path DIR for a directory of CA files",
                cli("connect", closed, "--ca-file", dir.toString()));
        assertUsageLine("--ca-path " + root() + ": is not a directory: use --ca-file FILE for one file of CA certificates",
                cli("connect", closed, "--ca-path", root()));
        assertUsageLine("--crl-file " + missing + ": no such file",
                cli("connect", closed, "--ca-file", root(), "--crl-file", missing.toString()));

        Path p12 = dir.resolve("trust.p12");
        try (var out = Files.newOutputStream(p12)) {
            SslContexts.keyStore(pki.leaf().privateKey(), List.of(pki.leaf().certificate())).store(out, "changeit".toCharArray());
        }
        Run keyStore = cli("connect", closed, "--ca-file", p12.toString(), "--json");
        assertUsageLine("--ca-file " + p12 + ": mbedtls_x509_crt_parse_file: -0x", keyStore);
        assertTrue(keyStore.err().contains("looks like a PKCS#12 key store, not PEM or DER certificates"), keyStore.toString());

        Path key = pki.writeKey("cli-usage-key.pem", pki.leaf());
        Path encrypted = dir.resolve("cli-usage-key-encrypted.pem");
        assertEquals(0, OpenSsl.run(TIMEOUT, "pkey", "-in", key.toString(), MbedTlsVersions.byLine("-des3", "-aes256"),
                "-passout", "pass:right", "-out", encrypted.toString()).exitCode());
        Run wrongPassword = cli("connect", closed, "--ca-file", root(), "--cert", pki.serverChainPem().toString(),
                "--key", encrypted.toString(), "--key-password", "wrong");
        assertUsageLine("--key " + encrypted + ": mbedtls_pk_parse_keyfile: -0x", wrongPassword);
        assertTrue(wrongPassword.err().contains("wrong password, or a damaged key"), wrongPassword.toString());
    }

    private static void assertUsageLine(String start, Run run) {
        assertEquals(64, run.status(), run.toString());
        assertEquals("", run.out(), "nothing on stdout, no handshake reported: " + run);
        assertTrue(run.err().startsWith("mbedtls-jni-cli: " + start), run.toString());
        assertTrue(run.err().endsWith(" (see connect --help)\n") && run.err().indexOf('\n') == run.err().length() - 1,
                "one line: " + run);
    }

    @Test
    void badUsage() throws Exception {
        Run noCa = cli("connect", "127.0.0.1:443", "--json");
        assertEquals(64, noCa.status(), noCa.toString());
        assertEquals("", noCa.out());
        assertTrue(noCa.err().contains("--ca-file is required"), noCa.toString());
        assertFalse(noCa.err().contains("Usage: "), "the line that matters, not the whole help: " + noCa);
        assertTrue(noCa.err().contains("(see connect --help)"), noCa.toString());

        assertEquals(64, cli().status());
        assertEquals(64, cli("connect", "::1:443", "--ca-file", root()).status());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--verify", "none").status());

        Run help = cli("connect", "--help");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().startsWith("Usage: java -jar mbedtls-jni-cli.jar connect HOST:PORT"), help.toString());
        assertEquals(0, cli("--help").status());
    }

    // ---- trust, identity, ALPN, suites, timeout, debug, resumption and chain options -----------

    @Test
    void caPathTrustsADirectoryOfPemFiles() throws Exception {
        Path trusted = Files.createDirectories(dir.resolve("ca-path"));
        Files.copy(pki.unknownRootPem(), trusted.resolve("00-other.pem"));
        Files.copy(pki.rootPem(), trusted.resolve("10-root.pem"));
        Files.writeString(trusted.resolve("README"), "not a certificate\n");
        Path wrong = Files.createDirectories(dir.resolve("ca-path-wrong"));
        Files.copy(pki.unknownRootPem(), wrong.resolve("other.pem"));
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-path", trusted.toString(), "--server-name", "localhost", "--json");
            assertEquals(0, run.status(), run.toString());
            assertEquals(0L, run.json().get("verify_flags"), run.toString());

            Run untrusted = cli("connect", address(server), "--ca-path", wrong.toString(), "--server-name", "localhost", "--json");
            assertEquals(1, untrusted.status(), untrusted.toString());
            assertEquals(List.of("MBEDTLS_X509_BADCERT_NOT_TRUSTED"), untrusted.json().get("verify_flag_names"), untrusted.toString());
        }
    }

    @Test
    void jdkTrustDoesNotTrustTheLocalCa() throws Exception {
        // The test PKI's root is in no JDK's cacerts: trusting the JDK must refuse this server.
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--jdk-trust", "--server-name", "localhost", "--json");
            assertEquals(1, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals("failed", json.get("handshake"));
            assertEquals(ERR_X509_CERT_VERIFY_FAILED, json.get("error_code"), run.toString());
            assertEquals(List.of("MBEDTLS_X509_BADCERT_NOT_TRUSTED"), json.get("verify_flag_names"), run.toString());
            assertEquals(List.of("trust"), json.get("verify_categories"));

            // With the local root added (the sources add up), the same server verifies.
            Run both = cli("connect", address(server), "--jdk-trust", "--ca-file", root(), "--server-name", "localhost", "--json");
            assertEquals(0, both.status(), both.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void clientCertificateAndKeyAlsoEncrypted(TlsProtocol protocol) throws Exception {
        assumeProtocol(protocol);
        TestCert client = CertBuilder.client("mbedtls-jni cli client").keyType(KeyType.EC_P256)
                .keyLabel("Test/cli-client").issuedBy(pki.intermediate());
        Path chain = pki.writeChain("cli-client-chain.pem", client, pki.intermediate());
        Path key = pki.writeKey("cli-client-key.pem", client);
        Path encrypted = dir.resolve("cli-client-key-encrypted.pem");
        OpenSsl.Result r = OpenSsl.run(TIMEOUT, "pkey", "-in", key.toString(), MbedTlsVersions.byLine("-des3", "-aes256"),
                "-passout", "pass:s3cret", "-out", encrypted.toString());
        assertEquals(0, r.exitCode(), r.output());
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki.leaf().privateKey(),
                        List.of(pki.leaf().certificate(), pki.intermediate().certificate()), pki.root().certificate()))
                .protocols(protocol).needClientAuth().start()) {
            String address = "127.0.0.1:" + server.port();
            Run plain = cli("connect", address, "--ca-file", root(), "--server-name", "localhost",
                    "--cert", chain.toString(), "--key", key.toString(), "--send", "mtls", "--json");
            assertEquals(0, plain.status(), plain.toString());
            assertEquals("mtls\n", plain.json().get("received"), plain.toString());
            JsseServer.Connection seen = server.awaitConnection(TIMEOUT);
            assertEquals(client.certificate(), seen.peerCertificates().get(0), "the server saw the client certificate: " + seen);

            Run withPassword = cli("connect", address, "--ca-file", root(), "--server-name", "localhost",
                    "--cert", chain.toString(), "--key", encrypted.toString(), "--key-password", "s3cret", "--send", "again", "--json");
            assertEquals(0, withPassword.status(), withPassword.toString());
            assertEquals("again\n", withPassword.json().get("received"), withPassword.toString());
            assertEquals(client.certificate(), server.awaitConnection(TIMEOUT).peerCertificates().get(0));

            Run wrongPassword = cli("connect", address, "--ca-file", root(), "--server-name", "localhost",
                    "--cert", chain.toString(), "--key", encrypted.toString(), "--key-password", "wrong", "--json");
            assertEquals(64, wrongPassword.status(), "a --key it cannot use is a usage error: " + wrongPassword);
            assertTrue(wrongPassword.err().contains("mbedtls_pk_parse") && wrongPassword.err().contains("wrong password"),
                    wrongPassword.toString());
        }
    }

    @Test
    void alpnIsOfferedAndReported() throws Exception {
        try (OpenSslServer server = OpenSslServer.builder(pki).args("-alpn", "h2,http/1.1").start()) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--alpn", "x-unknown,http/1.1", "--json");
            assertEquals(0, run.status(), run.toString());
            assertEquals("http/1.1", run.json().get("alpn"), run.toString());

            Run human = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost", "--alpn", "h2");
            assertEquals(0, human.status(), human.toString());
            assertTrue(human.out().contains("ALPN:         h2"), human.out());

            Run without = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost", "--json");
            assertFalse(without.json().containsKey("alpn"), "no --alpn, no alpn member: " + without);
        }
    }

    @Test
    void ciphersuitesForceTheSuite() throws Exception {
        String suite = "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256";
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--tls-max", "1.2", "--ciphersuites", suite, "--json");
            assertEquals(0, run.status(), run.toString());
            assertEquals(suite, run.json().get("ciphersuite"), run.toString());
            assertEquals("TLSv1.2", run.json().get("protocol"));

            if (MbedTlsVersions.hasTls13()) {
                String suite13 = "TLS1-3-AES-128-GCM-SHA256";
                Run tls13 = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                        "--tls-min", "1.3", "--ciphersuites", suite13, "--json");
                assertEquals(0, tls13.status(), tls13.toString());
                assertEquals(suite13, tls13.json().get("ciphersuite"), tls13.toString());
            }
        }
        Run unknown = cli("connect", "127.0.0.1:" + TestServer.freePort(), "--ca-file", root(), "--ciphersuites", "TLS-NO-SUCH-SUITE");
        assertEquals(64, unknown.status(), unknown.toString());
        assertTrue(unknown.err().contains("TLS-NO-SUCH-SUITE"), unknown.toString());
    }

    @Test
    void timeoutEndsAHandshakeWithASilentServer() throws Exception {
        try (HostileServer silent = HostileServer.silent()) {
            Run run = cli("connect", "127.0.0.1:" + silent.port(), "--ca-file", root(), "--timeout", "500", "--json");
            assertEquals(2, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals("failed", json.get("handshake"));
            assertTrue(((String) json.get("error")).contains("timed out"), run.toString());
            assertFalse(json.containsKey("verify_flags"), run.toString());
        }
    }

    @Test
    void debugGoesToStderrAndLeavesTheJsonClean() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--debug", "3", "--json");
            assertEquals(0, run.status(), run.toString());
            assertEquals("ok", run.json().get("handshake"), "stdout is exactly one JSON object: " + run);
            assertTrue(run.err().lines().anyMatch(l -> l.startsWith("mbedtls [") && l.contains("handshake")),
                    "Mbed TLS debug lines on stderr: " + run.err());

            Run quiet = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost", "--json");
            assertEquals("", quiet.err(), "no --debug, nothing on stderr");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void reconnectResumesTheSession(TlsProtocol protocol) throws Exception {
        assumeProtocol(protocol);
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).start()) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--reconnect", "2", "--json");
            assertEquals(0, run.status(), run.toString());
            Map<String, Object> json = run.json();
            assertEquals(protocol.protocolName(), json.get("protocol"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> resumptions = (List<Map<String, Object>>) json.get("resumptions");
            assertEquals(2, resumptions.size(), run.toString());
            for (Map<String, Object> r : resumptions) {
                assertEquals(Boolean.TRUE, r.get("resumed"), run.toString());
                assertEquals(Boolean.TRUE, r.get("session_offered"));
                assertEquals("ok", r.get("handshake"));
                assertEquals(protocol.protocolName(), r.get("protocol"));
                assertNull(r.get("error"));
            }

            Run human = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost", "--reconnect", "1");
            assertEquals(0, human.status(), human.toString());
            assertTrue(human.out().contains("Reconnect 1:  resumed ("), human.out());
        }
    }

    @Test
    void showChainListsTheServersCertificates() throws Exception {
        try (OpenSslServer server = OpenSslServer.start(pki)) {
            Run run = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost",
                    "--show-chain", "--json");
            assertEquals(0, run.status(), run.toString());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> chain = (List<Map<String, Object>>) run.json().get("chain");
            assertEquals(2, chain.size(), run.toString());
            Map<String, Object> leaf = chain.get(0);
            assertEquals("CN=localhost", leaf.get("subject"));
            assertEquals(chain.get(1).get("subject"), leaf.get("issuer"), "the intermediate issued the leaf");
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pki.leaf().der()));
            assertEquals(sha256, leaf.get("sha256"));
            assertEquals(pki.leaf().certificate().getNotBefore().toInstant(), Instant.parse((String) leaf.get("not_before")));
            assertEquals(pki.leaf().certificate().getNotAfter().toInstant(), Instant.parse((String) leaf.get("not_after")));
            String intermediateSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pki.intermediate().der()));
            assertEquals(intermediateSha, chain.get(1).get("sha256"));

            Run human = cli("connect", address(server), "--ca-file", root(), "--server-name", "localhost", "--show-chain");
            assertEquals(0, human.status(), human.toString());
            assertTrue(human.out().contains("Chain:        [0] CN=localhost"), human.out());
            assertTrue(human.out().contains("sha256   " + sha256), human.out());
        }
    }

    /**
     * When Mbed TLS refuses the server's certificate, --show-chain shows the chain it refused: who
     * issued it is what a user needs to see then. TLS 1.2 and 1.3: Mbed TLS keeps (and frees) a
     * refused chain differently in the two.
     */
    @ParameterizedTest
    @EnumSource(value = TlsProtocol.class, names = {"TLS_1_2", "TLS_1_3"})
    void showChainListsTheChainMbedTlsRefused(TlsProtocol protocol) throws Exception {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).start()) {
            // The client trusts another root: the server's chain is refused (NOT_TRUSTED).
            String otherRoot = pki.unknownRootPem().toString();
            Run run = cli("connect", address(server), "--ca-file", otherRoot, "--server-name", "localhost",
                    "--show-chain", "--json");
            assertEquals(1, run.status(), "certificate not verified: " + run);
            Map<String, Object> json = run.json();
            assertEquals("failed", json.get("handshake"), run.toString());
            assertEquals(ERR_X509_CERT_VERIFY_FAILED, json.get("error_code"), run.toString());
            assertEquals(BADCERT_NOT_TRUSTED, ((Long) json.get("verify_flags")) & BADCERT_NOT_TRUSTED, run.toString());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> chain = (List<Map<String, Object>>) json.get("chain");
            assertEquals(2, chain.size(), "the leaf and the intermediate the server sent: " + run);
            String leafSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pki.leaf().der()));
            String intermediateSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pki.intermediate().der()));
            assertEquals("CN=localhost", chain.get(0).get("subject"), run.toString());
            assertEquals(leafSha, chain.get(0).get("sha256"));
            assertEquals(chain.get(1).get("subject"), chain.get(0).get("issuer"), "the intermediate issued the leaf");
            assertEquals(intermediateSha, chain.get(1).get("sha256"));
            try (X509Crt root = X509Crt.of(pki.root().der())) {
                assertEquals(root.subject(0), chain.get(1).get("issuer"), "who issued the intermediate: the root the client lacks");
            }

            Run human = cli("connect", address(server), "--ca-file", otherRoot, "--server-name", "localhost", "--show-chain");
            assertEquals(1, human.status(), human.toString());
            assertTrue(human.out().contains("Chain:        [0] CN=localhost"), human.out());
            assertTrue(human.out().contains("sha256   " + intermediateSha), human.out());

            // Without --show-chain, nothing of the chain, as before.
            Run plain = cli("connect", address(server), "--ca-file", otherRoot, "--server-name", "localhost", "--json");
            assertEquals(1, plain.status(), plain.toString());
            assertFalse(plain.json().containsKey("chain"), plain.toString());
        }
    }

    @Test
    void newOptionsAreUsageErrors() throws Exception {
        Run noKey = cli("connect", "127.0.0.1:443", "--ca-file", root(), "--cert", root(), "--json");
        assertEquals(64, noKey.status(), noKey.toString());
        assertEquals("", noKey.out());
        assertTrue(noKey.err().contains("--cert needs --key"), noKey.toString());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--timeout", "soon").status());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--debug", "9").status());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--reconnect", "-1").status());
        assertEquals(64, cli("connect", "127.0.0.1:443", "--ca-file", root(), "--alpn", "h2,,x").status());
        Run help = cli("connect", "--help");
        for (String flag : List.of("--ca-path DIR", "--jdk-trust", "--cert PEM", "--key PEM", "--key-password P",
                "--alpn LIST", "--ciphersuites LIST", "--timeout MS", "--debug LEVEL", "--reconnect N", "--show-chain")) {
            assertTrue(help.out().contains(flag), flag + " in connect --help: " + help.out());
        }
        Run top = cli("--help");
        assertEquals(0, top.status(), top.toString());
        assertTrue(top.out().contains("connect HOST:PORT") && top.out().contains("demo [HOST:PORT]"), top.toString());
        Run unknown = cli("frobnicate");
        assertEquals(64, unknown.status(), unknown.toString());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.toString());
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

    private static void assumeProtocol(TlsProtocol protocol) {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
    }
}
