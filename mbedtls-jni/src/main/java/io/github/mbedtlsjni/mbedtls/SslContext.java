package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.TlsConnection;
import io.github.mbedtlsjni.internal.Codes;
import io.github.mbedtlsjni.internal.VerifyCallback;
import io.github.mbedtlsjni.mbedtls.Lifecycle.State;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Objects;

/**
 * One TLS connection's state, {@code mbedtls_ssl_context}.
 *
 * <p>The guide's steps, in order: {@code new SslContext()} ({@code mbedtls_ssl_init}),
 * {@link #setup} ({@code mbedtls_ssl_setup}), {@link #setHostname} ({@code mbedtls_ssl_set_hostname}),
 * {@link #setBio} ({@code mbedtls_ssl_set_bio}), {@link #handshake} ({@code mbedtls_ssl_handshake}),
 * {@link #verifyResult} ({@code mbedtls_ssl_get_verify_result}, {@code mbedtls_x509_crt_verify_info}),
 * {@link #write}/{@link #read} ({@code mbedtls_ssl_write}/{@code mbedtls_ssl_read}),
 * {@link #closeNotify} ({@code mbedtls_ssl_close_notify}) and {@link #close()}
 * ({@code mbedtls_ssl_free}). A step out of order throws {@link IllegalStateException} naming
 * the missing step. The configuration steps ({@code setup} to {@code setSession}) belong before
 * the handshake; a {@code read} or {@code write} before {@link #handshake} performs it first.
 *
 * <p>The context keeps its {@link SslConfig} and its {@link NetContext} allocated while it lives.
 *
 * <p><b>Threads: full duplex.</b> One thread may read while another writes: a read waiting for
 * the peer never holds up a write. Mbed TLS contexts are not thread-safe, so the binding holds
 * the context's one lock around each Mbed TLS call, and Mbed TLS never waits inside one: the
 * socket is used non-blocking, and a call that must wait for it ({@code WANT_READ},
 * {@code WANT_WRITE}) releases the lock, waits with {@code poll()} and calls again (a write again
 * with the same data, as Mbed TLS requires). The handshake runs in one thread at a time; another
 * thread's first read or write waits for it. {@link #close()} may come from any thread: it shuts
 * the socket down so that every thread waiting in {@code read}, {@code write} or
 * {@code handshake} wakes and throws, and the native memory is freed only after they have
 * returned.
 *
 * <p>{@code read} and {@code write} allocate nothing on the Java heap and copy the data once (a
 * direct {@link ByteBuffer} is not copied by the binding at all). Each reads a buffer's position
 * and limit once, and the native code checks the window it is given against the buffer's real
 * size, so a buffer another thread changes meanwhile gives an exception, never a write outside it.
 *
 * <p>Its lifecycle is one state (set up, configured, handshaking, open, closed), shared with its
 * {@link MemoryBio}; its I/O runs through the one native I/O core under both bios.
 */
public final class SslContext extends NativeResource {
    private static final int CONFIG = 0;
    private static final int NET = 1;
    private static final Type TYPE = new Type("SslContext") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    /** How the peer has ended its side of the connection. */
    public enum Inbound {
        /** Nothing received yet that ends the connection. */
        OPEN,
        /** The peer sent close_notify: a clean end. */
        CLOSE_NOTIFY,
        /** The transport reached EOF without close_notify: the data may be truncated. */
        EOF_WITHOUT_CLOSE_NOTIFY
    }

    /** The state, the bio and the step rules (see {@link Lifecycle}); its {@code steps} lock guards the configuration and the handshake. */
    final Lifecycle lifecycle = new Lifecycle(handle);
    private volatile SslConfig config; // written under lifecycle.steps, once, by setup

    /** {@code mbedtls_ssl_init}. */
    public SslContext() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ssl_setup(&ssl, &conf)}. Must follow {@link SslConfig#defaults()} and
     * {@link SslConfig#setRng}; the config can no longer be changed afterwards.
     */
    public void setup(SslConfig config) {
        Objects.requireNonNull(config, "config");
        synchronized (lifecycle.steps) {
            long self = handle.acquire();
            try {
                if (lifecycle.state() != State.NEW) {
                    throw new IllegalStateException("SslContext is already set up");
                }
                config.freezeForSetup();
                long conf = config.handle.acquire();
                handle.setDependency(CONFIG, config.handle); // owns the reference just taken
                nSetup(self, conf);
                this.config = config;
                // A server's authmode is about client certificates: no hostname to check.
                lifecycle.setUp(config.authMode() != AuthMode.NONE && config.endpoint() != SslConfig.Endpoint.SERVER);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_set_hostname}: the name sent as SNI and the name the server's certificate
     * must match (subjectAltName, or CN when there is none).
     */
    public void setHostname(String hostname) {
        Objects.requireNonNull(hostname, "hostname (to verify without one, call skipHostnameVerification())");
        if (hostname.isEmpty()) {
            throw new IllegalArgumentException("hostname is empty");
        }
        if (hostname.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("hostname contains a NUL character");
        }
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setHostname");
            try {
                nSetHostname(self, hostname);
                lifecycle.hostnameGiven();
            } finally {
                handle.release();
            }
        }
    }

    /**
     * Verifies the server's certificate chain without checking any name in it, and sends no SNI
     * ({@code mbedtls_ssl_set_hostname(&ssl, NULL)}). Insecure unless the peer is authenticated
     * some other way: anyone holding any certificate from a trusted CA can impersonate the server.
     */
    public void skipHostnameVerification() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.skipHostnameVerification");
            try {
                nSetHostname(self, null);
                lifecycle.hostnameGiven();
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_set_bio(&ssl, &net, send, recv, NULL)}: the connection to speak TLS over.
     * The context keeps it allocated. The send and receive functions are
     * {@code mbedtls_net_send}/{@code mbedtls_net_recv} made non-blocking ({@code MSG_DONTWAIT});
     * the binding waits for the socket itself, outside the context's lock, within
     * {@link NetContext#setReadTimeout} and {@link NetContext#setWriteTimeout}.
     */
    public void setBio(NetContext net) {
        Objects.requireNonNull(net, "net");
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setBio");
            try {
                long n = net.handle.acquire();
                handle.setDependency(NET, net.handle); // owns the reference just taken
                nSetBio(self, n);
                lifecycle.configured(Lifecycle.Bio.SOCKET);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_session_reset}: the context starts over for the next connection (a
     * server reusing one context per worker, as {@code ssl_server2.c}). It keeps its config,
     * hostname and verify settings, forgets the connection and lets go of its {@link NetContext}
     * (close that as usual): give the next one with {@link #setBio}. Allowed once a socket was
     * given, while no other thread is in a call on this context. DTLS: {@link DatagramBio#sessionReset}.
     *
     * @throws IllegalStateException before {@link #setBio}, on a memory or datagram bio, during
     *     another thread's call, or once closed
     * @throws MbedTlsException if Mbed TLS fails to reset (out of memory): close the context
     */
    public void sessionReset() {
        synchronized (lifecycle.steps) {
            long self = handle.acquire();
            try {
                lifecycle.requireSocket("SslContext.sessionReset");
                lifecycle.resetForNextConnection(2); // the owner's reference and this call's
                nSessionReset(self);
                handle.setDependency(NET, null); // the socket went with the old connection
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_set_bio} with memory instead of a socket: the returned {@link MemoryBio}
     * performs the handshake, reads and writes over {@link ByteBuffer}s given to each call
     * (for event loops and engine-style APIs). The socket calls of this class ({@link #handshake()},
     * {@code read}, {@code write}, {@link #closeNotify()}) are then refused.
     */
    public MemoryBio setMemoryBio() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setMemoryBio");
            try {
                MemoryBio memory = MemoryBio.attach(this, self);
                lifecycle.configured(Lifecycle.Bio.MEMORY);
                return memory;
            } finally {
                handle.release();
            }
        }
    }

    /**
     * DTLS: {@code mbedtls_ssl_set_bio} with datagrams in memory, and
     * {@code mbedtls_ssl_set_timer_cb} with a timer kept in the context itself. The returned
     * {@link DatagramBio} performs the handshake, reads and writes one datagram at a time, and
     * holds DTLS's per-connection steps (MTU, CID, saving). The socket and {@link MemoryBio}
     * calls of this class are then refused.
     *
     * @throws IllegalStateException unless the config is for {@link SslConfig.Transport#DATAGRAM}
     */
    public DatagramBio setDatagramBio() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setDatagramBio");
            try {
                if (config.transport() != SslConfig.Transport.DATAGRAM) {
                    throw new IllegalStateException("SslContext.setDatagramBio() needs a DTLS config: "
                            + "config.defaults(endpoint, SslConfig.Transport.DATAGRAM)");
                }
                DatagramBio datagrams = DatagramBio.attach(this, self);
                lifecycle.configured(Lifecycle.Bio.DATAGRAM);
                return datagrams;
            } finally {
                handle.release();
            }
        }
    }

    /** The config given to {@link #setup} (null before). */
    SslConfig config() {
        return config;
    }

    /**
     * {@code mbedtls_ssl_handshake}, repeated while Mbed TLS asks to (WANT_READ/WANT_WRITE),
     * waiting for the socket in between. Once it succeeded, further calls return at once.
     *
     * @throws CertificateVerificationException if the peer's certificate did not verify (required mode)
     * @throws MbedTlsException on any other failure ({@code MBEDTLS_ERR_SSL_TIMEOUT} when a
     *     timeout of the {@link NetContext} elapsed)
     * @throws IllegalStateException if a step is missing: setup, setBio, or a hostname while the
     *     certificate is verified (set one with {@link #setHostname}, or opt out with
     *     {@link #skipHostnameVerification})
     */
    public void handshake() {
        handshake("handshake");
    }

    /**
     * Checks the server's certificate against {@code name} instead of the hostname given to
     * {@link #setHostname}, which then only goes into SNI; null goes back to checking the
     * hostname. For the cases where the name a server is reached by (SNI) is not the name its
     * certificate must hold. Call {@link #setHostname} (or {@link #skipHostnameVerification()} to
     * send no SNI) as well: the binding's rule that a verified handshake needs a hostname stays.
     *
     * <p>Implemented with {@code mbedtls_ssl_set_verify}: at the leaf, the binding replaces the
     * {@code MBEDTLS_X509_BADCERT_CN_MISMATCH} bit of Mbed TLS's own check (against the hostname)
     * by the result of the same check against {@code name} ({@code mbedtls_x509_crt_verify} with
     * {@code name} as the expected CN: SAN DNS and IP entries, wildcards, CN when there is no SAN).
     * A mismatch then fails the handshake like any other ({@link VerifyFlag} {@code CN_MISMATCH}).
     */
    public void setVerifyName(String name) {
        if (name != null && name.isEmpty()) {
            throw new IllegalArgumentException("verify name is empty");
        }
        if (name != null && name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("verify name contains a NUL character");
        }
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setVerifyName");
            try {
                nSetVerifyName(self, name);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * Verifies the server's certificate chain but checks no name in it, while the SNI given to
     * {@link #setHostname} is still sent: JSSE's behaviour without endpoint identification, where
     * the application checks the name itself. As insecure as {@link #skipHostnameVerification()}
     * unless the name is checked afterwards. Implemented in the verify callback (see
     * {@link #setVerifyName}): the {@code MBEDTLS_X509_BADCERT_CN_MISMATCH} bit is dropped. For the
     * JSSE provider, through {@link io.github.mbedtlsjni.internal.ThinAccess}: an application of
     * this class checks names with {@link #setHostname}, {@link #setVerifyName} or not at all.
     */
    void verifyChainOnly() {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.verifyChainOnly");
            try {
                nSkipNameCheck(self);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * Lets {@code callback} refuse a server certificate chain that Mbed TLS accepted
     * ({@code mbedtls_ssl_set_verify}; see {@link VerifyCallback}). Null removes it. For the JSSE
     * provider, through {@link io.github.mbedtlsjni.internal.ThinAccess}.
     */
    void setVerifyCallback(VerifyCallback callback) {
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setVerifyCallback");
            try {
                nSetVerifyCallback(self, callback);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_set_session}: offers {@code session} for resumption in the coming
     * handshake (Mbed TLS copies it). The server may refuse it and do a full handshake;
     * {@link #isResumed()} tells afterwards.
     *
     * @throws IllegalStateException if the session is empty, or the handshake has started
     * @throws MbedTlsException if Mbed TLS refuses the session (e.g. one was already set)
     */
    public void setSession(SslSession session) {
        Objects.requireNonNull(session, "session");
        synchronized (lifecycle.steps) {
            long self = lifecycle.acquireConfigurable("SslContext.setSession");
            try {
                session.requireFilled();
                long ses = session.handle.acquire();
                try {
                    nSetSession(self, ses);
                } finally {
                    session.handle.release();
                }
            } finally {
                handle.release();
            }
        }
    }

    /**
     * {@code mbedtls_ssl_get_session}: copies the connection's current session into the empty
     * {@code session}, for {@link #setSession} on a later connection. Mbed TLS 3.x exports each
     * session once: after a TLS 1.2 handshake; for TLS 1.3, once per ticket the server sends after
     * the handshake (they arrive with the first {@link #read}s; see
     * {@link SslConfig#setTls13SessionTickets}).
     *
     * @return true if {@code session} was filled, false if there is nothing (new) to export
     * @throws IllegalStateException if {@code session} is not empty, or there was no handshake
     */
    public boolean getSession(SslSession session) {
        Objects.requireNonNull(session, "session");
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.getSession");
            if (!lifecycle.isOpen()) {
                throw new IllegalStateException("SslContext.getSession() before a successful handshake()");
            }
            synchronized (session) {
                session.requireEmpty();
                long ses = session.handle.acquire();
                try {
                    if (!nGetSession(self, ses)) {
                        return false;
                    }
                    session.markFilled();
                    return true;
                } finally {
                    session.handle.release();
                }
            }
        } finally {
            handle.release();
        }
    }

    /**
     * Whether the handshake resumed a session rather than doing a full one; Mbed TLS 3.6 has no
     * getter, so the binding observes it. A client: a session was offered ({@link #setSession})
     * and no server certificate was verified (so under {@link AuthMode#NONE} always false). A
     * server: the handshake never reached the server's Certificate (which a full TLS 1.2
     * handshake always does, and TLS 1.3 without a PSK) and used no key of its {@link PskLookup}.
     */
    public boolean isResumed() {
        long self = handle.acquire();
        try {
            return lifecycle.isOpen() && nResumed(self, config.endpoint() == SslConfig.Endpoint.SERVER);
        } finally {
            handle.release();
        }
    }

    /** The protocol ALPN negotiated ({@code mbedtls_ssl_get_alpn_protocol}), or null if none. */
    public String alpnProtocol() {
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.alpnProtocol");
            return nAlpnProtocol(self);
        } finally {
            handle.release();
        }
    }

    /**
     * The certificate verification result of the last handshake
     * ({@code mbedtls_ssl_get_verify_result} and {@code mbedtls_x509_crt_verify_info}).
     */
    public VerifyResult verifyResult() {
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.verifyResult");
            int flags = nVerifyFlags(self);
            return new VerifyResult(flags, flags == VerifyResult.NOT_AVAILABLE ? "" : nVerifyInfo(flags));
        } finally {
            handle.release();
        }
    }

    /** The negotiated protocol, e.g. {@code TLSv1.3} ({@code mbedtls_ssl_get_version}). */
    public String protocol() {
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.protocol");
            return nProtocol(self);
        } finally {
            handle.release();
        }
    }

    /**
     * The negotiated cipher suite by its Mbed TLS name ({@code mbedtls_ssl_get_ciphersuite}).
     * During the handshake (in a {@link VerifyCallback}), the suite the server chose once its
     * hello has been read; null before.
     */
    public String ciphersuite() {
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.ciphersuite");
            return nCiphersuite(self);
        } finally {
            handle.release();
        }
    }

    /**
     * A copy of the chain the server sent ({@code mbedtls_ssl_get_peer_cert}), leaf first, or
     * null if there is none. The caller owns (and closes) the returned object.
     */
    public X509Crt peerCertificates() {
        return X509Crt.ofDers(peerCertificateDers());
    }

    /**
     * The DER of each certificate of the chain the server sent, leaf first, as Mbed TLS received
     * it (empty if none): for {@link TlsConnection}, which keeps them without parsing them again.
     */
    List<byte[]> peerCertificateDers() {
        byte[][] ders;
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.peerCertificates");
            ders = nPeerCertificates(self);
        } finally {
            handle.release();
        }
        return ders == null ? List.of() : List.of(ders);
    }

    /**
     * {@code mbedtls_ssl_read} into {@code b[off .. off+len)}, waiting for data (within
     * {@link NetContext#setReadTimeout}). Handles WANT_READ/WANT_WRITE and TLS 1.3
     * NewSessionTickets internally, so it returns only with data or at the end.
     *
     * @return the number of bytes read (at least 1 unless {@code len} is 0), or -1 when the peer
     *     has closed: after close_notify or at a plain EOF (see {@link #inbound()})
     * @throws MbedTlsException on a TLS or network error ({@code MBEDTLS_ERR_SSL_TIMEOUT}: the
     *     read timeout elapsed; the read may be retried)
     * @throws IllegalStateException if closed (also when closed by another thread during the call)
     */
    public int read(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "buffer");
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return readInto(b, off, len);
    }

    /** {@link #read(byte[], int, int)} over the whole array. */
    public int read(byte[] b) {
        return read(b, 0, Objects.requireNonNull(b, "buffer").length);
    }

    /**
     * {@code mbedtls_ssl_read} into the remaining space of {@code dst}, advancing its position. A
     * direct buffer is written by Mbed TLS in place.
     *
     * @return the number of bytes read, or -1 when the peer has closed
     */
    public int read(ByteBuffer dst) {
        Objects.requireNonNull(dst, "buffer");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int limit = dst.limit();
        Objects.checkFromToIndex(pos, limit, dst.capacity());
        if (pos == limit) {
            return 0;
        }
        int n = dst.isDirect() ? readInto(dst, pos, limit - pos) : readInto(dst.array(), dst.arrayOffset() + pos, limit - pos);
        if (n > 0) {
            dst.position(pos + n);
        }
        return n;
    }

    /** One byte (0..255) or -1 at the end, as {@link java.io.InputStream#read()}: no buffer shared between threads. */
    int readByte() {
        return readInto(null, 0, 1);
    }

    /**
     * The one read path: {@code mbedtls_ssl_read} into {@code dst[off .. off+len)}, a byte[] or a
     * direct buffer (the native side checks the window against it), or one byte returned as the
     * result when {@code dst} is null.
     */
    private int readInto(Object dst, int off, int len) {
        long self = acquireForIo("read");
        try {
            return endOfRead(nRead(self, dst, off, len));
        } catch (MbedTlsException e) {
            throw lifecycle.closedDuring("read", e);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_write} of {@code b[off .. off+len)}, repeated while Mbed TLS asks to
     * (WANT_WRITE/WANT_READ), waiting for the socket (within {@link NetContext#setWriteTimeout}).
     *
     * @return the number of bytes written: at most one record's worth (16 KiB), possibly fewer
     *     than {@code len}, as in C; {@link #writeFully} writes everything
     * @throws MbedTlsException on a TLS or network error ({@code MBEDTLS_ERR_SSL_TIMEOUT}: the
     *     write timeout elapsed; how much of the data went out is then unknown, so every later
     *     write throws {@link IllegalStateException}: close the connection)
     */
    public int write(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "buffer");
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return writeFrom(b, off, len, false);
    }

    /**
     * Writes all of {@code b[off .. off+len)}: {@code mbedtls_ssl_write} record after record, in
     * one call into the native code, with the waits and failures of {@link #write(byte[], int, int)}.
     */
    public void writeFully(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "buffer");
        Objects.checkFromIndexSize(off, len, b.length);
        if (len > 0) {
            writeFrom(b, off, len, true);
        }
    }

    /** {@link #writeFully(byte[], int, int)} over the whole array. */
    public void writeFully(byte[] b) {
        writeFully(b, 0, Objects.requireNonNull(b, "buffer").length);
    }

    /**
     * {@code mbedtls_ssl_write} of the remaining bytes of {@code src} (up to one record), advancing
     * its position. A direct buffer is read by Mbed TLS in place.
     *
     * @return the number of bytes written
     */
    public int write(ByteBuffer src) {
        return write(src, false);
    }

    /** {@link #write(ByteBuffer)} of all remaining bytes, as {@link #writeFully(byte[], int, int)}. */
    public void writeFully(ByteBuffer src) {
        write(src, true);
    }

    private int write(ByteBuffer src, boolean fully) {
        Objects.requireNonNull(src, "buffer");
        int pos = src.position();
        int limit = src.limit();
        Objects.checkFromToIndex(pos, limit, src.capacity());
        if (pos == limit) {
            return 0;
        }
        int n;
        if (src.isDirect()) {
            n = writeFrom(src, pos, limit - pos, fully);
        } else if (src.hasArray()) {
            n = writeFrom(src.array(), src.arrayOffset() + pos, limit - pos, fully);
        } else {
            throw new IllegalArgumentException("a read-only heap ByteBuffer has no accessible array: use a direct buffer or byte[]");
        }
        src.position(pos + n);
        return n;
    }

    /** One byte, as {@link java.io.OutputStream#write(int)}: no buffer shared between threads. */
    void writeByte(int b) {
        writeFrom(null, b, 1, true);
    }

    /**
     * The one write path: {@code mbedtls_ssl_write} of {@code src[off .. off+len)}, a byte[] or a
     * direct buffer (the native side checks the window against it), one record or ({@code fully})
     * all of it; with {@code src} null, the one byte {@code off}.
     */
    private int writeFrom(Object src, int off, int len, boolean fully) {
        long self = acquireForWrite();
        try {
            return nWrite(self, src, off, len, fully);
        } catch (MbedTlsException e) {
            throw failedWrite(e);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_close_notify}: tells the peer this side is done (sends the close_notify
     * alert), waiting for the socket within {@link NetContext#setWriteTimeout}. Before a handshake
     * there is nothing to end, and nothing is sent (as in Mbed TLS). Nor after a handshake, read
     * or write failed with an error after which Mbed TLS's documentation forbids writing on the
     * context (anything but want, the peer's close_notify or EOF, a ticket, a DTLS timeout): Mbed
     * TLS may have sent a fatal alert, after which TLS allows nothing; only that alert, if it is
     * still waiting for the socket, is sent.
     */
    public void closeNotify() {
        closeNotify(true);
    }

    /**
     * {@link #closeNotify()} without waiting: sends the alert if the socket takes it now, else
     * gives up. For closing, where an unresponsive peer must not delay anything.
     *
     * @return true if the alert was sent (or there was nothing to end)
     */
    boolean closeNotifyIfWritable() {
        return closeNotify(false);
    }

    private boolean closeNotify(boolean wait) {
        long self = handle.acquire();
        try {
            lifecycle.requireSocket("SslContext.closeNotify");
            return !lifecycle.isOpen() || nCloseNotify(self, wait);
        } finally {
            handle.release();
        }
    }

    /**
     * The id of the session the handshake established or resumed (TLS 1.2: the server's session
     * id, possibly empty when it uses tickets; TLS 1.3: what Mbed TLS keeps there), empty before a
     * handshake. Read from Mbed TLS's private fields, for the JSSE provider's
     * {@code SSLSession.getId()} (through {@link io.github.mbedtlsjni.internal.ThinAccess}).
     */
    byte[] sessionId() {
        long self = handle.acquire();
        try {
            lifecycle.requireSetUp("SslContext.sessionId");
            byte[] id = lifecycle.isOpen() ? nSessionId(self) : null;
            return id == null ? new byte[0] : id;
        } finally {
            handle.release();
        }
    }

    /** How the peer has ended the connection, as seen by the last {@code read}. */
    public Inbound inbound() {
        long self = handle.acquire();
        try {
            return Inbound.values()[nInbound(self)];
        } finally {
            handle.release();
        }
    }

    /**
     * Frees the context ({@code mbedtls_ssl_free}). Callable from any thread: if other threads
     * are inside {@code read}, {@code write} or {@code handshake}, the socket is shut down so that
     * those calls return (and throw), and the free happens when they have. Does not send
     * close_notify: call {@link #closeNotify()} first for a clean close. Idempotent.
     */
    @Override
    public void close() {
        // Close first: from now on no call can start, so the woken call finds the context closed.
        // Checking for a call in flight before closing would miss one that starts in between and
        // then blocks for ever.
        super.close();
        lifecycle.transitionTo(State.CLOSED);
        // Nothing else refers to a context, so memory still allocated now means a call is in
        // flight: wake it if it waits on the socket (a no-op once the context or net is freed).
        if (handle.isAllocated()) {
            NetContext.shutdown(handle.dependency(NET));
        }
    }

    /**
     * The handshake, once, for {@code step}: {@link #handshake()} itself, or the first read or
     * write. Threads arriving meanwhile wait for the one doing it.
     */
    private void handshake(String step) {
        synchronized (lifecycle.steps) {
            long self = handle.acquire();
            try {
                lifecycle.requireSocket("SslContext." + step);
                if (lifecycle.isOpen()) {
                    return;
                }
                lifecycle.requireHostnameRule();
                lifecycle.transitionTo(State.HANDSHAKING);
                try {
                    nHandshake(self);
                } catch (MbedTlsException e) {
                    throw lifecycle.closedDuring("handshake", e);
                }
                lifecycle.transitionTo(State.OPEN);
            } finally {
                handle.release();
            }
        }
    }

    /** Takes a reference for a read or write, after the handshake (done here if not yet). */
    private long acquireForIo(String step) {
        if (!lifecycle.isOpen()) {
            handshake(step);
        }
        return lifecycle.acquireOpen(step);
    }

    private long acquireForWrite() {
        if (lifecycle.writeTimedOut()) {
            throw new IllegalStateException("SslContext.write() after a write timed out: how much of its data was "
                    + "sent is unknown, so the connection cannot go on; close it");
        }
        return acquireForIo("write");
    }

    private RuntimeException failedWrite(MbedTlsException e) {
        if (e.code() == Codes.SSL_TIMEOUT) {
            lifecycle.transitionTo(State.WRITE_TIMED_OUT);
        }
        return lifecycle.closedDuring("write", e);
    }

    /** A read's -1: after another thread's close() it is that close, not the peer's. */
    private int endOfRead(int n) {
        if (n < 0 && handle.isClosed()) {
            throw new IllegalStateException("SslContext was closed during read");
        }
        return n;
    }

    private static native long nInit();
    private static native void nFree(long ssl);
    private static native void nSetup(long ssl, long conf);
    private static native void nSetHostname(long ssl, String hostname);
    private static native void nSetBio(long ssl, long net);
    private static native void nHandshake(long ssl);
    private static native void nSetVerifyName(long ssl, String name);
    private static native void nSkipNameCheck(long ssl);
    private static native void nSetVerifyCallback(long ssl, VerifyCallback callback);
    private static native void nSetSession(long ssl, long session);
    private static native boolean nGetSession(long ssl, long session);
    private static native boolean nResumed(long ssl, boolean server);
    private static native String nAlpnProtocol(long ssl);
    private static native int nVerifyFlags(long ssl);
    static native String nVerifyInfo(int flags);
    private static native String nProtocol(long ssl);
    private static native String nCiphersuite(long ssl);
    private static native byte[][] nPeerCertificates(long ssl);
    private static native int nRead(long ssl, Object dst, int off, int len);
    private static native int nWrite(long ssl, Object src, int off, int len, boolean fully);
    private static native boolean nCloseNotify(long ssl, boolean wait);
    private static native int nInbound(long ssl);
    private static native byte[] nSessionId(long ssl);
    private static native void nSessionReset(long ssl);
}
