package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket's lock order under the race that used to deadlock: a single-byte read (or write)
 * entered while another thread runs {@code startHandshake()}. The key manager, which the engine
 * asks while the handshake thread holds the handshake lock, is held up until the reading (or
 * writing) thread is parked on a lock: the widest the race can be. With the old order (the
 * single-byte read held the read lock while waiting for the handshake lock, the handshake held
 * the handshake lock while waiting for the read lock) both threads stayed parked forever; the
 * JVM's deadlock detector names them and the test fails, after watchdog-bounded waits only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SocketLockOrderTest {
    private static final long WATCHDOG_SECONDS = 30;

    @TempDir
    static Path dir;

    TestPki pki;
    JsseServer echo;

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir, KeyType.EC_P256);
        echo = JsseServer.start(pki);
    }

    @AfterAll
    void tearDown() {
        echo.close();
    }

    /** A key manager that offers no certificate, after waiting for {@code release} (bounded). */
    static final class HeldKeyManager extends AliasKeyManager {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        String chooseAlias() {
            entered.countDown();
            try {
                release.await(WATCHDOG_SECONDS, TimeUnit.SECONDS); // a watchdog, not a wait for time to pass
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    interface SocketCall {
        Object call(SSLSocket s) throws Exception;
    }

    @Test
    void aSingleByteReadRacingStartHandshakeNeverDeadlocks() throws Exception {
        // the handshake thread then writes one byte; the echo answers it to the single-byte read
        Object got = race(s -> s.getInputStream().read(), s -> {
            s.getOutputStream().write('r');
            s.getOutputStream().flush();
        });
        assertEquals((int) 'r', got);
    }

    @Test
    void aSingleByteWriteRacingStartHandshakeNeverDeadlocks() throws Exception {
        race(s -> {
            s.getOutputStream().write('w');
            s.getOutputStream().flush();
            return null;
        }, s -> assertEquals('w', s.getInputStream().read(), "the echo of the single-byte write"));
    }

    interface AfterHandshake {
        void run(SSLSocket s) throws Exception;
    }

    /**
     * Thread "handshake" runs startHandshake() (the key manager holds it inside the handshake
     * lock); thread "single" then makes {@code single}; once "single" is parked, the key manager
     * lets go. Both must finish; if not, the deadlock detector is asked who is stuck.
     */
    private Object race(SocketCall single, AfterHandshake then) throws Exception {
        HeldKeyManager km = new HeldKeyManager();
        SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
        context.init(new KeyManager[] {km}, SslEngineTest.trustManagers(pki.root()), null);
        SSLSocket s = SslEngineTest.https((SSLSocket) context.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                echo.port()));
        s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WATCHDOG_SECONDS));
        AtomicReference<Throwable> handshakeError = new AtomicReference<>();
        AtomicReference<Throwable> singleError = new AtomicReference<>();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread handshake = new Thread(() -> {
            try {
                s.startHandshake();
                then.run(s);
            } catch (Throwable t) {
                handshakeError.set(t);
            }
        }, "lock-order-handshake");
        Thread singleThread = new Thread(() -> {
            try {
                result.set(single.call(s));
            } catch (Throwable t) {
                singleError.set(t);
            }
        }, "lock-order-single");
        handshake.setDaemon(true);
        singleThread.setDaemon(true);
        try {
            handshake.start();
            assertTrue(km.entered.await(WATCHDOG_SECONDS, TimeUnit.SECONDS), "the handshake asked the key manager");
            singleThread.start();
            awaitParked(singleThread);
            km.release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WATCHDOG_SECONDS);
            while ((handshake.isAlive() || singleThread.isAlive()) && System.nanoTime() < deadline) {
                if (ManagementFactory.getThreadMXBean().findDeadlockedThreads() != null) {
                    fail(deadlocked());
                }
                handshake.join(50);
                singleThread.join(50);
            }
            if (handshake.isAlive() || singleThread.isAlive()) {
                fail("still running after " + WATCHDOG_SECONDS + " s: " + deadlocked());
            }
        } finally {
            km.release.countDown();
            s.close();
        }
        if (handshakeError.get() != null) {
            throw new AssertionError("the handshake thread failed", handshakeError.get());
        }
        if (singleError.get() != null) {
            throw new AssertionError("the single-byte call failed", singleError.get());
        }
        return result.get();
    }

    /** Waits (bounded) until {@code t} is blocked or waiting: it has reached the socket's locks. */
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WATCHDOG_SECONDS);
        while (System.nanoTime() < deadline) {
            Thread.State state = t.getState();
            if (state == Thread.State.BLOCKED || state == Thread.State.WAITING) {
                return;
            }
            Thread.sleep(1); // polling a condition, bounded by the deadline
        }
        fail(t.getName() + " never reached a lock (state " + t.getState() + ")");
    }

    /** What the JVM's deadlock detector reports, as text ("no deadlock" if nothing). */
    static String deadlocked() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] ids = threads.findDeadlockedThreads();
        if (ids == null) {
            return "no deadlock reported";
        }
        StringBuilder s = new StringBuilder("DEADLOCK between " + ids.length + " threads:");
        for (ThreadInfo info : threads.getThreadInfo(ids, true, true)) {
            s.append("\n").append(info.getThreadName()).append(" waits for ").append(info.getLockName())
                    .append(" held by ").append(info.getLockOwnerName());
            for (StackTraceElement e : info.getStackTrace()) {
                s.append("\n\tat ").append(e);
            }
        }
        return s.toString();
    }
}
