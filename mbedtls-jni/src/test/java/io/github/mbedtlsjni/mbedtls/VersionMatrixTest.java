package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TestServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;

/**
 * What must hold on every Mbed TLS build the binding supports (3.6 and 2.28 from source, the
 * system's shared libraries), and where the lines differ, both expectations side by side.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VersionMatrixTest {
    /** MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION (3.x) = MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION (2.28). */
    static final int BAD_PROTOCOL_VERSION = -0x6E80;
    /** MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, on both lines. */
    static final int FATAL_ALERT_RECEIVED = -0x7780;

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    /**
     * 2.28's own defaults still accept TLS 1.0 and 1.1 (compiled in by default there); the
     * binding's defaults() sets TLS 1.2 as the minimum explicitly, so on every line a server that
     * speaks nothing newer than TLS 1.1 is refused. Who refuses differs: a client that offers
     * TLS 1.3 (3.6 with defaults) lists only TLS 1.3 and 1.2 in supported_versions, and OpenSSL
     * gives up itself (a protocol_version alert); otherwise OpenSSL answers TLS 1.1 and the
     * client refuses that (MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION, 2.28: ..._BAD_HS_PROTOCOL_VERSION).
     */
    @ParameterizedTest(name = "max {0}")
    @NullSource
    @EnumSource(value = TlsVersion.class, names = "TLS1_2")
    void aTls11OnlyServerIsRefused(TlsVersion max) {
        boolean serverRefuses = max == null && MbedTlsVersions.hasTls13();
        // OpenSSL 3 allows TLS 1.1 only at security level 0; the later -min/-max_protocol win.
        try (OpenSslServer server = OpenSslServer.builder(pki).securityLevel(0)
                        .args("-min_protocol", "TLSv1.1", "-max_protocol", "TLSv1.1").start();
                GuideClient c = GuideClient.prepare(pki.rootPem(), null, AuthMode.REQUIRED, null, max)) {
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> c.connect(server.port(), TestPki.SERVER_NAME));
            assertEquals(serverRefuses ? FATAL_ALERT_RECEIVED : BAD_PROTOCOL_VERSION, e.code(), e::getMessage);
            assertEquals("mbedtls_ssl_handshake", e.function());
            String sign = serverRefuses ? "unsupported protocol" : "alert protocol version";
            assertTrue(server.awaitOutput(sign, Duration.ofSeconds(10)),
                    () -> "s_server's log lacks '" + sign + "':\n" + server.output());
        }
    }

    /** The server itself is fine: OpenSSL's own client completes TLS 1.1 with it. */
    @Test
    void theTls11ServerOfTheTestAbovesSpeaksTls11() {
        try (OpenSslServer server = OpenSslServer.builder(pki).securityLevel(0)
                .args("-min_protocol", "TLSv1.1", "-max_protocol", "TLSv1.1").start()) {
            io.github.mbedtlsjni.testing.OpenSsl.Result r = io.github.mbedtlsjni.testing.OpenSsl.run(Duration.ofSeconds(20),
                    "s_client", "-connect", "127.0.0.1:" + server.port(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                    "-CAfile", pki.rootPem().toString());
            assertTrue(r.output().contains("Protocol  : TLSv1.1"), r::output);
        }
    }

    @Test
    void tls13IsAvailableExactlyWhereTheLineHasIt() {
        try (SslConfig config = new SslConfig()) {
            config.defaults();
            if (MbedTlsVersions.hasTls13()) {
                config.setMaxTlsVersion(TlsVersion.TLS1_3);
                config.setMinTlsVersion(TlsVersion.TLS1_3);
                return;
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> config.setMinTlsVersion(TlsVersion.TLS1_3));
            assertEquals(MbedTlsVersions.byLine(
                    "TLS 1.3 needs Mbed TLS 3.x; this library links Mbed TLS " + MbedTls.version(),
                    "TLS 1.3 is not compiled into this Mbed TLS (MBEDTLS_SSL_PROTO_TLS1_3 is off)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> config.setMaxTlsVersion(TlsVersion.TLS1_3));
            config.setMaxTlsVersion(TlsVersion.TLS1_2); // TLS 1.2 is always there
        }
    }

    /**
     * The binding's hostname rule is its own, so it reads the same on 2.28.3 (which predates Mbed
     * TLS's check) as on 3.6.
     */
    @Test
    void theHostnameRuleAndItsMessageAreTheSameOnEveryLine() {
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.net.connect("127.0.0.1", server.port());
            c.ssl.setBio(c.net);
            IllegalStateException e = assertThrows(IllegalStateException.class, c.ssl::handshake);
            assertEquals("the server certificate would be verified without checking its name: call "
                    + "sslContext.setHostname(\"server.example\") before handshake(), or "
                    + "sslContext.skipHostnameVerification() to verify the chain only", e.getMessage());
        }
    }

    /**
     * mbedtls_net_connect() sets SIGPIPE to "ignored" for the whole process; the binding keeps the
     * JVM's handler in place (statically linked: the call is dropped at link time; system library:
     * the binding connects without that call). /proc/self/status lists the ignored signals.
     */
    @Test
    void connectingLeavesTheJvmsSigpipeHandlerInPlace() throws IOException {
        assertFalse(sigpipeIgnored(), "SIGPIPE is ignored before any connect");
        try (JsseServer server = JsseServer.start(pki)) {
            for (int i = 0; i < 3; i++) {
                try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
                    c.connect(server.port(), TestPki.SERVER_NAME);
                }
            }
        }
        assertFalse(sigpipeIgnored(), "mbedtls_net_connect left SIGPIPE ignored");
    }

    /**
     * 2.28's mbedtls_net_connect leaves a socket it has already closed in the context when every
     * address fails (3.6 resets it); closing the NetContext must not close that descriptor number
     * again, by then another stream of the process: here the file opened right after, which gets
     * the lowest free number.
     */
    @Test
    void closingAfterAFailedConnectClosesNoOtherDescriptor() throws IOException {
        int port = TestServer.freePort(); // nothing listens there
        for (int i = 0; i < 20; i++) {
            NetContext net = new NetContext();
            MbedTlsException e = assertThrows(MbedTlsException.class, () -> net.connect("127.0.0.1", port));
            assertEquals(-0x0044, e.code(), "MBEDTLS_ERR_NET_CONNECT_FAILED");
            try (FileInputStream in = new FileInputStream("/proc/self/status")) {
                net.close();
                assertTrue(in.readAllBytes().length > 0, "the file is still open and readable");
            }
        }
    }

    private static boolean sigpipeIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return new BigInteger(line.substring(7).trim(), 16).testBit(13 - 1); // SIGPIPE = 13
            }
        }
        throw new IllegalStateException("no SigIgn in /proc/self/status");
    }
}
