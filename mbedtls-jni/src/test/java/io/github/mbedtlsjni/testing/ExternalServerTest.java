package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Self-tests of {@link ExternalServer} and, through it, of {@link ProcessServer}, with
 * {@code openssl s_server} as the program: ready once listening on 127.0.0.1, refused when it
 * listens elsewhere or exits first, and on close killed with its working directory deleted.
 */
class ExternalServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static TestPki pki;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    private static ExternalServer.Builder sServer(String name, String accept, int port, String key) {
        return ExternalServer.builder(name, dir.resolve(name), port).command(OpenSsl.executable().toString(),
                "s_server", "-accept", accept, "-cert", pki.serverChainPem().toString(),
                "-cert_chain", pki.intermediatePem().toString(), "-key", key,
                "-no-CAfile", "-no-CApath", "-no-CAstore", "-rev");
    }

    @Test
    void isReadyOnceListeningAndCloseKillsItAndDeletesItsDirectory() throws Exception {
        int port = TestServer.freePort();
        ExternalServer server = sServer("echo", "127.0.0.1:" + port, port, pki.serverKeyPem().toString()).start();
        Path work = server.workDir();
        try {
            assertEquals(port, server.port());
            assertTrue(Files.isDirectory(work));
            assertEquals(List.of("0100007F"), ExternalServer.listeningAddresses(port));
            try (SSLSocket socket = JsseClient.connect(SslContexts.client(pki.root().certificate()), port)) {
                socket.getOutputStream().write("abc\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("cba", JsseClient.readLine(socket.getInputStream()));
            }
            assertTrue(server.awaitOutput("ACCEPT", TIMEOUT), server.output());
            assertFalse(server.awaitOutput("never printed", Duration.ofMillis(100)));
        } finally {
            server.close();
        }
        assertFalse(server.isAlive());
        assertFalse(Files.exists(work), "working directory deleted");
        assertThrows(ConnectException.class, () -> JsseClient.connectRaw(port).close());
    }

    /** 127.0.0.2 stands for any other address: the check is the same, and nothing is exposed beyond this host. */
    @Test
    void aServerListeningOnAnotherAddressIsStoppedAndRefused() {
        int port = TestServer.freePort();
        ExternalServer.Builder elsewhere =
                sServer("elsewhere", "127.0.0.2:" + port, port, pki.serverKeyPem().toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, elsewhere::start);
        assertTrue(e.getMessage().contains("listens on 0200007F"), e.getMessage());
        assertTrue(ExternalServer.listeningAddresses(port).isEmpty(), "killed: nothing listens on " + port);
    }

    @Test
    void aPortAnotherProcessTookIsNotTheServerListeningAndStartOnFreePortMovesOn() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, TestServer.loopback())) {
            int taken = other.getLocalPort();
            ExternalServer.Builder onTaken = sServer("taken", "127.0.0.1:" + taken, taken, pki.serverKeyPem().toString());
            ExternalServer.PortTakenException e = assertThrows(ExternalServer.PortTakenException.class, onTaken::start);
            assertTrue(e.getMessage().contains("another process listens on port " + taken), e.getMessage());
            assertTrue(e.getMessage().contains("Address already in use"), e.getMessage());

            List<Integer> tried = new ArrayList<>();
            try (ExternalServer moved = ExternalServer.startOnFreePort(port -> {
                int listen = tried.isEmpty() ? taken : port; // as if the first free port were taken meanwhile
                tried.add(listen);
                return sServer("moved-" + tried.size(), "127.0.0.1:" + listen, listen, pki.serverKeyPem().toString());
            })) {
                assertEquals(2, tried.size(), "a second port after the taken one: " + tried);
                assertEquals(tried.get(1), moved.port());
                assertTrue(moved.isAlive());
            }
        }
    }

    @Test
    void aServerThatExitsBeforeListeningFailsWithItsOutput() {
        int port = TestServer.freePort();
        ExternalServer.Builder noKey =
                sServer("no-key", "127.0.0.1:" + port, port, dir.resolve("missing.key").toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, noKey::start);
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().contains("missing.key"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("no-key")), "working directory deleted");
    }
}
