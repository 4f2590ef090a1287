package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mbedtlsjni.mbedtls.Lifecycle.State;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SslContext's lifecycle is one state, moved only along the transitions of {@link Lifecycle}:
 * set up, configured (a bio given), handshaking, open, closed; a step out of order throws before
 * reaching the native code, and a closed context stays closed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextLifecycleTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @Test
    void aSocketContextWalksItsStatesInOrder() {
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            assertEquals(State.SET_UP, c.ssl.lifecycle.state(), "prepare() ran setup");
            c.ssl.setHostname(TestPki.SERVER_NAME);
            assertEquals(State.SET_UP, c.ssl.lifecycle.state(), "a configuration step moves nothing");
            c.net.connect("127.0.0.1", server.port());
            c.ssl.setBio(c.net);
            assertEquals(State.CONFIGURED, c.ssl.lifecycle.state());
            c.ssl.handshake();
            assertEquals(State.OPEN, c.ssl.lifecycle.state());
            IllegalStateException late = assertThrows(IllegalStateException.class, () -> c.ssl.setHostname("other"));
            assertEquals("SslContext.setHostname() after handshake(): call it before the handshake", late.getMessage());
            c.ssl.close();
            assertEquals(State.CLOSED, c.ssl.lifecycle.state());
        }
    }

    @Test
    void aMemoryContextIsHandshakingUntilTheHandshakeIsDone() {
        try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            MemoryBio bio = c.ssl.setMemoryBio();
            assertEquals(State.CONFIGURED, c.ssl.lifecycle.state());
            assertEquals(MemoryBio.WANT_READ, bio.handshake(null, ByteBuffer.allocateDirect(MemoryBio.maxRecordOut())));
            assertEquals(State.HANDSHAKING, c.ssl.lifecycle.state());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.ssl.setBio(c.net));
            assertEquals("SslContext.setBio() after handshake(): call it before the handshake", e.getMessage());
        }
    }

    @Test
    void stepsOutOfOrderAreRefusedByTheState() {
        try (SslContext ssl = new SslContext()) {
            assertEquals(State.NEW, ssl.lifecycle.state());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ssl.setHostname("x"));
            assertEquals("SslContext.setHostname() before setup(config): call sslContext.setup(config) first", e.getMessage());
            e = assertThrows(IllegalStateException.class, ssl::handshake);
            assertEquals("SslContext.handshake() before setup(config): call sslContext.setup(config) first", e.getMessage());
        }
    }

    /**
     * A call that took its reference just before another thread's close() finds the state
     * CLOSED, not NEW, when it checks: it must stop there. On a context that was never set up,
     * Mbed TLS has no configuration, and {@code mbedtls_ssl_get_version} would read through a
     * null pointer (the randomized misuse test hit this).
     */
    @Test
    void aCallThatRacedCloseIsRefusedEvenOnAContextNeverSetUp() {
        SslContext ssl = new SslContext();
        ssl.handle.acquire(); // what protocol() holds between its acquire and its check
        try {
            ssl.close();
            assertEquals(State.CLOSED, ssl.lifecycle.state());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ssl.lifecycle.requireSetUp("SslContext.protocol"));
            assertEquals("SslContext was closed during SslContext.protocol()", e.getMessage());
        } finally {
            ssl.handle.release();
        }
    }

    @Test
    void onlyTheTableTransitionsAreTakenAndClosedIsFinal() {
        try (SslContext ssl = new SslContext()) {
            Lifecycle life = ssl.lifecycle;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> life.transitionTo(State.OPEN));
            assertEquals("SslContext: no transition from NEW to OPEN", e.getMessage());
            life.transitionTo(State.SET_UP);
            assertThrows(IllegalStateException.class, () -> life.transitionTo(State.HANDSHAKING), "no bio yet");
            life.transitionTo(State.CONFIGURED);
            life.transitionTo(State.HANDSHAKING);
            life.transitionTo(State.CLOSED);
            life.transitionTo(State.OPEN); // a handshake finishing after another thread's close
            assertEquals(State.CLOSED, life.state());
        }
    }
}
