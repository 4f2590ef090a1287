package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.jsse.MbedTlsProvider;
import io.github.mbedtlsjni.testing.GuideClient;
import io.github.mbedtlsjni.testing.JsseServer;
import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.LiveObjects;
import io.github.mbedtlsjni.testing.SslContexts;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory bio by hand (a handshake and an echo over a plain socket, the application moving
 * the bytes), its step-order rules with one message each, and no native memory left behind by
 * memory-bio contexts and the JSSE provider's engines and sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryBioTest {
    @TempDir
    static Path dir;

    TestPki pki;

    @BeforeAll
    void pki() {
        pki = TestPki.create(dir, KeyType.EC_P256);
    }

    @Test
    void aHandshakeAndAnEchoWithTheApplicationMovingTheBytes() throws Exception {
        try (JsseServer server = JsseServer.start(pki); GuideClient c = GuideClient.prepare(pki.rootPem());
                Socket socket = new Socket("127.0.0.1", server.port())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            MemoryBio bio = c.ssl.setMemoryBio();
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            ByteBuffer fromPeer = ByteBuffer.allocate(MemoryBio.maxRecordIn() * 2);
            ByteBuffer toPeer = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut());
            int code;
            while ((code = bio.handshake(fromPeer.flip(), toPeer)) != 0) {
                fromPeer.compact();
                send(toPeer, out);
                if (code == MemoryBio.WANT_READ) {
                    int n = in.read(fromPeer.array(), fromPeer.position(), fromPeer.remaining());
                    assertTrue(n > 0, "the server closed during the handshake");
                    fromPeer.position(fromPeer.position() + n);
                }
            }
            fromPeer.compact();
            send(toPeer, out);
            assertEquals(0, bio.handshake(null, toPeer), "done: at once");
            ByteBuffer data = ByteBuffer.wrap("memory".getBytes(StandardCharsets.US_ASCII));
            assertEquals(6, bio.write(data, toPeer));
            send(toPeer, out);
            ByteBuffer plain = ByteBuffer.allocate(100);
            while (plain.position() < 6) {
                int r = bio.read(fromPeer.flip(), plain);
                fromPeer.compact();
                if (r == MemoryBio.WANT_READ) {
                    int n = in.read(fromPeer.array(), fromPeer.position(), fromPeer.remaining());
                    assertTrue(n > 0);
                    fromPeer.position(fromPeer.position() + n);
                }
            }
            assertEquals("memory", new String(plain.array(), 0, 6, StandardCharsets.US_ASCII));
            assertEquals(0, bio.closeNotify(toPeer));
            assertTrue(toPeer.position() > 0, "close_notify written");
        }
    }

    private static void send(ByteBuffer toPeer, OutputStream out) throws Exception {
        toPeer.flip();
        byte[] b = new byte[toPeer.remaining()];
        toPeer.get(b);
        out.write(b);
        toPeer.clear();
    }

    @Test
    void stepOrderRulesOfTheMemoryBio() {
        try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            MemoryBio bio = c.ssl.setMemoryBio();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> bio.read(null, ByteBuffer.allocate(10)));
            assertEquals("MemoryBio.read() before the handshake is done: call handshake(in, out) until it returns 0",
                    e.getMessage());
            e = assertThrows(IllegalStateException.class, c.ssl::handshake);
            assertEquals("SslContext.handshake() on a memory bio: use the MemoryBio's methods", e.getMessage());
            assertThrows(java.nio.ReadOnlyBufferException.class,
                    () -> bio.handshake(null, ByteBuffer.allocate(10).asReadOnlyBuffer()));
            assertEquals(MemoryBio.WANT_READ, bio.handshake(null, ByteBuffer.allocateDirect(MemoryBio.maxRecordOut())));
            e = assertThrows(IllegalStateException.class, () -> c.ssl.setHostname("other"));
            assertEquals("SslContext.setHostname() after handshake(): call it before the handshake", e.getMessage());
            c.ssl.close();
            assertThrows(IllegalStateException.class, bio::pendingOutput);
        }
    }

    /** Every MemoryBio call on a context that no longer speaks over memory names itself, not another call. */
    @Test
    void eachCallNamesItselfWhenTheContextHasNoMemoryBio() {
        try (GuideClient c = GuideClient.prepare(pki.rootPem())) {
            c.ssl.setHostname(TestPki.SERVER_NAME);
            MemoryBio bio = c.ssl.setMemoryBio();
            c.ssl.setBio(c.net); // the context speaks over a socket now
            ByteBuffer out = ByteBuffer.allocate(MemoryBio.maxRecordOut());
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("handshake", () -> bio.handshake(null, out));
            calls.put("read", () -> bio.read(null, out));
            calls.put("write", () -> bio.write(ByteBuffer.allocate(1), out));
            calls.put("flush", () -> bio.flush(out));
            calls.put("closeNotify", () -> bio.closeNotify(out));
            calls.put("pendingOutput", bio::pendingOutput);
            calls.forEach((name, call) -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, call, name);
                assertEquals("MemoryBio." + name + "() on an SslContext without a memory bio: call sslContext.setMemoryBio() first",
                        e.getMessage());
            });
        }
    }

    @Test
    void enginesAndSocketsOfTheProviderFreeTheirNativeMemory() throws Exception {
        Map<String, Long> before = LiveObjects.settle();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("root", pki.root().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        try (JsseServer server = JsseServer.builder(SslContexts.server(pki)).start()) {
            SSLContext context = SSLContext.getInstance("TLS", new MbedTlsProvider());
            context.init(null, tmf.getTrustManagers(), null);
            for (int i = 0; i < 20; i++) {
                try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(TestPki.SERVER_NAME,
                        server.port())) {
                    s.getOutputStream().write('x');
                    assertEquals('x', s.getInputStream().read());
                }
                context.createSSLEngine(TestPki.SERVER_NAME, 1).beginHandshake(); // dropped unfinished
            }
            context = null;
        }
        assertNull(LiveObjects.leaks(before, LiveObjects.awaitAtMost(before)), "freed: closed, or by the Cleaner");
    }
}
