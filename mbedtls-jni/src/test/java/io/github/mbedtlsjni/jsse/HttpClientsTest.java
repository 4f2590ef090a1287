package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HTTP clients Java applications use, on the MbedTLS provider, fetching from nginx on
 * 127.0.0.1: the JDK's HttpsURLConnection (SSLSocket, HTTP/1.1), java.net.http.HttpClient
 * (SSLEngine; HTTP/1.1 and HTTP/2 by ALPN h2) and OkHttp (SSLSocket; HTTP/1.1 and h2), over TLS
 * 1.2 and 1.3. Each checks what nginx answered and that the session is the provider's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpClientsTest {
    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext mbed;
    X509TrustManager trustManager;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /** A context per test: kept sessions are keyed by host and port, which servers recycle (see ResumptionTest). */
    @BeforeEach
    void freshContext() throws Exception {
        mbed = SSLContext.getInstance("TLS", new MbedTlsProvider());
        TrustManager[] tms = SslEngineTest.trustManagers(pki.root());
        trustManager = (X509TrustManager) tms[0];
        mbed.init(null, tms, null);
    }

    private static void assumeSupported(TlsProtocol protocol) {
        SslEngineTest.assumeSupported(protocol);
    }

    /** The session is the provider's (HttpClient hands out a copy, whose context is still ours). */
    private void assertOurs(SSLSession session, TlsProtocol protocol) {
        assertTrue(session.getSessionContext() == mbed.getClientSessionContext(), "the MbedTLS provider's session");
        assertEquals(protocol.protocolName(), session.getProtocol());
        assertTrue(CipherSuites.supported().contains(session.getCipherSuite()), session.getCipherSuite());
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void httpsUrlConnectionFetchesFromNginx(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-huc-" + protocol), pki).protocols(protocol).http2().start()) {
            URL url = new URL("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + "/huc?x=1");
            HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
            c.setSSLSocketFactory(mbed.getSocketFactory());
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            assertEquals(200, c.getResponseCode());
            assertOurs(c.getSSLSession().orElseThrow(), protocol);
            assertTrue(c.getCipherSuite().startsWith("TLS_"), c.getCipherSuite());
            try (InputStream in = c.getInputStream()) {
                assertEquals(Nginx.body("/huc?x=1", "HTTP/1.1", ""), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            c.disconnect();
        }
    }

    enum Http { HTTP_1_1_TLS12, HTTP_1_1_TLS13, HTTP_2_TLS12, HTTP_2_TLS13 }

    static TlsProtocol protocol(Http h) {
        return h.name().endsWith("TLS12") ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
    }

    static boolean h2(Http h) {
        return h.name().startsWith("HTTP_2");
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void javaNetHttpClientOnTheEngineSpeaksHttp1AndHttp2(Http h) throws Exception {
        TlsProtocol protocol = protocol(h);
        assumeSupported(protocol);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-hc-" + h), pki).protocols(protocol).http2().start()) {
            HttpClient client = HttpClient.newBuilder().sslContext(mbed)
                    .version(h2(h) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest request = HttpRequest.newBuilder(
                    URI.create("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + "/hc")).timeout(Duration.ofSeconds(20))
                    .build();
            for (int i = 0; i < 3; i++) { // one connection, reused (HTTP/2: streams)
                HttpResponse<String> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                String proto = h2(h) ? "HTTP/2.0" : "HTTP/1.1";
                assertEquals(Nginx.body("/hc", proto, ""), response.body());
                assertEquals(h2(h) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, response.version());
                assertOurs(response.sslSession().orElseThrow(), protocol);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void okHttpOnTheSocketFactorySpeaksHttp1AndHttp2(Http h) throws Exception {
        TlsProtocol protocol = protocol(h);
        assumeSupported(protocol);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-ok-" + h), pki).protocols(protocol).http2().start()) {
            OkHttpClient client = new OkHttpClient.Builder()
                    .sslSocketFactory(mbed.getSocketFactory(), trustManager)
                    .protocols(h2(h) ? java.util.List.of(Protocol.HTTP_2, Protocol.HTTP_1_1)
                            : java.util.List.of(Protocol.HTTP_1_1))
                    .callTimeout(Duration.ofSeconds(30)).build();
            try {
                for (int i = 0; i < 3; i++) {
                    Request request = new Request.Builder()
                            .url("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + "/ok" + i).build();
                    try (Response response = client.newCall(request).execute()) {
                        assertEquals(200, response.code());
                        assertEquals(h2(h) ? Protocol.HTTP_2 : Protocol.HTTP_1_1, response.protocol());
                        String proto = h2(h) ? "HTTP/2.0" : "HTTP/1.1";
                        assertEquals(Nginx.body("/ok" + i, proto, ""), response.body().string());
                        assertEquals(protocol.protocolName(), response.handshake().tlsVersion().javaName());
                    }
                }
            } finally {
                client.dispatcher().executorService().shutdown();
                client.connectionPool().evictAll();
            }
        }
    }

    static String version() {
        return MbedTls.version();
    }
}
