package io.github.mbedtlsjni.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.jsse.MbedTlsProvider;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.CertBuilder;
import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jetty 12 serving HTTPS on the MbedTLS provider ({@code SslContextFactory.Server} on the
 * provider's {@code SSLContext}), with this artifact's server ALPN processor choosing between h2
 * and http/1.1: fetched by {@code java.net.http.HttpClient} (SunJSSE) and by {@code curl}
 * (OpenSSL, nghttp2) over HTTP/2 and HTTP/1.1, TLS 1.2 and 1.3, then with a client certificate
 * required. Every answer is checked on both sides: the client's protocol, status and body, and
 * the server's engine and session, which must be the provider's, with the ALPN it negotiated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JettyServerTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    TestPki pki;
    TestCert device;
    Path deviceChain;
    Path deviceKey;
    SSLContext provider;

    /** What the handler saw of each request, server side. */
    record Seen(String path, String httpVersion, String engine, String alpn, String session, String tls,
            String clientSubject) {
    }

    final Queue<Seen> seen = new ConcurrentLinkedQueue<>();

    @BeforeAll
    void setUp() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        device = CertBuilder.client("device 7").keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        deviceChain = pki.writeChain("device-chain.pem", device, pki.intermediate());
        deviceKey = pki.writeKey("device-key.pem", device);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init((KeyStore) SslContexts.trustStore(pki.root().certificate()));
        provider = SSLContext.getInstance("TLS", new MbedTlsProvider());
        provider.init(SslContexts.keyManagers(pki).getKeyManagers(), trust.getTrustManagers(), null);
    }

    private static void assumeSupported(TlsProtocol protocol) {
        assumeTrue(protocol != TlsProtocol.TLS_1_3 || MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3"),
                "TLS 1.3 needs Mbed TLS 3.x");
    }

    /** Jetty on the provider, h2 preferred over http/1.1, on 127.0.0.1; started. */
    private Server jetty(TlsProtocol protocol, boolean needClientAuth) throws Exception {
        HttpConfiguration http = new HttpConfiguration();
        http.addCustomizer(new SecureRequestCustomizer()); // puts the TLS session on each request
        HttpConnectionFactory http11 = new HttpConnectionFactory(http);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(); // the connector's protocols after it: h2, http/1.1
        alpn.setDefaultProtocol(http11.getProtocol());
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(provider);
        tls.setIncludeProtocols(protocol.protocolName());
        tls.setNeedClientAuth(needClientAuth);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()),
                alpn, h2, http11);
        connector.setHost(TestPki.SERVER_IP);
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                seen.add(observe(request));
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                response.write(true, ByteBuffer.wrap(body(request.getHttpURI().getPath())
                        .getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        return server;
    }

    private static Seen observe(Request request) {
        EndPoint.SslSessionData tls = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        SSLEngine engine = endPoint instanceof SslConnection.SslEndPoint ssl ? ssl.getSslConnection().getSSLEngine() : null;
        X509Certificate[] peer = tls == null ? null : tls.peerCertificates();
        return new Seen(request.getHttpURI().getPath(), request.getConnectionMetaData().getProtocol(),
                engine == null ? "none" : engine.getClass().getName(),
                engine == null ? null : engine.getApplicationProtocol(),
                tls == null ? "none" : tls.sslSession().getClass().getName(),
                tls == null ? null : tls.sslSession().getProtocol(),
                peer == null || peer.length == 0 ? null : peer[0].getSubjectX500Principal().getName());
    }

    private static String body(String path) {
        return "jetty on mbed tls: " + path + "\n";
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The one request the handler saw since the last call, checked to be on the provider's engine. */
    private Seen served(String path, String alpn, String httpVersion, TlsProtocol protocol) {
        List<Seen> all = new ArrayList<>(seen);
        seen.clear();
        assertEquals(1, all.size(), all::toString);
        Seen s = all.get(0);
        assertEquals(path, s.path());
        assertTrue(s.engine().startsWith("io.github.mbedtlsjni.jsse."), "the provider's engine served it: " + s);
        assertTrue(s.session().startsWith("io.github.mbedtlsjni.jsse."), "the provider's session: " + s);
        assertEquals(alpn, s.alpn(), s::toString);
        assertEquals(httpVersion, s.httpVersion(), s::toString);
        assertEquals(protocol.protocolName(), s.tls(), s::toString);
        return s;
    }

    private static HttpClient httpClient(SSLContext tls, HttpClient.Version version) {
        return HttpClient.newBuilder().sslContext(tls).version(version).connectTimeout(HANG).build();
    }

    private HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://" + TestPki.SERVER_NAME + ":" + port + path))
                .timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** curl's body and, on the last line, its HTTP version ("2", "1.1"); the exit code is checked by the caller. */
    private OpenSsl.Result curl(int port, String path, String... args) {
        Path curl = ExternalServer.require("curl", "curl");
        List<String> command = new ArrayList<>(List.of(curl.toString(), "-sS", "--max-time", "30", "--cacert",
                pki.rootPem().toString(), "--resolve", TestPki.SERVER_NAME + ":" + port + ":" + TestPki.SERVER_IP,
                "-w", "%{http_version}\n", "https://" + TestPki.SERVER_NAME + ":" + port + path));
        command.addAll(List.of(args));
        return OpenSsl.runCommand(HANG, command);
    }

    @Test
    void jettyFindsTheServerProcessorAndItAppliesToTheProvidersEnginesOnly() throws Exception {
        List<Class<?>> found = new ArrayList<>();
        for (ALPNProcessor.Server p : ServiceLoader.load(ALPNProcessor.Server.class)) {
            found.add(p.getClass());
        }
        assertEquals(List.of(MbedTlsServerAlpnProcessor.class), found, "ours, and Jetty's JDK one is not on the path");
        SSLEngine engine = provider.createSSLEngine();
        engine.setUseClientMode(false);
        assertTrue(new MbedTlsServerAlpnProcessor().appliesTo(engine));
        assertFalse(new MbedTlsServerAlpnProcessor().appliesTo(SSLContext.getDefault().createSSLEngine()));
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void javaHttpClientFetchesOverH2AndHttp11(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        Server server = jetty(protocol, false);
        try {
            SSLContext sun = SslContexts.client(pki.root().certificate());
            HttpClient h2 = httpClient(sun, HttpClient.Version.HTTP_2);
            for (int i = 0; i < 3; i++) { // several streams on one connection
                String path = "/h2/" + i;
                HttpResponse<String> r = get(h2, port(server), path);
                assertEquals(200, r.statusCode());
                assertEquals(HttpClient.Version.HTTP_2, r.version(), "h2, chosen by Jetty through the selector");
                assertEquals(body(path), r.body());
                served(path, "h2", "HTTP/2.0", protocol);
            }
            // The JDK's client offers no ALPN for HTTP/1.1: Jetty's default protocol, after the handshake.
            HttpResponse<String> r = get(httpClient(sun, HttpClient.Version.HTTP_1_1), port(server), "/h1");
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            assertEquals(body("/h1"), r.body());
            served("/h1", "", "HTTP/1.1", protocol);
        } finally {
            server.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void curlFetchesOverH2AndHttp11(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        Server server = jetty(protocol, false);
        try {
            OpenSsl.Result h2 = curl(port(server), "/curl-h2", "--http2");
            assertEquals(0, h2.exitCode(), h2::toString);
            assertEquals(body("/curl-h2") + "2\n", h2.output(), "h2 by ALPN, the body");
            served("/curl-h2", "h2", "HTTP/2.0", protocol);

            OpenSsl.Result h1 = curl(port(server), "/curl-h1", "--http1.1"); // offers http/1.1 alone
            assertEquals(0, h1.exitCode(), h1::toString);
            assertEquals(body("/curl-h1") + "1.1\n", h1.output());
            served("/curl-h1", "http/1.1", "HTTP/1.1", protocol);
        } finally {
            server.stop();
        }
    }

    @Test
    void aClientOfferingOnlyProtocolsJettyDoesNotServeIsRefused() throws Exception {
        Server server = jetty(TlsProtocol.TLS_1_2, false);
        try {
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-connect", TestPki.SERVER_IP + ":" + port(server),
                    "-servername", TestPki.SERVER_NAME, "-CAfile", pki.rootPem().toString(), "-alpn", "spdy/3",
                    "-tls1_2");
            assertNotEquals(0, client.exitCode(), client::toString);
            assertTrue(client.output().contains("no application protocol"), client::toString);
            assertTrue(seen.isEmpty(), seen::toString);
        } finally {
            server.stop();
        }
    }

    /**
     * A ClientHello in two records reaches the provider without its offers in the first, so no
     * selector is called: Mbed TLS chooses from the parameters the processor set to Jetty's
     * protocols, and Jetty is told h2 after the handshake (without that, curl would fall back to
     * HTTP/1.1 on a connection with no ALPN).
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aClientHelloSplitOverTwoRecordsStillNegotiatesH2(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        int v = MbedTls.versionNumber();
        assumeTrue(v >= 0x03060600 || v >= 0x03060300 && MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3"),
                () -> "Mbed TLS " + MbedTls.version() + " refuses a ClientHello spread over records (a server"
                        + " reassembles it since 3.6.3 with TLS 1.3 compiled in, since 3.6.6 without)");
        Server server = jetty(protocol, false);
        try (HelloSplitter splitter = new HelloSplitter(port(server))) {
            OpenSsl.Result h2 = curl(splitter.port(), "/split", "--http2");
            assertEquals(0, h2.exitCode(), h2::toString);
            assertEquals(body("/split") + "2\n", h2.output());
            served("/split", "h2", "HTTP/2.0", protocol);
            assertEquals(1, splitter.split.get(), "the ClientHello went as two records");
        } finally {
            server.stop();
        }
    }

    /**
     * A relay on 127.0.0.1 to {@code target} that sends each connection's first TLS record (the
     * ClientHello) as two records, split in the middle, and copies everything else unchanged.
     */
    private static final class HelloSplitter implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 8, InetAddress.getByName(TestPki.SERVER_IP));
        final AtomicInteger split = new AtomicInteger();
        final Thread acceptor;

        HelloSplitter(int target) throws IOException {
            acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = new Socket(TestPki.SERVER_IP, target);
                        Thread up = new Thread(() -> relayUp(client, upstream), "hello-splitter-up");
                        Thread down = new Thread(() -> copy(upstream, client), "hello-splitter-down");
                        up.setDaemon(true);
                        down.setDaemon(true);
                        up.start();
                        down.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "hello-splitter");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void relayUp(Socket client, Socket upstream) {
            try {
                DataInputStream in = new DataInputStream(client.getInputStream());
                byte[] header = new byte[5];
                in.readFully(header);
                byte[] body = new byte[((header[3] & 0xff) << 8) | (header[4] & 0xff)];
                in.readFully(body);
                OutputStream out = upstream.getOutputStream();
                int half = body.length / 2;
                for (int[] part : new int[][] {{0, half}, {half, body.length}}) {
                    int length = part[1] - part[0];
                    out.write(new byte[] {header[0], header[1], header[2], (byte) (length >> 8), (byte) length});
                    out.write(body, part[0], length);
                }
                out.flush();
                split.incrementAndGet();
            } catch (IOException e) {
                closeBoth(client, upstream);
                return;
            }
            copy(client, upstream);
        }

        private static void copy(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException ignored) {
                // the other direction closed both
            }
            closeBoth(from, to);
        }

        private static void closeBoth(Socket a, Socket b) {
            try {
                a.close();
                b.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(HANG.toMillis());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void mutualTlsRequiredAcceptsAClientCertificateAndRefusesNone(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        Server server = jetty(protocol, true);
        try {
            String subject = device.certificate().getSubjectX500Principal().getName();
            SSLContext withCert = SslContexts.client(device.privateKey(),
                    List.of(device.certificate(), pki.intermediate().certificate()), pki.root().certificate());
            HttpResponse<String> r = get(httpClient(withCert, HttpClient.Version.HTTP_2), port(server), "/mtls");
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(body("/mtls"), r.body());
            assertEquals(subject, served("/mtls", "h2", "HTTP/2.0", protocol).clientSubject());

            OpenSsl.Result curl = curl(port(server), "/mtls-curl", "--http2", "--cert", deviceChain.toString(),
                    "--key", deviceKey.toString());
            assertEquals(0, curl.exitCode(), curl::toString);
            assertEquals(body("/mtls-curl") + "2\n", curl.output());
            assertEquals(subject, served("/mtls-curl", "h2", "HTTP/2.0", protocol).clientSubject());

            SSLContext noCert = SslContexts.client(pki.root().certificate());
            assertThrows(IOException.class, () -> get(httpClient(noCert, HttpClient.Version.HTTP_2), port(server),
                    "/refused"));
            OpenSsl.Result refused = curl(port(server), "/refused-curl", "--http2");
            assertNotEquals(0, refused.exitCode(), refused::toString);
            assertFalse(refused.output().contains("jetty on mbed tls"), refused::toString);
            assertNull(seen.peek(), "no request without a client certificate reached the handler");
        } finally {
            server.stop();
        }
    }
}
