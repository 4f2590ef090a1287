package io.github.mbedtlsjni.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Self-tests of {@link HostileServer} and, through it, of {@link LoopbackServer}: scripts run per
 * connection and are counted, the silent peer holds connections without answering and closes the
 * oldest beyond its limit, and close ends every connection and thread.
 */
class HostileServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @Test
    void runsTheScriptOnEveryConnectionAndCountsThem() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> {
            HostileServer.Record hello = peer.readRecord();
            peer.writeRecord(HostileServer.ALERT, HostileServer.alert(2, hello.body().length));
        })) {
            for (int i = 1; i <= 3; i++) {
                try (Socket client = JsseClient.connectRaw(server.port())) {
                    client.getOutputStream().write(HostileServer.record(HostileServer.HANDSHAKE, 0x0301, new byte[i]));
                    byte[] expected = HostileServer.record(HostileServer.ALERT, 0x0303, new byte[] {2, (byte) i});
                    assertArrayEquals(expected, JsseClient.readExactly(client.getInputStream(), expected.length));
                    assertEquals(-1, client.getInputStream().read(), "the script returned: FIN");
                }
                assertTrue(server.awaitFinished(i, TIMEOUT), server + ": " + server.finishedCount() + " finished");
            }
            assertEquals(3, server.acceptedCount());
            assertEquals(0, server.openCount());
            assertTrue(server.errors().isEmpty(), server.errors()::toString);
        }
    }

    @Test
    void recordsWhatAScriptThrows() throws Exception {
        try (HostileServer server = HostileServer.start(peer -> peer.readRecord())) {
            JsseClient.connectRaw(server.port()).close(); // EOF before a record
            assertTrue(server.awaitFinished(1, TIMEOUT));
            assertTrue(server.errors().peek() instanceof java.io.EOFException, server.errors()::toString);
        }
    }

    @Test
    void closeReleasesStalledScriptsAndEndsTheirConnections() throws Exception {
        HostileServer server = HostileServer.start(peer -> {
            peer.write("stalling");
            peer.stall();
        });
        String threadPrefix = "hostile-server-" + server.port() + "-";
        try (Socket client = JsseClient.connectRaw(server.port())) {
            InputStream in = client.getInputStream();
            assertEquals("stalling", new String(JsseClient.readExactly(in, 8), StandardCharsets.US_ASCII));
            assertEquals(1, server.openCount());
            server.close();
            assertEquals(-1, readOrReset(in), "closed by the server");
        }
        assertEquals(1, server.finishedCount());
        assertEquals(0, server.openCount());
        assertFalse(aliveThreads(threadPrefix), "the accept and script threads ended");
    }

    @Test
    void silentHoldsConnectionsWithoutAnsweringAndClosesTheOldestBeyondItsLimit() throws Exception {
        List<Socket> clients = new ArrayList<>();
        HostileServer server = HostileServer.silent(2);
        String threadPrefix = "hostile-server-" + server.port() + "-";
        try {
            for (int i = 0; i < 3; i++) {
                Socket client = JsseClient.connectRaw(server.port());
                client.getOutputStream().write("ClientHello".getBytes(StandardCharsets.US_ASCII));
                clients.add(client);
                awaitAccepted(server, i + 1);
            }
            assertEquals(-1, readOrReset(clients.get(0).getInputStream()), "the oldest was closed");
            for (Socket held : clients.subList(1, 3)) {
                held.setSoTimeout(200);
                assertThrows(SocketTimeoutException.class, () -> held.getInputStream().read(), "no answer");
            }
            assertEquals(2, server.openCount());
            assertEquals(0, server.finishedCount(), "held connections are never served");
            assertFalse(threads(threadPrefix + "conn-"), "no thread per held connection");
            server.close();
            for (Socket held : clients.subList(1, 3)) {
                held.setSoTimeout((int) TIMEOUT.toMillis());
                assertEquals(-1, readOrReset(held.getInputStream()), "closed with the server");
            }
            assertEquals(0, server.openCount());
            assertFalse(aliveThreads(threadPrefix), "the accept thread ended");
        } finally {
            server.close();
            for (Socket client : clients) {
                client.close();
            }
        }
    }

    @Test
    void silentRefusesALimitBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> HostileServer.silent(0));
    }

    /** -1 at end of stream; a reset (the server closed with unread input) counts as the end too. */
    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static void awaitAccepted(LoopbackServer server, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (server.acceptedCount() < count) {
            assertTrue(System.nanoTime() - deadline < 0, server + ": " + server.acceptedCount() + " accepted");
            Thread.sleep(5);
        }
    }

    private static boolean threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith(prefix));
    }

    /** Whether threads named {@code prefix...} are alive, after waiting (bounded) for the dying ones. */
    private static boolean aliveThreads(String prefix) throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                t.join(TIMEOUT.toMillis());
            }
        }
        return threads(prefix);
    }
}
