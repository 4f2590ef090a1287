package io.github.mbedtlsjni;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.mbedtls.AuthMode;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.NetContext;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One TLS connection, a {@link TlsClient}'s (verified) or one a {@link TlsServer} accepted, with
 * an {@link InputStream} and an {@link OutputStream} and what the handshake negotiated. On a
 * server's connection, {@link #host()} and {@link #port()} are the client's address and port, and
 * the peer's chain is the client's certificate, if it sent one.
 *
 * <p>Opening runs the guide's per-connection steps through the thin classes:
 * {@code mbedtls_net_init}, {@code mbedtls_ssl_init}, {@code mbedtls_ssl_setup},
 * {@code mbedtls_ssl_set_hostname}, ({@code mbedtls_ssl_set_session}),
 * {@code mbedtls_net_connect}, {@code mbedtls_ssl_set_bio}, {@code mbedtls_ssl_handshake}; the
 * streams are {@code mbedtls_ssl_read}/{@code mbedtls_ssl_write}; {@link #close()} is
 * {@code mbedtls_ssl_close_notify}, {@code mbedtls_ssl_free} and {@code mbedtls_net_free}. The
 * connection owns its {@link SslContext} and {@link NetContext}; everything it returns
 * ({@link #peerChain()}, {@link #session()}) is a copy the caller owns.
 *
 * <p><b>End of stream.</b> The input stream returns -1 only after the peer's close_notify. A
 * connection the peer ends without close_notify may have been cut short by anyone on the
 * path: the read throws {@link TruncationException} (an {@link java.io.EOFException}) instead,
 * now and on every later read. {@link #inbound()} tells the two apart as well.
 *
 * <p><b>Errors</b> are {@link IOException}s: {@link SocketTimeoutException} when a timeout of
 * the client elapses (a read that timed out may be retried; a handshake that timed out is over),
 * {@link TlsException} for what Mbed TLS reports, {@link SocketException} once the connection is
 * closed.
 *
 * <p><b>Threads: full duplex.</b> One thread may read while another writes, as MQTT, HTTP/2 and
 * WebSocket clients do: a read waiting for the server never holds up a write (see
 * {@link SslContext}: the connection's one lock is held only around each non-blocking Mbed TLS
 * call, never while waiting for the socket). {@link #close()} may come from any thread: it sends
 * close_notify if the socket takes it at once, and every thread blocked in a read or write wakes
 * and throws {@link SocketException}.
 *
 * <p><b>Timeouts.</b> The read timeout ({@link #setReadTimeout}) ends a read that waits too long
 * for data; it may be retried. The write timeout ({@link #setWriteTimeout}) ends a write that
 * waits too long for the server to take data (a server that does not read); part of the data may
 * have gone out, so the connection cannot be written to any more: close it. Both throw
 * {@link SocketTimeoutException}.
 */
public final class TlsConnection implements AutoCloseable {
    private static final ThinAccess THIN = ThinAccess.get();

    private final String host;
    private final int port;
    private final NetContext net;
    private final SslContext ssl;
    // Set once, by close() under sessionLock; a volatile rather than an AtomicBoolean, whose
    // VarHandle would be initialised at every program's first connection.
    private volatile boolean closed;
    private final String protocol;
    private final String ciphersuite;
    private final String alpnProtocol;
    private final VerifyResult verifyResult;
    private final boolean resumed;
    private final List<byte[]> peerDers; // the peer's chain as Mbed TLS received it
    private volatile List<X509Certificate> peerCertificates; // JDK copies, made when first asked for
    private final InputStream in = new In();
    private final OutputStream out = new Out();
    private volatile boolean truncated;
    private final Object sessionLock = new Object();
    private SslSession lastSession; // guarded by sessionLock

    private TlsConnection(String host, int port, NetContext net, SslContext ssl) {
        this.host = host;
        this.port = port;
        this.net = net;
        this.ssl = ssl;
        this.protocol = ssl.protocol();
        this.ciphersuite = ssl.ciphersuite();
        this.alpnProtocol = ssl.alpnProtocol();
        this.verifyResult = ssl.verifyResult();
        this.resumed = ssl.isResumed();
        this.peerDers = THIN.peerCertificateDers(ssl);
    }

    static TlsConnection open(TlsClient client, String host, int port, String verifyName, String sni,
            SslSession session) throws IOException {
        NetContext net = new NetContext();
        SslContext ssl = new SslContext();
        try {
            ssl.setup(client.config());                     // mbedtls_ssl_setup
            if (sni != null) {
                ssl.setHostname(sni);                       // mbedtls_ssl_set_hostname: SNI (+ name)
            } else {
                ssl.skipHostnameVerification();             // no SNI ...
            }
            if (client.authMode() != AuthMode.NONE && !verifyName.equals(sni)) {
                ssl.setVerifyName(verifyName);              // ... and the name checked separately
            }
            if (session != null) {
                ssl.setSession(session);                    // mbedtls_ssl_set_session
            }
            connect(net, host, port, client.connectTimeoutMillis());
        } catch (IOException | RuntimeException e) {
            ssl.close();
            net.close();
            throw e;
        }
        return established(net, ssl, host, port, null, client.handshakeTimeoutMillis(), client.readTimeoutMillis(),
                client.writeTimeoutMillis());
    }

    /**
     * A server's side: {@code mbedtls_ssl_setup} with the server's config, then the handshake with
     * the client {@code net} was accepted from. The connection owns {@code net}; a failure runs
     * {@code onFailure}, then closes it.
     */
    static TlsConnection accepted(SslConfig config, NetContext net, Runnable onFailure, int handshakeMillis,
            int readMillis, int writeMillis) throws IOException {
        SslContext ssl = new SslContext();
        InetSocketAddress peer;
        try {
            peer = net.peerAddress();
            ssl.setup(config);                              // mbedtls_ssl_setup
        } catch (RuntimeException e) {
            onFailure.run();
            ssl.close();
            net.close();
            throw e;
        }
        return established(net, ssl, peer.getAddress().getHostAddress(), peer.getPort(), onFailure, handshakeMillis,
                readMillis, writeMillis);
    }

    /**
     * Both roles: {@code mbedtls_ssl_set_bio}, the handshake within its time limit, the I/O
     * timeouts. On a failure, runs {@code onFailure} (if any) and then closes both, so that what
     * it records is there before the peer can see the connection end.
     */
    private static TlsConnection established(NetContext net, SslContext ssl, String host, int port, Runnable onFailure,
            int handshakeMillis, int readMillis, int writeMillis) throws IOException {
        boolean ok = false;
        try {
            ssl.setBio(net);                                // mbedtls_ssl_set_bio
            THIN.setDeadline(net, handshakeMillis);
            try {
                ssl.handshake();                            // mbedtls_ssl_handshake
            } catch (MbedTlsException e) {
                throw IoErrors.of(e, "TLS handshake with " + host + ":" + port, handshakeMillis);
            }
            THIN.setDeadline(net, 0);
            net.setReadTimeout(readMillis);
            net.setWriteTimeout(writeMillis);
            TlsConnection connection = new TlsConnection(host, port, net, ssl);
            ok = true;
            return connection;
        } finally {
            if (!ok) {
                if (onFailure != null) {
                    onFailure.run();
                }
                ssl.close();
                net.close();
            }
        }
    }

    private static void connect(NetContext net, String host, int port, int timeoutMillis) throws IOException {
        try {
            net.connect(host, port, timeoutMillis);         // mbedtls_net_connect (with a time limit)
        } catch (MbedTlsException e) {
            throw IoErrors.of(e, "connect to " + host + ":" + port, timeoutMillis);
        }
    }

    /** The host this connection was opened to (a server's connection: the client's IP address). */
    public String host() {
        return host;
    }

    /** The port this connection was opened to (a server's connection: the client's port). */
    public int port() {
        return port;
    }

    /** The application data from the peer: -1 after close_notify, {@link TruncationException} at an EOF without. */
    public InputStream getInputStream() {
        return in;
    }

    /** The application data to the peer ({@code mbedtls_ssl_write}; {@code flush()} does nothing, writes are sent at once). */
    public OutputStream getOutputStream() {
        return out;
    }

    /** The negotiated protocol, e.g. {@code TLSv1.3} ({@code mbedtls_ssl_get_version}). */
    public String protocol() {
        return protocol;
    }

    /** The negotiated cipher suite, by Mbed TLS name ({@code mbedtls_ssl_get_ciphersuite}). */
    public String ciphersuite() {
        return ciphersuite;
    }

    /** The protocol ALPN negotiated ({@code mbedtls_ssl_get_alpn_protocol}), or null. */
    public String alpnProtocol() {
        return alpnProtocol;
    }

    /** The certificate verification result ({@code mbedtls_ssl_get_verify_result}, {@code mbedtls_x509_crt_verify_info}). */
    public VerifyResult verifyResult() {
        return verifyResult;
    }

    /**
     * Whether the handshake resumed a session: the one given to
     * {@link TlsClient.ConnectionBuilder#resume}, or on a server's connection one from its cache
     * or a ticket (see {@link SslContext#isResumed()}).
     */
    public boolean isResumed() {
        return resumed;
    }

    /**
     * The chain the peer sent (on a server's connection: the client's, if any), leaf first, as
     * JDK certificates (empty if none): the DER Mbed TLS received, parsed by the JDK's
     * {@link java.security.cert.CertificateFactory} on the first call. After a resumed handshake Mbed TLS knows only the leaf, from the session.
     *
     * <p>The JDK refuses some certificates that Mbed TLS accepts; that changes nothing about the
     * connection, whose outcome ({@link #verifyResult()}) is Mbed TLS's alone. {@link #peerChain()}
     * gives the same chain as Mbed TLS reads it (subject, issuer, validity, DER).
     *
     * @throws CertificateException if the JDK cannot parse one of them, naming it (index and
     *     subject as Mbed TLS reads it) and, as cause, the JDK's reason
     */
    public List<X509Certificate> peerCertificates() throws CertificateException {
        List<X509Certificate> certificates = peerCertificates;
        if (certificates == null) {
            certificates = THIN.jdkCertificates(peerDers);
            peerCertificates = certificates;
        }
        return certificates;
    }

    /**
     * The chain the peer sent, leaf first, as a new {@link X509Crt} parsed by Mbed TLS (null if
     * none); the caller closes it. Available after {@link #close()} too.
     */
    public X509Crt peerChain() {
        return THIN.chain(peerDers);
    }

    /**
     * The session to resume on a later connection ({@code mbedtls_ssl_get_session}), as a new
     * {@link SslSession} the caller owns, or null if there is none. TLS 1.2: available after the
     * handshake. TLS 1.3: the server's tickets arrive after the handshake and are taken in by
     * reads, so read (e.g. the first response) before asking.
     */
    public SslSession session() throws SocketException {
        synchronized (sessionLock) {
            if (closed) {
                throw closed();
            }
            try {
                SslSession fresh = new SslSession();
                boolean filled = false;
                try {
                    filled = ssl.getSession(fresh);
                } finally {
                    if (!filled) {
                        fresh.close();
                    }
                }
                if (filled) {
                    if (lastSession != null) {
                        lastSession.close();
                    }
                    lastSession = fresh;
                }
                return lastSession == null ? null : lastSession.copy();
            } catch (IllegalStateException e) {
                throw unusable(e);
            }
        }
    }

    /** How the peer has ended its side, as far as reads have seen. */
    public SslContext.Inbound inbound() throws SocketException {
        if (closed) {
            throw closed();
        }
        try {
            return ssl.inbound();
        } catch (IllegalStateException e) {
            throw unusable(e);
        }
    }

    /** Changes the read timeout ({@link NetContext#setReadTimeout}); zero: none. Any thread, any time. */
    public void setReadTimeout(Duration timeout) throws SocketException {
        int millis = millis(timeout, "read timeout");
        try {
            net.setReadTimeout(millis);
        } catch (IllegalStateException e) {
            throw closed();
        }
    }

    /**
     * Changes the write timeout ({@link NetContext#setWriteTimeout}): how long a write waits for
     * the server to take data; zero: none. Any thread, any time.
     */
    public void setWriteTimeout(Duration timeout) throws SocketException {
        int millis = millis(timeout, "write timeout");
        try {
            net.setWriteTimeout(millis);
        } catch (IllegalStateException e) {
            throw closed();
        }
    }

    private static int millis(Duration timeout, String what) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " out of range: " + timeout);
        }
        return (int) Math.max(timeout.toMillis(), timeout.isZero() ? 0 : 1);
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Sends close_notify ({@code mbedtls_ssl_close_notify}) if the socket takes it at once (a
     * write blocked on a server that does not read keeps it from going out), then frees the
     * connection; every thread blocked in a read or write wakes and throws. A failure to send
     * close_notify (the server already gone) is ignored, and none is sent after a read or write
     * failed with a fatal error (see {@link SslContext#closeNotify()}). Idempotent.
     */
    @Override
    public void close() {
        synchronized (sessionLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            THIN.closeNotifyIfWritable(ssl);                    // mbedtls_ssl_close_notify
        } catch (RuntimeException peerGone) {
            // nothing to tell the server any more
        } finally {
            ssl.close();                                    // mbedtls_ssl_free (wakes blocked calls)
            net.close();                                    // mbedtls_net_free
            synchronized (sessionLock) {
                if (lastSession != null) {
                    lastSession.close();
                    lastSession = null;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "TlsConnection[" + host + ":" + port + ", " + protocol + ", " + ciphersuite
                + (resumed ? ", resumed" : "") + (isClosed() ? ", closed" : "") + "]";
    }

    private SocketException closed() {
        return IoErrors.closed("TlsConnection to " + host + ":" + port, null);
    }

    /**
     * The {@link IllegalStateException} of an {@link SslContext} call: closed by another thread,
     * or (a write after a write timed out) no longer writable.
     */
    private SocketException unusable(IllegalStateException e) {
        String what = "TlsConnection to " + host + ":" + port;
        return closed ? IoErrors.closed(what, e) : IoErrors.unusable(what, e);
    }

    private IOException failure(String step, MbedTlsException e) {
        if (closed) {
            return IoErrors.closed("TlsConnection to " + host + ":" + port, e);
        }
        return IoErrors.of(e, step + " " + host + ":" + port, 0);
    }

    private void checkReadable() throws IOException {
        if (closed) {
            throw closed();
        }
        if (truncated) {
            throw truncation();
        }
    }

    /**
     * A read's -1: the end after close_notify, a {@link TruncationException} after a bare EOF, a
     * {@link SocketException} if this side closed meanwhile (the server's answer to our
     * close_notify is not the end of the stream the reader was waiting for).
     */
    private int endOfStream(int n) throws IOException {
        if (n < 0 && closed) {
            throw closed();
        }
        if (n < 0 && ssl.inbound() == SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY) {
            truncated = true;
            throw truncation();
        }
        return n;
    }

    private int readSome(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        checkReadable();
        try {
            return endOfStream(ssl.read(b, off, len));     // mbedtls_ssl_read
        } catch (MbedTlsException e) {
            throw failure("read from", e);
        } catch (IllegalStateException e) {
            throw unusable(e);
        }
    }

    private int readByte() throws IOException {
        checkReadable();
        try {
            return endOfStream(THIN.readByte(ssl));             // mbedtls_ssl_read
        } catch (MbedTlsException e) {
            throw failure("read from", e);
        } catch (IllegalStateException e) {
            throw unusable(e);
        }
    }

    private TruncationException truncation() {
        return new TruncationException(host + ":" + port + " closed the connection without close_notify: "
                + "the data may be truncated");
    }

    private void writeAll(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        if (closed) {
            throw closed();
        }
        try {
            ssl.writeFully(b, off, len);                    // mbedtls_ssl_write, record after record
        } catch (MbedTlsException e) {
            throw failure("write to", e);
        } catch (IllegalStateException e) {
            throw unusable(e);
        }
    }

    private void writeByte(int b) throws IOException {
        if (closed) {
            throw closed();
        }
        try {
            THIN.writeByte(ssl, b);                               // mbedtls_ssl_write
        } catch (MbedTlsException e) {
            throw failure("write to", e);
        } catch (IllegalStateException e) {
            throw unusable(e);
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            return readByte();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return readSome(Objects.requireNonNull(b, "buffer"), off, len);
        }

        /** Closes the connection. */
        @Override
        public void close() {
            TlsConnection.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            writeByte(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writeAll(Objects.requireNonNull(b, "buffer"), off, len);
        }

        /** Closes the connection. */
        @Override
        public void close() {
            TlsConnection.this.close();
        }
    }
}
