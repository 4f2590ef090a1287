package io.github.mbedtlsjni.testing;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketImpl;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An in-process JSSE TLS server on 127.0.0.1 (ephemeral port) that runs a {@link Handler} &mdash;
 * by default {@link #ECHO} &mdash; on each connection and records how each connection went.
 *
 * <pre>{@code
 * try (JsseServer server = JsseServer.start(pki, TlsProtocol.TLS_1_3)) {
 *     // connect to 127.0.0.1:server.port(), send, read the echo, close cleanly
 *     JsseServer.Connection c = server.awaitConnection(Duration.ofSeconds(10));
 *     assertEquals(JsseServer.Ending.CLOSE_NOTIFY, c.ending());
 * }
 * }</pre>
 *
 * <p><b>How the end of a connection is told apart.</b> On JDK 11&ndash;17 an {@code SSLSocket}
 * whose peer closes TCP after the handshake <em>without</em> close_notify does not throw: with
 * the default {@code com.sun.net.ssl.requireCloseNotify=false}, {@code SSLSocketImpl.handleEOF}
 * "treat[s it] as if we had received a close_notify" and {@code read()} returns -1, exactly as
 * after a real close_notify. (With that property true it throws {@code SSLProtocolException
 * "Remote host terminated the connection"}; an EOF during the handshake always throws
 * {@code SSLHandshakeException "Remote host terminated the handshake"}.) So the server does not
 * rely on JSSE: it accepts plain TCP sockets whose input stream notes when it returns EOF, and
 * layers the TLS server socket over them ({@link SSLSocketFactory#createSocket(Socket,
 * InputStream, boolean)}). JSSE reads exactly one record at a time and stops at a close_notify
 * without reading further, so when the application read returns -1, a raw EOF seen underneath
 * means {@link Ending#EOF_WITHOUT_CLOSE_NOTIFY}, none means {@link Ending#CLOSE_NOTIFY}.
 *
 * <p>When the handler returns, the server sends close_notify alone ({@code shutdownOutput()};
 * a plain {@code SSLSocket.close()} on TLS 1.3 sends user_canceled first) and closes the socket.
 * A handler can instead drop the TCP connection without close_notify
 * ({@link Exchange#closeWithoutCloseNotify()}).
 *
 * <p>Each connection runs on its own daemon thread with a read timeout (default 60 s).
 * {@link #close()} closes the listening socket and every open connection and waits for the
 * threads to finish ({@link LoopbackServer}).
 */
public final class JsseServer extends LoopbackServer {
    /** How a connection ended. */
    public enum Ending {
        /** The handler read to end of stream, and the peer had sent close_notify. */
        CLOSE_NOTIFY,
        /** The handler read to end of stream, but the peer had closed TCP without close_notify. */
        EOF_WITHOUT_CLOSE_NOTIFY,
        /** The handler returned without reading to end of stream: the server closed first, with close_notify. */
        SERVER_CLOSED,
        /** The handler called {@link Exchange#closeWithoutCloseNotify()}. */
        SERVER_ABORTED,
        /** An exception ended the connection (handshake failure, fatal alert, reset, timeout...). */
        ERROR
    }

    /**
     * A finished connection.
     *
     * @param id the connection's number, from 1 in accept order
     * @param received every application byte the handler read
     * @param ending how it ended
     * @param error the exception that ended it, for {@link Ending#ERROR}; otherwise null
     * @param protocol the negotiated protocol (e.g. {@code TLSv1.3}), null if the handshake failed
     * @param cipherSuite the negotiated cipher suite, null if the handshake failed
     * @param peerCertificates the client's certificate chain, empty if none was sent
     */
    public record Connection(int id, byte[] received, Ending ending, Throwable error, String protocol,
                             String cipherSuite, List<X509Certificate> peerCertificates) {
        /** The received bytes as UTF-8 text. */
        public String receivedText() {
            return new String(received, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Connection[#" + id + ", " + ending + (error != null ? " (" + error + ")" : "") + ", "
                    + protocol + ", " + cipherSuite + ", " + received.length + " bytes received]";
        }
    }

    /** What the server does with a connection once the handshake has succeeded. */
    @FunctionalInterface
    public interface Handler {
        /** Serves one connection; return to close it (with close_notify), throw to record an error. */
        void handle(Exchange exchange) throws IOException;
    }

    /** One connection as a {@link Handler} sees it. */
    public static final class Exchange {
        private final SSLSocket socket;
        private final RecordingInputStream in;
        private final ObservedSocket raw;
        private volatile boolean aborted;

        private Exchange(SSLSocket socket, RecordingInputStream in, ObservedSocket raw) {
            this.socket = socket;
            this.in = in;
            this.raw = raw;
        }

        /** The TLS socket (handshake done). */
        public SSLSocket socket() {
            return socket;
        }

        /** The application data from the client; everything read through it is recorded. */
        public InputStream in() {
            return in;
        }

        /** The application data to the client. */
        public OutputStream out() throws IOException {
            return socket.getOutputStream();
        }

        /**
         * Closes the TCP connection at once without sending close_notify (for the client, a
         * truncation); the connection ends as {@link Ending#SERVER_ABORTED}. For a TCP reset
         * instead of a FIN, call {@code socket().setSoLinger(true, 0)} first.
         */
        public void closeWithoutCloseNotify() throws IOException {
            aborted = true;
            raw.close();
        }
    }

    /** Writes back every byte it reads, as soon as it reads it, until end of stream. */
    public static final Handler ECHO = exchange -> {
        InputStream in = exchange.in();
        OutputStream out = exchange.out();
        byte[] buffer = new byte[16384];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
    };

    private final SSLSocketFactory factory;
    private final Builder config;
    private final BlockingQueue<Connection> finished = new LinkedBlockingQueue<>();

    private JsseServer(Builder config) throws IOException {
        super("jsse-server", new ObservingServerSocket());
        this.config = config;
        try {
            this.factory = config.context.getSocketFactory();
        } catch (RuntimeException notInitialised) {
            close(); // the listening socket
            throw notInitialised;
        }
        startAccepting();
    }

    /** A builder for a server using {@code context} (which holds the server's key and chain). */
    public static Builder builder(SSLContext context) {
        return new Builder(context);
    }

    /** A builder for a server presenting {@code pki}'s leaf + intermediate. */
    public static Builder builder(TestPki pki) {
        return builder(SslContexts.server(pki));
    }

    /** Starts an {@link #ECHO} server for {@code pki} with the given protocols (none: TLS 1.2 and 1.3). */
    public static JsseServer start(TestPki pki, TlsProtocol... protocols) {
        return builder(pki).protocols(protocols).start();
    }

    /** The finished connections not yet taken, oldest first; {@link #awaitConnection} takes from it. */
    public BlockingQueue<Connection> connections() {
        return finished;
    }

    /**
     * Takes the next finished connection (in order of finishing), waiting up to {@code timeout};
     * throws {@link AssertionError} if none finishes in time.
     */
    public Connection awaitConnection(Duration timeout) {
        try {
            Connection connection = finished.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (connection == null) {
                throw new AssertionError("no connection to " + this + " finished within " + timeout
                        + " (" + acceptedCount() + " accepted)");
            }
            return connection;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while awaiting a connection", e);
        }
    }

    @Override
    void serve(int id, Socket accepted) {
        ObservedSocket raw = (ObservedSocket) accepted;
        Ending ending;
        Throwable error = null;
        String protocol = null;
        String cipherSuite = null;
        List<X509Certificate> peer = List.of();
        RecordingInputStream in = null;
        SSLSocket socket = null;
        try {
            raw.setSoTimeout((int) config.readTimeout.toMillis());
            socket = (SSLSocket) factory.createSocket(raw, null, true);
            socket.setEnabledProtocols(TlsProtocol.names(config.protocols));
            if (config.needClientAuth) {
                socket.setNeedClientAuth(true);
            } else if (config.wantClientAuth) {
                socket.setWantClientAuth(true);
            }
            socket.startHandshake();
            SSLSession session = socket.getSession();
            protocol = session.getProtocol();
            cipherSuite = session.getCipherSuite();
            peer = peerCertificates(session);
            in = new RecordingInputStream(socket.getInputStream());
            Exchange exchange = new Exchange(socket, in, raw);
            config.handler.handle(exchange);
            if (exchange.aborted) {
                ending = Ending.SERVER_ABORTED;
            } else {
                ending = !in.sawEof() ? Ending.SERVER_CLOSED
                        : raw.sawEof() ? Ending.EOF_WITHOUT_CLOSE_NOTIFY : Ending.CLOSE_NOTIFY;
                sendCloseNotify(socket);
            }
        } catch (IOException | RuntimeException e) {
            ending = Ending.ERROR;
            error = e;
        } finally {
            closeQuietly(socket != null ? socket : raw);
            closeQuietly(raw);
        }
        byte[] received = in == null ? new byte[0] : in.recorded();
        finished.add(new Connection(id, received, ending, error, protocol, cipherSuite, peer));
    }

    /**
     * Sends close_notify alone. {@code SSLSocket.close()} on TLS 1.3 would send user_canceled
     * before it (JSSE's "duplex close"); {@code shutdownOutput()} sends just close_notify. On
     * TLS 1.2 JSSE has already answered the client's close_notify with its own, if there was one.
     */
    private static void sendCloseNotify(SSLSocket socket) {
        try {
            if (!socket.isOutputShutdown()) {
                socket.shutdownOutput();
            }
        } catch (IOException peerAlreadyGone) {
            // the outcome is already recorded; the peer just did not wait for our close_notify
        }
    }

    private static List<X509Certificate> peerCertificates(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return Arrays.stream(chain).map(X509Certificate.class::cast).toList();
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return List.of();
        }
    }

    /** Configures and starts a {@link JsseServer}. */
    public static final class Builder {
        private final SSLContext context;
        private Set<TlsProtocol> protocols = EnumSet.allOf(TlsProtocol.class);
        private Handler handler = ECHO;
        private boolean needClientAuth;
        private boolean wantClientAuth;
        private Duration readTimeout = Duration.ofSeconds(60);

        private Builder(SSLContext context) {
            this.context = context;
        }

        /** Enables only these TLS versions; none means TLS 1.2 and 1.3 (the default). */
        public Builder protocols(TlsProtocol... versions) {
            protocols = versions.length == 0 ? EnumSet.allOf(TlsProtocol.class) : EnumSet.of(versions[0], versions);
            return this;
        }

        /** Sets what is done with each connection (default {@link #ECHO}). */
        public Builder handler(Handler value) {
            handler = value;
            return this;
        }

        /** Requires a client certificate trusted by the context's trust managers. */
        public Builder needClientAuth() {
            needClientAuth = true;
            return this;
        }

        /** Requests, but does not require, a client certificate. */
        public Builder wantClientAuth() {
            wantClientAuth = true;
            return this;
        }

        /** Read timeout per connection (default 60 s); a timeout ends it as {@link Ending#ERROR}. */
        public Builder readTimeout(Duration timeout) {
            readTimeout = timeout;
            return this;
        }

        /** Binds 127.0.0.1 on an ephemeral port and starts accepting. */
        public JsseServer start() {
            try {
                return new JsseServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start JSSE server", e);
            }
        }
    }

    /** A server socket on 127.0.0.1 whose accepted sockets are {@link ObservedSocket}s. */
    private static final class ObservingServerSocket extends ServerSocket {
        ObservingServerSocket() throws IOException {
            super(0, 50, TestServer.loopback());
        }

        @Override
        public Socket accept() throws IOException {
            ObservedSocket socket = new ObservedSocket();
            implAccept(socket);
            return socket;
        }
    }

    /** A plain TCP socket that remembers whether its input stream has reached end of stream. */
    private static final class ObservedSocket extends Socket {
        private volatile boolean eof;
        private InputStream input;

        ObservedSocket() throws SocketException {
            super((SocketImpl) null);
        }

        boolean sawEof() {
            return eof;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (input == null) {
                input = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b < 0) {
                            eof = true;
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = super.read(buffer, offset, length);
                        if (n < 0) {
                            eof = true;
                        }
                        return n;
                    }
                };
            }
            return input;
        }
    }

    /** Keeps a copy of everything read through it and whether it reached end of stream. */
    private static final class RecordingInputStream extends FilterInputStream {
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
        private volatile boolean eof;

        RecordingInputStream(InputStream in) {
            super(in);
        }

        boolean sawEof() {
            return eof;
        }

        synchronized byte[] recorded() {
            return copy.toByteArray();
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                eof = true;
            } else {
                synchronized (this) {
                    copy.write(b);
                }
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n < 0) {
                eof = true;
            } else {
                synchronized (this) {
                    copy.write(buffer, offset, n);
                }
            }
            return n;
        }
    }
}
