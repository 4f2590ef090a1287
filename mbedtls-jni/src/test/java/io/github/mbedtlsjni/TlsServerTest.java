package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TlsServer} against real clients on 127.0.0.1: this library's {@link TlsClient} (TLS 1.2
 * and 1.3, resumption seen on both sides, a key store identity), {@code openssl s_client} (echo,
 * a PSK with the IoT suite, SNI, a required client certificate), {@code curl} (HTTPS with and
 * without a client certificate) and SunJSSE's {@link HttpsURLConnection}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsServerTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final byte[] PSK = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");

    @TempDir
    static Path dir;

    TestPki pki;
    TestPki other;
    Path clientChain;
    Path clientKey;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir.resolve("main"), KeyType.EC_P256);
        other = TestPki.create(dir.resolve("other"), KeyType.RSA_2048, "other");
        TestCert client = CertBuilder.client("device 1").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        clientChain = pki.writeChain("client-chain.pem", client, pki.intermediate());
        clientKey = pki.writeKey("client-key.pem", client);
    }

    private TlsServer.Builder server() {
        return TlsServer.builder().identity(pki.serverChainPem(), pki.serverKeyPem(), null);
    }

    private TlsClient client(TlsVersion version) throws IOException {
        return TlsClient.builder().trustPemFile(pki.rootPem()).tlsVersions(version, version).build();
    }

    /** Echoes each line back, upper-cased, until the client ends. */
    static void echo(TlsConnection c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = c.getOutputStream();
        for (String line; (line = in.readLine()) != null; ) {
            out.write((line.toUpperCase() + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Runs {@code server.serve(handler)} in another thread; close() of the server ends it. */
    static CompletableFuture<Void> serving(TlsServer server, TlsServer.Handler handler) {
        return CompletableFuture.runAsync(() -> {
            try {
                server.serve(handler);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static CompletableFuture<TlsConnection> accepting(TlsServer server) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Writes one line naming the suite and the client certificate's subject (if any); the server then closes. */
    static void greet(TlsConnection c) throws IOException {
        String subject;
        try {
            subject = c.peerCertificates().isEmpty() ? "none" : c.peerCertificates().get(0).getSubjectX500Principal().getName();
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(e);
        }
        c.getOutputStream().write(("greetings " + c.ciphersuite() + " client " + subject + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String exchange(TlsConnection c, String line) throws IOException {
        c.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        byte[] buf = new byte[256];
        int n = c.getInputStream().read(buf);
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void tlsClientIsServedAndResumes(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        Map<String, Long> before = LiveObjects.settle();
        try (TlsServer server = server().build().bind("127.0.0.1", 0); TlsClient client = client(version)) {
            SslSession session;
            CompletableFuture<TlsConnection> accepted = accepting(server);
            try (TlsConnection c = client.connection("127.0.0.1", server.port()).serverName("localhost").connect();
                    TlsConnection s = accepted.get(HANG.toSeconds(), TimeUnit.SECONDS)) {
                CompletableFuture<Void> echoing = CompletableFuture.runAsync(() -> {
                    try {
                        echo(s);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertEquals("HELLO\n", exchange(c, "hello")); // full duplex: the server reads, then writes
                assertEquals(version.protocolName(), s.protocol());
                assertEquals(c.ciphersuite(), s.ciphersuite());
                assertEquals("127.0.0.1", s.host());
                assertFalse(s.isResumed(), "a first visit is a full handshake");
                session = c.session(); // TLS 1.3: the ticket came with the echo
                c.close();
                echoing.get(HANG.toSeconds(), TimeUnit.SECONDS);
            }
            CompletableFuture<TlsConnection> again = accepting(server);
            try (TlsConnection c = client.connection("127.0.0.1", server.port()).serverName("localhost")
                    .resume(session).connect(); TlsConnection s = again.get(HANG.toSeconds(), TimeUnit.SECONDS)) {
                assertTrue(c.isResumed(), "the client resumed");
                assertTrue(s.isResumed(), "the server reports the resumption");
            } finally {
                session.close();
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    @Test
    void opensslClientWithARequiredClientCertificate() throws Exception {
        try (TlsServer server = server().clientAuth(AuthMode.REQUIRED).trustPemFile(pki.rootPem()).build()
                .bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::greet);
            List<String> common = List.of("s_client", "-connect", "127.0.0.1:" + server.port(), "-CAfile",
                    pki.rootPem().toString(), "-verify_return_error", "-ign_eof");
            OpenSsl.Result withCert = OpenSsl.run(HANG, concat(common, "-cert", clientChain.toString(), "-key",
                    clientKey.toString(), "-cert_chain", pki.intermediatePem().toString()));
            assertTrue(withCert.output().contains("greetings ") && withCert.output().contains("CN=device 1"),
                    withCert.output());
            long failedBefore = server.failedHandshakes();
            OpenSsl.Result without = OpenSsl.run(HANG, concat(common));
            assertFalse(without.output().contains("greetings"), without.output());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(failedBefore + 1, server.failedHandshakes(), "the client without a certificate was refused");
        }
    }

    @Test
    void pskWithTheIotSuite() throws Exception {
        try (TlsServer server = TlsServer.builder()
                .pskLookup(id -> new String(id, StandardCharsets.UTF_8).equals("device-17") ? PSK.clone() : null)
                .ciphersuites("TLS-PSK-WITH-AES-128-CCM-8").build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::greet);
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-tls1_2", "-connect", "127.0.0.1:" + server.port(),
                    "-psk", HexFormat.of().formatHex(PSK), "-psk_identity", "device-17", "-cipher", "PSK-AES128-CCM8",
                    "-ign_eof");
            assertTrue(client.output().contains("greetings TLS-PSK-WITH-AES-128-CCM-8 client none"), client.output());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Both ends this library: TlsClient.Builder.psk against TlsServer's lookup, with the IoT suite. */
    @Test
    void pskEndToEndWithThisLibrarysClient() throws Exception {
        try (TlsServer server = TlsServer.builder()
                .pskLookup(id -> new String(id, StandardCharsets.UTF_8).equals("device-17") ? PSK.clone() : null)
                .build().bind("127.0.0.1", 0);
                TlsClient client = TlsClient.builder().psk("device-17", PSK).tlsVersions(TlsVersion.TLS1_2, TlsVersion.TLS1_2)
                        .ciphersuites("TLS-PSK-WITH-AES-128-CCM-8").build();
                TlsClient intruder = TlsClient.builder().psk("intruder", PSK).tlsVersions(TlsVersion.TLS1_2,
                        TlsVersion.TLS1_2).ciphersuites("TLS-PSK-WITH-AES-128-CCM-8").build()) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::greet);
            try (TlsConnection c = client.connect("127.0.0.1", server.port())) {
                assertEquals("TLS-PSK-WITH-AES-128-CCM-8", c.ciphersuite());
                assertEquals("greetings TLS-PSK-WITH-AES-128-CCM-8 client none\n",
                        new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            TlsException refused = org.junit.jupiter.api.Assertions.assertThrows(TlsException.class,
                    () -> intruder.connect("127.0.0.1", server.port()).close());
            assertNotEquals(0, refused.code(), refused.getMessage());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Mbed TLS's own client: an HTTP request, then a reconnection that resumes (the server sees it resumed). */
    @Test
    void mbedTlsClient2ResumesAndTheServerSeesIt() throws Exception {
        java.util.Queue<Boolean> resumed = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TlsServer server = server().build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, c -> {
                resumed.add(c.isResumed());
                http(c);
            });
            OpenSsl.Result client = OpenSsl.runCommand(HANG, List.of(
                    io.github.mbedtlsjni.testing.MbedTlsPrograms.sslClient2().toString(), "server_addr=127.0.0.1",
                    "server_port=" + server.port(), "server_name=localhost", "ca_file=" + pki.rootPem(),
                    "force_version=tls12", "reconnect=1"));
            assertEquals(0, client.exitCode(), client.output());
            assertTrue(client.output().contains("200 OK"), client.output());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals("[false, true]", resumed.toString(), "the second connection resumed the first's session");
        }
    }

    /** GnuTLS's client with a pre-shared key, TLS 1.2 and 1.3 as GnuTLS and Mbed TLS agree. */
    @Test
    void gnutlsClientWithAPsk() throws Exception {
        Path gnutls = io.github.mbedtlsjni.testing.ExternalServer.require("gnutls-cli", "gnutls-bin");
        java.util.Queue<String> suites = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (TlsServer server = TlsServer.builder()
                .pskLookup(id -> new String(id, StandardCharsets.UTF_8).equals("device-17") ? PSK.clone() : null)
                .build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, c -> suites.add(c.protocol() + " " + c.ciphersuite()));
            OpenSsl.Result client = OpenSsl.runCommand(HANG, List.of(gnutls.toString(), "-p", String.valueOf(server.port()),
                    "--pskusername=device-17", "--pskkey=" + HexFormat.of().formatHex(PSK),
                    "--priority=NORMAL:-KX-ALL:+PSK:+DHE-PSK:+ECDHE-PSK", "127.0.0.1"));
            assertTrue(client.output().contains("Handshake was completed"), client.output());
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, suites.size(), suites.toString());
            assertTrue(suites.peek().contains("PSK") || suites.peek().startsWith("TLSv1.3"), suites.toString());
        }
    }

    /** An ECDSA and an RSA identity on one server: each client gets the one its suites can use. */
    @Test
    void ecdsaAndRsaIdentitiesOnOneServer() throws Exception {
        try (TlsServer server = server().identity(other.serverChainPem(), other.serverKeyPem(), null).build()
                .bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::greet);
            for (TestPki expected : List.of(pki, other)) {
                String cipher = expected == pki ? "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-RSA-AES128-GCM-SHA256";
                OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-tls1_2", "-cipher", cipher, "-connect",
                        "127.0.0.1:" + server.port(), "-CAfile", expected.rootPem().toString(), "-verify_return_error",
                        "-ign_eof");
                assertTrue(client.output().contains("greetings TLS-ECDHE-" + (expected == pki ? "ECDSA" : "RSA")),
                        client.output());
                assertTrue(client.output().contains("Verify return code: 0 (ok)"), client.output());
            }
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void sniPicksTheIdentity() throws Exception {
        try (TlsServer server = server().sniIdentity("other.example", other.serverChainPem(), other.serverKeyPem(), null)
                .build().bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::greet);
            for (TestPki expected : List.of(other, pki)) {
                String name = expected == other ? "other.example" : "localhost";
                OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-connect", "127.0.0.1:" + server.port(),
                        "-servername", name, "-CAfile", expected.rootPem().toString(), "-verify_return_error", "-ign_eof");
                assertTrue(client.output().contains("greetings"), client.output());
                assertTrue(client.output().contains("Verify return code: 0 (ok)"), name + " gets the chain of its own "
                        + "PKI\n" + client.output());
            }
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** curl over HTTPS: a plain request, then one with a client certificate the server names in its answer. */
    @Test
    void curlWithAndWithoutAClientCertificate() throws Exception {
        for (boolean withCert : new boolean[] {false, true}) {
            TlsServer.Builder b = server().alpn("http/1.1");
            if (withCert) {
                b.clientAuth(AuthMode.REQUIRED).trustPemFile(pki.rootPem());
            }
            try (TlsServer server = b.build().bind("127.0.0.1", 0)) {
                CompletableFuture<Void> loop = serving(server, TlsServerTest::http);
                List<String> curl = List.of("curl", "-sS", "--cacert", pki.rootPem().toString(), "--resolve",
                        "localhost:" + server.port() + ":127.0.0.1", "https://localhost:" + server.port() + "/hello");
                OpenSsl.Result result = OpenSsl.runCommand(HANG, withCert
                        ? List.of(concat(curl, "--cert", clientChain.toString(), "--key", clientKey.toString())) : curl);
                assertEquals(0, result.exitCode(), result.output());
                assertTrue(result.output().contains("GET /hello"), result.output());
                assertEquals(withCert, result.output().contains("device 1"), result.output());
                server.close();
                loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sunJsseHttpsUrlConnectionAndAKeyStoreIdentity() throws Exception {
        var store = SslContexts.keyStore(pki.leaf().privateKey(), List.of(pki.leaf().certificate(),
                pki.intermediate().certificate()));
        try (TlsServer server = TlsServer.builder().identity(store, null, "changeit".toCharArray()).build()
                .bind("127.0.0.1", 0)) {
            CompletableFuture<Void> loop = serving(server, TlsServerTest::http);
            HttpsURLConnection http = (HttpsURLConnection) new URL("https://localhost:" + server.port() + "/jsse")
                    .openConnection();
            http.setSSLSocketFactory(SslContexts.client(pki.root().certificate()).getSocketFactory());
            http.setConnectTimeout((int) HANG.toMillis());
            http.setReadTimeout((int) HANG.toMillis());
            assertEquals(200, http.getResponseCode());
            String body = new String(http.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(body.contains("GET /jsse"), body);
            assertNotEquals(null, http.getCipherSuite());
            http.disconnect();
            server.close();
            loop.get(HANG.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** One HTTP/1.1 response naming the request line and the client certificate's subject, if any. */
    static void http(TlsConnection c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        String request = in.readLine();
        for (String line = request; line != null && !line.isEmpty(); line = in.readLine()) {
            // headers: read to the empty line
        }
        String subject;
        try {
            subject = c.peerCertificates().isEmpty() ? "none"
                    : c.peerCertificates().get(0).getSubjectX500Principal().getName();
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(e);
        }
        byte[] body = (request + "\nclient " + subject + "\n").getBytes(StandardCharsets.UTF_8);
        c.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().write(body);
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(new String[0]);
    }
}
