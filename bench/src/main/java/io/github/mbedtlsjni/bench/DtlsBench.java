package io.github.mbedtlsjni.bench;

import io.github.mbedtlsjni.DtlsClient;
import io.github.mbedtlsjni.DtlsConnection;
import io.github.mbedtlsjni.DtlsEngine;
import io.github.mbedtlsjni.DtlsServer;
import io.github.mbedtlsjni.SessionStore;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.DatagramBio;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.testing.DatagramPair;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * The DTLS benchmarks through the binding and through Scandium (Eclipse Californium's DTLS, pure
 * Java), for scripts/bench-dtls; native/bench/dtls_bench.c does the same in C. Each mode prints
 * {@code RESULT <name> <value> <unit>} lines (servers print {@code PORT n} and run until killed).
 *
 * <pre>
 *   DtlsBench client jni|scandium PORT psk|ecdsa CID WARMUP_S SECONDS PKI_DIR
 *            full handshakes per second against a server on 127.0.0.1:PORT
 *   DtlsBench server jni|scandium psk|ecdsa CID PKI_DIR
 *            an echo server on 127.0.0.1 (DtlsServer, or a Scandium DTLSConnector)
 *   DtlsBench saved N
 *            bytes per saved session (mbedtls_ssl_context_save), the time to save and to load N
 *            sessions, and the sessions a GiB holds saved (state + the in-memory store's entry)
 *   DtlsBench roundtrips jni|scandium CLIENTS SECONDS
 *            64-byte datagram round trips per second, CLIENTS clients (one UDP socket each, all
 *            driven by one thread's Selector through DtlsEngine) against one server port
 * </pre>
 * PSK runs use {@code TLS-PSK-WITH-AES-128-CCM-8}, ECDSA runs {@code TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8}
 * (CoAP's two mandatory suites); CID 0 means none.
 */
public final class DtlsBench {
    static final String PSK_IDENTITY = "bench";
    static final byte[] PSK = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    private static final String PSK_SUITE = "TLS-PSK-WITH-AES-128-CCM-8";
    private static final String ECDSA_SUITE = "TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8";

    private DtlsBench() {}

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "client":
                client(args[1], Integer.parseInt(args[2]), args[3].equals("psk"), Integer.parseInt(args[4]),
                        Double.parseDouble(args[5]), Double.parseDouble(args[6]), Path.of(args[7]));
                break;
            case "server":
                server(args[1], args[2].equals("psk"), Integer.parseInt(args[3]), Path.of(args[4]));
                break;
            case "saved":
                saved(Integer.parseInt(args[1]));
                break;
            case "roundtrips":
                roundtrips(args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]));
                break;
            default:
                System.err.println("usage: DtlsBench client|server|saved|roundtrips ... (see the class comment)");
                System.exit(64);
        }
    }

    private static void result(String name, double value, String unit) {
        System.out.printf("RESULT %s %.1f %s%n", name, value, unit);
        System.out.flush();
    }

    // --- handshakes, client role ---------------------------------------------------------------------

    private static void client(String who, int port, boolean psk, int cid, double warmup, double seconds, Path pki)
            throws Exception {
        Handshaker h = who.equals("jni") ? jniClient(port, psk, cid, pki) : scandiumClient(port, psk, cid, pki);
        try {
            String suite = h.handshake();
            if (suite != null) {
                System.out.println("INFO ciphersuite " + suite);
            }
            long end = System.nanoTime() + (long) (warmup * 1e9);
            while (System.nanoTime() < end) {
                h.handshake();
            }
            long start = System.nanoTime();
            long n = 0;
            long now;
            do {
                h.handshake();
                n++;
                now = System.nanoTime();
            } while (now - start < (long) (seconds * 1e9));
            result("dtls_handshakes_per_s", n / ((now - start) / 1e9), "1/s");
        } finally {
            h.close();
        }
    }

    interface Handshaker extends AutoCloseable {
        /** One full handshake; returns the negotiated cipher suite if the client tells it, else null. */
        String handshake() throws Exception;
    }

    /** What an application does: DtlsClient.connect (socket, context, handshake), then close. */
    private static Handshaker jniClient(int port, boolean psk, int cid, Path pki) throws IOException {
        DtlsClient.Builder b = DtlsClient.builder().ciphersuites(psk ? PSK_SUITE : ECDSA_SUITE);
        if (psk) {
            b.psk(PSK_IDENTITY, PSK);
        } else {
            b.trustPemFile(pki.resolve("root.pem"));
        }
        if (cid > 0) {
            b.cid(cid);
        }
        DtlsClient client = b.build();
        return new Handshaker() {
            @Override
            public String handshake() throws IOException {
                try (DtlsConnection c = client.connect(psk ? "127.0.0.1" : "localhost", port)) {
                    String suite = c.ciphersuite();
                    if (suite == null) {
                        throw new IllegalStateException("no handshake");
                    }
                    return suite;
                }
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    static {
        DtlsConfig.register();
    }

    static DtlsConnectorConfig.Builder scandiumConfig(boolean psk, int cid, DtlsConfig.DtlsRole role) {
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(Configuration.createStandardWithoutFile())
                .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .set(DtlsConfig.DTLS_ROLE, role)
                .set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false)
                .set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(psk ? CipherSuite.TLS_PSK_WITH_AES_128_CCM_8
                        : CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8));
        if (cid > 0) {
            b.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, cid);
        }
        return b;
    }

    /**
     * Scandium's client: one connector; each handshake forgets the connection
     * ({@code clearConnectionState}) and sends a datagram, which makes a new full handshake, and
     * waits for the server's echo.
     */
    private static Handshaker scandiumClient(int port, boolean psk, int cid, Path pki) throws Exception {
        DtlsConnectorConfig.Builder b = scandiumConfig(psk, cid, DtlsConfig.DtlsRole.CLIENT_ONLY);
        if (psk) {
            b.setAdvancedPskStore(new AdvancedSinglePskStore(PSK_IDENTITY, PSK));
        } else {
            b.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false)
                    .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                            .setTrustedCertificates(certificates(pki.resolve("root.pem"))).build());
        }
        DTLSConnector connector = new DTLSConnector(b.build());
        BlockingQueue<byte[]> echoes = new ArrayBlockingQueue<>(16);
        connector.setRawDataReceiver(raw -> echoes.offer(raw.getBytes()));
        connector.start();
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        return new Handshaker() {
            @Override
            public String handshake() throws Exception {
                connector.clearConnectionState();
                echoes.clear();
                connector.send(RawData.outbound(ping, new AddressEndpointContext(server), null, false));
                if (echoes.poll(30, TimeUnit.SECONDS) == null) {
                    throw new IllegalStateException("no echo from the server within 30 s");
                }
                return null; // configured with the one suite: it cannot negotiate another
            }

            @Override
            public void close() {
                connector.destroy();
            }
        };
    }

    // --- servers ---------------------------------------------------------------------------------------

    private static void server(String who, boolean psk, int cid, Path pki) throws Exception {
        if (who.equals("jni")) {
            DtlsServer.Builder b = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .ciphersuites(psk ? PSK_SUITE : ECDSA_SUITE).handler((session, data) -> session.send(data));
            if (psk) {
                b.psk(PSK_IDENTITY, PSK);
            } else {
                b.identity(pki.resolve("chain.pem"), pki.resolve("server.key"), null).clientAuth(AuthMode.NONE);
            }
            if (cid > 0) {
                b.cid(cid);
            }
            DtlsServer server = b.start();
            System.out.println("PORT " + server.port());
            System.out.flush();
            try {
                awaitKill();
            } finally {
                server.close();
            }
        } else {
            DtlsConnectorConfig.Builder b = scandiumConfig(psk, cid, DtlsConfig.DtlsRole.SERVER_ONLY);
            if (psk) {
                b.setAdvancedPskStore(new AdvancedSinglePskStore(PSK_IDENTITY, PSK));
            } else {
                b.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.NONE)
                        .setCertificateIdentityProvider(new SingleCertificateProvider(privateKey(pki.resolve("server.key")),
                                certificates(pki.resolve("chain.pem")), CertificateType.X_509));
            }
            DTLSConnector connector = scandiumEcho(b.build());
            System.out.println("PORT " + connector.getAddress().getPort());
            System.out.flush();
            try {
                awaitKill();
            } finally {
                connector.destroy();
            }
        }
    }

    static DTLSConnector scandiumEcho(DtlsConnectorConfig config) throws IOException {
        DTLSConnector connector = new DTLSConnector(config);
        connector.setRawDataReceiver(raw -> connector.send(
                RawData.outbound(raw.getBytes(), raw.getEndpointContext(), null, false)));
        connector.start();
        return connector;
    }

    /**
     * Until the script kills the process, as it does the C server: not until the end of stdin,
     * which the script closes when it starts a server in the background.
     */
    private static void awaitKill() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    static X509Certificate[] certificates(Path pem) throws Exception {
        List<X509Certificate> list = new ArrayList<>();
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        try (var in = Files.newInputStream(pem)) {
            for (Certificate c : f.generateCertificates(in)) {
                list.add((X509Certificate) c);
            }
        }
        return list.toArray(new X509Certificate[0]);
    }

    static PrivateKey privateKey(Path pem) throws Exception {
        try (Reader r = Files.newBufferedReader(pem); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            return o instanceof PEMKeyPair ? c.getKeyPair((PEMKeyPair) o).getPrivate() : c.getPrivateKey((PrivateKeyInfo) o);
        }
    }

    // --- saved sessions ------------------------------------------------------------------------------

    /**
     * N established server-side connections in memory (PSK, CCM-8, CID 4), each after the
     * client's first record: saved (timed), then loaded into fresh contexts (timed); bytes per
     * saved state; and what one more entry of the in-memory store costs on the heap.
     */
    private static void saved(int n) throws Exception {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg()) {
            drbg.seed(entropy, "dtls bench saved");
            boolean cid = SslConfig.maxCidLength() >= 0;
            try (SslConfig cc = config(SslConfig.Endpoint.CLIENT, drbg, cid);
                    SslConfig sc = config(SslConfig.Endpoint.SERVER, drbg, cid)) {
                List<SslContext> servers = new ArrayList<>();
                List<DatagramBio> serverBios = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    try (SslContext client = new SslContext()) {
                        SslContext server = new SslContext();
                        client.setup(cc);
                        client.skipHostnameVerification();
                        server.setup(sc);
                        DatagramBio c = client.setDatagramBio();
                        DatagramBio s = server.setDatagramBio();
                        if (cid) {
                            c.setCid(new byte[] {1, 2, 3, 4});
                            s.setCid(new byte[] {(byte) i, (byte) (i >> 8), 7, 8});
                        }
                        establish(c, s);
                        servers.add(server);
                        serverBios.add(s);
                    }
                }
                byte[][] states = new byte[n][];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    states[i] = serverBios.get(i).save();
                }
                long t1 = System.nanoTime();
                for (SslContext s : servers) {
                    s.close();
                }
                long bytes = 0;
                for (byte[] s : states) {
                    bytes += s.length;
                }
                List<SslContext> loaded = new ArrayList<>();
                long t2 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    SslContext ssl = new SslContext();
                    ssl.setup(sc);
                    ssl.setDatagramBio().load(states[i]);
                    loaded.add(ssl);
                }
                long t3 = System.nanoTime();
                for (SslContext s : loaded) {
                    s.close();
                }
                double perState = (double) bytes / n;
                double entry = storeEntryBytes(states);
                result("dtls_saved_session_bytes", perState, "B");
                result("dtls_save_" + n + "_ms", (t1 - t0) / 1e6, "ms");
                result("dtls_load_" + n + "_ms", (t3 - t2) / 1e6, "ms");
                result("dtls_store_entry_bytes", entry, "B");
                result("dtls_sessions_per_gib_saved", (1L << 30) / entry, "1");
            }
        }
    }

    /**
     * The heap one saved state takes in SessionStore.inMemory(), state included: measured over
     * 20,000 entries (copies of the states), enough for the heap's own noise not to matter.
     */
    private static double storeEntryBytes(byte[][] states) throws Exception {
        int entries = Math.max(states.length, 20_000);
        SessionStore store = SessionStore.inMemory(entries + 1);
        long before = usedHeap();
        for (int i = 0; i < entries; i++) {
            store.put(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), 8}, states[i % states.length].clone());
        }
        long after = usedHeap();
        if (store.size() != entries) {
            throw new IllegalStateException("store size " + store.size());
        }
        return (double) (after - before) / entries;
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static SslConfig config(SslConfig.Endpoint endpoint, CtrDrbg drbg, boolean cid) {
        return DatagramPair.config(endpoint, drbg, PSK, PSK_IDENTITY, PSK_SUITE, cid);
    }

    /** The handshake in memory, then one record from the client (the server frees its handshake state). */
    private static void establish(DatagramBio c, DatagramBio s) {
        ByteBuffer toServer = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        ByteBuffer toClient = ByteBuffer.allocate(DatagramBio.minOutputBuffer());
        DatagramPair.handshake(c, s, toServer, toClient);
        c.write(ByteBuffer.wrap(new byte[] {1}), toServer);
        DatagramPair.deliver(toServer, d -> s.read(d, ByteBuffer.allocate(100), toClient));
    }

    // --- round trips, many clients ---------------------------------------------------------------------

    private static void roundtrips(String who, int clients, double seconds) throws Exception {
        DtlsServer jni = null;
        DTLSConnector scandium = null;
        int port;
        if (who.equals("jni")) {
            jni = DtlsServer.builder().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .psk(PSK_IDENTITY, PSK).ciphersuites(PSK_SUITE).cid(4).maxHandshakes(clients + 1)
                    .handler((session, data) -> session.send(data)).start();
            port = jni.port();
        } else {
            scandium = scandiumEcho(scandiumConfig(true, 4, DtlsConfig.DtlsRole.SERVER_ONLY)
                    .setAdvancedPskStore(new AdvancedSinglePskStore(PSK_IDENTITY, PSK)).build());
            port = scandium.getAddress().getPort();
        }
        try (DtlsClient client = DtlsClient.builder().psk(PSK_IDENTITY, PSK).ciphersuites(PSK_SUITE).cid(4)
                .handshakeTimeout(Duration.ofMillis(500), Duration.ofSeconds(60)).build();
                Selector selector = Selector.open()) {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            List<Peer> peers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ch.connect(server);
                ch.configureBlocking(false);
                Peer p = new Peer(ch, client);
                ch.register(selector, SelectionKey.OP_READ, p);
                peers.add(p);
            }
            ByteBuffer in = ByteBuffer.allocateDirect(DatagramBio.maxDatagramIn());
            ByteBuffer plain = ByteBuffer.allocateDirect(DatagramBio.maxPlaintext());
            // Handshakes: a few at a time (as devices arrive), driven by the same loop.
            int started = 0;
            int established = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (established < clients) {
                while (started < clients && started - established < 50) {
                    peers.get(started++).engine.beginHandshake();
                }
                selector.select(20);
                for (SelectionKey k : selector.selectedKeys()) {
                    Peer p = (Peer) k.attachment();
                    in.clear();
                    if (p.channel.read(in) > 0) {
                        in.flip();
                        boolean was = p.engine.isEstablished();
                        plain.clear();
                        p.engine.receive(in, plain);
                        if (!was && p.engine.isEstablished()) {
                            established++;
                        }
                    }
                }
                selector.selectedKeys().clear();
                for (int i = 0; i < started; i++) {
                    Peer p = peers.get(i);
                    if (!p.engine.isEstablished() && p.engine.timeoutMillis() == 0) {
                        p.engine.handleTimeout();
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + established + " of " + clients + " handshakes");
                }
            }
            // Round trips: every client keeps one 64-byte request in flight.
            ByteBuffer request = ByteBuffer.allocateDirect(64);
            for (Peer p : peers) {
                request.clear();
                p.engine.send(request);
            }
            long n = 0;
            long start = System.nanoTime();
            long measureFrom = start + (long) (Math.min(1.0, seconds / 3) * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            long counted = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    Peer p = (Peer) k.attachment();
                    for (;;) {
                        in.clear();
                        if (p.channel.read(in) <= 0) {
                            break;
                        }
                        in.flip();
                        plain.clear();
                        if (p.engine.receive(in, plain) > 0) {
                            n++;
                            request.clear();
                            p.engine.send(request);
                        }
                    }
                }
                selector.selectedKeys().clear();
                if (now < measureFrom) {
                    counted = n;
                }
            }
            result("dtls_roundtrips_per_s_" + clients + "_clients", (n - counted) / ((now - measureFrom) / 1e9), "1/s");
            for (Peer p : peers) {
                p.engine.close();
                p.channel.close();
            }
        } finally {
            if (jni != null) {
                jni.close();
            }
            if (scandium != null) {
                scandium.destroy();
            }
        }
    }

    /** One client of the round-trip benchmark: its socket and its engine. */
    private static final class Peer {
        final DatagramChannel channel;
        final DtlsEngine engine;

        Peer(DatagramChannel channel, DtlsClient client) {
            this.channel = channel;
            this.engine = client.newEngine(null, datagram -> channel.write(datagram));
        }
    }
}
