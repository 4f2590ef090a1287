package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Native lifetimes: Cleaner, idempotent close, use after close, deferred frees, step order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleTest {
    @TempDir
    static Path dir;

    TestPki pki;
    byte[] rootPem;

    @BeforeAll
    void pki() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        rootPem = Files.readAllBytes(pki.rootPem());
    }

    /** Runs GC until the live count of {@code type} is at most {@code target}; returns the last count. */
    static long awaitLive(String type, long target) throws InterruptedException {
        long live = MbedTls.liveNativeObjects().get(type);
        for (int i = 0; i < 200 && live > target; i++) {
            System.gc();
            Thread.sleep(50);
            live = MbedTls.liveNativeObjects().get(type);
        }
        return live;
    }

    static long settledLive(String type) throws InterruptedException {
        return settled().get(type);
    }

    private void unclosedObjectsAreFreed(String type, Supplier<NativeResource> create) throws Exception {
        long before = settledLive(type);
        List<NativeResource> held = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            held.add(create.get());
        }
        assertTrue(MbedTls.liveNativeObjects().get(type) >= before + 10_000, "each object counts while alive");
        held = null;
        assertEquals(before, Math.max(before, awaitLive(type, before)),
                () -> type + " still allocated after GC: " + MbedTls.liveNativeObjects());
    }

    @Test
    void tenThousandUnclosedObjectsOfEachClassAreFreedByTheCleaner() throws Exception {
        unclosedObjectsAreFreed("mbedtls_net_context", NetContext::new);
        unclosedObjectsAreFreed("mbedtls_entropy_context", Entropy::new);
        unclosedObjectsAreFreed("mbedtls_ctr_drbg_context", CtrDrbg::new);
        unclosedObjectsAreFreed("mbedtls_x509_crt", () -> X509Crt.of(rootPem));
        unclosedObjectsAreFreed("mbedtls_x509_crl", () -> {
            X509Crl crl = new X509Crl();
            crl.parse(readUnchecked(pki.crlPem()));
            return crl;
        });
        unclosedObjectsAreFreed("mbedtls_ssl_config", () -> {
            SslConfig c = new SslConfig();
            c.defaults();
            return c;
        });
        unclosedObjectsAreFreed("mbedtls_ssl_context", SslContext::new);
    }

    @Test
    void unclosedGraphOfDependentObjectsIsFreedCompletely() throws Exception {
        Map<String, Long> before = settled();
        for (int i = 0; i < 200; i++) {
            Entropy e = new Entropy();
            CtrDrbg d = new CtrDrbg();
            d.seed(e, "x");
            SslConfig c = new SslConfig();
            c.defaults();
            c.setRng(d);
            c.setCaChain(X509Crt.of(rootPem));
            SslContext s = new SslContext();
            s.setup(c);
        }
        for (String type : before.keySet()) {
            awaitLive(type, before.get(type));
        }
        assertEquals(before, settled());
    }

    /**
     * The live counts once the Cleaner has nothing more to free: GC until three readings in a row
     * agree. Objects another test still holds stay counted (they are the baseline), so this never
     * waits for counts to reach zero.
     */
    static Map<String, Long> settled() throws InterruptedException {
        Map<String, Long> last = MbedTls.liveNativeObjects();
        for (int same = 0, i = 0; same < 3 && i < 200; i++) {
            System.gc();
            Thread.sleep(20);
            Map<String, Long> now = MbedTls.liveNativeObjects();
            same = now.equals(last) ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    private static byte[] readUnchecked(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void closeIsIdempotentAndEveryCallAfterCloseThrowsIllegalState() {
        X509Crt crt = X509Crt.of(rootPem);
        crt.close();
        crt.close();
        assertTrue(crt.isClosed());
        assertThrows(IllegalStateException.class, crt::size);
        assertThrows(IllegalStateException.class, () -> crt.parse(rootPem));

        SslContext ssl = new SslContext();
        ssl.close();
        ssl.close();
        assertThrows(IllegalStateException.class, () -> ssl.read(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, ssl::handshake);

        NetContext net = new NetContext();
        net.close();
        assertThrows(IllegalStateException.class, () -> net.connect("127.0.0.1", 1));

        CtrDrbg drbg = new CtrDrbg();
        Entropy entropy = new Entropy();
        entropy.close();
        assertThrows(IllegalStateException.class, () -> drbg.seed(entropy, "x"));
        drbg.close();

        SslConfig config = new SslConfig();
        config.close();
        assertThrows(IllegalStateException.class, config::defaults);

        X509Crl crl = new X509Crl();
        crl.close();
        assertThrows(IllegalStateException.class, crl::size);
    }

    @Test
    void closingObjectsStillUsedByALiveConfigDefersTheirFree() throws Exception {
        long crtBefore = settledLive("mbedtls_x509_crt");
        long drbgBefore = settledLive("mbedtls_ctr_drbg_context");
        try (JsseServer server = JsseServer.start(pki)) {
            Entropy entropy = new Entropy();
            CtrDrbg drbg = new CtrDrbg();
            drbg.seed(entropy, "deferred");
            SslConfig config = new SslConfig();
            config.defaults();
            config.setRng(drbg);
            X509Crt ca = X509Crt.of(rootPem);
            config.setCaChain(ca);

            // Closed in the "wrong" order: the config still points at all three.
            ca.close();
            drbg.close();
            entropy.close();
            assertThrows(IllegalStateException.class, ca::size, "the closed object itself refuses calls");
            assertEquals(crtBefore + 1, MbedTls.liveNativeObjects().get("mbedtls_x509_crt"), "but stays allocated");

            try (SslContext ssl = new SslContext(); NetContext net = new NetContext()) {
                ssl.setup(config);
                ssl.setHostname(TestPki.SERVER_NAME);
                net.connect("127.0.0.1", server.port());
                ssl.setBio(net);
                ssl.handshake(); // uses the closed-but-alive CA chain and DRBG
                assertTrue(ssl.verifyResult().isOk());
                config.close(); // still used by ssl
                ssl.closeNotify();
            }
            assertEquals(crtBefore, MbedTls.liveNativeObjects().get("mbedtls_x509_crt"), "freed with the last user");
            assertEquals(drbgBefore, MbedTls.liveNativeObjects().get("mbedtls_ctr_drbg_context"));
        }
    }

    @Test
    void stepsOutOfOrderThrowIllegalStateNamingTheMissingStep() {
        try (Entropy entropy = new Entropy();
                CtrDrbg drbg = new CtrDrbg();
                SslConfig config = new SslConfig();
                SslContext ssl = new SslContext();
                X509Crt ca = X509Crt.of(rootPem)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ssl.setup(config));
            assertTrue(e.getMessage().contains("defaults()"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> config.setAuthMode(AuthMode.OPTIONAL));
            config.defaults();
            assertThrows(IllegalStateException.class, config::defaults);
            assertThrows(IllegalStateException.class, () -> config.setRng(drbg), "unseeded DRBG");
            assertThrows(IllegalStateException.class, () -> drbg.random(new byte[4]), "unseeded DRBG");
            drbg.seed(entropy, "order");
            assertThrows(IllegalStateException.class, () -> drbg.seed(entropy, "again"));
            assertThrows(IllegalStateException.class, () -> ssl.setup(config), "no RNG yet");
            config.setRng(drbg);
            config.setCaChain(ca);
            assertThrows(IllegalStateException.class, () -> ca.parse(rootPem), "CA chain in use is frozen");

            e = assertThrows(IllegalStateException.class, ssl::handshake);
            assertTrue(e.getMessage().contains("setup(config)"), e.getMessage());
            ssl.setup(config);
            assertThrows(IllegalStateException.class, () -> ssl.setup(config));
            assertThrows(IllegalStateException.class, () -> config.setAuthMode(AuthMode.NONE), "config in use is frozen");
            e = assertThrows(IllegalStateException.class, ssl::handshake);
            assertTrue(e.getMessage().contains("setBio(net)"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> ssl.write(new byte[1], 0, 1));
            assertTrue(e.getMessage().contains("setBio(net)"), e.getMessage());
        }
    }

    @Test
    void handshakeWithoutHostnameIsRefusedUnlessSkippedByName() {
        try (JsseServer server = JsseServer.start(pki)) {
            try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
                c.net.connect("127.0.0.1", server.port());
                c.ssl.setBio(c.net);
                IllegalStateException e = assertThrows(IllegalStateException.class, c.ssl::handshake);
                assertTrue(e.getMessage().contains("setHostname"), e.getMessage());
                assertTrue(e.getMessage().contains("skipHostnameVerification"), e.getMessage());
            }
            try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
                c.ssl.skipHostnameVerification();
                c.net.connect("127.0.0.1", server.port());
                c.ssl.setBio(c.net);
                c.ssl.handshake();
                assertTrue(c.ssl.verifyResult().isOk());
            }
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyNativeCall() {
        try (SslContext ssl = new SslContext(); NetContext net = new NetContext()) {
            byte[] b = new byte[8];
            assertThrows(NullPointerException.class, () -> ssl.read((byte[]) null, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> ssl.read(b, -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> ssl.read(b, 4, 5));
            assertThrows(IndexOutOfBoundsException.class, () -> ssl.write(b, 0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> ssl.write(b, Integer.MAX_VALUE, 2));
            assertEquals(0, ssl.read(b, 3, 0), "an empty read needs no connection");
            assertThrows(IllegalArgumentException.class, () -> net.connect("127.0.0.1", 0));
            assertThrows(IllegalArgumentException.class, () -> net.connect("127.0.0.1", 65536));
            assertThrows(IllegalArgumentException.class, () -> net.connect("", 443));
            assertThrows(NullPointerException.class, () -> ssl.setHostname(null));
            assertThrows(java.nio.ReadOnlyBufferException.class,
                    () -> ssl.read(java.nio.ByteBuffer.allocate(4).asReadOnlyBuffer()));
        }
    }

    @Test
    void parseErrorsNameTheMbedTlsFunctionAndCode() {
        try (X509Crt crt = new X509Crt(); X509Crl crl = new X509Crl()) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> crt.parse("not a certificate".getBytes()));
            assertEquals("mbedtls_x509_crt_parse", e.function());
            assertTrue(e.code() < 0);
            assertFalse(e.errorText().isEmpty());
            assertThrows(MbedTlsException.class, () -> crt.parse(new byte[0]));
            Path missing = dir.resolve("missing.pem");
            java.io.UncheckedIOException io = assertThrows(java.io.UncheckedIOException.class, () -> crt.parseFile(missing));
            assertInstanceOf(java.nio.file.NoSuchFileException.class, io.getCause(), "checked before Mbed TLS reads it");
            assertTrue(io.getMessage().contains(missing.toString()), io.getMessage());
            e = assertThrows(MbedTlsException.class, () -> crl.parse(new byte[] {0x30, 0x03, 0x02, 0x01}));
            assertEquals("mbedtls_x509_crl_parse", e.function());
            assertEquals(0, crt.size(), "nothing was added");
        }
    }

    @Test
    void certificatesAndCrlsParseFromPemAndDerFilesAndBytes() throws Exception {
        try (X509Crt chain = new X509Crt()) {
            assertEquals(0, chain.parse(Files.readAllBytes(pki.serverChainPem())));
            chain.parseDer(pki.root().der());
            assertEquals(3, chain.size());
            assertTrue(chain.subject(0).contains("CN=" + TestPki.SERVER_NAME), chain.subject(0));
            assertEquals(chain.issuer(0), chain.subject(1));
            assertEquals(pki.root().certificate(), chain.toX509Certificates().get(2));
            assertTrue(chain.info(2).contains("issuer name"), chain.info(2));
            assertThrows(IndexOutOfBoundsException.class, () -> chain.der(3));
            assertThrows(IndexOutOfBoundsException.class, () -> chain.subject(-1));
        }
        try (X509Crl crl = new X509Crl()) {
            crl.parseFile(pki.crlPem());
            crl.parse(Files.readAllBytes(pki.crlDer()));
            crl.parseFile(pki.crlDer());
            assertEquals(3, crl.size());
        }
    }

    @Test
    void drbgProducesRandomBytes() {
        try (Entropy e = new Entropy(); CtrDrbg d = new CtrDrbg()) {
            d.seed(e, new byte[0]);
            byte[] a = new byte[5000];
            byte[] b = new byte[5000];
            d.random(a);
            d.random(b);
            assertFalse(java.util.Arrays.equals(a, b));
            assertFalse(java.util.Arrays.equals(a, new byte[5000]));
            assertNotNull(d.toString());
        }
    }
}
