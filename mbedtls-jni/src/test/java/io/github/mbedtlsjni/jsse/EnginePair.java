package io.github.mbedtlsjni.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mbedtlsjni.testing.TestPki;
import io.github.mbedtlsjni.testing.TlsProtocol;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/** A client engine of the provider and a SunJSSE server engine, with buffers and a pump. */
final class EnginePair {
    final SSLEngine client;
    final SSLEngine server;
    final boolean direct;
    ByteBuffer toServer;
    ByteBuffer toClient;
    int clientFinished;
    int serverFinished;

    /** The provider's engine of {@code mbed} (endpoint identification HTTPS) and one of {@code serverContext}. */
    EnginePair(SSLContext mbed, TlsProtocol protocol, boolean direct, SSLContext serverContext) {
        this(SslEngineTest.https(mbed.createSSLEngine(TestPki.SERVER_NAME, 443)), protocol, direct, serverContext);
    }

    EnginePair(SSLEngine client, TlsProtocol protocol, boolean direct, SSLContext serverContext) {
        this.direct = direct;
        this.client = client;
        if (protocol != null) {
            client.setEnabledProtocols(new String[] {protocol.protocolName()});
        }
        server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        if (protocol != null) {
            server.setEnabledProtocols(new String[] {protocol.protocolName()});
        }
        toServer = buffer(client.getSession().getPacketBufferSize() * 4);
        toClient = buffer(server.getSession().getPacketBufferSize() * 4);
    }

    ByteBuffer buffer(int size) {
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /** Runs both engines until neither needs to; fails if it does not converge. */
    void handshake() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 200; i++) {
            boolean progress = stepClient() | stepServer();
            if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING && !progress) {
                return;
            }
        }
        throw new AssertionError("no convergence: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    boolean stepClient() throws SSLException {
        boolean progress = false;
        HandshakeStatus hs = client.getHandshakeStatus();
        while (hs == HandshakeStatus.NEED_TASK) { // a SunJSSE client
            client.getDelegatedTask().run();
            hs = client.getHandshakeStatus();
        }
        if (hs == HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = client.wrap(buffer(0), toServer);
            count(r, true);
            progress = r.bytesProduced() > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_WRAP;
        }
        toClient.flip();
        if (toClient.hasRemaining()) {
            ByteBuffer app = buffer(client.getSession().getApplicationBufferSize());
            SSLEngineResult r = client.unwrap(toClient, app);
            count(r, true);
            progress |= r.bytesConsumed() > 0;
        }
        toClient.compact();
        return progress;
    }

    boolean stepServer() throws SSLException {
        boolean progress = false;
        HandshakeStatus hs = server.getHandshakeStatus();
        while (hs == HandshakeStatus.NEED_TASK) {
            server.getDelegatedTask().run();
            hs = server.getHandshakeStatus();
        }
        if (hs == HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = server.wrap(buffer(0), toClient);
            count(r, false);
            progress = r.bytesProduced() > 0;
        }
        toServer.flip();
        if (toServer.hasRemaining()) {
            ByteBuffer app = buffer(server.getSession().getApplicationBufferSize());
            SSLEngineResult r = server.unwrap(toServer, app);
            count(r, false);
            progress |= r.bytesConsumed() > 0;
            while (server.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                server.getDelegatedTask().run();
            }
        }
        toServer.compact();
        return progress;
    }

    void count(SSLEngineResult r, boolean isClient) {
        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            if (isClient) {
                clientFinished++;
            } else {
                serverFinished++;
            }
        }
    }

    /** Sends data client to server (all of it) and returns what the server unwrapped. */
    byte[] clientToServer(ByteBuffer... data) throws SSLException {
        long total = 0;
        for (ByteBuffer d : data) {
            total += d.remaining();
        }
        ByteBuffer got = buffer((int) total + server.getSession().getApplicationBufferSize());
        while (SslEngineTest.remaining(data) > 0) {
            SSLEngineResult r = client.wrap(data, toServer);
            assertEquals(Status.OK, r.getStatus(), r::toString);
            toServer.flip();
            while (toServer.hasRemaining()) {
                SSLEngineResult u = server.unwrap(toServer, got);
                if (u.getStatus() == Status.BUFFER_UNDERFLOW) {
                    break;
                }
                assertEquals(Status.OK, u.getStatus(), u::toString);
            }
            toServer.compact();
        }
        got.flip();
        byte[] out = new byte[got.remaining()];
        got.get(out);
        return out;
    }

    /** Sends data server to client and returns what the client unwrapped (into dsts, in order). */
    byte[] serverToClient(byte[] data, ByteBuffer... dsts) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            SSLEngineResult r = server.wrap(src, toClient);
            assertEquals(Status.OK, r.getStatus(), r::toString);
        }
        toClient.flip();
        while (toClient.hasRemaining()) {
            SSLEngineResult u = client.unwrap(toClient, dsts);
            if (u.getStatus() == Status.BUFFER_UNDERFLOW) {
                break;
            }
            assertEquals(Status.OK, u.getStatus(), u::toString);
        }
        toClient.compact();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (ByteBuffer d : dsts) {
            d.flip();
            byte[] part = new byte[d.remaining()];
            d.get(part);
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }
}
