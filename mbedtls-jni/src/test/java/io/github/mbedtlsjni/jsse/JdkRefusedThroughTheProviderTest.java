package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.testing.ExactChainServer;
import io.github.mbedtlsjni.testing.JdkRefused;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.NativeVerifyClient;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mbed TLS decides through the JSSE provider too: for each kind of certificate that Mbed TLS
 * parses and the JDK refuses ({@link JdkRefused}, served byte for byte by {@link ExactChainServer}),
 * the provider's SSLSocket and SSLEngine, with the standard trust route (a KeyStore-backed
 * TrustManagerFactory) and endpoint identification, end the handshake exactly as the C client
 * {@code verify_client} on the same Mbed TLS and the same server does: connected when its flags
 * are 0, else refused with its flags and verify info. The JDK's refusal shows only where JDK
 * certificates are asked for: {@code getPeerCertificates()} throws SSLPeerUnverifiedException
 * whose cause is the CertificateException naming the certificate; and an application's own
 * X509TrustManager, which takes JDK certificates, makes the handshake fail closed, saying why.
 * HttpsURLConnection (the socket) and java.net.http.HttpClient (the engine) fetch from such a
 * server like from any other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdkRefusedThroughTheProviderTest {
    private static final String HOST = TestPki.SERVER_NAME;

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256, "Refused");
        NativeVerifyClient.program();
    }

    static Stream<Arguments> kindsAndProtocols() {
        return Stream.of(JdkRefused.values()).flatMap(k -> Stream.of(TlsProtocol.values()).map(p -> Arguments.of(k, p)));
    }

    /** A new context (no session to resume) trusting the root through the JDK's KeyStore-backed TrustManagerFactory. */
    private SSLContext standard() throws Exception {
        return SocketsAndTrustTest.context(SslEngineTest.trustManagers(pki.root()));
    }

    private JsseServer server(JdkRefused kind, TlsProtocol protocol, JsseServer.Handler handler) {
        JsseServer.Builder b = JsseServer.builder(ExactChainServer.context(kind.chain(pki), pki.leaf(), pki.intermediate()))
                .protocols(protocol);
        return (handler == null ? b : b.handler(handler)).start();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("kindsAndProtocols")
    void theSocketAndTheEngineEndTheHandshakeAsNativeMbedTlsDoes(JdkRefused kind, TlsProtocol protocol)
            throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = server(kind, protocol, null)) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            assertEquals(0, nat.ret(), "native Mbed TLS (optional mode) completes the handshake: " + nat);

            // SSLSocket
            try (SSLSocket s = (SSLSocket) standard().getSocketFactory().createSocket(HOST, server.port())) {
                SslEngineTest.https(s);
                s.setSoTimeout(30_000);
                if (nat.flags() == 0) {
                    s.startHandshake();
                    s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("ping\n", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
                    assertSessionIsMbedTlsButPeerCertificatesAreRefused(s.getSession(), protocol);
                } else {
                    assertRefusedAsNative(nat, assertThrows(SSLHandshakeException.class, s::startHandshake));
                }
            }

            // SSLEngine
            SSLEngine engine = SslEngineTest.https(standard().createSSLEngine(HOST, server.port()));
            try (EngineOverSocket e = new EngineOverSocket(engine, server.port())) {
                if (nat.flags() == 0) {
                    e.handshake();
                    e.send("pong\n");
                    assertEquals("pong\n", e.receive(5));
                    assertSessionIsMbedTlsButPeerCertificatesAreRefused(engine.getSession(), protocol);
                } else {
                    assertRefusedAsNative(nat, assertThrows(SSLHandshakeException.class, e::handshake));
                }
            }
        }
    }

    /** Mbed TLS verified the chain; the session says what was negotiated; JDK certificates are refused, naming the leaf. */
    private static void assertSessionIsMbedTlsButPeerCertificatesAreRefused(SSLSession session, TlsProtocol protocol) {
        assertEquals(protocol.protocolName(), session.getProtocol());
        assertTrue(CipherSuites.supported().contains(session.getCipherSuite()), session.getCipherSuite());
        SSLPeerUnverifiedException e = assertThrows(SSLPeerUnverifiedException.class, session::getPeerCertificates);
        CertificateException cause = assertInstanceOf(CertificateException.class, e.getCause());
        assertTrue(cause.getMessage().startsWith("the JDK cannot parse certificate [0] ("), cause.getMessage());
        assertTrue(e.getMessage().contains("which Mbed TLS verified") && e.getMessage().contains(cause.getMessage()),
                e.getMessage());
        assertThrows(SSLPeerUnverifiedException.class, session::getPeerPrincipal);
        assertEquals(e.getMessage(), assertThrows(SSLPeerUnverifiedException.class, session::getPeerCertificates)
                .getMessage(), "asked again, the same answer");
    }

    /** Refused with exactly the flags and verify info of native Mbed TLS. */
    private static void assertRefusedAsNative(NativeVerifyClient.Outcome nat, SSLHandshakeException e) {
        VerifyResult r = assertInstanceOf(CertificateVerificationException.class, e.getCause(), e::toString).verifyResult();
        assertEquals(String.format("0x%08X", nat.flags()), String.format("0x%08X", r.flags()), "flags, C vs provider");
        assertEquals(nat.info(), r.info(), "verify info, C vs provider");
        for (String flag : r.flagNames()) {
            assertTrue(e.getMessage().contains(flag), e.getMessage());
        }
    }

    /**
     * An application's own trust manager is given JDK certificates: a chain the JDK cannot parse
     * is refused (fail closed) with a message that says so and names the certificate; one Mbed
     * TLS refused is refused as Mbed TLS said, the trust manager never asked.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(JdkRefused.class)
    void anApplicationsOwnTrustManagerFailsClosedSayingWhy(JdkRefused kind) throws Exception {
        X509TrustManager jdk = (X509TrustManager) SslEngineTest.trustManagers(pki.root())[0];
        List<String> asked = new ArrayList<>();
        X509TrustManager own = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                asked.add("client");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                asked.add("server");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return jdk.getAcceptedIssuers();
            }
        };
        SSLContext context = SocketsAndTrustTest.context(new TrustManager[] {own});
        try (JsseServer server = server(kind, TlsProtocol.TLS_1_2, null)) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            try (SSLSocket s = SslEngineTest.https((SSLSocket) context.getSocketFactory().createSocket(HOST,
                    server.port()))) {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
                if (nat.flags() != 0) {
                    assertRefusedAsNative(nat, e);
                } else {
                    assertTrue(e.getMessage().contains("Mbed TLS accepted the chain, but the application's "
                            + "X509TrustManager is given JDK certificates, and the JDK cannot parse certificate [0] ("),
                            e.getMessage());
                    assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_OTHER"), e.getMessage());
                    VerifyResult r = assertInstanceOf(CertificateVerificationException.class, e.getCause()).verifyResult();
                    assertEquals(List.of("MBEDTLS_X509_BADCERT_OTHER"), r.flagNames());
                    assertInstanceOf(CertificateException.class, e.getSuppressed()[0], "the JDK's refusal, named");
                }
            }
        }
        assertEquals(List.of(), asked, "never asked: the JDK could not give it the chain, or Mbed TLS refused it");
    }

    /** Answers one HTTP/1.1 request with {@code ok}. */
    private static final JsseServer.Handler HTTP = exchange -> {
        InputStream in = exchange.in();
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        while (!request.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            request.write(b);
        }
        exchange.out().write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                .getBytes(StandardCharsets.US_ASCII));
        exchange.out().flush();
    };

    /** HttpsURLConnection on the provider's socket: the fetch works exactly when Mbed TLS verified the chain. */
    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("kindsAndProtocols")
    void httpsUrlConnectionFetchesExactlyWhenMbedTlsVerified(JdkRefused kind, TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = server(kind, protocol, HTTP)) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            HttpsURLConnection c = (HttpsURLConnection) new URL("https://" + HOST + ":" + server.port() + "/")
                    .openConnection();
            c.setSSLSocketFactory(standard().getSocketFactory()); // the default HostnameVerifier: Mbed TLS checks the name
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            try {
                if (nat.flags() == 0) {
                    assertEquals(200, c.getResponseCode());
                    assertEquals("ok", new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
                    assertTrue(c.getCipherSuite().startsWith("TLS_"), c.getCipherSuite());
                    SSLPeerUnverifiedException e = assertThrows(SSLPeerUnverifiedException.class, c::getServerCertificates);
                    assertInstanceOf(CertificateException.class, e.getCause());
                } else {
                    assertRefusedAsNative(nat, assertThrows(SSLHandshakeException.class, c::getResponseCode));
                }
            } finally {
                c.disconnect();
            }
        }
    }

    /** java.net.http.HttpClient on the provider's engine, likewise. */
    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("kindsAndProtocols")
    void httpClientFetchesExactlyWhenMbedTlsVerified(JdkRefused kind, TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = server(kind, protocol, HTTP)) {
            NativeVerifyClient.Outcome nat = NativeVerifyClient.run(server.port(), pki.rootPem(), null, HOST);
            HttpClient client = HttpClient.newBuilder().sslContext(standard()).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + HOST + ":" + server.port() + "/"))
                    .timeout(Duration.ofSeconds(20)).build();
            if (nat.flags() == 0) {
                HttpResponse<String> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertEquals("ok", response.body());
                SSLSession session = response.sslSession().orElseThrow();
                assertEquals(protocol.protocolName(), session.getProtocol());
                assertInstanceOf(CertificateException.class,
                        assertThrows(SSLPeerUnverifiedException.class, session::getPeerCertificates).getCause());
            } else {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS));
                assertRefusedAsNative(nat, findHandshakeFailure(e));
            }
        }
    }

    private static SSLHandshakeException findHandshakeFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLHandshakeException) {
                return (SSLHandshakeException) c;
            }
        }
        throw new AssertionError("no SSLHandshakeException in", t);
    }
}
