package io.github.mbedtlsjni.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTls;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.PkContext;
import io.github.mbedtlsjni.mbedtls.SslCache;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslTicket;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import io.github.mbedtlsjni.testing.ClientHellos;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes a TLS server's handshake parser: an {@link SslContext} over a {@link MemoryBio}, given
 * the fuzzer's bytes as everything the client sends (its flights, in records), and driven until
 * Mbed TLS fails, waits for input that is not there, or completes. Reachable this way: record
 * headers and fragmentation, the ClientHello and all its extensions (SNI, ALPN, key shares,
 * signature algorithms, session tickets and TLS 1.3 pre-shared keys decrypted by the server's
 * {@link SslTicket}, a TLS 1.2 session id looked up in the {@link SslCache}, PSK identities passed
 * to the Java {@link io.github.mbedtlsjni.mbedtls.PskLookup}), and after the server's flight
 * whatever the client sends next (Certificate and the X.509 chain in it, ClientKeyExchange,
 * CertificateVerify, ChangeCipherSpec, Finished), as far as it parses before the keys disagree.
 * The first input byte chooses the server's configuration: bit 0 TLS 1.2 only or 1.2 and 1.3,
 * bit 1 client certificates optional.
 *
 * <p>Seeds are real client flights made at test time by an Mbed TLS client over a memory bio:
 * ClientHellos (TLS 1.2, 1.3) and a whole TLS 1.2 handshake's client side. The only acceptable
 * outcome is an {@link MbedTlsException}, a wait for more input, or a completed handshake; any
 * other exception, a crash or a native object left allocated after the context is closed is a
 * finding. See {@link FuzzTests}.
 */
class TlsServerFuzzTest {
    private static final byte[] PSK = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final boolean TLS13 = MbedTls.hasFeature("MBEDTLS_SSL_PROTO_TLS1_3");
    private static final Entropy ENTROPY = new Entropy();
    private static final CtrDrbg DRBG = new CtrDrbg();
    private static final X509Crt CHAIN = new X509Crt();
    private static final X509Crt CA = new X509Crt();
    private static final PkContext KEY = new PkContext();
    private static final SslCache CACHE = new SslCache();
    private static final SslTicket TICKET = new SslTicket();
    /** By the first input byte's low two bits. */
    private static final SslConfig[] CONFIGS = new SslConfig[4];
    private static final ByteBuffer OUT = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut());
    private static final ByteBuffer PLAIN = ByteBuffer.allocateDirect(MemoryBio.maxPlaintext());
    private static TestPki pki;

    private static synchronized void setUp() {
        if (pki != null) {
            return;
        }
        pki = FuzzSeeds.pki(KeyType.EC_P256);
        DRBG.seed(ENTROPY, "tls server fuzz");
        CHAIN.parseFile(pki.serverChainPem());
        KEY.parseKeyFile(pki.serverKeyPem(), null, DRBG);
        CA.parseFile(pki.rootPem());
        TICKET.setup(DRBG, 86_400);
        for (int mode = 0; mode < CONFIGS.length; mode++) {
            SslConfig config = new SslConfig();
            config.defaults(SslConfig.Endpoint.SERVER, SslConfig.Transport.STREAM);
            config.setRng(DRBG);
            config.setOwnCert(CHAIN, KEY);
            config.setAuthMode((mode & 2) != 0 ? AuthMode.OPTIONAL : AuthMode.NONE);
            config.setCaChain(CA);
            config.setAlpnProtocols("h2", "http/1.1");
            config.setPskLookup(identity -> Arrays.equals(identity, "fuzz".getBytes(StandardCharsets.US_ASCII))
                    ? PSK.clone() : null);
            config.setSessionCache(CACHE);
            config.setSessionTickets(TICKET);
            if ((mode & 1) == 0 || !TLS13) {
                config.setMaxTlsVersion(TlsVersion.TLS1_2);
            }
            CONFIGS[mode] = config;
        }
    }

    @BeforeAll
    static void seeds() {
        setUp();
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("tls12-clienthello", withMode(0, ClientHellos.of(TlsVersion.TLS1_2)));
        if (TLS13) {
            seeds.put("tls13-clienthello", withMode(1, ClientHellos.of(TlsVersion.TLS1_3)));
            seeds.put("tls13-clienthello-client-auth", withMode(3, ClientHellos.of(TlsVersion.TLS1_3)));
        }
        seeds.put("tls12-client-side", withMode(0, clientSide(CONFIGS[0])));
        seeds.put("tls12-client-side-client-auth", withMode(2, clientSide(CONFIGS[2])));
        FuzzSeeds.write(TlsServerFuzzTest.class, "clientFlights", seeds);
    }

    @AfterAll
    static void free() {
        for (SslConfig c : CONFIGS) {
            if (c != null) {
                c.close();
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {TICKET, CACHE, KEY, CA, CHAIN, DRBG, ENTROPY}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Fuzzed for half of {@link FuzzTests#CI_DURATION} in {@code mvn verify}: what this class adds to the suite stays small. */
    @FuzzTest(maxDuration = "10s")
    void clientFlights(byte[] data) {
        setUp();
        long before = liveTotal();
        SslConfig config = CONFIGS[data.length > 0 ? data[0] & 3 : 0];
        ByteBuffer in = ByteBuffer.wrap(data, Math.min(1, data.length), Math.max(0, data.length - 1));
        try (SslContext ssl = new SslContext()) {
            ssl.setup(config);
            MemoryBio bio = ssl.setMemoryBio();
            serve(bio, in);
        }
        long after = liveTotal();
        if (after != before) {
            throw new AssertionError("native objects " + before + " before the run, " + after + " after: "
                    + MbedTls.liveNativeObjects());
        }
    }

    /** Handshakes until Mbed TLS fails, waits for input that was not given, or is done (then reads what is left). */
    private static void serve(MemoryBio bio, ByteBuffer in) {
        try {
            for (int steps = 0; steps < 10_000; steps++) {
                OUT.clear(); // the server's flights go nowhere: nothing answers them
                int before = in.position();
                int r = bio.handshake(in, OUT);
                if (r == 0) {
                    PLAIN.clear();
                    bio.read(in, PLAIN);
                    return;
                }
                if (r == MemoryBio.WANT_READ && (in.position() == before || !in.hasRemaining()) && OUT.position() == 0) {
                    return;
                }
            }
            throw new AssertionError("the handshake made no progress in 10,000 steps");
        } catch (MbedTlsException expected) {
            // Mbed TLS refused the input: the outcome expected of almost every input
        }
    }

    private static long liveTotal() {
        return MbedTls.liveNativeObjects().values().stream().mapToLong(Long::longValue).sum();
    }

    private static byte[] withMode(int mode, byte[] flights) {
        byte[] b = new byte[flights.length + 1];
        b[0] = (byte) mode;
        System.arraycopy(flights, 0, b, 1, flights.length);
        return b;
    }

    /**
     * Everything an Mbed TLS client (TLS 1.2, with the server's identity as its client
     * certificate where asked) sends in a whole handshake with a server on {@code serverConfig},
     * both over memory bios in this thread.
     */
    private static byte[] clientSide(SslConfig serverConfig) {
        try (SslConfig clientConfig = new SslConfig(); SslContext client = new SslContext();
                SslContext server = new SslContext()) {
            clientConfig.defaults();
            clientConfig.setRng(DRBG);
            clientConfig.setCaChain(CA);
            clientConfig.setOwnCert(CHAIN, KEY);
            clientConfig.setMaxTlsVersion(TlsVersion.TLS1_2);
            client.setup(clientConfig);
            client.setHostname(TestPki.SERVER_NAME);
            server.setup(serverConfig);
            MemoryBio c = client.setMemoryBio();
            MemoryBio s = server.setMemoryBio();
            ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
            ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            int rc = MemoryBio.WANT_READ;
            int rs = MemoryBio.WANT_READ;
            for (int i = 0; i < 100 && (rc != 0 || rs != 0); i++) {
                int from = toServer.position();
                rc = c.handshake(toClient.flip(), toServer);
                toClient.compact();
                sent.write(toServer.array(), from, toServer.position() - from);
                rs = s.handshake(toServer.flip(), toClient);
                toServer.compact();
            }
            if (rc != 0 || rs != 0) {
                throw new IllegalStateException("the seed handshake did not complete: " + rc + ", " + rs);
            }
            return sent.toByteArray();
        }
    }
}
