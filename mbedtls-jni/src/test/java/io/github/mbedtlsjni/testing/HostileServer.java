package io.github.mbedtlsjni.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * connection and waits for the script threads.
 */
public final class HostileServer implements AutoCloseable {
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
            write(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
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

    private final ServerSocket serverSocket;
    private final Script script;
    private final Thread acceptor;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger finished = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    private HostileServer(Script script) throws IOException {
        this.script = script;
        serverSocket = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        acceptor = new Thread(this::acceptLoop, "hostile-server-" + serverSocket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a server running {@code script} on every connection. */
    public static HostileServer start(Script script) {
        try {
            return new HostileServer(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start hostile server", e);
        }
    }

    /** The port the server listens on, at 127.0.0.1. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** How many connections were accepted. */
    public int acceptedCount() {
        return accepted.get();
    }

    /** How many scripts have returned (or thrown). */
    public int finishedCount() {
        return finished.get();
    }

    /** Exceptions thrown by scripts (typically the client hanging up first); the first 100 are kept. */
    public BlockingQueue<Throwable> errors() {
        return errors;
    }

    /** Waits until {@code count} scripts have finished; false on timeout. */
    public boolean awaitFinished(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (finished.get() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
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
            byte[] part = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + max));
            byte[] r = record(type, 0x0303, part);
            b.write(r, 0, r.length);
        }
        return b.toByteArray();
    }

    /** Stops accepting, releases stalled scripts, closes every connection and waits for the threads. */
    @Override
    public void close() {
        closed = true;
        closing.countDown();
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        try {
            acceptor.join(10_000);
            for (Thread t : workers) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "HostileServer[127.0.0.1:" + port() + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            accepted.incrementAndGet();
            open.add(socket);
            Thread t = new Thread(() -> serve(socket), "hostile-peer-" + socket.getPort());
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    private void serve(Socket socket) {
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
        } finally {
            closeQuietly(socket);
            open.remove(socket);
            workers.remove(Thread.currentThread());
            finished.incrementAndGet();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // gone either way
        }
    }
}
