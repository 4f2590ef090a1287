package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
}
