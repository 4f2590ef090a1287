package io.github.mbedtlsjni.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.jsse.MbedTlsProvider;
import io.github.mbedtlsjni.jsse.PemTrustParameters;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.alpn.java.client.JDK9ClientALPNProcessor;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jetty 12's HTTP client negotiating h2 by ALPN over the MbedTLS provider's engine, against nginx
 * (HTTP/2 enabled), with this artifact's processor found by ServiceLoader as Jetty finds it:
 * Jetty's HTTP/2 transport, and its dynamic transport offering h2 and http/1.1. Jetty's own JDK
 * processor does not apply to the provider's engines, which is why the processor is needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JettyAlpnTest {
    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext mbed;

    @BeforeAll
    void setUp() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX", new MbedTlsProvider());
        trust.init(new PemTrustParameters(pki.rootPem()));
        mbed = SSLContext.getInstance("TLS", new MbedTlsProvider());
        mbed.init(null, trust.getTrustManagers(), null);
    }

    private static void assumeSupported(TlsProtocol protocol) {
        assumeTrue(protocol != TlsProtocol.TLS_1_3 || MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3"),
                "TLS 1.3 needs Mbed TLS 3.x");
    }

    @Test
    void jettyFindsTheProcessorAndItAppliesToTheProvidersEnginesOnly() throws Exception {
        List<Class<?>> found = new ArrayList<>();
        for (ALPNProcessor.Client p : ServiceLoader.load(ALPNProcessor.Client.class)) {
            found.add(p.getClass());
        }
        assertTrue(found.contains(MbedTlsClientAlpnProcessor.class), found::toString);
        MbedTlsClientAlpnProcessor ours = new MbedTlsClientAlpnProcessor();
        assertTrue(ours.appliesTo(mbed.createSSLEngine(TestPki.SERVER_NAME, 443)));
        assertFalse(ours.appliesTo(SSLContext.getDefault().createSSLEngine()), "the JDK's engines are Jetty's");
        assertFalse(new JDK9ClientALPNProcessor().appliesTo(mbed.createSSLEngine(TestPki.SERVER_NAME, 443)),
                "Jetty's own processor takes java.base engines only: without this one there is none");
    }

    enum Transport { HTTP2, DYNAMIC }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void jettysHttp2TransportSpeaksH2ToNginxOverTheProvider(TlsProtocol protocol) throws Exception {
        fetch(protocol, Transport.HTTP2);
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void jettysDynamicTransportNegotiatesH2OverTheProvider(TlsProtocol protocol) throws Exception {
        fetch(protocol, Transport.DYNAMIC);
    }

    private void fetch(TlsProtocol protocol, Transport kind) throws Exception {
        assumeSupported(protocol);
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-" + kind + "-" + protocol), pki).protocols(protocol).http2()
                .start()) {
            SslContextFactory.Client tls = new SslContextFactory.Client();
            tls.setSslContext(mbed);
            ClientConnector connector = new ClientConnector();
            connector.setSslContextFactory(tls);
            HttpClientTransport transport = kind == Transport.HTTP2
                    ? new HttpClientTransportOverHTTP2(new HTTP2Client(connector))
                    : new HttpClientTransportDynamic(connector,
                            new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                            HttpClientConnectionFactory.HTTP11);
            HttpClient client = new HttpClient(transport);
            client.start();
            try {
                for (int i = 0; i < 3; i++) { // one connection, several streams
                    String path = "/jetty-h2-" + i;
                    ContentResponse r = client.newRequest("https://" + TestPki.SERVER_NAME + ":" + nginx.port() + path)
                            .timeout(30, TimeUnit.SECONDS).send();
                    assertEquals(200, r.getStatus());
                    assertEquals(HttpVersion.HTTP_2, r.getVersion(), "h2, negotiated by ALPN");
                    assertEquals(Nginx.body(path, "HTTP/2.0", ""), r.getContentAsString());
                }
            } finally {
                client.stop();
            }
        }
    }
}
