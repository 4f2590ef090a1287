package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.ExactChainServer;
import io.github.mbedtlsjni.testing.JdkRefused;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.NativeVerifyClient;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Certificates Mbed TLS accepts and the JDK refuses ({@link JdkRefused}) through the packaged
 * CLI: {@code connect} (text and {@code --json}, with {@code --show-chain}), {@code verify}, and
 * the demo's real-server mode, each against a server sending exactly such a chain
 * ({@link ExactChainServer}). Every one reports what the C client {@code verify_client} reports
 * for the same server (handshake result, flags, verify info), and the chain as Mbed TLS parsed
 * it (subject, issuer, validity, SHA-256 of the DER).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdkRefusedIT {
    private static final String HOST = TestPki.SERVER_NAME;
    private static final DateTimeFormatter DEMO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;

    private TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256, "Cli Refused");
        NativeVerifyClient.program();
    }

    private static CliRun cli(String... args) throws Exception {
        return CliRun.of(dir, args);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(JdkRefused.class)
    void connectVerifyAndDemoReportWhatNativeMbedTlsReports(JdkRefused kind) throws Exception {
        List<byte[]> sent = kind.chain(pki);
        String root = pki.rootPem().toString();
        String leafHash = ConnectCommand.sha256Hex(sent.get(0));
        String subject;
        String issuer;
        String notBefore;
        String notAfter;
        try (X509Crt leaf = X509Crt.of(sent.get(0))) {
            subject = leaf.subject(0);
            issuer = leaf.issuer(0);
            notBefore = leaf.validFrom(0).toString();
            notAfter = leaf.validTo(0).toString();
        }
        try (JsseServer server = JsseServer.builder(ExactChainServer.context(sent, pki.leaf(), pki.intermediate())).start()) {
            String address = "127.0.0.1:" + server.port();
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            assertEquals(0, nat.ret(), nat.toString());
            boolean verified = nat.flags() == 0;

            // connect --json, optional mode: the handshake completes, with Mbed TLS's flags.
            CliRun json = cli("connect", address, "--server-name", HOST, "--ca-file", root, "--verify", "optional",
                    "--show-chain", "--json");
            assertEquals(0, json.status(), json.toString());
            Map<String, Object> j = json.json();
            assertEquals("ok", j.get("handshake"), json.toString());
            assertVerifyMembers(nat, j, json);
            assertEquals(subject, j.get("peer_subject"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> chain = (List<Map<String, Object>>) j.get("chain");
            assertEquals(2, chain.size(), json.toString());
            assertEquals(Map.of("subject", subject, "issuer", issuer, "not_before", notBefore, "not_after", notAfter,
                    "sha256", leafHash), chain.get(0), "all from Mbed TLS");
            assertEquals(issuer, chain.get(1).get("subject"));

            // connect, required mode: Mbed TLS decides.
            CliRun required = cli("connect", address, "--server-name", HOST, "--ca-file", root, "--json");
            assertEquals(verified ? 0 : 1, required.status(), required.toString());
            assertVerifyMembers(nat, required.json(), required);

            // connect, text.
            CliRun text = cli("connect", address, "--server-name", HOST, "--ca-file", root, "--verify", "optional", "--show-chain");
            assertEquals(0, text.status(), text.toString());
            assertTrue(text.out().contains(String.format("Verification: %s (flags 0x%08x)", verified ? "ok" : "FAILED", nat.flags())),
                    text.out());
            assertTrue(text.out().contains("Chain:        [0] " + ConnectResult.ChainEntry.shown(subject)), text.out());
            assertTrue(text.out().contains("valid    " + notBefore + " to " + notAfter), text.out());
            assertTrue(text.out().contains("sha256   " + leafHash), text.out());
            for (String line : nat.info().split("\n")) {
                assertTrue(text.out().contains(line), "verify info line '" + line + "': " + text.out());
            }

            // verify, offline: the same flags as the handshake (these chains pass the TLS usage checks).
            Path chainFile = kind.writeChain(pki);
            CliRun offline = cli("verify", chainFile.toString(), "--ca-file", root, "--server-name", HOST, "--json");
            assertEquals(verified ? 0 : 1, offline.status(), offline.toString());
            assertVerifyMembers(nat, offline.json(), offline);
            assertEquals(chain, offline.json().get("chain"), "verify and connect show the same chain");

            // The demo against this server, through the launcher's jar.
            CliRun demo = cli("demo", "localhost:" + server.port(), "--ca-file", root);
            assertFalse(demo.out().contains("Exception") || demo.err().contains("\tat "), "no stack trace: " + demo);
            if (verified) {
                assertEquals(0, demo.status(), demo.toString());
                assertTrue(demo.out().contains("certificate    verified for \"localhost\" (flags 0x00000000)"), demo.out());
                assertTrue(demo.out().contains("peer chain     [0] " + ConnectResult.ChainEntry.shown(subject)), demo.out());
                assertTrue(demo.out().contains("    valid   " + DEMO_TIME.format(Instant.parse(notBefore)) + " to "
                        + DEMO_TIME.format(Instant.parse(notAfter))), demo.out());
                assertTrue(demo.out().contains("    sha256  " + leafHash), demo.out());
            } else {
                assertEquals(1, demo.status(), demo.toString());
                for (String name : new VerifyResult(nat.flags(), nat.info()).flagNames()) {
                    assertTrue(demo.out().contains(name), demo.out());
                }
            }
        }
    }

    /** verify_flags, verify_flag_names and verify_info as the C client found them. */
    private static void assertVerifyMembers(NativeVerifyClient.Outcome nat, Map<String, Object> json, CliRun run) {
        assertEquals((long) nat.flags(), json.get("verify_flags"), run.toString());
        assertEquals(new VerifyResult(nat.flags(), nat.info()).flagNames(), json.get("verify_flag_names"));
        assertEquals(nat.flags() == 0 ? "" : nat.info().strip(), json.get("verify_info"), run.toString());
    }
}
