package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate parsing and offline verification from several threads: objects lock only
 * themselves, so work on different chains (and verifications against one shared CA chain) goes
 * on in parallel, while an object being appended to is never read meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentCertificateTest {
    /** How long a call that must go through may take on a loaded machine: it is a hang otherwise. */
    private static final long LIVE_SECONDS = 60;
    /** How long a call that must wait is watched for finishing too early (a wait of any length is right). */
    private static final long BLOCKED_MILLIS = 300;

    @TempDir
    static Path dir;

    private TestPki ec;
    private TestPki rsa;
    private byte[] ecChain;
    private byte[] rsaChain;
    private byte[] ecCrl;

    @BeforeAll
    void setUp() throws Exception {
        ec = TestPki.create(dir, KeyType.EC_P256, "Concurrent EC");
        rsa = TestPki.create(dir, KeyType.RSA_2048, "Concurrent RSA");
        ecChain = Files.readAllBytes(ec.serverChainPem());
        rsaChain = Files.readAllBytes(rsa.serverChainPem());
        ecCrl = ec.crl().der(); // once: TestPki.crlPem() writes its file on every call
    }

    @Test
    void anAppendBlocksReadersOfThatListOnlyAndReadersShareIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (X509Crt busy = X509Crt.of(ecChain); X509Crt other = new X509Crt(); X509Crt ca = X509Crt.of(ec.root().der());
                X509Crt chain = X509Crt.of(ecChain)) {
            // An append to `busy` in progress (its write lock held, as Mbed TLS's parse would).
            busy.guard.lockForAppend();
            boolean appending = true;
            try {
                // Other lists go on: parsing, reading, verifying.
                assertEquals(0, live(pool.submit(() -> other.parse(rsaChain))));
                assertEquals(2, live(pool.submit(other::size)));
                assertTrue(live(pool.submit(() -> chain.verify(ca, null, TestPki.SERVER_NAME))).isOk());
                // A reader of `busy` waits for the append.
                Future<Integer> readBusy = pool.submit(busy::size);
                assertBlocked(readBusy);
                Future<VerifyResult> verifyAgainstBusy = pool.submit(() -> chain.verify(busy, null, TestPki.SERVER_NAME));
                assertBlocked(verifyAgainstBusy);
                busy.guard.unlockAppend();
                appending = false;
                assertEquals(2, live(readBusy));
                assertEquals(0, live(verifyAgainstBusy).flags(), "busy holds the intermediate, trusted as an anchor");
            } finally {
                if (appending) {
                    busy.guard.unlockAppend();
                }
            }

            // Readers share a list: a verification against `ca` runs while another reader holds it...
            ca.guard.lockForRead();
            Future<Integer> append;
            try {
                assertTrue(live(pool.submit(() -> chain.verify(ca, null, TestPki.SERVER_NAME))).isOk());
                // ...and an append to it waits for the readers.
                append = pool.submit(() -> ca.parse(rsa.root().der()));
                assertBlocked(append);
            } finally {
                ca.guard.unlockRead();
            }
            assertEquals(0, live(append));
            assertEquals(2, ca.size());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(LIVE_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void severalThreadsParseAndVerifyDifferentChainsAndReadOneSharedCa() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        int threads = 4;
        int rounds = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try (X509Crt sharedCa = new X509Crt(); X509Crl sharedCrls = new X509Crl()) {
            sharedCa.parseFile(ec.rootPem());
            sharedCa.parseFile(rsa.rootPem());
            sharedCrls.parse(ecCrl);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] pem = t % 2 == 0 ? ecChain : rsaChain;
                workers.add(pool.submit(() -> {
                    start.await();
                    int verified = 0;
                    for (int i = 0; i < rounds; i++) {
                        try (X509Crt chain = X509Crt.of(pem); X509Crl crl = new X509Crl()) {
                            crl.parse(ecCrl);
                            VerifyResult own = chain.verify(sharedCa, null, TestPki.SERVER_NAME);
                            VerifyResult withCrls = chain.verify(sharedCa, sharedCrls, TestPki.SERVER_NAME, VerifyProfile.DEFAULT);
                            assertTrue(own.isOk(), own::describe);
                            assertTrue(withCrls.isOk(), withCrls::describe);
                            assertEquals(chain.subject(1), chain.issuer(0));
                            assertEquals(1, crl.size());
                            verified++;
                        }
                    }
                    return verified;
                }));
            }
            // Meanwhile one list keeps growing and is read between appends: always whole certificates.
            Future<Integer> grower = pool.submit(() -> {
                start.await();
                try (X509Crt growing = new X509Crt()) {
                    for (int i = 0; i < rounds; i++) {
                        growing.parse(ecChain);
                        assertEquals(2 * (i + 1), growing.size());
                        assertEquals(growing.subject(2 * i + 1), growing.issuer(2 * i));
                    }
                    return growing.size();
                }
            });
            start.countDown();
            for (Future<Integer> w : workers) {
                assertEquals(rounds, live(w));
            }
            assertEquals(2 * rounds, live(grower));
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(LIVE_SECONDS, TimeUnit.SECONDS));
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(before);
        assertEquals(null, LiveObjects.leaks(before, after), "every chain and CRL was freed");
    }

    @Test
    void aFrozenCaChainIsReadOnly() throws Exception {
        try (SslConfig config = new SslConfig(); X509Crt ca = X509Crt.of(ec.root().der()); X509Crt chain = X509Crt.of(ecChain)) {
            config.defaults();
            config.setCaChain(ca);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ca.parse(rsa.root().der()));
            assertTrue(e.getMessage().contains("in use by an SslConfig"), e.getMessage());
            assertTrue(chain.verify(ca, null, TestPki.SERVER_NAME).isOk(), "still read");
            assertEquals(1, ca.size());
        }
    }

    private static <T> T live(Future<T> f) throws Exception {
        try {
            return f.get(LIVE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("a call on another list did not go through in " + LIVE_SECONDS + " s", e);
        }
    }

    private static void assertBlocked(Future<?> f) throws InterruptedException {
        Thread.sleep(BLOCKED_MILLIS);
        assertFalse(f.isDone(), "a reader of a list being appended to (or an append to a list being read) must wait");
    }
}
