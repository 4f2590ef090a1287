package io.github.mbedtlsjni.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A raw TCP "server" on 127.0.0.1 (ephemeral port) that misbehaves on purpose: each accepted
 * connection runs a {@link Script} that reads and writes bytes as it likes &mdash; garbage instead
 * of a ServerHello, a truncated record, an alert, a stall, an abrupt close or reset.
 *
 * <pre>{@code
 * try (HostileServer server = HostileServer.start(peer -> {
 *     peer.readRecord();                               // the ClientHello
 *     peer.write("HTTP/1.1 400 Bad Request\r\n\r\n");  // not TLS at all
 * })) {
 *     // connect a client to 127.0.0.1:server.port() and expect a clean exception
 * }
 * }</pre>
 *
 * <p>When the script returns, the connection is closed (a plain FIN, no TLS close_notify);
 * {@link Peer#reset()} closes it with an RST instead, and {@link Peer#stall()} holds it open
 * without a byte until the server is closed. Exceptions the script throws (the client went
 * away) are recorded in {@link #errors()}, not rethrown. {@link #close()} ends every
 * connection and waits for the script threads ({@link LoopbackServer}).
 *
 * <p>{@link #silent(int)} is the peer that accepts and never answers, without a thread per
 * connection: a client's handshake waits for a ServerHello that never comes.
 */
public final class HostileServer extends LoopbackServer {
    /** TLS record content types. */
    public static final int CHANGE_CIPHER_SPEC = 20;
    public static final int ALERT = 21;
    public static final int HANDSHAKE = 22;
    public static final int APPLICATION_DATA = 23;

    /** What the server does with one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Peer peer) throws IOException, InterruptedException;
    }

    /** One TLS record as read from the client. */
    public record Record(int type, int version, byte[] body) {
        /** For a handshake record: the handshake message type of its first message (1 = ClientHello). */
        public int handshakeType() {
            return body.length > 0 ? body[0] & 0xff : -1;
        }
    }

    /** One accepted connection, as a script sees it. */
    public final class Peer {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private boolean reset;

        private Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** The raw socket. */
        public Socket socket() {
            return socket;
        }

        /** Reads one whole TLS record (5-byte header and body); throws {@link EOFException} at end. */
        public Record readRecord() throws IOException {
            int type = in.readUnsignedByte();
            int version = in.readUnsignedShort();
            int length = in.readUnsignedShort();
            byte[] body = new byte[length];
            in.readFully(body);
            return new Record(type, version, body);
        }

        /** Reads until the client closes (or resets) the connection; returns what it sent. */
        public byte[] readToEnd() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    all.write(buf, 0, n);
                }
            } catch (IOException resetOrClosed) {
                // the end either way
            }
            return all.toByteArray();
        }

        /** Writes raw bytes and flushes. */
        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Writes text as ASCII bytes. */
        public void write(String text) throws IOException {
            write(text.getBytes(StandardCharsets.US_ASCII));
        }

        /** Writes one TLS record with the given content type, legacy version 0x0303, and body. */
        public void writeRecord(int type, byte[] body) throws IOException {
            write(record(type, 0x0303, body));
        }

        /** Holds the connection open, sending nothing, until the server is closed. */
        public void stall() throws InterruptedException {
            closing.await();
        }

        /** Ends the connection with a TCP RST (SO_LINGER 0) instead of a FIN. */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            reset = true;
            socket.close();
        }
    }

    private final Script script; // null: silent
    private final int maxHeld;
    private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private HostileServer(Script script, int maxHeld, int backlog) {
        super("hostile-server", bind(backlog));
        this.script = script;
        this.maxHeld = maxHeld;
        startAccepting();
    }

    /** Starts a server running {@code script} on every connection, each on its own thread. */
    public static HostileServer start(Script script) {
        return new HostileServer(script, 0, 50);
    }

    /** {@link #silent(int)} holding at most 1000 connections. */
    public static HostileServer silent() {
        return silent(1000);
    }

    /**
     * Starts a server that accepts every connection and then neither reads nor writes: a client's
     * handshake blocks waiting for the ServerHello, and its writes block once the socket buffers
     * are full. Connections are held open on no thread of their own, at most {@code maxHeld} at a
     * time (beyond, the oldest is closed), until {@link #close()}; {@link #openCount()} counts them.
     */
    public static HostileServer silent(int maxHeld) {
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld " + maxHeld + " < 1");
        }
        return new HostileServer(null, maxHeld, 100);
    }

    /** Exceptions thrown by scripts (typically the client hanging up first); the first 100 are kept. */
    public BlockingQueue<Throwable> errors() {
        return errors;
    }

    /** A TLS record: header (type, version, length) and body. */
    public static byte[] record(int type, int version, byte[] body) {
        byte[] r = new byte[5 + body.length];
        r[0] = (byte) type;
        r[1] = (byte) (version >>> 8);
        r[2] = (byte) version;
        r[3] = (byte) (body.length >>> 8);
        r[4] = (byte) body.length;
        System.arraycopy(body, 0, r, 5, body.length);
        return r;
    }

    /** A handshake message: type, 24-bit length, body. */
    public static byte[] handshake(int msgType, byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) msgType;
        m[1] = (byte) (body.length >>> 16);
        m[2] = (byte) (body.length >>> 8);
        m[3] = (byte) body.length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    /** An alert record body: level (1 warning, 2 fatal) and description. */
    public static byte[] alert(int level, int description) {
        return new byte[] {(byte) level, (byte) description};
    }

    /**
     * A TLS 1.2 ServerHello body (without the handshake header) choosing {@code cipherSuite}, no
     * compression, with the extended_master_secret and renegotiation_info extensions.
     */
    public static byte[] serverHello12(int cipherSuite) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(3);
        b.write(3); // TLS 1.2
        for (int i = 0; i < 32; i++) {
            b.write(0x40 + i); // server random (not the TLS 1.3 downgrade sentinel)
        }
        b.write(0); // empty session id
        b.write(cipherSuite >>> 8);
        b.write(cipherSuite);
        b.write(0); // no compression
        byte[] ext = {
            0x00, 0x17, 0x00, 0x00,             // extended_master_secret
            (byte) 0xff, 0x01, 0x00, 0x01, 0x00 // renegotiation_info, empty
        };
        b.write(0);
        b.write(ext.length);
        b.write(ext, 0, ext.length);
        return b.toByteArray();
    }

    /** A Certificate handshake body (TLS 1.2 layout) carrying {@code certs}, DER each. */
    public static byte[] certificate12(List<byte[]> certs) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (byte[] der : certs) {
            list.write(der.length >>> 16);
            list.write(der.length >>> 8);
            list.write(der.length);
            list.write(der, 0, der.length);
        }
        byte[] l = list.toByteArray();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(l.length >>> 16);
        b.write(l.length >>> 8);
        b.write(l.length);
        b.write(l, 0, l.length);
        return b.toByteArray();
    }

    /** Splits {@code data} into records of at most {@code max} bytes of the given type. */
    public static byte[] fragment(int type, byte[] data, int max) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int off = 0; off < data.length; off += max) {
            byte[] part = Arrays.copyOfRange(data, off, Math.min(data.length, off + max));
            byte[] r = record(type, 0x0303, part);
            b.write(r, 0, r.length);
        }
        return b.toByteArray();
    }

    @Override
    void dispatch(int id, Socket socket) {
        if (script == null) {
            closeOldestBeyond(maxHeld);
        } else {
            super.dispatch(id, socket);
        }
    }

    /** Releases stalled scripts first. */
    @Override
    void onClose() {
        closing.countDown();
    }

    @Override
    void serve(int id, Socket socket) {
        try {
            socket.setTcpNoDelay(true);
            Peer peer = new Peer(socket);
            script.run(peer);
            if (!peer.reset) {
                // Let the client read everything before the FIN: shut output, then close.
                try {
                    socket.shutdownOutput();
                } catch (SocketException alreadyGone) {
                    // the client left first
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            if (errors.size() < 100) {
                errors.add(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
