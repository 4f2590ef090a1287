package io.github.mbedtlsjni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One verified TLS connection of a {@link TlsClient}, with an {@link InputStream} and an
 * {@link OutputStream} and what the handshake negotiated.
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
 * <p><b>End of stream.</b> The input stream returns -1 only after the server's close_notify. A
 * connection the server ends without close_notify may have been cut short by anyone on the
 * path: the read throws {@link TruncationException} (an {@link java.io.EOFException}) instead,
 * now and on every later read. {@link #inbound()} tells the two apart as well.
 *
 * <p><b>Errors</b> are {@link IOException}s: {@link SocketTimeoutException} when a timeout of
 * the client elapses (a read that timed out may be retried; a handshake that timed out is over),
 * {@link TlsException} for what Mbed TLS reports, {@link SocketException} once the connection is
 * closed.
 *
 * <p><b>Threads.</b> Mbed TLS serializes a context's calls, so reads and writes of one
 * connection take turns (one thread may read while another waits to write). {@link #close()}
 * may come from any thread: if another thread is blocked in a read or write it wakes and throws
 * {@link SocketException}; close_notify is then not sent.
 */
public final class TlsConnection implements AutoCloseable {
    private static final int MBEDTLS_ERR_SSL_TIMEOUT = -0x6800;
    private static final int MBEDTLS_ERR_NET_UNKNOWN_HOST = -0x0052;
    private static final int MBEDTLS_ERR_NET_CONNECT_FAILED = -0x0044;

    private final String host;
    private final int port;
    private final NetContext net;
    private final SslContext ssl;
    private final ReentrantLock io = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final byte[] oneByte = new byte[1]; // guarded by io
    private final String protocol;
    private final String ciphersuite;
    private final String alpnProtocol;
    private final VerifyResult verifyResult;
    private final boolean resumed;
    private final List<byte[]> peerDers; // the server's chain as Mbed TLS received it
    private volatile List<X509Certificate> peerCertificates; // JDK copies, made when first asked for
    private final InputStream in = new In();
    private final OutputStream out = new Out();
    private boolean truncated; // guarded by io
    private SslSession lastSession; // guarded by io

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
        try (X509Crt peer = ssl.peerCertificates()) {
            this.peerDers = peer == null ? List.of() : peer.ders();
        }
    }

    static TlsConnection open(TlsClient client, String host, int port, String verifyName, String sni,
            SslSession session) throws IOException {
        String where = host + ":" + port;
        NetContext net = new NetContext();
        SslContext ssl = new SslContext();
        boolean ok = false;
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
            connect(net, host, port, client.connectTimeoutMillis(), where);
            ssl.setBio(net);                                // mbedtls_ssl_set_bio
            net.setReceiveLimits(0, client.handshakeTimeoutMillis());
            try {
                ssl.handshake();                            // mbedtls_ssl_handshake
            } catch (MbedTlsException e) {
                if (e.code() == MBEDTLS_ERR_SSL_TIMEOUT) {
                    throw timeout("TLS handshake with " + where + " timed out after "
                            + client.handshakeTimeoutMillis() + " ms", e);
                }
                throw new TlsException("TLS handshake with " + where + " failed: " + e.getMessage(), e);
            }
            net.setReceiveLimits(client.readTimeoutMillis(), 0);
            TlsConnection connection = new TlsConnection(host, port, net, ssl);
            ok = true;
            return connection;
        } finally {
            if (!ok) {
                ssl.close();
                net.close();
            }
        }
    }

    private static void connect(NetContext net, String host, int port, int timeoutMillis, String where)
            throws IOException {
        try {
            net.connect(host, port, timeoutMillis);         // mbedtls_net_connect (with a time limit)
        } catch (MbedTlsException e) {
            IOException mapped = e.code() == MBEDTLS_ERR_NET_UNKNOWN_HOST ? new UnknownHostException(e.getMessage())
                    : e.code() == MBEDTLS_ERR_NET_CONNECT_FAILED ? new ConnectException(e.getMessage())
                    : new TlsException("connect to " + where + " failed: " + e.getMessage(), e);
            if (mapped.getCause() == null) {
                mapped.initCause(e);
            }
            throw mapped;
        }
    }

    /** The host this connection was opened to. */
    public String host() {
        return host;
    }

    /** The port this connection was opened to. */
    public int port() {
        return port;
    }

    /** The application data from the server: -1 after close_notify, {@link TruncationException} at an EOF without. */
    public InputStream getInputStream() {
        return in;
    }

    /** The application data to the server ({@code mbedtls_ssl_write}; {@code flush()} does nothing, writes are sent at once). */
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
     * Whether the handshake resumed the session given to
     * {@link TlsClient.ConnectionBuilder#resume} (see {@link SslContext#isResumed()}).
     */
    public boolean isResumed() {
        return resumed;
    }

    /**
     * The chain the server sent, leaf first, as JDK certificates (empty if none): the DER Mbed TLS
     * received, parsed by the JDK's {@link java.security.cert.CertificateFactory} on the first
     * call. After a resumed handshake Mbed TLS knows only the leaf, from the session.
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
            certificates = X509Crt.jdkCertificates(peerDers);
            peerCertificates = certificates;
        }
        return certificates;
    }

    /**
     * The chain the server sent, leaf first, as a new {@link X509Crt} parsed by Mbed TLS (null if
     * none); the caller closes it. Available after {@link #close()} too.
     */
    public X509Crt peerChain() {
        if (peerDers.isEmpty()) {
            return null;
        }
        X509Crt chain = new X509Crt();
        try {
            for (byte[] der : peerDers) {
                chain.parseDer(der);
            }
            return chain;
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    /**
     * The session to resume on a later connection ({@code mbedtls_ssl_get_session}), as a new
     * {@link SslSession} the caller owns, or null if there is none. TLS 1.2: available after the
     * handshake. TLS 1.3: the server's tickets arrive after the handshake and are taken in by
     * reads, so read (e.g. the first response) before asking. Waits while another thread is
     * inside a read or write.
     */
    public SslSession session() throws SocketException {
        lockIo();
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
            throw closedDuring(e);
        } finally {
            io.unlock();
        }
    }

    /** How the server has ended its side, as far as reads have seen. */
    public SslContext.Inbound inbound() throws SocketException {
        lockIo();
        try {
            return ssl.inbound();
        } catch (IllegalStateException e) {
            throw closedDuring(e);
        } finally {
            io.unlock();
        }
    }

    /** Changes the read timeout ({@link NetContext#setReadTimeout}); zero: none. Any thread, any time. */
    public void setReadTimeout(Duration timeout) throws SocketException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("read timeout out of range: " + timeout);
        }
        try {
            net.setReadTimeout((int) Math.max(timeout.toMillis(), timeout.isZero() ? 0 : 1));
        } catch (IllegalStateException e) {
            throw closed();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Sends close_notify ({@code mbedtls_ssl_close_notify}) unless another thread is inside a
     * read or write, then frees the connection; a thread blocked in a read or write wakes and
     * throws. A failure to send close_notify (the server already gone) is ignored. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean locked = io.tryLock(); // fails while another thread is inside a read or write
        try {
            if (locked) {
                try {
                    ssl.closeNotify();                      // mbedtls_ssl_close_notify
                } catch (RuntimeException peerGone) {
                    // nothing to tell the server any more
                }
            }
        } finally {
            ssl.close();                                    // mbedtls_ssl_free (wakes a blocked call)
            net.close();                                    // mbedtls_net_free
            if (locked) {
                if (lastSession != null) {
                    lastSession.close();
                    lastSession = null;
                }
                io.unlock();
            }
        }
    }

    @Override
    public String toString() {
        return "TlsConnection[" + host + ":" + port + ", " + protocol + ", " + ciphersuite
                + (resumed ? ", resumed" : "") + (isClosed() ? ", closed" : "") + "]";
    }

    private void lockIo() throws SocketException {
        if (closed.get()) {
            throw closed();
        }
        io.lock();
        if (closed.get()) {
            io.unlock();
            throw closed();
        }
    }

    private SocketException closed() {
        return new SocketException("TlsConnection to " + host + ":" + port + " is closed");
    }

    private SocketException closedDuring(RuntimeException e) {
        SocketException ex = closed();
        ex.initCause(e);
        return ex;
    }

    private IOException failure(String step, MbedTlsException e) {
        if (closed.get()) {
            return closedDuring(e);
        }
        if (e.code() == MBEDTLS_ERR_SSL_TIMEOUT) {
            return timeout(step + " from " + host + ":" + port + " timed out", e);
        }
        return new TlsException(step + " on " + host + ":" + port + " failed: " + e.getMessage(), e);
    }

    private static SocketTimeoutException timeout(String message, MbedTlsException cause) {
        SocketTimeoutException e = new SocketTimeoutException(message);
        e.initCause(cause);
        return e;
    }

    private int readSome(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lockIo();
        try {
            if (truncated) {
                throw truncation();
            }
            int n = ssl.read(b, off, len);                  // mbedtls_ssl_read
            if (n < 0 && ssl.inbound() == SslContext.Inbound.EOF_WITHOUT_CLOSE_NOTIFY) {
                truncated = true;
                throw truncation();
            }
            return n;
        } catch (MbedTlsException e) {
            throw failure("read", e);
        } catch (IllegalStateException e) {
            throw closedDuring(e);
        } finally {
            io.unlock();
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
        lockIo();
        try {
            ssl.writeFully(b, off, len);                    // mbedtls_ssl_write
        } catch (MbedTlsException e) {
            throw failure("write", e);
        } catch (IllegalStateException e) {
            throw closedDuring(e);
        } finally {
            io.unlock();
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            lockIo();
            try {
                int n = readSome(oneByte, 0, 1);
                return n < 0 ? -1 : oneByte[0] & 0xFF;
            } finally {
                io.unlock();
            }
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
            lockIo();
            try {
                oneByte[0] = (byte) b;
                writeAll(oneByte, 0, 1);
            } finally {
                io.unlock();
            }
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
