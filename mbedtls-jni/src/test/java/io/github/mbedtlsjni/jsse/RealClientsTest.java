package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ssl.LazyKeyManager;

/**
 * What real client libraries ran into with the provider, each with the library itself: Jetty 12's
 * HttpClient (it asks a client context for its server session context), pgjdbc's default key
 * manager (it names an alias whose files may not exist), and a JSSE server that must learn why
 * the provider's socket ended a handshake (the fatal alert, not a bare end of stream).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealClientsTest {
    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext mbed;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @BeforeEach
    void freshContext() throws Exception {
        mbed = SocketsAndTrustTest.context(SslEngineTest.trustManagers(pki.root()));
    }

    /**
     * Jetty's SslContextFactory asks the context for its server session context even for a
     * client; JSSE's contract is null where there is none. Jetty then fetches over the
     * provider's engine, names checked (Jetty's client sets endpoint identification HTTPS).
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void jettyHttpClientStartsOnTheProvidersContextAndFetches(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-jetty-" + protocol), pki).protocols(protocol).start()) {
            SslContextFactory.Client tls = new SslContextFactory.Client();
            tls.setSslContext(mbed);
            ClientConnector connector = new ClientConnector();
            connector.setSslContextFactory(tls);
            HttpClient client = new HttpClient(new HttpClientTransportOverHTTP(connector));
            client.start();
            try {
                ContentResponse r = client.newRequest("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + "/jetty")
                        .timeout(30, TimeUnit.SECONDS).send();
                assertEquals(200, r.getStatus());
                assertEquals(Nginx.body("/jetty", "HTTP/1.1", ""), r.getContentAsString());
            } finally {
                client.stop();
            }
        }
        assertNotNull(mbed.getServerSessionContext(), "the server sessions a client context may serve with too");
    }

    /**
     * pgjdbc's LazyKeyManager names the alias "user" whatever the files hold; for a certificate
     * file that does not exist (pgjdbc's default path) its chain and key are null. That is "no
     * client certificate", as with SunJSSE: a server that asks for one optionally gets none and
     * goes on. With the files there, the same key manager's certificate is sent.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void pgjdbcsLazyKeyManagerWithoutFilesMeansNoClientCertificate(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        Path ca = pki.writeChain("pg-client-ca-" + protocol + ".pem", pki.intermediate(), pki.root());
        Path missing = dir.resolve("no-such-dir-" + protocol);
        LazyKeyManager none = new LazyKeyManager(missing.resolve("postgresql.crt").toString(),
                missing.resolve("postgresql.pk8").toString(), null, true);
        TestCert clientCert = CertBuilder.client("pgjdbc user").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        Path crt = pki.writeChain("postgresql-" + protocol + ".crt", clientCert, pki.intermediate());
        Path pk8 = dir.resolve("postgresql-" + protocol + ".pk8");
        Files.write(pk8, clientCert.privateKey().getEncoded()); // PKCS#8 DER, as pgjdbc reads it
        LazyKeyManager present = new LazyKeyManager(crt.toString(), pk8.toString(), null, false);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-pg-" + protocol), pki).protocols(protocol)
                .acceptClientCertificate(ca).start()) {
            assertEquals(Nginx.body("/pg", "HTTP/1.1", ""), body(get(none, nginx, "/pg")), "no certificate sent");
            assertEquals(Nginx.body("/pg", "HTTP/1.1", "CN=pgjdbc user"), body(get(present, nginx, "/pg")),
                    "the certificate of the files sent");
        }
    }

    private String get(KeyManager km, Nginx nginx, String path) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(new KeyManager[] {km}, SslEngineTest.trustManagers(pki.root()), null);
        try (SSLSocket s = SslEngineTest.https((SSLSocket) context.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                nginx.port()))) {
            s.setSoTimeout(30_000);
            try {
                s.startHandshake();
            } catch (SSLHandshakeException e) {
                throw new AssertionError("nginx's error log:\n" + nginx.errorLog(), e);
            }
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String body(String response) {
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /**
     * A certificate Mbed TLS refuses: the socket hands its fatal alert to the server before
     * closing, as its engine does, so the server learns why (openssl s_server logs the alert it
     * received) instead of seeing the connection end or reset.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theSocketSendsTheFatalAlertOfARefusedCertificateBeforeClosing(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        SSLContext trustsAnother = SocketsAndTrustTest.context(SslEngineTest.trustManagers(pki.unknownRoot()));
        try (OpenSslServer server = OpenSslServer.builder(pki).protocols(protocol).msg().start();
                SSLSocket s = SslEngineTest.https((SSLSocket) trustsAnother.getSocketFactory()
                        .createSocket(TestPki.SERVER_NAME, server.port()))) {
            s.setSoTimeout(30_000);
            SSLHandshakeException refused = assertThrows(SSLHandshakeException.class, s::startHandshake);
            assertTrue(refused.getMessage().contains("MBEDTLS_X509_BADCERT_NOT_TRUSTED"), refused.getMessage());
            assertTrue(s.isClosed(), "a failed handshake closes the socket");
            assertTrue(server.awaitOutput(RECEIVED_FATAL_ALERT, Duration.ofSeconds(30)),
                    "s_server received the fatal alert:\n" + server.output());
        }
    }

    private static final Pattern RECEIVED_FATAL_ALERT = Pattern.compile("(?m)^<<< [^\\n]*Alert[^\\n]*fatal");
}
