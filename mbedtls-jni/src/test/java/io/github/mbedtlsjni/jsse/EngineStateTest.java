package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's state machine against a SunJSSE server engine: the states a handshake and a close
 * go through, with the handshake status and the {@code CLOSED} status following from each;
 * close sequences started by either side and before or during the handshake; failures (a start
 * that cannot set up, a refused certificate, a tampered record, a rehandshake) ending the engine
 * once, their alert handed out, nothing set up again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineStateTest {
    @TempDir
    static Path dir;

    TestPki pki;
    SSLContext jdkServer;
    SSLContext mbed;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        jdkServer = SslContexts.server(pki);
    }

    @BeforeEach
    void freshContext() throws Exception {
        mbed = SocketsAndTrustTest.context(SslEngineTest.trustManagers(pki.root()));
    }

    private static EngineState state(SSLEngine e) {
        return ((MbedTlsEngine) e).state();
    }

    /**
     * Every call of a handshake, some data and a close started by the client: after each, the
     * handshake status is the state's, a result's status is CLOSED exactly when its direction is
     * done, FINISHED is reported once, and the states visited are the table's.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void theStatusesFollowTheStateThroughAHandshakeAndAClose(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        EnginePair p = new EnginePair(mbed, protocol, false, jdkServer);
        SSLEngine c = p.client;
        List<EngineState> seen = new ArrayList<>();
        seen.add(state(c));
        c.beginHandshake();
        seen.add(state(c));
        p.server.beginHandshake();
        int finished = 0;
        for (int i = 0; i < 100 && !(state(c) == EngineState.OPEN
                && p.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING); i++) {
            SSLEngineResult r = c.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
                    ? c.wrap(ByteBuffer.allocate(0), p.toServer) : null;
            finished += check(c, r, seen, true);
            p.stepServer();
            p.toClient.flip();
            if (p.toClient.hasRemaining()) {
                finished += check(c, c.unwrap(p.toClient, ByteBuffer.allocate(20000)), seen, false);
            }
            p.toClient.compact();
        }
        assertEquals(1, finished, "FINISHED once");
        assertEquals(EngineState.OPEN, state(c));
        assertEquals(EngineState.NEW, seen.get(0));
        assertTrue(seen.contains(EngineState.HANDSHAKE_UNWRAP), seen::toString);
        assertEquals("ping", new String(p.clientToServer(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII))),
                StandardCharsets.US_ASCII));

        c.closeOutbound();
        assertEquals(EngineState.CLOSE_REQUESTED, state(c));
        seen.add(state(c));
        check(c, c.wrap(ByteBuffer.allocate(0), p.toServer), seen, true);
        assertEquals(EngineState.OUTBOUND_DONE, state(c));
        p.toServer.flip();
        p.server.unwrap(p.toServer, ByteBuffer.allocate(20000));
        p.server.closeOutbound();
        p.server.wrap(ByteBuffer.allocate(0), p.toClient);
        p.toClient.flip();
        check(c, c.unwrap(p.toClient, ByteBuffer.allocate(20000)), seen, false);
        assertEquals(EngineState.CLOSED, state(c));
        for (int i = 1; i < seen.size(); i++) {
            EngineState from = seen.get(i - 1);
            assertTrue(from == seen.get(i) || reachable(from, seen.get(i)), "transitions of the table: " + seen);
        }
    }

    /**
     * A server engine goes through the same states from {@code HANDSHAKE_UNWRAP} (it speaks
     * second), against SunJSSE's client engine, and closes first: the statuses follow the state
     * at every call, FINISHED once, and the states visited are the table's.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aServerEngineWalksTheSameStates(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        SSLContext server = SSLContext.getInstance("TLS", new MbedTlsProvider());
        server.init(SslContexts.keyManagers(pki).getKeyManagers(), null, null);
        SSLEngine sun = SslContexts.client(pki.root().certificate()).createSSLEngine(TestPki.SERVER_NAME, 443);
        sun.setUseClientMode(true);
        EnginePair p = new EnginePair(sun, protocol, false, server);
        SSLEngine s = p.server;
        List<EngineState> seen = new ArrayList<>(List.of(state(s)));
        s.beginHandshake();
        assertEquals(EngineState.HANDSHAKE_UNWRAP, state(s));
        seen.add(state(s));
        sun.beginHandshake();
        int finished = 0;
        for (int i = 0; i < 100 && !(state(s) == EngineState.OPEN
                && sun.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING); i++) {
            p.stepClient();
            p.toServer.flip();
            if (p.toServer.hasRemaining()) {
                finished += check(s, s.unwrap(p.toServer, ByteBuffer.allocate(20000)), seen, false);
            }
            p.toServer.compact();
            while (s.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                finished += check(s, s.wrap(ByteBuffer.allocate(0), p.toClient), seen, true);
            }
        }
        assertEquals(1, finished, "FINISHED once");
        assertEquals(EngineState.OPEN, state(s));
        assertEquals(protocol.protocolName(), s.getSession().getProtocol());

        s.closeOutbound();
        seen.add(state(s));
        check(s, s.wrap(ByteBuffer.allocate(0), p.toClient), seen, true);
        assertEquals(EngineState.OUTBOUND_DONE, state(s));
        p.toClient.flip();
        sun.unwrap(p.toClient, ByteBuffer.allocate(20000));
        p.toClient.compact();
        sun.closeOutbound();
        sun.wrap(ByteBuffer.allocate(0), p.toServer);
        p.toServer.flip();
        check(s, s.unwrap(p.toServer, ByteBuffer.allocate(20000)), seen, false);
        assertEquals(EngineState.CLOSED, state(s));
        for (int i = 1; i < seen.size(); i++) {
            EngineState from = seen.get(i - 1);
            assertTrue(from == seen.get(i) || reachable(from, seen.get(i)), "transitions of the table: " + seen);
        }
    }

    /**
     * Whether the table leads from {@code from} to {@code to}: between two observations one call
     * may have made several transitions (a flight made, staged and handed out).
     */
    private static boolean reachable(EngineState from, EngineState to) {
        java.util.Set<EngineState> seen = java.util.EnumSet.of(from);
        java.util.ArrayDeque<EngineState> next = new java.util.ArrayDeque<>(seen);
        while (!next.isEmpty()) {
            EngineState s = next.poll();
            for (EngineState t : EngineState.values()) {
                if (s.mayBecome(t) && seen.add(t)) {
                    next.add(t);
                }
            }
        }
        return seen.contains(to);
    }

    /** Checks one result against the state after it; returns 1 if it reported FINISHED. */
    private static int check(SSLEngine c, SSLEngineResult r, List<EngineState> seen, boolean wrap) {
        EngineState s = state(c);
        seen.add(s);
        assertEquals(s.handshakeStatus, c.getHandshakeStatus(), "getHandshakeStatus() is the state's: " + s);
        assertEquals(s.inboundDone, c.isInboundDone());
        assertEquals(s.outboundDone, c.isOutboundDone());
        if (r == null) {
            return 0;
        }
        if (r.getHandshakeStatus() != HandshakeStatus.FINISHED) {
            assertEquals(s.handshakeStatus, r.getHandshakeStatus(), "the result's handshake status: " + r + " in " + s);
        }
        assertEquals(wrap ? s.outboundDone : s.inboundDone, r.getStatus() == Status.CLOSED,
                "CLOSED exactly when the direction is done: " + r + " in " + s);
        return r.getHandshakeStatus() == HandshakeStatus.FINISHED ? 1 : 0;
    }

    /** A key manager that fails every time it is asked, counting. */
    static final class FailingKeyManager extends AliasKeyManager {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        String chooseAlias() {
            asked.incrementAndGet();
            throw new IllegalStateException("the key store is not there");
        }
    }

    /**
     * A start that cannot set up (the key manager fails) ends the engine: the failure once, as
     * SSLHandshakeException, then CLOSED with nothing handed out; no second set-up on the next
     * call (the key manager is asked once), and a new handshake is refused.
     */
    @Test
    void aFailedStartIsFinalAndNothingIsSetUpAgain() throws Exception {
        for (boolean begin : new boolean[] {true, false}) {
            FailingKeyManager km = new FailingKeyManager();
            SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
            context.init(new KeyManager[] {km}, SslEngineTest.trustManagers(pki.root()), null);
            SSLEngine e = SslEngineTest.https(context.createSSLEngine(TestPki.SERVER_NAME, 443));
            SSLHandshakeException first = assertThrows(SSLHandshakeException.class,
                    () -> {
                        if (begin) {
                            e.beginHandshake();
                        } else {
                            e.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(20000));
                        }
                    });
            assertTrue(first.getMessage().contains("the key store is not there"), first.getMessage());
            assertEquals(HandshakeStatus.NEED_WRAP, e.getHandshakeStatus(), "the end is to be wrapped");
            assertTrue(e.isInboundDone());
            SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(20000));
            assertEquals(Status.CLOSED, r.getStatus());
            assertEquals(0, r.bytesProduced(), "no handshake happened: nothing to say");
            assertEquals(HandshakeStatus.NOT_HANDSHAKING, r.getHandshakeStatus());
            assertTrue(e.isOutboundDone() && e.isInboundDone());
            assertEquals(Status.CLOSED, e.unwrap(ByteBuffer.allocate(10), ByteBuffer.allocate(20000)).getStatus());
            SSLException again = assertThrows(SSLException.class, e::beginHandshake);
            assertTrue(again.getMessage().contains("closed"), again.getMessage());
            assertEquals(1, km.asked.get(), "set up once: the failure is final");
        }
    }

    @Test
    void closeStartedByTheClient() throws Exception {
        EnginePair p = new EnginePair(mbed, TlsProtocol.TLS_1_2, false, jdkServer);
        p.handshake();
        p.client.closeOutbound();
        assertFalse(p.client.isOutboundDone());
        assertEquals(HandshakeStatus.NEED_WRAP, p.client.getHandshakeStatus());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), p.toServer);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0);
        assertTrue(p.client.isOutboundDone());
        assertFalse(p.client.isInboundDone());

        p.toServer.flip();
        r = p.server.unwrap(p.toServer, ByteBuffer.allocate(20000));
        assertEquals(Status.CLOSED, r.getStatus());
        r = p.server.wrap(ByteBuffer.allocate(0), p.toClient);
        assertEquals(Status.CLOSED, r.getStatus());
        p.toClient.flip();
        r = p.client.unwrap(p.toClient, ByteBuffer.allocate(20000));
        assertEquals(Status.CLOSED, r.getStatus());
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, r.getHandshakeStatus());
        assertTrue(p.client.isInboundDone());
        assertRemainsClosed(p.client);
    }

    @Test
    void closeStartedByTheServerIsAnsweredWithCloseNotify() throws Exception {
        EnginePair p = new EnginePair(mbed, TlsProtocol.TLS_1_2, true, jdkServer);
        p.handshake();
        p.server.closeOutbound();
        p.server.wrap(ByteBuffer.allocate(0), p.toClient);
        p.toClient.flip();
        SSLEngineResult r = p.client.unwrap(p.toClient, ByteBuffer.allocateDirect(20000));
        assertEquals(Status.CLOSED, r.getStatus());
        assertEquals(HandshakeStatus.NEED_WRAP, r.getHandshakeStatus());
        assertTrue(p.client.isInboundDone());
        assertFalse(p.client.isOutboundDone());
        r = p.client.wrap(ByteBuffer.allocate(0), p.toServer);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0, "close_notify answered");
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, r.getHandshakeStatus());
        p.toServer.flip();
        r = p.server.unwrap(p.toServer, ByteBuffer.allocate(20000));
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(p.server.isInboundDone());
        assertRemainsClosed(p.client);
    }

    private static void assertRemainsClosed(SSLEngine e) throws SSLException {
        for (SSLEngineResult r : new SSLEngineResult[] {e.wrap(ByteBuffer.allocate(10), ByteBuffer.allocate(20000)),
                e.unwrap(ByteBuffer.allocate(10), ByteBuffer.allocate(20000))}) {
            assertEquals(Status.CLOSED, r.getStatus());
            assertEquals(HandshakeStatus.NOT_HANDSHAKING, r.getHandshakeStatus());
            assertEquals(0, r.bytesConsumed());
            assertEquals(0, r.bytesProduced());
        }
    }

    @Test
    void closeBeforeOrDuringTheHandshake() throws Exception {
        SSLEngine e = mbed.createSSLEngine();
        e.closeInbound(); // nothing started: no truncation
        e.closeOutbound();
        assertThrows(SSLException.class, e::beginHandshake);

        SSLEngine started = mbed.createSSLEngine(TestPki.SERVER_NAME, 443);
        started.beginHandshake();
        assertThrows(SSLException.class, started::closeInbound, "closeInbound before the peer's close_notify");

        SSLEngine closing = mbed.createSSLEngine(TestPki.SERVER_NAME, 443);
        closing.beginHandshake();
        closing.closeOutbound();
        SSLEngineResult r = closing.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(20000));
        assertEquals(Status.CLOSED, r.getStatus());
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, r.getHandshakeStatus());
    }

    @Test
    void aRehandshakeIsRefusedOnBothSides() throws Exception {
        EnginePair p = new EnginePair(mbed, TlsProtocol.TLS_1_2, false, jdkServer);
        p.handshake();
        SSLException ours = assertThrows(SSLException.class, p.client::beginHandshake);
        assertTrue(ours.getMessage().contains("renegotiation"), ours.getMessage());

        // The server asks (TLS 1.2 HelloRequest): the client answers no_renegotiation, never a ClientHello.
        p.server.beginHandshake();
        p.stepServer();
        p.toClient.flip();
        SSLEngineResult r = p.client.unwrap(p.toClient, ByteBuffer.allocate(20000));
        p.toClient.compact();
        assertEquals(Status.OK, r.getStatus());
        assertEquals(0, r.bytesProduced());
        assertEquals(HandshakeStatus.NEED_WRAP, r.getHandshakeStatus(), "the refusal is to be sent");
        r = p.client.wrap(ByteBuffer.allocate(0), p.toServer);
        assertTrue(r.bytesProduced() > 0 && r.bytesProduced() < 100, "one alert record: " + r);
        p.toServer.flip();
        Exception serverSide = null;
        try {
            p.server.unwrap(p.toServer, ByteBuffer.allocate(20000));
        } catch (SSLException e) {
            serverSide = e;
        }
        // SunJSSE ends the connection on the refusal, or goes on without renegotiating: never a second handshake
        assertTrue(serverSide != null || p.server.getHandshakeStatus() != HandshakeStatus.NEED_TASK, String.valueOf(serverSide));
        assertEquals(1, p.clientFinished);
    }

    @Test
    void aRefusedCertificateIsAnSslHandshakeExceptionNamingMbedTlsFlags() throws Exception {
        SSLContext expired = SslContexts.server(pki.expiredLeaf().privateKey(),
                List.of(pki.expiredLeaf().certificate(), pki.intermediate().certificate()));
        EnginePair p = new EnginePair(mbed, null, false, expired);
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, p::handshake);
        assertTrue(e.getMessage().contains("MBEDTLS_X509_BADCERT_EXPIRED"), e.getMessage());
        CertificateVerificationException cause = assertInstanceOf(CertificateVerificationException.class, e.getCause());
        assertTrue(cause.verifyResult().flagNames().contains("MBEDTLS_X509_BADCERT_EXPIRED"));
        // the alert is handed out, then the engine is closed
        assertEquals(HandshakeStatus.NEED_WRAP, p.client.getHandshakeStatus());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), p.toServer);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0, "the fatal alert");
        assertTrue(p.client.isOutboundDone() && p.client.isInboundDone());
    }

    /**
     * A record changed on the way after the handshake: unwrap throws an SSLException (not a
     * handshake one) whose cause is the MbedTlsException with Mbed TLS's code; the fatal alert
     * Mbed TLS made is handed out by the next wrap, then the engine is closed both ways.
     */
    @ParameterizedTest
    @EnumSource(TlsProtocol.class)
    void aTamperedRecordIsAnSslExceptionWithMbedTlsCodeThenTheAlertThenClosed(TlsProtocol protocol) throws Exception {
        SslEngineTest.assumeSupported(protocol);
        EnginePair p = new EnginePair(mbed, protocol, false, jdkServer);
        p.handshake();
        ByteBuffer record = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        p.server.wrap(ByteBuffer.wrap("secret".getBytes(StandardCharsets.US_ASCII)), record);
        record.flip();
        record.put(record.limit() - 1, (byte) (record.get(record.limit() - 1) ^ 1)); // in the tag
        SSLException e = assertThrows(SSLException.class,
                () -> p.client.unwrap(record, ByteBuffer.allocate(p.client.getSession().getApplicationBufferSize())));
        assertFalse(e instanceof SSLHandshakeException, e::toString);
        io.github.mbedtlsjni.mbedtls.MbedTlsException cause = assertInstanceOf(io.github.mbedtlsjni.mbedtls.MbedTlsException.class,
                e.getCause());
        assertTrue(e.getMessage().contains("mbedtls_ssl_read") && e.getMessage().contains(cause.errorName()),
                e.getMessage());
        assertEquals(HandshakeStatus.NEED_WRAP, p.client.getHandshakeStatus(), "the alert is to be sent");
        ByteBuffer alert = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), alert);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0, "the fatal alert: " + r);
        assertTrue(p.client.isInboundDone() && p.client.isOutboundDone());
        alert.flip();
        assertThrows(SSLException.class, () -> p.server.unwrap(alert, ByteBuffer.allocate(20000)),
                "SunJSSE reads a fatal alert");
    }
}
