package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Provider;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The provider's SSLSocket and its trust and keys: the socket kinds (connected, unconnected +
 * connect(timeout), layered), SO_TIMEOUT, close from another thread, full duplex, handshake
 * listeners; refused certificates (expired, not yet valid, wrong host, unknown CA, revoked by a
 * CRL given the standard way) as SSLHandshakeException naming Mbed TLS's flag; an application's
 * own trust manager only adding refusals; mutual TLS through a key manager; the cipher suite
 * names checked against OpenSSL's IANA table; ServiceLoader and the Default context.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SocketsAndTrustTest {
    private static final Duration HANG = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext mbed;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /**
     * A context per test: kept sessions are keyed by host and port, and a later test's server may
     * get a port an earlier one had (see ResumptionTest).
     */
    @BeforeEach
    void freshContext() throws Exception {
        mbed = context(SslEngineTest.trustManagers(pki.root()));
    }

    static SSLContext context(TrustManager[] tms) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS", new MbedTlsProvider());
        c.init(null, tms, null);
        return c;
    }

    private SSLSocket https(SSLContext context, String host, int port) throws Exception {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(host, port);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.setSoTimeout((int) HANG.toMillis());
        return s;
    }

    private static String echo(SSLSocket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        byte[] buf = new byte[text.length()];
        InputStream in = s.getInputStream();
        for (int got = 0; got < buf.length; ) {
            int n = in.read(buf, got, buf.length - got);
            assertTrue(n > 0, "echo ended early");
            got += n;
        }
        return new String(buf, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aConnectedSocketEchoesAndReportsItsSession(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = JsseServer.start(pki, protocol);
                SSLSocket s = https(mbed, TestPki.SERVER_NAME, server.port())) {
            CountDownLatch completed = new CountDownLatch(1);
            HandshakeCompletedEvent[] event = new HandshakeCompletedEvent[1];
            s.addHandshakeCompletedListener(e -> {
                event[0] = e;
                completed.countDown();
            });
            s.startHandshake();
            assertEquals("ping", echo(s, "ping"));
            assertEquals(protocol.protocolName(), s.getSession().getProtocol());
            assertEquals(pki.leaf().certificate(), s.getSession().getPeerCertificates()[0]);
            assertTrue(completed.await(HANG.toSeconds(), TimeUnit.SECONDS), "HandshakeCompletedListener called");
            assertEquals(s.getSession().getCipherSuite(), event[0].getCipherSuite());
        }
    }

    @Test
    void anUnconnectedSocketConnectsWithATimeoutAndALayeredOneRunsOverAGivenSocket() throws Exception {
        try (JsseServer server = JsseServer.start(pki)) {
            try (SSLSocket s = (SSLSocket) mbed.getSocketFactory().createSocket()) {
                assertFalse(s.isConnected());
                s.connect(new InetSocketAddress(TestPki.SERVER_NAME, server.port()), 10_000);
                assertEquals("unconnected", echo(s, "unconnected"));
            }
            Socket plain = new Socket(TestPki.SERVER_NAME, server.port());
            try (SSLSocket layered = (SSLSocket) mbed.getSocketFactory().createSocket(plain, TestPki.SERVER_NAME,
                    server.port(), false)) {
                assertEquals("layered", echo(layered, "layered"));
            }
            assertFalse(plain.isClosed(), "autoClose false: the given socket stays open");
            plain.close();
        }
    }

    /** The socket's parameters against SunJSSE's socket: unconnected (kept until the engine exists) and connected. */
    @Test
    void sslParametersOfASocketBehaveAsSunJsses() throws Exception {
        SSLContext sun = SSLContext.getInstance("TLS");
        sun.init(null, SslEngineTest.trustManagers(pki.root()), null);
        try (JsseServer server = JsseServer.start(pki);
                SSLSocket theirs = (SSLSocket) sun.getSocketFactory().createSocket();
                SSLSocket ours = (SSLSocket) mbed.getSocketFactory().createSocket();
                SSLSocket theirsConnected = (SSLSocket) sun.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                        server.port());
                SSLSocket oursConnected = (SSLSocket) mbed.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                        server.port())) {
            List<String> unconnected = SslEngineTest.parameterSteps(theirs::getSSLParameters, theirs::setSSLParameters,
                    theirs::setEnabledCipherSuites, theirs::setEnabledProtocols);
            assertEquals(unconnected, SslEngineTest.parameterSteps(ours::getSSLParameters, ours::setSSLParameters,
                    ours::setEnabledCipherSuites, ours::setEnabledProtocols));
            assertEquals(SslEngineTest.parameterSteps(theirsConnected::getSSLParameters,
                    theirsConnected::setSSLParameters, theirsConnected::setEnabledCipherSuites,
                    theirsConnected::setEnabledProtocols), SslEngineTest.parameterSteps(oursConnected::getSSLParameters,
                    oursConnected::setSSLParameters, oursConnected::setEnabledCipherSuites,
                    oursConnected::setEnabledProtocols));
        }
        // set on the unconnected socket, in force once it connects
        try (JsseServer server = JsseServer.start(pki);
                SSLSocket s = (SSLSocket) mbed.getSocketFactory().createSocket()) {
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.2"});
            p.setServerNames(List.of(new javax.net.ssl.SNIHostName("sni.example")));
            s.setSSLParameters(p);
            s.connect(new InetSocketAddress(TestPki.SERVER_NAME, server.port()), 10_000);
            assertEquals("x", echo(s, "x"));
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            assertEquals(List.of(new javax.net.ssl.SNIHostName("sni.example")),
                    ((javax.net.ssl.ExtendedSSLSession) s.getSession()).getRequestedServerNames());
        }
    }

    /** close() ends the connection as JSSE's does: close_notify, then the socket. */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void closeSendsCloseNotifyThenClosesTheSocket(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = JsseServer.start(pki, protocol)) {
            SSLSocket s = https(mbed, TestPki.SERVER_NAME, server.port());
            assertEquals("bye", echo(s, "bye"));
            s.close();
            JsseServer.Connection c = server.awaitConnection(HANG);
            assertEquals(JsseServer.Ending.CLOSE_NOTIFY, c.ending(), c::toString);
            assertEquals("bye", c.receivedText());
            assertTrue(s.isClosed());
            SocketException e = assertThrows(SocketException.class, () -> s.getOutputStream().write(1));
            assertEquals("Socket is closed", e.getMessage());
            s.close(); // twice: nothing happens
        }
    }

    @Test
    void soTimeoutEndsAReadWithSocketTimeoutExceptionAndCloseFromAnotherThreadWakesIt() throws Exception {
        JsseServer.Handler silent = exchange -> {
            while (exchange.in().read() >= 0) {
                // never answers
            }
        };
        try (JsseServer server = JsseServer.builder(pki).handler(silent).start();
                SSLSocket s = https(mbed, TestPki.SERVER_NAME, server.port())) {
            s.startHandshake();
            s.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
            s.setSoTimeout(0);
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.getInputStream().read();
                } catch (Exception e) {
                    return e;
                }
            });
            while (!blocked.isDone() && s.getInputStream().available() == 0 && !threadReading()) {
                Thread.sleep(5);
            }
            s.close();
            assertInstanceOf(SocketException.class, blocked.get(HANG.toSeconds(), TimeUnit.SECONDS));
        }
    }

    /** True once some thread is blocked reading the plain socket. */
    private static boolean threadReading() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement f : e.getValue()) {
                if (f.getMethodName().equals("fill") && f.getClassName().endsWith("MbedTlsSocket")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aWriteGoesOutWhileAnotherThreadIsBlockedReading() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        JsseServer.Handler seeThenAnswer = exchange -> {
            byte[] b = new byte[4];
            int got = 0;
            while (got < 4) {
                got += exchange.in().read(b, got, 4 - got);
            }
            seen.add(new String(b, StandardCharsets.US_ASCII));
            try {
                answer.await(HANG.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.out().write("pong".getBytes(StandardCharsets.US_ASCII));
            exchange.out().flush();
        };
        try (JsseServer server = JsseServer.builder(pki).handler(seeThenAnswer).start();
                SSLSocket s = https(mbed, TestPki.SERVER_NAME, server.port())) {
            s.startHandshake();
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] b = new byte[4];
                    int n = s.getInputStream().read(b);
                    return new String(b, 0, n, StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    return e.toString();
                }
            });
            while (!threadReading()) {
                Thread.sleep(5);
            }
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + HANG.toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(List.of("ping"), seen, "the server saw the write while the reader was blocked");
            assertFalse(reader.isDone());
            answer.countDown();
            assertEquals("pong", reader.get(HANG.toSeconds(), TimeUnit.SECONDS));
        }
    }

    enum Flaw { EXPIRED, NOT_YET_VALID, WRONG_HOST, UNKNOWN_CA, REVOKED }

    @ParameterizedTest
    @EnumSource(Flaw.class)
    void aRefusedCertificateIsAnSslHandshakeExceptionNamingMbedTlsFlag(Flaw flaw) throws Exception {
        TestCert leaf;
        SSLContext client = mbed;
        String host = TestPki.SERVER_NAME;
        String flag;
        switch (flaw) {
            case EXPIRED:
                leaf = pki.expiredLeaf();
                flag = "MBEDTLS_X509_BADCERT_EXPIRED";
                break;
            case NOT_YET_VALID:
                leaf = pki.serverCert().notYetValid().issuedBy(pki.intermediate());
                flag = "MBEDTLS_X509_BADCERT_FUTURE";
                break;
            case WRONG_HOST:
                leaf = pki.leaf();
                host = "wrong.example";
                flag = "MBEDTLS_X509_BADCERT_CN_MISMATCH";
                break;
            case UNKNOWN_CA:
                leaf = pki.serverCert().issuedBy(pki.unknownRoot());
                flag = "MBEDTLS_X509_BADCERT_NOT_TRUSTED";
                break;
            default:
                leaf = pki.revokedLeaf();
                client = withCrl();
                flag = "MBEDTLS_X509_BADCERT_REVOKED";
                break;
        }
        List<X509Certificate> chain = flaw == Flaw.UNKNOWN_CA ? List.of(leaf.certificate())
                : List.of(leaf.certificate(), pki.intermediate().certificate());
        try (JsseServer server = JsseServer.builder(SslContexts.server(leaf.privateKey(), chain)).start()) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            SSLSocket named = (SSLSocket) client.getSocketFactory().createSocket(s, host, server.port(), true);
            SSLParameters p = named.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            named.setSSLParameters(p);
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, named::startHandshake);
            assertTrue(e.getMessage().contains(flag), e.getMessage());
            assertInstanceOf(CertificateVerificationException.class, e.getCause());
            named.close();
        }
    }

    /** CRLs the standard way: PKIXBuilderParameters with a CertStore of CRLs, into the provider's TrustManagerFactory. */
    private SSLContext withCrl() throws Exception {
        PKIXBuilderParameters params = new PKIXBuilderParameters(Set.of(new TrustAnchor(pki.root().certificate(), null)),
                new X509CertSelector());
        params.addCertStore(CertStore.getInstance("Collection",
                new CollectionCertStoreParameters(List.of(pki.crl().crl()))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", new MbedTlsProvider());
        tmf.init(new CertPathTrustManagerParameters(params));
        return context(tmf.getTrustManagers());
    }

    @Test
    void anApplicationsOwnTrustManagerCanOnlyAddRefusals() throws Exception {
        X509TrustManager jdk = (X509TrustManager) SslEngineTest.trustManagers(pki.root())[0];
        List<String> asked = new ArrayList<>();
        boolean[] refuse = {false};
        X509TrustManager own = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                asked.add(chain[0].getSubjectX500Principal().getName());
                if (refuse[0]) {
                    throw new CertificateException("pinned key does not match");
                }
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return jdk.getAcceptedIssuers();
            }
        };
        SSLContext context = context(new TrustManager[] {own});
        try (JsseServer server = JsseServer.start(pki)) {
            try (SSLSocket s = https(context, TestPki.SERVER_NAME, server.port())) {
                assertEquals("ok", echo(s, "ok"));
            }
            assertEquals(1, asked.size(), "asked after Mbed TLS accepted");
            refuse[0] = true;
            try (SSLSocket s = https(context(new TrustManager[] {own}), TestPki.SERVER_NAME, server.port())) {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
                assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_OTHER")
                        && e.getMessage().contains("pinned key does not match"), e.getMessage());
            }
        }
        // an expired chain is refused by Mbed TLS before the application's trust manager is asked
        int before = asked.size();
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki.expiredLeaf().privateKey(),
                List.of(pki.expiredLeaf().certificate(), pki.intermediate().certificate()))).start();
                SSLSocket s = https(context(new TrustManager[] {own}), TestPki.SERVER_NAME, server.port())) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
            assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_EXPIRED"), e.getMessage());
        }
        assertEquals(before, asked.size());
    }

    /** TLS 1.2: the suite's key exchange; TLS 1.3 (whose suites name none): the key's algorithm, as SunJSSE. */
    static String expectedAuthType(String cipherSuite) {
        int with = cipherSuite.indexOf("_WITH_");
        return with > 0 ? cipherSuite.substring("TLS_".length(), with) : "EC";
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void anX509ExtendedTrustManagerSeesProtocolAndCipherSuiteInTheHandshakeSession(TlsProtocol protocol)
            throws Exception {
        SslEngineTest.assumeSupported(protocol);
        HandshakeSessionProbe probe = new HandshakeSessionProbe(
                (X509TrustManager) SslEngineTest.trustManagers(pki.root())[0]);
        try (JsseServer server = JsseServer.start(pki, protocol);
                SSLSocket s = https(context(new TrustManager[] {probe}), TestPki.SERVER_NAME, server.port())) {
            assertEquals(null, s.getHandshakeSession(), "no handshake yet");
            assertEquals("ok", echo(s, "ok"));
            String suite = s.getSession().getCipherSuite();
            assertEquals(List.of(protocol.protocolName() + " " + suite + " " + expectedAuthType(suite) + " alpn="),
                    probe.seen, "no ALPN offered: \"\"");
            assertEquals(null, s.getHandshakeSession(), "the handshake is over");
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void mutualTlsThroughAKeyManagerWithNginxRequiringAClientCertificate(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        TestCert clientCert = io.github.mbedtlsjni.testing.CertBuilder.client("mbedtls-jni client")
                .keyType(KeyType.EC_P256).issuedBy(pki.intermediate());
        KeyStore ks = SslContexts.keyStore(clientCert.privateKey(),
                List.of(clientCert.certificate(), pki.intermediate().certificate()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(kmf.getKeyManagers(), SslEngineTest.trustManagers(pki.root()), null);
        Path ca = pki.writeChain("client-ca.pem", pki.intermediate(), pki.root());
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-mtls-" + protocol), pki).protocols(protocol)
                .requireClientCertificate(ca).start();
                SSLSocket s = https(context, TestPki.SERVER_NAME, nginx.port())) {
            try {
                s.startHandshake();
            } catch (SSLHandshakeException e) {
                throw new AssertionError("nginx's error log:\n" + nginx.errorLog(), e);
            }
            String response = get(s, "/mtls");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.endsWith(Nginx.body("/mtls", "HTTP/1.1", "CN=mbedtls-jni client")), response);
            assertNotNull(s.getSession().getLocalCertificates());
        }
        // without the key manager nginx refuses
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-mtls-none-" + protocol), pki).protocols(protocol)
                .requireClientCertificate(ca).start();
                SSLSocket s = https(mbed, TestPki.SERVER_NAME, nginx.port())) {
            String response = get(s, "/mtls");
            assertTrue(response.startsWith("HTTP/1.1 400"), response + "\nnginx's error log:\n" + nginx.errorLog());
        }
    }

    /** A GET over HTTP/1.1 with Connection: close, and everything the server answered. */
    private static String get(SSLSocket s, String path) throws java.io.IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    /** Mbed TLS's table against OpenSSL's: every suite both know has one IANA name and the same code point. */
    @Test
    void cipherSuiteNamesMatchTheIanaCodePointsOpenSslKnows() throws Exception {
        Map<String, Integer> openssl = new HashMap<>();
        Pattern line = Pattern.compile("0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\\S+)");
        for (String args : List.of("ALL:COMPLEMENTOFALL", "")) {
            List<String> cmd = new ArrayList<>(List.of("ciphers", "-V", "-stdname"));
            if (!args.isEmpty()) {
                cmd.add(args);
            } else {
                cmd.addAll(List.of("-tls1_3"));
            }
            OpenSsl.Result r = OpenSsl.run(Duration.ofSeconds(30), cmd.toArray(new String[0]));
            Matcher m = line.matcher(r.output());
            while (m.find()) {
                openssl.put(m.group(3), Integer.parseInt(m.group(1) + m.group(2), 16));
            }
        }
        assertTrue(openssl.size() > 30, "OpenSSL listed " + openssl.size());
        int compared = 0;
        for (String iana : CipherSuites.supported()) {
            Integer code = openssl.get(iana);
            if (code != null) {
                assertEquals(code.intValue(), CipherSuites.codePoint(iana), iana);
                assertEquals(iana, CipherSuites.toIana(CipherSuites.toMbed(iana)));
                compared++;
            }
        }
        assertTrue(compared >= 10, "compared " + compared + " suites with OpenSSL");
        // and every IANA name OpenSSL knows that Mbed TLS has too maps to the code point Mbed TLS uses
        for (Map.Entry<String, Integer> e : openssl.entrySet()) {
            if (CipherSuites.toMbed(e.getKey()) != null) {
                assertEquals(e.getValue().intValue(), CipherSuites.codePoint(e.getKey()), e.getKey());
            }
        }
    }

    @Test
    void theProviderIsFoundByServiceLoaderAndHasTheAlgorithmsItNames() throws Exception {
        Provider found = null;
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (MbedTlsProvider.NAME.equals(p.getName())) {
                found = p;
            }
        }
        assertNotNull(found, "META-INF/services/java.security.Provider");
        for (String algorithm : SslEngineTest.supportedContexts()) {
            assertEquals(MbedTlsProvider.NAME, SSLContext.getInstance(algorithm, found).getProvider().getName());
        }
        SSLContext def = SSLContext.getInstance("Default", found);
        assertThrows(java.security.KeyManagementException.class, () -> def.init(null, null, null));
        assertTrue(def.getSocketFactory().getDefaultCipherSuites().length > 0, "Default works without init");
        SSLContext tls12 = SSLContext.getInstance("TLSv1.2", found);
        tls12.init(null, SslEngineTest.trustManagers(pki.root()), null);
        assertArrayEquals(new String[] {"TLSv1.2"}, tls12.getDefaultSSLParameters().getProtocols());
        assertThrows(IllegalArgumentException.class, () -> mbed.createSSLEngine().setEnabledProtocols(new String[] {"TLSv9"}));
    }
}
