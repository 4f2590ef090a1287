package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged CLI's DTLS commands, each as its own process: {@code serve --dtls} (an echo
 * server that exits after {@code --count} datagrams) and {@code connect --dtls} against it, with a
 * pre-shared key and with certificates, the CIDs both print agreeing; and the usage errors.
 */
class DtlsCliIT {
    private static final String PSK = "00112233445566778899aabbccddeeff";
    private static final String ID = "cli-device";

    @TempDir
    Path dir;

    /** A running {@code serve --dtls --json}: its events, one JSON object per line. */
    private static final class Serve implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final Map<String, Object> listening;

        Serve(String... args) throws Exception {
            String jar = System.getProperty("mbedtlsjni.cli.jar");
            assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "-Dmbedtlsjni.cli.jar names the CLI jar: " + jar);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "serve", "--dtls",
                    "--bind", "127.0.0.1:0", "--json"));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            listening = next();
            assertEquals("listening", listening.get("event"), listening.toString());
        }

        Map<String, Object> next() throws Exception {
            String line = out.readLine();
            assertTrue(line != null, "serve --dtls ended without another event");
            return CliRun.json(line, line);
        }

        int port() {
            return ((Number) listening.get("port")).intValue();
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void pskWithCidBothWays() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            boolean cid = MbedTlsVersions.hasCid();
            List<String> serveArgs = new ArrayList<>(List.of("--psk", PSK, "--psk-identity", ID, "--count", "1"));
            List<String> connectArgs = new ArrayList<>(List.of("--psk", PSK, "--psk-identity", ID, "--send", "hello dtls",
                    "--json"));
            if (cid) {
                serveArgs.addAll(List.of("--cid", "6"));
                connectArgs.addAll(List.of("--cid", "4"));
            }
            try (Serve serve = new Serve(serveArgs.toArray(new String[0]))) {
                List<String> args = new ArrayList<>(List.of("connect", "--dtls", "127.0.0.1:" + serve.port()));
                args.addAll(connectArgs);
                CliRun run = CliRun.of(dir, args.toArray(new String[0]));
                assertEquals(0, run.status(), run.toString());
                Map<String, Object> json = run.json();
                assertEquals("ok", json.get("handshake"), run.toString());
                assertTrue(json.get("ciphersuite").toString().contains("PSK"), "a PSK suite: " + json);
                assertEquals("hello dtls", json.get("received"));
                Map<String, Object> established = serve.next();
                assertEquals("established", established.get("event"), established.toString());
                if (cid) {
                    assertEquals(12, json.get("peer_cid").toString().length(), "the server's 6-byte CID: " + json);
                    assertEquals(8, json.get("own_cid").toString().length());
                    assertEquals(json.get("peer_cid"), established.get("own_cid"), "both sides print the same CIDs");
                    assertEquals(json.get("own_cid"), established.get("peer_cid"));
                } else {
                    assertNull(json.get("peer_cid"));
                }
                assertEquals("echo", serve.next().get("event"));
                assertTrue(serve.process.waitFor(30, TimeUnit.SECONDS), "serve --count 1 exits after one echo");
                assertEquals(0, serve.process.exitValue());
            }
        });
    }

    @Test
    void certificates() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
            try (Serve serve = new Serve("--cert", pki.serverChainPem().toString(), "--key", pki.serverKeyPem().toString(),
                    "--client-auth", "none", "--count", "1")) {
                // First a client that does not trust the server (serve --count 1 is still up), then one that does.
                CliRun untrusted = CliRun.of(dir, "connect", "--dtls", "localhost:" + serve.port(), "--ca-file",
                        pki.unknownRootPem().toString(), "--json", "--timeout", "2000");
                assertEquals(1, untrusted.status(), "the certificate did not verify: " + untrusted);
                assertEquals("failed", untrusted.json().get("handshake"));
                CliRun run = CliRun.of(dir, "connect", "--dtls", "localhost:" + serve.port(), "--ca-file",
                        pki.rootPem().toString(), "--send", "verified", "--json", "--mtu", "500");
                assertEquals(0, run.status(), run.toString());
                assertEquals("verified", run.json().get("received"));
            }
        });
    }

    @Test
    void usageErrors() throws Exception {
        CliRun noCredentials = CliRun.of(dir, "connect", "--dtls", "127.0.0.1:5684");
        assertEquals(64, noCredentials.status());
        assertTrue(noCredentials.err().contains("--psk"), noCredentials.err());
        CliRun noIdentity = CliRun.of(dir, "serve", "--dtls");
        assertEquals(64, noIdentity.status());
        CliRun halfPsk = CliRun.of(dir, "connect", "--dtls", "127.0.0.1:5684", "--psk", PSK);
        assertEquals(64, halfPsk.status());
        assertTrue(halfPsk.err().contains("--psk-identity"), halfPsk.err());
        CliRun badHex = CliRun.of(dir, "connect", "--dtls", "127.0.0.1:5684", "--psk", "xyz", "--psk-identity", ID);
        assertEquals(64, badHex.status());
        CliRun help = CliRun.of(dir, "help", "serve", "--dtls");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("--cid LEN"), help.out());
        CliRun tlsHelp = CliRun.of(dir, "help", "serve");
        assertEquals(0, tlsHelp.status());
        assertTrue(tlsHelp.out().contains("--psk IDENTITY:HEX"), tlsHelp.out());
        if (!MbedTlsVersions.hasCid()) {
            CliRun cid = CliRun.of(dir, "connect", "--dtls", "127.0.0.1:5684", "--psk", PSK, "--psk-identity", ID,
                    "--cid", "4");
            assertEquals(64, cid.status());
            assertTrue(cid.err().contains("RFC 9146"), cid.err());
        }
    }
}
