package io.github.mbedtlsjni.testing;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Test fixture: a TLS server in memory, the JDK's own {@link SSLEngine}, for a client whose
 * records the test moves by hand (a {@code MemoryBio}). No socket and no thread: {@link #pump}
 * takes the client's records and returns the server's, so a test controls every byte and runs
 * thousands of calls in a moment. Application data the server receives is echoed back;
 * {@link #send} makes it send data of its own.
 */
public final class JdkEnginePeer {
    private final SSLEngine engine;
    private final ByteBuffer fromClient;
    private final ByteBuffer plain;
    private final ByteBuffer toSend;

    public JdkEnginePeer(SSLContext serverContext) {
        engine = serverContext.createSSLEngine();
        engine.setUseClientMode(false);
        int packet = engine.getSession().getPacketBufferSize();
        fromClient = ByteBuffer.allocate(packet * 4);
        plain = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        toSend = ByteBuffer.allocate(1 << 20);
    }

    /** A server presenting {@code pki}'s leaf and intermediate. */
    public static JdkEnginePeer server(TestPki pki) {
        return new JdkEnginePeer(SslContexts.server(pki));
    }

    /** Queues {@code data} to go to the client with the next {@link #pump} (one record if it fits in one). */
    public void send(byte[] data) {
        toSend.put(data);
    }

    /**
     * Takes all of the client's records in {@code in} (read mode: position to limit) and appends
     * the server's answer to {@code out} (write mode), as far as it has room.
     */
    public void pump(ByteBuffer in, ByteBuffer out) throws SSLException {
        fromClient.put(in);
        fromClient.flip();
        try {
            boolean progress = true;
            while (progress) {
                progress = false;
                while (fromClient.hasRemaining()) {
                    SSLEngineResult r = engine.unwrap(fromClient, plain);
                    runTasks();
                    if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                        break;
                    }
                    progress = true;
                }
                plain.flip();
                toSend.put(plain); // the echo
                plain.clear();
                toSend.flip();
                try {
                    while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP
                            || (toSend.hasRemaining() && !engine.isOutboundDone()
                                    && engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING)) {
                        SSLEngineResult r = engine.wrap(toSend, out);
                        runTasks();
                        if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesProduced() == 0) {
                            break;
                        }
                        progress = true;
                    }
                } finally {
                    toSend.compact();
                }
            }
        } finally {
            fromClient.compact();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
