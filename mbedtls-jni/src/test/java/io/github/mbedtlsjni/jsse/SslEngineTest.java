package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestCert;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The provider's SSLEngine against a SunJSSE server engine, in memory: what Netty's and
 * Conscrypt's engine tests check. Handshakes (TLS 1.2 and 1.3, heap and direct buffers), data
 * both ways with several buffers, FINISHED once, tiny and oversized buffers
 * (BUFFER_OVERFLOW/BUFFER_UNDERFLOW, nothing consumed), records split at every byte, several
 * records in one buffer, close sequences started by either side, the state after close,
 * rehandshakes refused (ours and the server's), refused certificates, and no heap allocation
 * per wrap/unwrap in steady state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SslEngineTest {
    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext mbed;
    SSLContext jdkServer;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        jdkServer = SslContexts.server(pki);
    }

    /** A context per test, so that no test resumes a session another one made. */
    @BeforeEach
    void freshContext() throws Exception {
        mbed = SSLContext.getInstance("TLS", new MbedTlsProvider());
        mbed.init(null, trustManagers(pki.root()), null);
    }

    static javax.net.ssl.TrustManager[] trustManagers(TestCert... anchors) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < anchors.length; i++) {
            ks.setCertificateEntry("ca" + i, anchors[i].certificate());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    static SSLEngine https(SSLEngine e) {
        SSLParameters p = e.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        e.setSSLParameters(p);
        return e;
    }

    /** The socket with endpoint identification HTTPS, as HTTP clients set it. */
    static javax.net.ssl.SSLSocket https(javax.net.ssl.SSLSocket s) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        return s;
    }

    static long remaining(ByteBuffer[] buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return n;
    }

    /** The SSLContext algorithms the provider has on this build. */
    static List<String> supportedContexts() {
        return MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3") ? List.of("TLS", "TLSv1.2", "TLSv1.3", "Default")
                : List.of("TLS", "TLSv1.2", "Default");
    }

    static void assumeSupported(TlsProtocol protocol) {
        assumeTrue(protocol != TlsProtocol.TLS_1_3 || MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3"),
                "TLS 1.3 needs Mbed TLS 3.x");
    }

    enum Kind { TLS12_HEAP, TLS12_DIRECT, TLS13_HEAP, TLS13_DIRECT }

    static TlsProtocol protocol(Kind k) {
        return k.name().startsWith("TLS12") ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
    }

    static boolean direct(Kind k) {
        return k.name().endsWith("DIRECT");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void handshakesWithASunJsseServerEngineAndMovesDataBothWays(Kind kind) throws Exception {
        assumeSupported(protocol(kind));
        EnginePair p = new EnginePair(mbed, protocol(kind), direct(kind), jdkServer);
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, p.client.getHandshakeStatus());
        p.handshake();
        assertEquals(1, p.clientFinished, "FINISHED exactly once");
        assertEquals(protocol(kind).protocolName(), p.client.getSession().getProtocol());
        assertEquals(p.server.getSession().getCipherSuite(), p.client.getSession().getCipherSuite());
        assertEquals(p.server.getSession().getProtocol(), p.client.getSession().getProtocol());
        assertEquals(pki.leaf().certificate(), p.client.getSession().getPeerCertificates()[0]);
        assertEquals("", p.client.getApplicationProtocol());

        byte[] data = new byte[100_000];
        new Random(1).nextBytes(data);
        // several buffers, of several sizes, one empty
        ByteBuffer[] parts = {p.buffer(10), p.buffer(0), p.buffer(50_000), p.buffer(49_990)};
        int off = 0;
        for (ByteBuffer b : parts) {
            b.put(data, off, b.remaining());
            off += b.capacity();
            b.flip();
        }
        assertArrayEquals(data, p.clientToServer(parts));

        byte[] back = "the server's answer, in two buffers".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer first = p.buffer(10);
        ByteBuffer second = p.buffer(p.client.getSession().getApplicationBufferSize());
        assertArrayEquals(back, p.serverToClient(back, first, second));
        assertEquals(10, first.limit(), "the first buffer was filled first");
    }

    @Test
    void tooSmallBuffersGiveOverflowAndUnderflowAndConsumeNothing() throws Exception {
        EnginePair p = new EnginePair(mbed, null, false, jdkServer);
        // wrap of the ClientHello into 10 bytes: BUFFER_OVERFLOW, nothing produced
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(10));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesProduced());
        p.handshake();

        // unwrap of a partial record: BUFFER_UNDERFLOW, nothing consumed
        ByteBuffer record = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        p.server.wrap(ByteBuffer.wrap("12345678901234567890".getBytes(StandardCharsets.US_ASCII)), record);
        record.flip();
        ByteBuffer part = ByteBuffer.allocate(record.remaining() - 1);
        part.put(record.duplicate().limit(record.limit() - 1)).flip();
        r = p.client.unwrap(part, ByteBuffer.allocate(100));
        assertEquals(Status.BUFFER_UNDERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        assertEquals(0, part.position());

        // unwrap into a buffer too small for the plaintext: BUFFER_OVERFLOW, nothing consumed
        r = p.client.unwrap(record, ByteBuffer.allocate(3));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        ByteBuffer app = ByteBuffer.allocate(p.client.getSession().getApplicationBufferSize());
        r = p.client.unwrap(record, app);
        assertEquals(Status.OK, r.getStatus());
        assertEquals(20, r.bytesProduced());

        // wrap into a buffer too small for any record: BUFFER_OVERFLOW, nothing consumed
        ByteBuffer src = ByteBuffer.wrap(new byte[1000]);
        r = p.client.wrap(src, ByteBuffer.allocate(20));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        assertEquals(0, src.position());
        // a small buffer gets a small record
        ByteBuffer small = ByteBuffer.allocate(200);
        r = p.client.wrap(src, small);
        assertEquals(Status.OK, r.getStatus());
        assertTrue(r.bytesConsumed() > 0 && r.bytesProduced() <= 200, r::toString);
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void recordsSplitAtEveryByteStillMakeAHandshakeAndData(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        EnginePair p = new EnginePair(mbed, protocol, false, jdkServer);
        p.client.beginHandshake();
        p.server.beginHandshake();
        // The server's bytes reach the client one at a time.
        ByteBuffer trickle = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize() * 4);
        int underflows = 0;
        for (int i = 0; i < 5000 && !(p.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && p.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING); i++) {
            if (p.client.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                p.client.wrap(ByteBuffer.allocate(0), p.toServer);
            }
            p.stepServer();
            p.toClient.flip();
            if (p.toClient.hasRemaining()) {
                trickle.put(p.toClient.get());
            }
            p.toClient.compact();
            trickle.flip();
            SSLEngineResult r = p.client.unwrap(trickle, ByteBuffer.allocate(20000));
            if (r.getStatus() == Status.BUFFER_UNDERFLOW) {
                underflows++;
                assertEquals(0, r.bytesConsumed());
            }
            trickle.compact();
        }
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, p.client.getHandshakeStatus());
        assertTrue(underflows > 100, "every partial record was an underflow: " + underflows);
        assertEquals(protocol.protocolName(), p.client.getSession().getProtocol());
    }

    @Test
    void severalRecordsInOneBufferAreUnwrappedOneAtATimeAndAnOversizedBufferIsFine() throws Exception {
        EnginePair p = new EnginePair(mbed, null, true, jdkServer);
        p.handshake();
        ByteBuffer big = ByteBuffer.allocateDirect(p.server.getSession().getPacketBufferSize() * 8);
        for (int i = 0; i < 3; i++) {
            p.server.wrap(ByteBuffer.wrap(("record-" + i).getBytes(StandardCharsets.US_ASCII)), big);
        }
        big.flip();
        ByteBuffer app = ByteBuffer.allocateDirect(p.client.getSession().getApplicationBufferSize() * 4);
        List<Integer> produced = new ArrayList<>();
        while (big.hasRemaining()) {
            SSLEngineResult r = p.client.unwrap(big, app);
            assertEquals(Status.OK, r.getStatus());
            if (r.bytesProduced() > 0) {
                produced.add(r.bytesProduced());
            }
        }
        // SunJSSE may send a TLS 1.3 ticket first; the data records are one per unwrap
        assertEquals(List.of(8, 8, 8), produced);
        app.flip();
        byte[] got = new byte[app.remaining()];
        app.get(got);
        assertEquals("record-0record-1record-2", new String(got, StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theSecondEngineToTheSameServerResumesTheSessionTls13TicketsIncluded(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(null, trustManagers(pki.root()), null);
        SSLContext server = SslContexts.server(pki);
        List<javax.net.ssl.SSLSession> sessions = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            EnginePair run = new EnginePair(https(context.createSSLEngine(TestPki.SERVER_NAME, 8443)), protocol, false, server);
            run.handshake();
            // TLS 1.3: the server's ticket comes with its first data and produces nothing itself
            byte[] data = run.serverToClient("x".getBytes(StandardCharsets.US_ASCII),
                    ByteBuffer.allocate(run.client.getSession().getApplicationBufferSize()));
            assertEquals("x", new String(data, StandardCharsets.US_ASCII));
            sessions.add(run.client.getSession());
        }
        assertTrue(sessions.get(0) == sessions.get(1), "the second connection resumed the first one's session: "
                + sessions);
        byte[] id = sessions.get(0).getId();
        if (id.length > 0) { // with tickets a server may send no session id
            assertTrue(context.getClientSessionContext().getSession(id) == sessions.get(0));
        }
        context.getClientSessionContext().setSessionCacheSize(0); // 0: no limit
        sessions.get(0).invalidate();
        assertFalse(sessions.get(0).isValid());
        EnginePair third = new EnginePair(https(context.createSSLEngine(TestPki.SERVER_NAME, 8443)), protocol, false, server);
        third.handshake();
        assertTrue(third.client.getSession() != sessions.get(0), "an invalidated session is not resumed");
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theHandshakeSessionHasProtocolAndCipherSuiteOnceTheServerChoseThem(TlsProtocol protocol) throws Exception {
        assumeSupported(protocol);
        HandshakeSessionProbe probe = new HandshakeSessionProbe((javax.net.ssl.X509TrustManager) trustManagers(pki.root())[0]);
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(null, new javax.net.ssl.TrustManager[] {probe}, null);
        SSLEngine client = https(context.createSSLEngine(TestPki.SERVER_NAME, 443));
        SSLParameters offer = client.getSSLParameters();
        offer.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        client.setSSLParameters(offer);
        EnginePair p = new EnginePair(client, protocol, true, jdkServer);
        SSLParameters choose = p.server.getSSLParameters();
        choose.setApplicationProtocols(new String[] {"h2"});
        p.server.setSSLParameters(choose);
        p.client.beginHandshake();
        javax.net.ssl.SSLSession early = p.client.getHandshakeSession();
        assertEquals("NONE", early.getProtocol(), "before the server's hello nothing is negotiated");
        assertEquals("SSL_NULL_WITH_NULL_NULL", early.getCipherSuite());
        assertEquals(null, p.client.getHandshakeApplicationProtocol(), "not determined yet");
        p.handshake();
        String suite = p.client.getSession().getCipherSuite();
        assertEquals(p.server.getSession().getCipherSuite(), suite);
        assertEquals(List.of(protocol.protocolName() + " " + suite + " " + SocketsAndTrustTest.expectedAuthType(suite)
                + " alpn=h2"), probe.seen, "what the trust manager saw during the handshake");
        assertEquals(null, p.client.getHandshakeSession());
        assertEquals(null, p.client.getHandshakeApplicationProtocol());
        assertEquals("h2", p.client.getApplicationProtocol());
    }

    @Test
    void wrongHostWithEndpointIdentificationIsRefusedWithoutItOnlyTheChainCounts() throws Exception {
        EnginePair p = new EnginePair(https(mbed.createSSLEngine("wrong.example", 443)), null, false, jdkServer);
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, p::handshake);
        assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_CN_MISMATCH"), e.getMessage());

        SSLEngine lax = mbed.createSSLEngine("wrong.example", 443); // no endpoint identification: JSSE's default
        EnginePair q = new EnginePair(lax, null, false, jdkServer);
        q.handshake();
        assertEquals(List.of(new javax.net.ssl.SNIHostName("wrong.example")),
                ((javax.net.ssl.ExtendedSSLSession) lax.getSession()).getRequestedServerNames());
    }

    @Test
    void serverModeIsTheSameEngines() {
        SSLEngine e = mbed.createSSLEngine();
        assertTrue(e.getUseClientMode());
        e.setUseClientMode(false); // ServerEngineTest runs it
        assertFalse(e.getUseClientMode());
        assertNotNull(mbed.getServerSessionContext());
    }

    /**
     * The parameter steps of {@link #sslParametersBehaveAsSunJsses}, applied through a getter and a
     * setter: what each step leaves, as text (names and settings a client has; algorithm
     * constraints by identity, since SunJSSE's default is an object of its own).
     */
    static List<String> parameterSteps(java.util.function.Supplier<SSLParameters> get,
            java.util.function.Consumer<SSLParameters> set, java.util.function.Consumer<String[]> setSuites,
            java.util.function.Consumer<String[]> setProtocols) {
        java.security.AlgorithmConstraints constraints = new java.security.AlgorithmConstraints() {
            @Override
            public boolean permits(java.util.Set<java.security.CryptoPrimitive> p, String a,
                    java.security.AlgorithmParameters ps) {
                return true;
            }

            @Override
            public boolean permits(java.util.Set<java.security.CryptoPrimitive> p, java.security.Key k) {
                return true;
            }

            @Override
            public boolean permits(java.util.Set<java.security.CryptoPrimitive> p, String a, java.security.Key k,
                    java.security.AlgorithmParameters ps) {
                return true;
            }
        };
        java.util.function.Function<SSLParameters, String> describe = p -> String.join(" | ",
                String.valueOf(p.getCipherSuites() == null ? null : List.of(p.getCipherSuites())),
                String.valueOf(p.getProtocols() == null ? null : List.of(p.getProtocols())),
                "names " + p.getServerNames(), "id " + p.getEndpointIdentificationAlgorithm(),
                "alpn " + List.of(p.getApplicationProtocols()),
                "constraints " + (p.getAlgorithmConstraints() == constraints ? "set" : "default"));
        List<String> states = new ArrayList<>();
        SSLParameters p = get.get();
        // suites both providers have, on every Mbed TLS line (2.28 has no TLS 1.3 suites)
        p.setCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
        p.setProtocols(new String[] {"TLSv1.2"});
        p.setServerNames(List.of(new javax.net.ssl.SNIHostName("a.example")));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        p.setAlgorithmConstraints(constraints);
        set.accept(p);
        states.add("set: " + describe.apply(get.get()));
        set.accept(new SSLParameters()); // Paho's way: only what it sets
        states.add("set nothing: " + describe.apply(get.get()));
        SSLParameters noSni = new SSLParameters();
        noSni.setServerNames(List.of());
        set.accept(noSni);
        states.add("no SNI: " + describe.apply(get.get()));
        for (String[] bad : new String[][] {{"TLS_NO_SUCH_SUITE"}, {null}}) {
            try {
                setSuites.accept(bad);
                states.add("suites " + List.of(bad).toString() + " accepted");
            } catch (IllegalArgumentException e) {
                states.add("suites " + java.util.Arrays.toString(bad) + ": IllegalArgumentException");
            }
        }
        setSuites.accept(new String[] {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
        states.add("signalling suite: " + List.of(get.get().getCipherSuites()));
        try {
            setProtocols.accept(new String[] {"TLSv9"});
            states.add("TLSv9 accepted");
        } catch (IllegalArgumentException e) {
            states.add("TLSv9: IllegalArgumentException");
        }
        return states;
    }

    /** getSSLParameters/setSSLParameters and setEnabled* of the provider's engine against SunJSSE's, step by step. */
    @Test
    void sslParametersBehaveAsSunJsses() throws Exception {
        SSLContext sun = SSLContext.getInstance("TLS");
        sun.init(null, trustManagers(pki.root()), null);
        SSLEngine theirs = sun.createSSLEngine(TestPki.SERVER_NAME, 443);
        theirs.setUseClientMode(true);
        SSLEngine ours = mbed.createSSLEngine(TestPki.SERVER_NAME, 443);
        assertEquals(theirs.getSSLParameters().getServerNames(), ours.getSSLParameters().getServerNames(),
                "none set: null, the host is the default at the handshake");
        List<String> expected = parameterSteps(theirs::getSSLParameters, theirs::setSSLParameters,
                theirs::setEnabledCipherSuites, theirs::setEnabledProtocols);
        assertEquals(expected, parameterSteps(ours::getSSLParameters, ours::setSSLParameters,
                ours::setEnabledCipherSuites, ours::setEnabledProtocols));
        assertTrue(expected.get(1).contains("id HTTPS") && expected.get(1).contains("alpn []"), expected::toString);
    }

    /**
     * Every cipher suite the provider and SunJSSE both have (ECDSA and RSA keys) is negotiated
     * when it alone is enabled, under the same IANA name on both sides: the mapping from Mbed
     * TLS's names holds in practice, both ways.
     */
    @Test
    void everySuiteBothHaveIsNegotiatedUnderTheSameName() throws Exception {
        TestPki rsa = TestPki.create(dir.resolve("rsa"), KeyType.RSA_2048, "RSA");
        SSLContext rsaServer = SslContexts.server(rsa);
        SSLContext rsaClient = SSLContext.getInstance("TLS", new MbedTlsProvider());
        rsaClient.init(null, trustManagers(rsa.root()), null);
        List<String> negotiated = new ArrayList<>();
        List<String> sunSuites = List.of(jdkServer.getSupportedSSLParameters().getCipherSuites());
        for (String suite : CipherSuites.supported()) {
            if (!sunSuites.contains(suite) || suite.contains("_PSK_") || suite.contains("_anon_")
                    || suite.startsWith("TLS_RSA_") || suite.startsWith("TLS_DHE_") || suite.startsWith("TLS_ECDH_")) {
                continue; // not one a SunJSSE server with default settings and these keys agrees to
            }
            boolean tls13 = CipherSuites.isTls13(suite);
            boolean ecdsa = tls13 || suite.contains("_ECDSA_");
            SSLEngine e = https((ecdsa ? mbed : rsaClient).createSSLEngine(TestPki.SERVER_NAME, 443));
            e.setEnabledCipherSuites(new String[] {suite});
            EnginePair p = new EnginePair(e, tls13 ? TlsProtocol.TLS_1_3 : TlsProtocol.TLS_1_2, false, ecdsa ? jdkServer : rsaServer);
            p.server.setEnabledCipherSuites(new String[] {suite});
            p.handshake();
            assertEquals(suite, p.client.getSession().getCipherSuite());
            assertEquals(suite, p.server.getSession().getCipherSuite());
            negotiated.add(suite);
        }
        System.out.println("SslEngineTest: negotiated with SunJSSE under the same name: " + negotiated);
        assertTrue(negotiated.size() >= (MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3") ? 8 : 5), negotiated::toString);
    }

    enum Buffers { DIRECT_ARRAYS, DIRECT_SINGLE, HEAP_SINGLE }

    /**
     * Steady-state wrap and unwrap allocate nothing on the Java heap, in the style of
     * AllocationTest: the bytes this thread allocates (the JVM's per-thread counter) over
     * thousands of calls, after as many to warm up, stay below one byte per call. Both the array
     * forms and the single-buffer ones (which SSLEngine implements with a new array per call, and
     * Netty and HttpClient use), direct buffers and heap ones (copied once, no allocation either).
     * Each unwrap that finds a record is preceded by one that finds none (BUFFER_UNDERFLOW), as
     * a reader on a socket alternates.
     */
    @ParameterizedTest
    @EnumSource(Buffers.class)
    void steadyStateWrapAndUnwrapAllocateNothing(Buffers kind) throws Exception {
        boolean direct = kind != Buffers.HEAP_SINGLE;
        EnginePair p = new EnginePair(mbed, null, direct, jdkServer);
        p.handshake();
        int rounds = 4000;
        ByteBuffer src = p.buffer(64);
        ByteBuffer net = p.buffer(p.client.getSession().getPacketBufferSize());
        ByteBuffer app = p.buffer(p.client.getSession().getApplicationBufferSize());
        ByteBuffer[] srcs = {src};
        ByteBuffer[] dsts = {app};
        ByteBuffer nothingYet = p.buffer(0);
        // the server's records, all alike, for the client to unwrap
        ByteBuffer serverRecords = p.buffer(2 * rounds * (64 + 64));
        for (int i = 0; i < 2 * rounds; i++) {
            assertEquals(Status.OK, p.server.wrap(ByteBuffer.wrap(new byte[64]), serverRecords).getStatus());
        }
        serverRecords.flip();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = 0;
        for (int i = 0; i < 2 * rounds; i++) {
            if (i == rounds) {
                before = threads.getThreadAllocatedBytes(id); // after as many calls to warm up
            }
            src.clear();
            net.clear();
            app.clear();
            SSLEngineResult w = kind == Buffers.DIRECT_ARRAYS ? p.client.wrap(srcs, 0, 1, net) : p.client.wrap(src, net);
            SSLEngineResult none = kind == Buffers.DIRECT_ARRAYS ? p.client.unwrap(nothingYet, dsts, 0, 1)
                    : p.client.unwrap(nothingYet, app);
            SSLEngineResult u = kind == Buffers.DIRECT_ARRAYS ? p.client.unwrap(serverRecords, dsts, 0, 1)
                    : p.client.unwrap(serverRecords, app);
            if (w.bytesConsumed() != 64 || none.getStatus() != Status.BUFFER_UNDERFLOW || u.bytesProduced() != 64) {
                throw new AssertionError(w + " / " + none + " / " + u); // no assertion message built in the loop
            }
        }
        long bytes = threads.getThreadAllocatedBytes(id) - before;
        int calls = 3 * rounds;
        System.out.println("SslEngineTest: " + bytes + " heap bytes over " + calls + " steady-state wrap/unwrap calls ("
                + kind + ")");
        assertTrue(bytes < calls, bytes + " bytes allocated over " + calls + " wrap/unwrap calls (" + kind + ")");
    }
}
