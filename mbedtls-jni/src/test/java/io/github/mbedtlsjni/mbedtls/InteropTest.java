package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opentest4j.TestAbortedException;

/**
 * Interoperability: handshake, verification and an application-data exchange against
 * five independent servers, TLS 1.2 and 1.3, ECDSA P-256 and RSA-2048 chains (leaf +
 * intermediate), all on 127.0.0.1:
 *
 * <ul>
 *   <li>{@code openssl s_server -rev} (answers each line reversed);
 *   <li>{@code gnutls-serv --echo} (Debian gnutls-bin), kept on loopback by an LD_PRELOAD shim
 *       ({@code native/interop/bind_loopback.c}) since it has no listen-address option;
 *   <li>nginx (Debian, {@link Nginx}) as an unprivileged instance with its own prefix and config in a temp dir,
 *       serving HTTPS: a GET's answer echoes the request path;
 *   <li>Mbed TLS's own {@code ssl_server2}, built from the same pinned source as the library with
 *       Mbed TLS's default config ({@code native/interop/CMakeLists.txt}): answers a GET with its
 *       "Successful connection using ..." page;
 *   <li>a JSSE server (echo).
 * </ul>
 *
 * <p>The servers are installed by {@code .ci/run}; outside CI a missing server program skips its
 * cases (in CI, {@code CI=true}, it fails them). The results are written as a Markdown table to
 * {@code target/interop-matrix-<mbedtls version>.md}, from which docs/testing.md's table is copied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InteropTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    enum Server {
        OPENSSL("openssl s_server"),
        GNUTLS("gnutls-serv"),
        NGINX("nginx"),
        MBEDTLS("Mbed TLS ssl_server2"),
        JSSE("JSSE (JDK " + Runtime.version().feature() + ")");

        final String label;

        Server(String label) {
            this.label = label;
        }
    }

    @TempDir
    static Path dir;

    private final Map<KeyType, TestPki> pkis = new EnumMap<>(KeyType.class);
    private static final Map<String, String> RESULTS = new ConcurrentSkipListMap<>();

    @BeforeAll
    void createPkis() {
        for (KeyType type : new KeyType[] {KeyType.EC_P256, KeyType.RSA_2048}) {
            pkis.put(type, TestPki.create(dir.resolve(type.name()), type));
        }
    }

    static Stream<Arguments> matrix() {
        List<Arguments> list = new ArrayList<>();
        for (Server server : Server.values()) {
            for (TlsVersion version : TlsVersion.values()) {
                for (KeyType key : new KeyType[] {KeyType.EC_P256, KeyType.RSA_2048}) {
                    list.add(Arguments.of(server, version, key));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("matrix")
    void handshakeVerifyAndEcho(Server server, TlsVersion version, KeyType key) throws Exception {
        String cell = server.ordinal() + "|" + server.label + "|" + version.protocolName() + "|" + key;
        if (!MbedTlsVersions.hasTls13() && version == TlsVersion.TLS1_3) {
            RESULTS.put(cell, "skipped (no TLS 1.3 in Mbed TLS " + MbedTls.version() + ")");
        }
        MbedTlsVersions.assumeSupported(version);
        TestPki pki = pkis.get(key);
        try (AutoCloseable running = start(server, pki, version, dir.resolve("run-" + server + "-" + version + "-" + key))) {
            int port = port(running);
            try (GuideClient c = GuideClient.prepare(pki.rootPem(), null, AuthMode.REQUIRED, version, version)) {
                assertTimeoutPreemptively(HANG, () -> c.connect(port, TestPki.SERVER_NAME), "the handshake hung");
                assertEquals(version.protocolName(), c.ssl.protocol());
                VerifyResult result = c.ssl.verifyResult();
                assertTrue(result.isOk(), result::describe);
                try (X509Crt chain = c.ssl.peerCertificates()) {
                    assertEquals(2, chain.size(), "leaf + intermediate");
                    assertEquals(pki.leaf().certificate(), chain.toX509Certificates().get(0));
                }
                String exchanged = assertTimeoutPreemptively(HANG, () -> exchange(server, c, version, key), "the exchange hung");
                String suite = c.ssl.ciphersuite();
                assertNotNull(suite);
                RESULTS.put(cell, "ok: " + suite + "; " + exchanged);
            }
        } catch (TestAbortedException skipped) { // an assumption, e.g. no ssl_server2 with -Dmbedtls.system
            RESULTS.putIfAbsent(cell, "skipped (" + String.valueOf(skipped.getMessage()).lines().findFirst().orElse("")
                    .replace("Assumption failed: ", "").replace('|', '/') + ")");
            throw skipped;
        } catch (Throwable t) {
            RESULTS.putIfAbsent(cell, "FAILED: " + String.valueOf(t).lines().findFirst().orElse("")
                    .replace('|', '/'));
            throw t;
        }
    }

    /** Sends something and checks the answer; returns a short description of the exchange. */
    private static String exchange(Server server, GuideClient c, TlsVersion version, KeyType key) {
        String line = "interop " + version + " " + key;
        switch (server) {
            case OPENSSL: {
                c.send(line + "\n");
                String expected = OpenSslServer.reverse(line) + "\n";
                assertEquals(expected, c.receive(expected.length()));
                c.ssl.closeNotify();
                return "line echoed reversed";
            }
            case GNUTLS:
            case JSSE: {
                c.send(line + "\n");
                assertEquals(line + "\n", c.receive(line.length() + 1));
                c.ssl.closeNotify();
                return "line echoed";
            }
            case NGINX: {
                String path = "/interop/" + version + "/" + key;
                c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                String response = readAll(c);
                assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
                assertTrue(response.endsWith(Nginx.body(path, "HTTP/1.1", "")), response);
                return "HTTP GET path echoed";
            }
            case MBEDTLS: {
                c.send("GET / HTTP/1.0\r\n\r\n");
                String response = readAll(c);
                assertTrue(response.startsWith("HTTP/1.0 200 OK"), response);
                assertTrue(response.contains("Successful connection using: " + c.ssl.ciphersuite()), response);
                return "HTTP GET answered";
            }
            default:
                throw new AssertionError(server);
        }
    }

    private static String readAll(GuideClient c) {
        StringBuilder all = new StringBuilder();
        byte[] buf = new byte[4096];
        for (int n; (n = c.ssl.read(buf)) >= 0; ) {
            all.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return all.toString();
    }

    private static int port(AutoCloseable running) {
        if (running instanceof OpenSslServer s) {
            return s.port();
        }
        if (running instanceof JsseServer s) {
            return s.port();
        }
        if (running instanceof Nginx s) {
            return s.port();
        }
        return ((ExternalServer) running).port();
    }

    private AutoCloseable start(Server server, TestPki pki, TlsVersion version, Path work) throws IOException {
        TlsProtocol protocol = version == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
        String chain = pki.serverChainPem().toAbsolutePath().toString();
        String keyFile = pki.serverKeyPem().toAbsolutePath().toString();
        int port = ExternalServer.freePort();
        switch (server) {
            case OPENSSL:
                return OpenSslServer.builder(pki).protocols(protocol).start();
            case JSSE:
                return JsseServer.builder(SslContexts.server(pki.leaf().privateKey(),
                        List.of(pki.leaf().certificate(), pki.intermediate().certificate())))
                        .protocols(protocol).start();
            case GNUTLS: {
                Path gnutls = ExternalServer.require("gnutls-serv", "gnutls-bin");
                Path shim = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "interop", "bind_loopback.so");
                assertTrue(Files.isRegularFile(shim), "the native build did not make " + shim);
                // GnuTLS 3.7 rejects an EC private key without its public point (the JDK's
                // PKCS#8 encoding: "ASN1 parser: Element was not found"); `openssl ec` writes the
                // same key as SEC1 with the point, which it reads. RSA keys are read as they are.
                Path gnutlsKey = pki.serverKeyPem();
                if (!pki.keyType().isRsa()) {
                    Files.createDirectories(work);
                    gnutlsKey = work.resolve("key-sec1.pem");
                    OpenSsl.Result converted = OpenSsl.run(Duration.ofSeconds(30), "ec", "-in", keyFile,
                            "-out", gnutlsKey.toString());
                    assertEquals(0, converted.exitCode(), converted::toString);
                }
                return ExternalServer.builder("gnutls-serv", work, port)
                        .command(gnutls.toString(), "--echo", "--port=" + port, "--x509certfile=" + chain,
                                "--x509keyfile=" + gnutlsKey,
                                "--priority=NORMAL:-VERS-ALL:+VERS-TLS" + (version == TlsVersion.TLS1_2 ? "1.2" : "1.3"))
                        .env("LD_PRELOAD", shim.toString())
                        .start();
            }
            case NGINX:
                return Nginx.builder(work, pki).protocols(protocol).start();
            case MBEDTLS: {
                assumeFalse(MbedTlsVersions.isSystem(), "ssl_server2 is built only from a source tree, not with -Dmbedtls.system");
                Path program = Path.of(System.getProperty("mbedtlsjni.native.build.dir"), "mbedtls-programs",
                        "programs", "ssl", "ssl_server2");
                assertTrue(Files.isExecutable(program), "the native build did not make " + program
                        + " (native/interop/CMakeLists.txt, -DMBEDTLSJNI_SSL_SERVER2)");
                String v = version == TlsVersion.TLS1_2 ? "tls12" : "tls13"; // the same names on 2.28 (tls12)
                return ExternalServer.builder("ssl_server2", work, port)
                        .command(program.toString(), "server_addr=127.0.0.1", "server_port=" + port,
                                "crt_file=" + chain, "key_file=" + keyFile, "ca_file=none", "force_version=" + v)
                        .start();
            }
            default:
                throw new AssertionError(server);
        }
    }

    /** Writes the matrix as Markdown: one row per server, one column per protocol and key. */
    @AfterAll
    void writeMatrix() throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("Interoperability, Mbed TLS ").append(MbedTls.version()).append(" (generated by InteropTest)\n\n");
        md.append("| Server | TLS 1.2 ECDSA | TLS 1.2 RSA | TLS 1.3 ECDSA | TLS 1.3 RSA |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        for (Server server : Server.values()) {
            md.append("| ").append(server.label);
            for (String v : new String[] {"TLSv1.2", "TLSv1.3"}) {
                for (KeyType key : new KeyType[] {KeyType.EC_P256, KeyType.RSA_2048}) {
                    String r = RESULTS.get(server.ordinal() + "|" + server.label + "|" + v + "|" + key);
                    md.append(" | ").append(r == null ? "not run" : r.startsWith("ok: ") ? "ok (" + r.substring(4, r.indexOf(';')) + ")" : r);
                }
            }
            md.append(" |\n");
        }
        Path out = Path.of("target", "interop-matrix-" + MbedTls.version() + ".md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
        System.out.println(md);
    }
}
