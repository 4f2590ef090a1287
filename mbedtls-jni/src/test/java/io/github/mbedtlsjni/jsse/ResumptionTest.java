package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.Nginx;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client-side resumption through the provider's SSLSocket, TLS 1.2 (session ID or ticket) and
 * TLS 1.3 (tickets, taken in by reads), and which kept session a connection may offer: only one
 * its own settings could have made (protocol, cipher suite, endpoint identification, server
 * names), as SunJSSE decides. A session made without a name check never stands in for a
 * handshake that checks the name. And a server on a port that a server of other protocols had
 * (ports are recycled): Mbed TLS, resuming, proposes the session's protocol only, so that
 * handshake fails; the provider says why and drops the session, and the next handshake is a
 * full one. (Tests sharing one context across servers on fresh ports met this as a rare,
 * unexplained fatal alert from nginx; each test here has its own context.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumptionTest {
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

    /** A socket to 127.0.0.1:port for {@code host}, with endpoint identification {@code identification} (or none). */
    private SSLSocket socket(String host, int port, String identification) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        SSLSocket s = (SSLSocket) mbed.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm(identification);
        s.setSSLParameters(p);
        s.setSoTimeout(30_000);
        return s;
    }

    /** One echo round trip (which also takes in a TLS 1.3 ticket), and the session. */
    private static SSLSession echo(SSLSocket s) throws IOException {
        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertEquals("ping", new String(in.readNBytes(4), StandardCharsets.US_ASCII));
        return s.getSession();
    }

    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theNextSocketToTheSameHostAndPortResumes(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        try (JsseServer server = JsseServer.start(pki, protocol)) {
            SSLSession first;
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                first = echo(s);
                assertEquals(protocol.protocolName(), first.getProtocol());
            }
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                assertSame(first, echo(s), "resumed: the same session");
                assertTrue(s.getSession().getLastAccessedTime() >= first.getCreationTime());
                assertEquals(pki.leaf().certificate(), s.getSession().getPeerCertificates()[0],
                        "a resumed session keeps the peer's chain");
            }
            // TLS 1.3: the resumed connection brought a new ticket, so a third resumes again
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                assertSame(first, echo(s));
            }
        }
    }

    @Test
    void aSessionMadeWithoutANameCheckIsNotResumedByAHandshakeThatChecksTheName() throws Exception {
        try (JsseServer server = JsseServer.start(pki)) {
            // JSSE's default: the chain only; the certificate is for localhost, not wrong.example
            try (SSLSocket s = socket("wrong.example", server.port(), null)) {
                echo(s);
            }
            try (SSLSocket s = socket("wrong.example", server.port(), "HTTPS")) {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake,
                        "a full handshake, which checks the name");
                assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_CN_MISMATCH"), e.getMessage());
            }
        }
    }

    @Test
    void otherServerNamesOrCipherSuitesMakeAFullHandshake() throws Exception {
        try (JsseServer server = JsseServer.start(pki, TlsProtocol.TLS_1_2)) {
            SSLSession first;
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                first = echo(s);
            }
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("other.example")));
                s.setSSLParameters(p);
                assertNotSame(first, echo(s), "another SNI: not that session");
            }
            String suite = first.getCipherSuite();
            String other = suite.contains("AES_256") ? suite.replace("AES_256_GCM_SHA384", "AES_128_GCM_SHA256")
                    : suite.replace("AES_128_GCM_SHA256", "AES_256_GCM_SHA384");
            assertTrue(CipherSuites.supported().contains(other), other);
            try (SSLSocket s = socket(TestPki.SERVER_NAME, server.port(), "HTTPS")) {
                s.setEnabledCipherSuites(new String[] {other});
                SSLSession again = echo(s);
                assertNotSame(first, again, "the session's suite is not enabled: not that session");
                assertEquals(other, again.getCipherSuite());
            }
        }
    }

    /**
     * The session context's settings: a session older than the timeout is not offered, and with
     * room for one session the latest server's replaces the one before (least recently used out).
     */
    @Test
    void theSessionContextsTimeoutAndSizeDecideWhatIsOffered() throws Exception {
        try (JsseServer a = JsseServer.start(pki, TlsProtocol.TLS_1_2); JsseServer b = JsseServer.start(pki, TlsProtocol.TLS_1_2)) {
            javax.net.ssl.SSLSessionContext sessions = mbed.getClientSessionContext();
            sessions.setSessionCacheSize(1);
            SSLSession first;
            try (SSLSocket s = socket(TestPki.SERVER_NAME, a.port(), "HTTPS")) {
                first = echo(s);
            }
            try (SSLSocket s = socket(TestPki.SERVER_NAME, b.port(), "HTTPS")) {
                echo(s); // b's session takes the one place
            }
            try (SSLSocket s = socket(TestPki.SERVER_NAME, a.port(), "HTTPS")) {
                assertNotSame(first, echo(s), "a's session was pushed out by b's");
            }
            sessions.setSessionCacheSize(0); // no limit
            SSLSession kept;
            try (SSLSocket s = socket(TestPki.SERVER_NAME, a.port(), "HTTPS")) {
                kept = echo(s);
            }
            assertTrue(kept.isValid());
            sessions.setSessionTimeout(1);
            Thread.sleep(1100); // the session is now older than the timeout, whatever the machine's speed
            assertTrue(!kept.isValid(), "expired");
            try (SSLSocket s = socket(TestPki.SERVER_NAME, a.port(), "HTTPS")) {
                assertNotSame(kept, echo(s), "an expired session is not offered");
            }
            assertThrows(IllegalArgumentException.class, () -> sessions.setSessionTimeout(-1));
            assertThrows(IllegalArgumentException.class, () -> sessions.setSessionCacheSize(-1));
        }
    }

    /**
     * The server at host:port changes: a TLS 1.2-only server where a TLS 1.3 one was, and the
     * other way round. The first handshake fails as Mbed TLS decides (nginx refuses the protocol),
     * saying that it offered that session; the next one is a full handshake and succeeds.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aServerOfOtherProtocolsOnTheSamePortFailsOnceThenGetsAFullHandshake(TlsProtocol before) throws Exception {
        SslEngineTest.assumeSupported(TlsProtocol.TLS_1_3);
        TlsProtocol after = before == TlsProtocol.TLS_1_3 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
        int port;
        try (JsseServer server = JsseServer.start(pki, before)) {
            port = server.port();
            try (SSLSocket s = socket(TestPki.SERVER_NAME, port, "HTTPS")) {
                assertEquals(before.protocolName(), echo(s).getProtocol());
            }
        }
        try (Nginx nginx = Nginx.builder(dir.resolve("nginx-after-" + before), pki).protocols(after).port(port).start()) {
            try (SSLSocket s = socket(TestPki.SERVER_NAME, port, "HTTPS")) {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
                assertTrue(e.getMessage().contains("offered to resume a " + before.protocolName() + " session"),
                        e.getMessage());
                assertInstanceOf(MbedTlsException.class, e.getCause(), "Mbed TLS's code: a fatal alert received");
                assertTrue(nginx.awaitErrorLog("unsupported protocol", Duration.ofSeconds(30)), nginx::errorLog);
            }
            try (SSLSocket s = socket(TestPki.SERVER_NAME, port, "HTTPS")) {
                s.startHandshake();
                assertEquals(after.protocolName(), s.getSession().getProtocol());
            }
        }
    }
}
