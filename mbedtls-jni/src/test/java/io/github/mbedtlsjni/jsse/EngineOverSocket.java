package io.github.mbedtlsjni.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * An SSLEngine driven over a plain blocking socket, the way an event loop drives one: wrap what
 * the engine wants to send, unwrap what arrives, until the handshake is over; then lines of text
 * both ways. For tests that want the engine itself against a real server.
 */
final class EngineOverSocket implements AutoCloseable {
    private final SSLEngine engine;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteBuffer netIn;
    private final ByteBuffer netOut;
    private final ByteBuffer appIn;

    EngineOverSocket(SSLEngine engine, int port) throws IOException {
        this(engine, connect(port));
    }

    /** Over a connected socket, an accepted one say (a server engine). */
    EngineOverSocket(SSLEngine engine, Socket socket) throws IOException {
        this.engine = engine;
        this.socket = socket;
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        netIn = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize() * 2);
        netIn.flip();
        netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize());
        appIn = ByteBuffer.allocateDirect(engine.getSession().getApplicationBufferSize());
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    /** Sends close_notify. */
    void closeOutbound() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            wrap(ByteBuffer.allocate(0));
        }
    }

    /** Runs the handshake to its end; an SSLException from the engine is thrown on. */
    void handshake() throws IOException {
        engine.beginHandshake();
        for (HandshakeStatus hs = engine.getHandshakeStatus(); ; hs = engine.getHandshakeStatus()) {
            switch (hs) {
                case NEED_WRAP:
                    wrap(ByteBuffer.allocate(0));
                    break;
                case NEED_UNWRAP:
                    if (unwrap() < 0) {
                        throw new SSLException("the peer closed the connection during the handshake");
                    }
                    break;
                case NEED_TASK:
                    engine.getDelegatedTask().run();
                    break;
                default:
                    return;
            }
        }
    }

    /** Sends {@code text} as application data. */
    void send(String text) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (src.hasRemaining()) {
            wrap(src);
        }
    }

    /** Receives {@code length} bytes of application data as text. */
    String receive(int length) throws IOException {
        StringBuilder got = new StringBuilder();
        while (got.length() < length) {
            appIn.clear();
            if (unwrap() < 0) {
                throw new IOException("the server closed the connection; got " + got);
            }
            appIn.flip();
            byte[] b = new byte[appIn.remaining()];
            appIn.get(b);
            got.append(new String(b, StandardCharsets.UTF_8));
        }
        return got.toString();
    }

    private void wrap(ByteBuffer src) throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(src, netOut);
        netOut.flip();
        byte[] b = new byte[netOut.remaining()];
        netOut.get(b);
        out.write(b);
        out.flush();
        if (r.getStatus() == Status.CLOSED && src.hasRemaining()) {
            throw new SSLException("the engine is closed");
        }
    }

    /** One unwrap that consumed something, reading from the socket as needed; -1 at EOF or CLOSED. */
    private int unwrap() throws IOException {
        for (;;) {
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            if (r.getStatus() == Status.CLOSED) {
                return -1;
            }
            if (r.getStatus() != Status.BUFFER_UNDERFLOW && (r.bytesConsumed() > 0 || r.bytesProduced() > 0
                    || r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP)) {
                return r.bytesProduced();
            }
            netIn.compact();
            byte[] b = new byte[netIn.remaining()];
            int n = in.read(b);
            if (n < 0) {
                netIn.flip();
                return -1;
            }
            netIn.put(b, 0, n);
            netIn.flip();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
