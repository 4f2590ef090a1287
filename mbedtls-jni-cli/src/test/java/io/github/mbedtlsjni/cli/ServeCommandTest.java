package io.github.mbedtlsjni.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MiniJson;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code serve} (TLS), run in this JVM through {@link Main#run}: {@code curl} over HTTPS with and
 * without a client certificate, {@code openssl s_client -psk} with the IoT suite and a refused
 * identity, each handshake reported as one JSON line; and the usage errors (one line, exit 64).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeCommandTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final String PSK = "00112233445566778899aabbccddeeff";

    @TempDir
    static Path dir;

    TestPki pki;
    Path clientChain;
    Path clientKey;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        TestCert client = CertBuilder.client("device 1").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        clientChain = pki.writeChain("client-chain.pem", client, pki.intermediate());
        clientKey = pki.writeKey("client-key.pem", client);
    }

    /** {@code serve --json} running in another thread: its events, one JSON object per line. */
    private static final class Serve {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CompletableFuture<Integer> status;
        final int port;

        Serve(String... args) throws Exception {
            List<String> all = new ArrayList<>(List.of("serve", "--bind", "127.0.0.1:0", "--json"));
            all.addAll(List.of(args));
            PrintStream out = new PrintStream(new LineSink(lines), true, StandardCharsets.UTF_8);
            status = CompletableFuture.supplyAsync(() -> Main.run(all.toArray(new String[0]), out,
                    new PrintStream(err, true, StandardCharsets.UTF_8)));
            Map<String, Object> listening = next();
            assertEquals("listening", listening.get("event"), listening.toString());
            port = ((Number) listening.get("port")).intValue();
        }

        Map<String, Object> next() throws Exception {
            String line = lines.poll(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(line != null, "serve printed nothing more; stderr: " + err);
            return MiniJson.parseObject(line);
        }

        int exit() throws Exception {
            return status.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Collects what is printed, line by line. */
    private static final class LineSink extends OutputStream {
        private final BlockingQueue<String> lines;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSink(BlockingQueue<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    private List<String> curl(int port) {
        return new ArrayList<>(List.of("curl", "-sS", "--cacert", pki.rootPem().toString(), "--resolve",
                "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/"));
    }

    @Test
    void httpsForCurlWithAndWithoutAClientCertificate() throws Exception {
        Serve plain = new Serve("--cert", pki.serverChainPem().toString(), "--key", pki.serverKeyPem().toString(),
                "--http", "--alpn", "http/1.1", "--count", "1");
        OpenSsl.Result result = OpenSsl.runCommand(HANG, curl(plain.port));
        Map<String, Object> handshake = plain.next();
        assertEquals(0, plain.exit());
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().startsWith("mbedtls-jni TLSv1."), result.output());
        assertEquals("ok", handshake.get("handshake"), handshake.toString());
        assertEquals("http/1.1", handshake.get("alpn"), handshake.toString());
        assertEquals(List.of(), handshake.get("client_chain"), handshake.toString());

        Serve mutual = new Serve("--cert", pki.serverChainPem().toString(), "--key", pki.serverKeyPem().toString(),
                "--http", "--verify", "required", "--ca-file", pki.rootPem().toString(), "--tls1_2", "--count", "1");
        List<String> withCert = curl(mutual.port);
        withCert.addAll(List.of("--cert", clientChain.toString(), "--key", clientKey.toString()));
        result = OpenSsl.runCommand(HANG, withCert);
        handshake = mutual.next();
        assertEquals(0, mutual.exit());
        assertTrue(result.output().startsWith("mbedtls-jni TLSv1.2"), result.output());
        assertEquals("TLSv1.2", handshake.get("protocol"), handshake.toString());
        assertTrue(String.valueOf(handshake.get("client_chain")).contains("CN=device 1"), handshake.toString());
        assertEquals(0L, ((Number) handshake.get("verify_flags")).longValue(), handshake.toString());
    }

    @Test
    void pskWithTheIotSuiteAndARefusedIdentity() throws Exception {
        Serve serve = new Serve("--psk", "device-17:" + PSK, "--ciphersuites", "TLS-PSK-WITH-AES-128-CCM-8", "--count", "2");
        for (String identity : List.of("intruder", "device-17")) {
            OpenSsl.run(HANG, "s_client", "-tls1_2", "-connect", "127.0.0.1:" + serve.port, "-psk", PSK,
                    "-psk_identity", identity, "-cipher", "PSK-AES128-CCM8");
        }
        Map<String, Object> refused = serve.next();
        Map<String, Object> accepted = serve.next();
        assertEquals(0, serve.exit());
        assertEquals("failed", refused.get("handshake"), refused.toString());
        assertEquals((long) -0x6C80, ((Number) refused.get("error_code")).longValue(), "UNKNOWN_IDENTITY: " + refused);
        assertEquals("TLS-PSK-WITH-AES-128-CCM-8", accepted.get("ciphersuite"), accepted.toString());
    }

    /** {@code connect --psk} against {@code serve --psk}, both in this JVM: TLS 1.2 with CCM-8, and TLS 1.3 where there is. */
    @Test
    void connectWithAPskToServe() throws Exception {
        List<String> versions = io.github.mbedtlsjni.testing.MbedTlsVersions.hasTls13() ? List.of("1.2", "1.3") : List.of("1.2");
        for (String version : versions) {
            Serve serve = new Serve("--psk", "device-17:" + PSK, "--count", "1");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of("connect", "127.0.0.1:" + serve.port, "--psk", "device-17:" + PSK,
                    "--server-name", "device-gateway", "--send", "ping", "--tls-min", version, "--tls-max", version, "--json"));
            if (version.equals("1.2")) {
                args.addAll(List.of("--ciphersuites", "TLS-PSK-WITH-AES-128-CCM-8"));
            }
            int status = Main.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            Map<String, Object> client = MiniJson.parseObject(out.toString(StandardCharsets.UTF_8));
            Map<String, Object> handshake = serve.next();
            assertEquals(0, serve.exit());
            assertEquals(0, status, out + " " + err);
            assertEquals("TLSv" + version, client.get("protocol"), client.toString());
            assertEquals(client.get("ciphersuite"), handshake.get("ciphersuite"), handshake.toString());
            assertTrue(String.valueOf(client.get("received")).startsWith("ping"), client.toString());
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(64, Main.run(new String[] {"connect", "127.0.0.1:1", "--psk", "device-17"}, new PrintStream(
                new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("IDENTITY:HEX"), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "serve", "serve --cert c.pem", "serve --psk nohex", "serve --psk id:zz", "serve --psk id:00 --verify required",
        "serve --psk id:00 --verify maybe", "serve --psk id:00 --tls1_2 --tls1_3", "serve --psk id:00 --frobnicate 1",
        "serve --psk id:00 --bind nowhere", "serve --psk id:00 --count 0", "serve --psk id:00 extra"})
    void badOptionsGiveOneLineAndExit64(String line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(line.split(" "), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(64, status, message);
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains("(see serve --help)"), message);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
