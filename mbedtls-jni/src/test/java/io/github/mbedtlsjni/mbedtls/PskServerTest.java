package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideServer;
import io.github.mbedtlsjni.testing.MbedTlsPrograms;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Pre-shared keys over TLS: a thin server whose keys come from a {@link PskLookup}
 * ({@code mbedtls_ssl_conf_psk_cb}) and no certificate at all, against {@code openssl s_client
 * -psk} (TLS 1.2 with the IoT suite {@code TLS-PSK-WITH-AES-128-CCM-8}, and TLS 1.3), Mbed TLS's
 * {@code ssl_client2 psk=} and this library's client ({@link SslConfig#setPsk}).
 */
class PskServerTest {
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final byte[] KEY = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
    private static final String IDENTITY = "device-17";
    private static final int UNKNOWN_IDENTITY = -0x6C80;

    /** Keys by identity: IDENTITY's key, a fresh copy each time; every other identity refused. */
    private static byte[] lookup(byte[] identity) {
        return new String(identity, StandardCharsets.UTF_8).equals(IDENTITY) ? KEY.clone() : null;
    }

    private static GuideServer pskServer(PskLookup lookup) {
        GuideServer server = GuideServer.prepare();
        server.config.setPskLookup(lookup);
        return server.listen();
    }

    @Test
    void opensslClientWithTheIotSuite() throws Exception {
        AtomicReference<byte[]> handedOut = new AtomicReference<>();
        try (GuideServer server = pskServer(identity -> {
            byte[] key = lookup(identity);
            handedOut.set(key);
            return key;
        })) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("psk reply\n");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-tls1_2", "-connect", "127.0.0.1:" + server.port(),
                    "-psk", HexFormat.of().formatHex(KEY), "-psk_identity", IDENTITY, "-cipher", "PSK-AES128-CCM8",
                    "-ign_eof");
            GuideServer.Served s = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("psk reply"), client.output());
            assertEquals("TLS-PSK-WITH-AES-128-CCM-8", s.ciphersuite());
            assertArrayEquals(new byte[KEY.length], handedOut.get(), "the key handed to Mbed TLS is wiped");
        }
    }

    @Test
    void opensslClientOverTls13() throws Exception {
        MbedTlsVersions.assumeTls13();
        try (GuideServer server = pskServer(PskServerTest::lookup)) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("psk 1.3\n");
            OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-tls1_3", "-connect", "127.0.0.1:" + server.port(),
                    "-psk", HexFormat.of().formatHex(KEY), "-psk_identity", IDENTITY, "-ign_eof");
            GuideServer.Served s = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertTrue(client.output().contains("psk 1.3"), client.output());
            assertEquals("TLSv1.3", s.protocol());
            assertFalse(s.resumed(), "an external PSK is no resumption");
        }
    }

    @Test
    void mbedTlsClientWithAPskSuite() throws Exception {
        String program = MbedTlsPrograms.sslClient2().toString();
        try (GuideServer server = pskServer(PskServerTest::lookup)) {
            CompletableFuture<GuideServer.Served> served = server.serveOne("HTTP/1.0 200 OK\r\n\r\npsk\r\n", true,
                    ssl -> { });
            OpenSsl.Result client = OpenSsl.runCommand(HANG, List.of(program, "server_addr=127.0.0.1",
                    "server_port=" + server.port(), "psk=" + HexFormat.of().formatHex(KEY), "psk_identity=" + IDENTITY,
                    "force_ciphersuite=TLS-PSK-WITH-AES-128-GCM-SHA256"));
            GuideServer.Served s = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, client.exitCode(), client.output());
            assertEquals("TLS-PSK-WITH-AES-128-GCM-SHA256", s.ciphersuite());
        }
    }

    @Test
    void thisLibrarysClientAgainstItsOwnServer() throws Exception {
        try (GuideServer server = pskServer(PskServerTest::lookup);
                SslConfig config = new SslConfig(); NetContext net = new NetContext();
                SslContext ssl = new SslContext()) {
            config.defaults();
            config.setRng(server.drbg);
            config.setPsk(KEY, IDENTITY.getBytes(StandardCharsets.UTF_8));
            config.setMaxTlsVersion(TlsVersion.TLS1_2); // the suite is TLS 1.2's
            config.setCiphersuites("TLS-PSK-WITH-AES-128-CCM-8");
            ssl.setup(config);
            ssl.setHostname("gateway.local"); // no certificate comes, but the client's rule stands
            CompletableFuture<GuideServer.Served> served = server.serveOne("both ends mbed tls");
            net.connect("127.0.0.1", server.port());
            ssl.setBio(net);
            ssl.handshake();
            byte[] buf = new byte[64];
            int n = ssl.read(buf);
            assertEquals("both ends mbed tls", new String(buf, 0, n, StandardCharsets.UTF_8));
            assertEquals("TLS-PSK-WITH-AES-128-CCM-8", served.get(HANG.toSeconds(), TimeUnit.SECONDS).ciphersuite());
        }
    }

    @Test
    void anUnknownIdentityAndAFailingLookupAreRefused() throws Exception {
        PskLookup failing = identity -> {
            throw new IllegalStateException("key store down");
        };
        for (PskLookup lookup : List.<PskLookup>of(PskServerTest::lookup, failing)) {
            try (GuideServer server = pskServer(lookup)) {
                CompletableFuture<GuideServer.Served> served = server.serveOne("never sent");
                String identity = lookup == failing ? IDENTITY : "intruder";
                OpenSsl.Result client = OpenSsl.run(HANG, "s_client", "-tls1_2", "-connect",
                        "127.0.0.1:" + server.port(), "-psk", HexFormat.of().formatHex(KEY), "-psk_identity",
                        identity, "-cipher", "PSK-AES128-CCM8", "-ign_eof");
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> served.get(HANG.toSeconds(), TimeUnit.SECONDS));
                MbedTlsException refused = assertInstanceOf(MbedTlsException.class, e.getCause(), String.valueOf(e));
                assertEquals(UNKNOWN_IDENTITY, refused.code(), refused.getMessage());
                assertNotEquals(0, client.exitCode(), client.output());
            }
        }
    }

    @Test
    void aClientConfigCannotLookUpKeys() {
        try (SslConfig config = new SslConfig()) {
            config.defaults();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> config.setPskLookup(PskServerTest::lookup));
            assertTrue(e.getMessage().contains("setPsk"), e.getMessage());
        }
    }

    /** {@code s_client -tls1_3 -psk} against a PSK server allowing {@code modes}; the server's outcome too. */
    private static OpenSsl.Result tls13PskClient(Set<Tls13KeyExchangeMode> modes, CompletableFuture<?>[] outcome,
            String... extra) {
        try (GuideServer server = GuideServer.prepare()) {
            server.config.setPskLookup(PskServerTest::lookup);
            server.config.setTls13KeyExchangeModes(modes);
            server.listen();
            CompletableFuture<GuideServer.Served> served = server.serveOne("modes " + modes + "\n");
            List<String> args = new ArrayList<>(List.of("s_client", "-tls1_3", "-connect", "127.0.0.1:" + server.port(),
                    "-psk", HexFormat.of().formatHex(KEY), "-psk_identity", IDENTITY, "-ign_eof"));
            args.addAll(List.of(extra));
            OpenSsl.Result client = OpenSsl.run(HANG, args.toArray(new String[0]));
            try {
                served.get(HANG.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported through outcome
            }
            outcome[0] = served;
            return client;
        }
    }

    @Test
    void tls13PskEphemeralKeepsTheKeyShare() {
        MbedTlsVersions.assumeTls13();
        CompletableFuture<?>[] outcome = new CompletableFuture<?>[1];
        OpenSsl.Result client = tls13PskClient(EnumSet.of(Tls13KeyExchangeMode.PSK_EPHEMERAL), outcome);
        assertTrue(client.output().contains("modes [PSK_EPHEMERAL]"), client.output());
        assertTrue(client.output().contains("Server Temp Key"), "psk_dhe_ke: an (EC)DHE share\n" + client.output());
        assertFalse(outcome[0].isCompletedExceptionally());
    }

    @Test
    void tls13PskAloneIsUsedOnlyWithAClientThatAllowsIt() {
        MbedTlsVersions.assumeTls13();
        CompletableFuture<?>[] outcome = new CompletableFuture<?>[1];
        Set<Tls13KeyExchangeMode> pskOnly = EnumSet.of(Tls13KeyExchangeMode.PSK);
        OpenSsl.Result allowing = tls13PskClient(pskOnly, outcome, "-allow_no_dhe_kex"); // offers psk_ke too
        assertTrue(allowing.output().contains("modes [PSK]"), allowing.output());
        assertFalse(allowing.output().contains("Server Temp Key"), "psk_ke: no (EC)DHE\n" + allowing.output());
        assertFalse(outcome[0].isCompletedExceptionally());

        OpenSsl.Result dheOnly = tls13PskClient(pskOnly, outcome); // OpenSSL offers psk_dhe_ke only
        assertFalse(dheOnly.output().contains("modes [PSK]"), dheOnly.output());
        ExecutionException e = assertThrows(ExecutionException.class, () -> outcome[0].get());
        assertInstanceOf(MbedTlsException.class, e.getCause(), String.valueOf(e));
    }

    @Test
    void keyExchangeModesMisuse() {
        try (SslConfig config = new SslConfig()) {
            config.defaults();
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> config.setTls13KeyExchangeModes(EnumSet.noneOf(Tls13KeyExchangeMode.class)));
            assertTrue(empty.getMessage().contains("TLS1_2"), empty.getMessage());
            if (!MbedTlsVersions.hasTls13()) {
                IllegalStateException none = assertThrows(IllegalStateException.class,
                        () -> config.setTls13KeyExchangeModes(EnumSet.allOf(Tls13KeyExchangeMode.class)));
                assertTrue(none.getMessage().contains("TLS 1.3"), none.getMessage());
                Assumptions.abort("no TLS 1.3 in this Mbed TLS: the rest is about a frozen config");
            }
            config.setTls13KeyExchangeModes(EnumSet.allOf(Tls13KeyExchangeMode.class));
            try (SslContext ssl = new SslContext(); CtrDrbg drbg = new CtrDrbg(); Entropy entropy = new Entropy()) {
                drbg.seed(entropy, "modes");
                config.setRng(drbg);
                ssl.setup(config);
                assertThrows(IllegalStateException.class,
                        () -> config.setTls13KeyExchangeModes(EnumSet.of(Tls13KeyExchangeMode.PSK_EPHEMERAL)));
            }
        }
    }
}
