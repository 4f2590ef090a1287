package io.github.mbedtlsjni.dtls;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.DtlsSession;
import io.github.mbedtlsjni.TlsException;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The DTLS blocking calls driven from several threads at once by a seeded random sequence:
 * connect, send, receive, close (also of a connection another thread is using), save and
 * restore, and on the server side sending to and closing sessions, while the server saves idle
 * sessions and loads them back on its own. Fails on any unexpected exception, on a thread that
 * never returns, or when {@link ThreadMXBean#findDeadlockedThreads()} reports a deadlock; and on
 * a native object left allocated afterwards. The seed is printed; {@code -Dmbedtlsjni.seed=N}
 * replays each thread's choices.
 */
class DtlsConcurrencyTest {
    private static final String ID = MbedTlsPeersTest.PSK_IDENTITY;
    private static final byte[] KEY = MbedTlsPeersTest.PSK;
    private static final int THREADS = 4;
    private static final int OPS = 250;

    @Test
    void randomizedCallsFromSeveralThreads() throws Exception {
        long seed = Long.getLong("mbedtlsjni.seed", new SecureRandom().nextLong());
        System.out.println("DtlsConcurrencyTest: seed=" + seed + " (replay: -Dmbedtlsjni.seed=" + seed + ")");
        Map<String, Long> baseline = LiveObjects.settle();
        boolean cid = MbedTlsVersions.hasCid();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        DtlsServer.Builder sb = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .psk(ID, KEY).executor(pool).maxHandshakes(8).idleTimeout(Duration.ofMillis(150))
                .handler((session, data) -> session.send(data));
        DtlsClient.Builder cb = DtlsClient.builder().psk(ID, KEY).handshakeTimeout(Duration.ofMillis(50), Duration.ofSeconds(5));
        if (cid) {
            sb.cid(4);
            cb.cid(2);
        }
        Thread watchdog = null;
        try (DtlsServer server = sb.start(); DtlsClient client = cb.build()) {
            List<DtlsConnection> connections = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 3; i++) {
                connections.add(client.connect("127.0.0.1", server.port()));
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            watchdog = new Thread(() -> {
                while (!done.get()) {
                    long[] ids = mx.findDeadlockedThreads();
                    if (ids != null) {
                        for (ThreadInfo info : mx.getThreadInfo(ids, true, true)) {
                            problems.add("deadlock: " + info);
                        }
                        return;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "dtls-deadlock-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Random r = new Random(seed + 0x9E3779B97F4A7C15L * (t + 1));
                Thread w = new Thread(() -> work(r, client, server, connections, problems, cid), "dtls-worker-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(120));
                if (w.isAlive()) {
                    problems.add(w.getName() + " did not return: " + stack(w));
                    w.interrupt();
                }
            }
            for (DtlsConnection c : connections) {
                c.close();
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            if (watchdog != null) {
                watchdog.join(5000);
            }
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + " (replay with -Dmbedtlsjni.seed=" + seed + "): " + String.join("\n", problems));
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        assertNull(LiveObjects.leaks(baseline, after), "seed " + seed + ": leaked " + LiveObjects.leaks(baseline, after));
    }

    private static void work(Random r, DtlsClient client, DtlsServer server, List<DtlsConnection> connections,
            ConcurrentLinkedQueue<String> problems, boolean cid) {
        for (int op = 0; op < OPS; op++) {
            int choice = r.nextInt(100);
            Object[] snapshot = connections.toArray(); // other threads add and remove meanwhile
            DtlsConnection c = snapshot.length == 0 ? null : (DtlsConnection) snapshot[r.nextInt(snapshot.length)];
            try {
                if (choice < 30 && c != null) {
                    c.send(("op " + op).getBytes());
                } else if (choice < 55 && c != null) {
                    c.receive(Duration.ofMillis(1 + r.nextInt(30)));
                } else if (choice < 62 && c != null) {
                    connections.remove(c);
                    c.close();
                } else if (choice < 72) {
                    if (connections.size() < 6) {
                        connections.add(client.connect("127.0.0.1", server.port()));
                    }
                } else if (choice < 80) {
                    List<DtlsSession> sessions = server.sessions();
                    if (!sessions.isEmpty()) {
                        sessions.get(r.nextInt(sessions.size())).send(("from server " + op).getBytes());
                    }
                } else if (choice < 84) {
                    List<DtlsSession> sessions = server.sessions();
                    if (!sessions.isEmpty()) {
                        sessions.get(r.nextInt(sessions.size())).close();
                    }
                } else if (choice < 92 && cid && c != null) {
                    connections.remove(c);
                    byte[] state = c.save();
                    connections.add(client.connection("127.0.0.1", server.port()).restore(state).connect());
                } else {
                    server.stats();
                    if (c != null) {
                        c.peerCid();
                        try {
                            c.maxPayload();
                        } catch (IllegalStateException closedMeanwhile) {
                            // documented: a closed connection has no payload size
                        }
                    }
                }
            } catch (SocketTimeoutException | SocketException | TlsException expected) {
                // a receive with nothing to receive, a connection closed by another thread,
                // a handshake refused by the cap or a session the server closed
            } catch (io.github.mbedtlsjni.mbedtls.MbedTlsException expected) {
                // save: Mbed TLS refuses while something is pending
            } catch (Throwable t) {
                StringBuilder s = new StringBuilder(Thread.currentThread().getName() + " op " + op + ": " + t);
                for (StackTraceElement e : t.getStackTrace()) {
                    s.append("\n    at ").append(e);
                }
                problems.add(s.toString());
                return;
            }
        }
    }

    private static String stack(Thread t) {
        StringBuilder s = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            s.append("\n    at ").append(e);
        }
        return s.toString();
    }

    @Test
    void serverCloseWhileClientsAreBusyFreesEverything() throws Exception {
        Map<String, Long> baseline = LiveObjects.settle();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            DtlsServer server = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .psk(ID, KEY).executor(pool).handler((session, data) -> session.send(data)).start();
            try (DtlsClient client = DtlsClient.builder().psk(ID, KEY).build()) {
                List<DtlsConnection> cs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    cs.add(client.connect("127.0.0.1", server.port()));
                }
                List<Thread> senders = new ArrayList<>();
                AtomicBoolean stop = new AtomicBoolean();
                for (DtlsConnection c : cs) {
                    Thread t = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                c.send("busy".getBytes());
                                c.receive(Duration.ofMillis(20));
                            } catch (SocketTimeoutException | SocketException e) {
                                // the server is gone
                            } catch (Exception e) {
                                throw new AssertionError(e);
                            }
                        }
                    });
                    t.start();
                    senders.add(t);
                }
                CidRoutingTest.await(() -> server.stats().datagramsIn() > 100, "the clients are busy");
                server.close();
                assertTrue(server.isClosed());
                stop.set(true);
                for (Thread t : senders) {
                    t.join(30_000);
                    assertTrue(!t.isAlive());
                }
                for (DtlsConnection c : cs) {
                    c.close();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> after = LiveObjects.awaitAtMost(baseline);
        assertNull(LiveObjects.leaks(baseline, after), "leaked " + LiveObjects.leaks(baseline, after));
    }
}
