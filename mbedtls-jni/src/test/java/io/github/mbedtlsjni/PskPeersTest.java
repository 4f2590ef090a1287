package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.CtrDrbg;
import io.github.mbedtlsjni.mbedtls.Entropy;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.Tls13KeyExchangeMode;
import io.github.mbedtlsjni.mbedtls.TlsVersion;
import io.github.mbedtlsjni.testing.ExternalServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.ProcessServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * This library's PSK client ({@link TlsClient.Builder#psk} and the thin classes'
 * {@link SslConfig#setPsk}) against independent PSK servers with no certificate: {@code openssl
 * s_server -nocert -psk -psk_identity} and Mbed TLS's {@code ssl_server2 psk= psk_identity=}.
 * TLS 1.2 with the plain PSK suites CCM-8 (CoAP's) and GCM and the ECDHE-PSK CBC suite; TLS 1.3
 * external PSKs (OpenSSL 3.0's {@code -psk} works there too: it offers the key as a session of
 * {@code TLS_AES_128_GCM_SHA256}'s hash) and, with ssl_server2, the key exchange modes
 * {@code psk} and {@code psk_ephemeral}. A wrong key and an unknown identity fail with Mbed TLS's
 * code, the server saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PskPeersTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final byte[] KEY = HexFormat.of().parseHex("6a3f0c5d9e2b41870f1e2d3c4b5a6978");
    private static final byte[] WRONG_KEY = HexFormat.of().parseHex("6a3f0c5d9e2b41870f1e2d3c4b5a6979");
    private static final String IDENTITY = "sensor-0042";
    private static final int FATAL_ALERT = -0x7780; // MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE
    private static final int CONNECTION_RESET = -0x0050; // MBEDTLS_ERR_NET_CONN_RESET

    enum Peer { OPENSSL, MBEDTLS }

    /** Mbed TLS's names of the TLS 1.2 suites, and OpenSSL's. */
    enum Suite {
        PSK_CCM_8("TLS-PSK-WITH-AES-128-CCM-8", "PSK-AES128-CCM8"),
        PSK_GCM("TLS-PSK-WITH-AES-128-GCM-SHA256", "PSK-AES128-GCM-SHA256"),
        ECDHE_PSK_CBC("TLS-ECDHE-PSK-WITH-AES-128-CBC-SHA256", "ECDHE-PSK-AES128-CBC-SHA256");

        final String mbedtls;
        final String openssl;

        Suite(String mbedtls, String openssl) {
            this.mbedtls = mbedtls;
            this.openssl = openssl;
        }
    }

    @TempDir
    static Path dir;

    TestPki pki; // only because OpenSslServer takes a certificate, which -nocert then ignores

    @BeforeAll
    void setUp() {
        pki = TestPki.create(dir.resolve("pki"), KeyType.EC_P256);
    }

    /** A PSK-only server of {@code peer}: {@code suite} forced for TLS 1.2; for TLS 1.3 ({@code suite} null) ssl_server2 gets {@code kexModes}. */
    private ProcessServer server(Peer peer, TlsProtocol protocol, Suite suite, String kexModes) {
        String hex = HexFormat.of().formatHex(KEY);
        if (peer == Peer.OPENSSL) {
            List<String> args = new ArrayList<>(List.of("-nocert", "-psk", hex, "-psk_identity", IDENTITY));
            if (suite != null) {
                args.addAll(List.of("-cipher", suite.openssl));
            }
            return OpenSslServer.builder(pki).protocols(protocol).args(args.toArray(new String[0])).start();
        }
        String program = MbedTlsPrograms.sslServer2().toString();
        List<String> options = new ArrayList<>(List.of("psk=" + hex, "psk_identity=" + IDENTITY,
                "force_version=" + (protocol == TlsProtocol.TLS_1_2 ? "tls12" : "tls13")));
        if (suite != null) {
            options.add("force_ciphersuite=" + suite.mbedtls);
        }
        if (kexModes != null) {
            options.add("tls13_kex_modes=" + kexModes);
        }
        return ExternalServer.startOnFreePort(port -> {
            List<String> command = new ArrayList<>(List.of(program, "server_addr=127.0.0.1", "server_port=" + port));
            command.addAll(options);
            return ExternalServer.builder("ssl_server2", dir.resolve("ssl_server2-" + port), port)
                    .command(command.toArray(new String[0]));
        });
    }

    /**
     * Application data both ways; what the peer answered. s_server answers a line reversed;
     * ssl_server2 answers a request with a page naming the suite and closes.
     */
    private static String exchange(Peer peer, TlsConnection c) throws Exception {
        if (peer == Peer.OPENSSL) {
            c.getOutputStream().write("psk hello\n".getBytes(StandardCharsets.UTF_8));
            c.getOutputStream().flush();
            String line = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertEquals(OpenSslServer.reverse("psk hello"), line);
            return line;
        }
        c.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().flush();
        String page = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(page.contains("Successful connection using: " + c.ciphersuite()), page);
        return page;
    }

    private static TlsClient client(TlsProtocol protocol, Suite suite, String identity, byte[] key) throws Exception {
        TlsVersion version = protocol == TlsProtocol.TLS_1_2 ? TlsVersion.TLS1_2 : TlsVersion.TLS1_3;
        TlsClient.Builder b = TlsClient.builder().psk(identity, key).tlsVersions(version, version)
                .handshakeTimeout(HANG).readTimeout(HANG);
        if (suite != null) {
            b.ciphersuites(suite.mbedtls);
        }
        return b.build();
    }

    static Stream<Arguments> tls12() {
        List<Arguments> list = new ArrayList<>();
        for (Peer peer : Peer.values()) {
            for (Suite suite : Suite.values()) {
                list.add(Arguments.of(peer, suite));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tls12")
    void tls12SuitesWithTlsClient(Peer peer, Suite suite) throws Exception {
        try (ProcessServer server = server(peer, TlsProtocol.TLS_1_2, suite, null);
                TlsClient client = client(TlsProtocol.TLS_1_2, suite, IDENTITY, KEY);
                TlsConnection c = client.connect("127.0.0.1", server.port())) {
            assertEquals("TLSv1.2", c.protocol());
            assertEquals(suite.mbedtls, c.ciphersuite());
            exchange(peer, c);
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void tls13ExternalPskWithTlsClient(Peer peer) throws Exception {
        MbedTlsVersions.assumeTls13();
        try (ProcessServer server = server(peer, TlsProtocol.TLS_1_3, null, peer == Peer.MBEDTLS ? "psk_ephemeral" : null);
                TlsClient client = client(TlsProtocol.TLS_1_3, null, IDENTITY, KEY);
                TlsConnection c = client.connect("127.0.0.1", server.port())) {
            assertEquals("TLSv1.3", c.protocol());
            assertTrue(c.ciphersuite().startsWith("TLS1-3-"), c.ciphersuite());
            exchange(peer, c);
        }
    }

    /** The guide's steps with a key instead of a CA: one handshake and exchange; Mbed TLS's failure as thrown. */
    private static String thinClient(int port, TlsVersion version, Suite suite, Set<Tls13KeyExchangeMode> modes,
            String request) {
        try (Entropy entropy = new Entropy(); CtrDrbg drbg = new CtrDrbg(); SslConfig config = new SslConfig();
                SslContext ssl = new SslContext(); NetContext net = new NetContext()) {
            drbg.seed(entropy, "psk peers");
            config.defaults();
            config.setRng(drbg);
            config.setMinTlsVersion(version);
            config.setMaxTlsVersion(version);
            config.setPsk(KEY, IDENTITY.getBytes(StandardCharsets.UTF_8));
            if (suite != null) {
                config.setCiphersuites(suite.mbedtls);
            }
            if (modes != null) {
                config.setTls13KeyExchangeModes(modes);
            }
            ssl.setup(config);
            ssl.setHostname("gateway.local"); // no certificate comes, but the client's rule stands
            net.connect("127.0.0.1", port);
            net.setReadTimeout((int) HANG.toMillis());
            ssl.setBio(net);
            ssl.handshake();
            ssl.writeFully(request.getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[4096];
            int n = ssl.read(buf);
            return ssl.protocol() + " " + ssl.ciphersuite() + "\n" + new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void tls12CcmWithTheThinClasses(Peer peer) {
        try (ProcessServer server = server(peer, TlsProtocol.TLS_1_2, Suite.PSK_CCM_8, null)) {
            String request = peer == Peer.OPENSSL ? "thin psk\n" : "GET / HTTP/1.0\r\n\r\n";
            String got = assertTimeoutPreemptively(HANG,
                    () -> thinClient(server.port(), TlsVersion.TLS1_2, Suite.PSK_CCM_8, null, request));
            assertTrue(got.startsWith("TLSv1.2 TLS-PSK-WITH-AES-128-CCM-8\n"), got);
            assertTrue(got.contains(peer == Peer.OPENSSL ? "ksp niht\n"
                    : "Successful connection using: TLS-PSK-WITH-AES-128-CCM-8"), got);
        }
    }

    /** ssl_server2 allowing only {@code psk} (no (EC)DHE): a client allowing it too connects, one insisting on psk_ephemeral cannot. */
    @Test
    void tls13PskOnlyModeWithTheThinClasses() {
        MbedTlsVersions.assumeTls13();
        try (ProcessServer server = server(Peer.MBEDTLS, TlsProtocol.TLS_1_3, null, "psk")) {
            String request = "GET / HTTP/1.0\r\n\r\n";
            String got = assertTimeoutPreemptively(HANG, () -> thinClient(server.port(), TlsVersion.TLS1_3, null,
                    EnumSet.of(Tls13KeyExchangeMode.PSK), request));
            assertTrue(got.startsWith("TLSv1.3 TLS1-3-"), got);
            assertTrue(got.contains("Successful connection using: TLS1-3-"), got);

            MbedTlsException refused = assertThrows(MbedTlsException.class, () -> assertTimeoutPreemptively(HANG,
                    () -> thinClient(server.port(), TlsVersion.TLS1_3, null, EnumSet.of(Tls13KeyExchangeMode.PSK_EPHEMERAL),
                            request)));
            assertEquals("mbedtls_ssl_handshake", refused.function(), refused.getMessage());
            assertEquals(FATAL_ALERT, refused.code(), refused.getMessage());
            assertTrue(server.awaitOutput("returned -0x6600", HANG), server::output); // no mode in common
        }
    }

    enum Bad { WRONG_KEY, UNKNOWN_IDENTITY }

    /**
     * The refusals, each with the reason the server logs. OpenSSL's s_server does not refuse an
     * unknown identity over TLS 1.2: {@code -psk_identity} there only makes it warn ("PSK warning:
     * client identity not what we expected") and use its one key, so that case is not here.
     */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(Peer.OPENSSL, TlsProtocol.TLS_1_2, Bad.WRONG_KEY, "decryption failed or bad record mac"),
                Arguments.of(Peer.MBEDTLS, TlsProtocol.TLS_1_2, Bad.WRONG_KEY, "Verification of the message MAC failed"),
                Arguments.of(Peer.MBEDTLS, TlsProtocol.TLS_1_2, Bad.UNKNOWN_IDENTITY, "Unknown identity received"),
                Arguments.of(Peer.OPENSSL, TlsProtocol.TLS_1_3, Bad.WRONG_KEY, "binder does not verify"),
                Arguments.of(Peer.OPENSSL, TlsProtocol.TLS_1_3, Bad.UNKNOWN_IDENTITY, "no suitable signature algorithm"),
                Arguments.of(Peer.MBEDTLS, TlsProtocol.TLS_1_3, Bad.WRONG_KEY, "returned -0x6e00"),
                Arguments.of(Peer.MBEDTLS, TlsProtocol.TLS_1_3, Bad.UNKNOWN_IDENTITY, "returned -0x6600"));
    }

    /**
     * A wrong key or an unknown identity: the server refuses with an alert, and the client's
     * exception keeps Mbed TLS's code and function and says where; the server's log names why
     * (Mbed TLS's own reason for ssl_server2: {@code -0x6e00} for a TLS 1.3 binder made with
     * another key, {@code -0x6600} for an identity it does not know when only
     * {@code psk_ephemeral} is allowed). Over TLS 1.2 an unknown identity is refused on the
     * client's ClientKeyExchange while the client still sends its ChangeCipherSpec and Finished:
     * the server closing with those unread resets the connection, which the client may meet in
     * its send before it reads the alert, so there either code is the honest answer.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("refusals")
    void aWrongKeyOrAnUnknownIdentityIsRefused(Peer peer, TlsProtocol protocol, Bad bad, String serverReason)
            throws Exception {
        if (protocol == TlsProtocol.TLS_1_3) {
            MbedTlsVersions.assumeTls13();
        }
        Suite suite = protocol == TlsProtocol.TLS_1_2 ? Suite.PSK_GCM : null;
        String kexModes = peer == Peer.MBEDTLS && protocol == TlsProtocol.TLS_1_3 ? "psk_ephemeral" : null;
        try (ProcessServer server = server(peer, protocol, suite, kexModes);
                TlsClient client = client(protocol, suite, bad == Bad.UNKNOWN_IDENTITY ? "sensor-9999" : IDENTITY,
                        bad == Bad.WRONG_KEY ? WRONG_KEY : KEY)) {
            TlsException e = assertThrows(TlsException.class, () -> {
                try (TlsConnection c = client.connect("127.0.0.1", server.port())) {
                    exchange(peer, c);
                }
            });
            boolean racesAReset = protocol == TlsProtocol.TLS_1_2 && bad == Bad.UNKNOWN_IDENTITY;
            if (!(racesAReset && e.code() == CONNECTION_RESET)) {
                assertEquals(FATAL_ALERT, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("-0x7780 SSL - A fatal alert message was received from our peer"),
                        e.getMessage());
            }
            assertEquals("mbedtls_ssl_handshake", e.function(), e.getMessage());
            assertEquals(e.code(), e.getCause().code());
            assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + server.port() + " failed: "),
                    e.getMessage());
            assertTrue(server.awaitOutput(serverReason, HANG), server::output);
        }
    }
}
