package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nginx harness with the JDK's own client: the answer, a required client certificate, the
 * error log naming why a handshake failed, and a port another process took before nginx could
 * bind it, which is never taken for nginx listening.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private String get(Nginx nginx, javax.net.ssl.SSLContext client, String path) throws IOException {
        HttpsURLConnection c = (HttpsURLConnection) new URL("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + path)
                .openConnection();
        c.setSSLSocketFactory(client.getSocketFactory());
        c.setConnectTimeout(10_000);
        c.setReadTimeout(10_000);
        try {
            return c.getResponseCode() + " " + new String((c.getResponseCode() == 200 ? c.getInputStream()
                    : c.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void answersWithTheRequestAndTheClientCertificateSubject() throws Exception {
        TestCert client = CertBuilder.client("nginx test client").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        Path ca = pki.writeChain("nginx-client-ca.pem", pki.intermediate(), pki.root());
        try (Nginx nginx = Nginx.builder(dir.resolve("plain"), pki).start()) {
            assertEquals("200 " + Nginx.body("/a?b=1", "HTTP/1.1", ""),
                    get(nginx, SslContexts.client(pki.root().certificate()), "/a?b=1"));
        }
        try (Nginx nginx = Nginx.builder(dir.resolve("mtls"), pki).requireClientCertificate(ca).start()) {
            assertEquals("200 " + Nginx.body("/m", "HTTP/1.1", "CN=nginx test client"), get(nginx, SslContexts.client(
                    client.privateKey(), List.of(client.certificate(), pki.intermediate().certificate()),
                    pki.root().certificate()), "/m"));
            assertTrue(get(nginx, SslContexts.client(pki.root().certificate()), "/m").startsWith("400 "),
                    "no certificate: 400");
        }
    }

    @Test
    void theErrorLogSaysWhyAClientsHandshakeFailed() throws Exception {
        try (Nginx nginx = Nginx.builder(dir.resolve("log"), pki).protocols(TlsProtocol.TLS_1_2).start();
                SSLSocket s = (SSLSocket) SslContexts.client(pki.root().certificate()).getSocketFactory()
                        .createSocket(TestPki.SERVER_NAME, nginx.port())) {
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            assertThrows(SSLHandshakeException.class, s::startHandshake);
            assertTrue(nginx.awaitErrorLog("unsupported protocol", Duration.ofSeconds(30)), nginx::errorLog);
        }
    }

    @Test
    void aPortAnotherProcessTookIsNeverTakenForNginxListeningAndAnotherIsTried() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            ExternalServer.PortTakenException e = assertThrows(ExternalServer.PortTakenException.class,
                    () -> Nginx.builder(dir.resolve("taken"), pki).port(other.getLocalPort()).start().close());
            assertTrue(e.getMessage().contains("Address already in use"), e.getMessage());

            AtomicInteger attempts = new AtomicInteger();
            Path nginx = ExternalServer.require("nginx", "nginx");
            try (ExternalServer started = ExternalServer.startOnFreePort(port -> {
                // the first port given is the one the other socket holds, as if it had been taken meanwhile
                int listen = attempts.getAndIncrement() == 0 ? other.getLocalPort() : port;
                Path work = dir.resolve("moved");
                try {
                    java.nio.file.Files.createDirectories(work);
                    java.nio.file.Files.writeString(work.resolve("nginx.conf"), String.join("\n",
                            "daemon off;", "master_process off;", "pid " + work.resolve("nginx.pid") + ";",
                            "error_log stderr;", "events { }",
                            "http { access_log off; client_body_temp_path " + work.resolve("body") + ";",
                            "  server { listen 127.0.0.1:" + listen + "; return 200; } }", ""));
                } catch (IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
                return ExternalServer.builder("nginx", work, listen).command(nginx.toString(), "-p", work.toString(),
                        "-c", work.resolve("nginx.conf").toString(), "-e", "stderr");
            })) {
                assertEquals(2, attempts.get(), "a second port after the taken one");
                assertNotEquals(other.getLocalPort(), started.port());
            }
        }
    }
}
