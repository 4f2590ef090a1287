package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads making connections at once with one shared {@link SslConfig}, one shared
 * {@link CtrDrbg} and one shared CA chain: every connection is verified, negotiates the expected
 * version, and echoes a random payload back byte for byte (through byte arrays with offsets and
 * through direct buffers). Then everything is freed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentConnectionsTest {
    private static final int THREADS = 8;
    private static final int CONNECTIONS_PER_THREAD = Integer.getInteger("mbedtlsjni.concurrent.connections", 12);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @ParameterizedTest
    @EnumSource(TlsVersion.class)
    void eightThreadsShareOneConfigAndOneDrbg(TlsVersion version) throws Exception {
        MbedTlsVersions.assumeSupported(version);
        MbedTlsVersions.assumeSupported(version);
        Map<String, Long> before = LiveObjects.settle();
        TlsProtocol protocol = version == TlsVersion.TLS1_2 ? TlsProtocol.TLS_1_2 : TlsProtocol.TLS_1_3;
        try (JsseServer server = JsseServer.start(pki, protocol);
                Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                X509Crt ca = new X509Crt();
                SslConfig config = new SslConfig()) {
            drbg.seed(entropy, "concurrent");
            config.defaults();
            config.setMinTlsVersion(version);
            config.setMaxTlsVersion(version);
            config.setRng(drbg);
            ca.parseFile(pki.rootPem());
            config.setCaChain(ca);

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long seed = 1000L * t + version.ordinal();
                    results.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        for (int i = 0; i < CONNECTIONS_PER_THREAD; i++) {
                            oneConnection(config, server.port(), version, r, i);
                        }
                        return CONNECTIONS_PER_THREAD;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : results) {
                    total += f.get(120, TimeUnit.SECONDS);
                }
                assertEquals(THREADS * CONNECTIONS_PER_THREAD, total);
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            }
            // The server saw every connection end cleanly, with exactly what was sent.
            for (int i = 0; i < THREADS * CONNECTIONS_PER_THREAD; i++) {
                JsseServer.Connection c = server.awaitConnection(java.time.Duration.ofSeconds(30));
                assertEquals(JsseServer.Ending.CLOSE_NOTIFY, c.ending(), c::toString);
                assertEquals(version.protocolName(), c.protocol(), c::toString);
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "everything freed");
    }

    private static void oneConnection(SslConfig config, int port, TlsVersion version, Random r, int i) {
        byte[] payload = new byte[1 + r.nextInt(i % 4 == 0 ? 100_000 : 3000)];
        r.nextBytes(payload);
        try (NetContext net = new NetContext(); SslContext ssl = new SslContext()) {
            ssl.setup(config);
            ssl.setHostname(TestPki.SERVER_NAME);
            net.connect("127.0.0.1", port);
            ssl.setBio(net);
            ssl.handshake();
            assertTrue(ssl.verifyResult().isOk(), () -> ssl.verifyResult().toString());
            assertEquals(version.protocolName(), ssl.protocol());
            byte[] back = (i & 1) == 0 ? echoArrays(ssl, payload) : echoDirect(ssl, payload);
            assertTrue(Arrays.equals(payload, back), "echo of " + payload.length + " bytes came back intact");
            ssl.closeNotify();
            byte[] rest = new byte[16];
            assertEquals(-1, ssl.read(rest, 3, 13), "nothing after the echo but close_notify");
            assertEquals(SslContext.Inbound.CLOSE_NOTIFY, ssl.inbound());
        }
    }

    /** Writes and reads interleaved, through arrays at offsets, so the echo never stalls. */
    private static byte[] echoArrays(SslContext ssl, byte[] payload) {
        byte[] back = new byte[payload.length + 7];
        int sent = 0;
        int received = 0;
        while (received < payload.length) {
            if (sent < payload.length) {
                sent += ssl.write(payload, sent, payload.length - sent);
            }
            if (received < sent) {
                int n = ssl.read(back, 7 + received, payload.length - received);
                assertTrue(n > 0, "read " + n);
                received += n;
            }
        }
        return Arrays.copyOfRange(back, 7, 7 + payload.length);
    }

    private static byte[] echoDirect(SslContext ssl, byte[] payload) {
        ByteBuffer out = ByteBuffer.allocateDirect(payload.length);
        out.put(payload).flip();
        ByteBuffer in = ByteBuffer.allocateDirect(payload.length);
        while (in.hasRemaining()) {
            if (out.hasRemaining()) {
                ssl.write(out);
            }
            if (in.position() < out.position()) {
                assertTrue(ssl.read(in) > 0);
            }
        }
        byte[] back = new byte[payload.length];
        in.flip().get(back);
        return back;
    }
}
