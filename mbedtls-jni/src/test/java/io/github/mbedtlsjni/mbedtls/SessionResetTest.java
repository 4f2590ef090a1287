package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.GuideServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.MbedTlsVersions;
import io.github.mbedtlsjni.testing.OpenSsl;
import io.github.mbedtlsjni.testing.TestPki;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SslContext#sessionReset()} ({@code mbedtls_ssl_session_reset}): one server context
 * serving client after client, each over its own accepted socket, against {@code openssl
 * s_client}; a failed handshake reset and followed by a good one; and the misuse it refuses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionResetTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private OpenSsl.Result sClient(int port, String version) {
        return OpenSsl.run(HANG, "s_client", version, "-connect", "127.0.0.1:" + port, "-servername",
                TestPki.SERVER_NAME, "-CAfile", pki.rootPem().toString(), "-verify_return_error", "-ign_eof");
    }

    /** Serves one client of {@code server} on {@code ssl}: handshake, reply with its number and protocol, close_notify. */
    private static String serve(GuideServer server, SslContext ssl, int n) throws Exception {
        try (NetContext client = server.listener.accept(60_000)) {
            ssl.setBio(client);
            ssl.handshake();
            String reply = "client " + n + " " + ssl.protocol() + "\n";
            ssl.writeFully(reply.getBytes(StandardCharsets.UTF_8));
            ssl.closeNotify();
            return ssl.protocol();
        }
    }

    @Test
    void oneContextServesClientAfterClient() throws Exception {
        List<String> versions = new ArrayList<>(List.of("-tls1_2", "-tls1_2"));
        if (MbedTlsVersions.hasTls13()) {
            versions.add(1, "-tls1_3");
        }
        Map<String, Long> before = LiveObjects.settle();
        try (GuideServer server = GuideServer.prepare(pki).listen(); SslContext ssl = new SslContext()) {
            ssl.setup(server.config);
            for (int i = 0; i < versions.size(); i++) {
                int n = i;
                CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                    try {
                        return serve(server, ssl, n);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                OpenSsl.Result client = sClient(server.port(), versions.get(i));
                String protocol = served.get(HANG.toSeconds(), TimeUnit.SECONDS);
                assertTrue(client.output().contains("client " + n + " " + protocol), client.output());
                assertEquals(versions.get(i).equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2", protocol);
                ssl.sessionReset();
                assertEquals(SslContext.Inbound.OPEN, ssl.inbound());
            }
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "every native object freed");
    }

    @Test
    void aFailedHandshakeIsResetAndTheNextClientServed() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen(); SslContext ssl = new SslContext()) {
            ssl.setup(server.config);
            try (Socket hostile = new Socket("127.0.0.1", server.port());
                    NetContext client = server.listener.accept(60_000)) {
                hostile.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                ssl.setBio(client);
                assertInstanceOf(MbedTlsException.class, assertThrows(RuntimeException.class, ssl::handshake));
            }
            ssl.sessionReset();
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try {
                    return serve(server, ssl, 2);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            OpenSsl.Result client = sClient(server.port(), "-tls1_2");
            assertEquals("TLSv1.2", served.get(HANG.toSeconds(), TimeUnit.SECONDS));
            assertTrue(client.output().contains("client 2 TLSv1.2"), client.output());
        }
    }

    @Test
    void misuseIsRefusedWithTheMissingStep() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen()) {
            try (SslContext ssl = new SslContext()) {
                assertThrows(IllegalStateException.class, ssl::sessionReset); // before setup
                ssl.setup(server.config);
                IllegalStateException e = assertThrows(IllegalStateException.class, ssl::sessionReset);
                assertTrue(e.getMessage().contains("setBio"), e.getMessage());
            }
            try (SslContext ssl = new SslContext()) {
                ssl.setup(server.config);
                ssl.setMemoryBio();
                IllegalStateException e = assertThrows(IllegalStateException.class, ssl::sessionReset);
                assertTrue(e.getMessage().contains("memory bio"), e.getMessage());
            }
            SslContext closed = new SslContext();
            closed.setup(server.config);
            closed.close();
            assertThrows(IllegalStateException.class, closed::sessionReset);
        }
    }

    /** A reset while another thread waits in a read is refused; the read goes on and gets its data. */
    @Test
    void aResetDuringAReadIsRefusedAndTheReadGoesOn() throws Exception {
        try (GuideServer server = GuideServer.prepare(pki).listen();
                SslContext ssl = new SslContext(); SslConfig clientConfig = new SslConfig();
                NetContext clientNet = new NetContext(); SslContext client = new SslContext()) {
            ssl.setup(server.config);
            clientConfig.defaults();
            clientConfig.setRng(server.drbg);
            clientConfig.setAuthMode(AuthMode.NONE);
            client.setup(clientConfig);
            client.skipHostnameVerification();
            clientNet.connect("127.0.0.1", server.port());
            client.setBio(clientNet);
            CompletableFuture<Void> clientHandshake = CompletableFuture.runAsync(client::handshake);
            try (NetContext accepted = server.listener.accept(60_000)) {
                ssl.setBio(accepted);
                ssl.handshake();
                clientHandshake.get(HANG.toSeconds(), TimeUnit.SECONDS);
                CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
                    byte[] buf = new byte[64];
                    int n = ssl.read(buf);
                    return new String(buf, 0, n, StandardCharsets.UTF_8);
                });
                // The read holds a reference to the context while it waits; the reset must see it.
                while (!ssl.handle.usedBeyond(1) && !read.isDone()) {
                    Thread.onSpinWait();
                }
                IllegalStateException e = assertThrows(IllegalStateException.class, ssl::sessionReset);
                assertTrue(e.getMessage().contains("another thread"), e.getMessage());
                client.writeFully("still here".getBytes(StandardCharsets.UTF_8));
                assertEquals("still here", read.get(HANG.toSeconds(), TimeUnit.SECONDS));
                assertFalse(ssl.handle.isClosed());
            }
        }
    }
}
