package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.TlsConnection;
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
 * direct {@link ByteBuffer} is not copied by the binding at all).
 */
public final class SslContext extends NativeResource {
    private static final int CONFIG = 0;
    private static final int NET = 1;
    private static final int MBEDTLS_ERR_SSL_TIMEOUT = -0x6800;
    private static final int NO_BIO = 0;
    private static final int SOCKET_BIO = 1;
    private static final int MEMORY_BIO = 2;
    private static final int DATAGRAM_BIO = 3;
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

    /**
     * Guards the configuration steps and the handshake, so that they run one at a time and never
     * beside another Mbed TLS call (the native side takes no lock for the configuration steps).
     * Reads and writes never take it once the handshake is done; they take the native lock only.
     */
    private final Object steps = new Object();
    private volatile SslConfig config; // written under steps
    private volatile boolean verifiesPeer; // written under steps: the config verifies the server's certificate
    private volatile boolean hostnameGiven; // written under steps: setHostname or skipHostnameVerification
    private volatile int bio = NO_BIO; // written under steps
    private volatile boolean handshakeStarted; // written under steps
    private volatile boolean handshakeDone; // written under steps
    private volatile boolean writeTimedOut;

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
        synchronized (steps) {
            long self = handle.acquire();
            try {
                if (this.config != null) {
                    throw new IllegalStateException("SslContext is already set up");
                }
                config.freezeForSetup();
                long conf = config.handle.acquire();
                handle.setDependency(CONFIG, config.handle); // owns the reference just taken
                nSetup(self, conf);
                this.verifiesPeer = config.authMode() != AuthMode.NONE && config.endpoint() != SslConfig.Endpoint.SERVER;
                this.config = config;
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
        synchronized (steps) {
            long self = beginStep("setHostname");
            try {
                nSetHostname(self, hostname);
                hostnameGiven = true;
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
        synchronized (steps) {
            long self = beginStep("skipHostnameVerification");
            try {
                nSetHostname(self, null);
                hostnameGiven = true;
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
        synchronized (steps) {
            long self = beginStep("setBio");
            try {
                long n = net.handle.acquire();
                handle.setDependency(NET, net.handle); // owns the reference just taken
                nSetBio(self, n);
                bio = SOCKET_BIO;
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
        MemoryBio memory = new MemoryBio(this);
        synchronized (steps) {
            long self = beginStep("setMemoryBio");
            try {
                MemoryBio.nAttach(self);
                bio = MEMORY_BIO;
            } finally {
                handle.release();
            }
        }
        return memory;
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
        DatagramBio datagrams = new DatagramBio(this);
        synchronized (steps) {
            long self = beginStep("setDatagramBio");
            try {
                if (config.transport() != SslConfig.Transport.DATAGRAM) {
                    throw new IllegalStateException("SslContext.setDatagramBio() needs a DTLS config: "
                            + "config.defaults(endpoint, SslConfig.Transport.DATAGRAM)");
                }
                DatagramBio.nAttach(self);
                bio = DATAGRAM_BIO;
            } finally {
                handle.release();
            }
        }
        return datagrams;
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
        synchronized (steps) {
            long self = beginStep("setVerifyName");
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
     * {@link #setVerifyName}): the {@code MBEDTLS_X509_BADCERT_CN_MISMATCH} bit is dropped.
     */
    public void verifyChainOnly() {
        synchronized (steps) {
            long self = beginStep("verifyChainOnly");
            try {
                nSkipNameCheck(self);
            } finally {
                handle.release();
            }
        }
    }

    /**
     * Lets {@code callback} refuse a server certificate chain that Mbed TLS accepted
     * ({@code mbedtls_ssl_set_verify}; see {@link VerifyCallback}). Null removes it.
     */
    public void setVerifyCallback(VerifyCallback callback) {
        synchronized (steps) {
            long self = beginStep("setVerifyCallback");
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
        synchronized (steps) {
            long self = beginStep("setSession");
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
            requireSetup("getSession");
            if (!handshakeDone) {
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
     * Whether the handshake resumed the session offered with {@link #setSession} (an abbreviated
     * handshake) rather than doing a full one. Mbed TLS 3.6 has no getter for this; the binding
     * observes it: a full handshake verifies the server's certificate (its verify callback sees
     * the leaf), a resumed one receives no certificate. So it needs certificate verification:
     * under {@link AuthMode#NONE} it is always false.
     *
     * @return true if a session was offered, the handshake succeeded and no certificate was verified
     */
    public boolean isResumed() {
        long self = handle.acquire();
        try {
            return handshakeDone && nResumed(self);
        } finally {
            handle.release();
        }
    }

    /** The protocol ALPN negotiated ({@code mbedtls_ssl_get_alpn_protocol}), or null if none. */
    public String alpnProtocol() {
        long self = handle.acquire();
        try {
            requireSetup("alpnProtocol");
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
            requireSetup("verifyResult");
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
            requireSetup("protocol");
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
            requireSetup("ciphersuite");
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
        List<byte[]> ders = peerCertificateDers();
        if (ders.isEmpty()) {
            return null;
        }
        X509Crt chain = new X509Crt();
        try {
            for (byte[] der : ders) {
                chain.parseDer(der);
            }
            return chain;
        } catch (RuntimeException e) {
            chain.close();
            throw e;
        }
    }

    /**
     * The DER of each certificate of the chain the server sent, leaf first, as Mbed TLS received
     * it (empty if none): for {@link TlsConnection}, which keeps them without parsing them again.
     */
    List<byte[]> peerCertificateDers() {
        byte[][] ders;
        long self = handle.acquire();
        try {
            requireSetup("peerCertificates");
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
        long self = acquireForIo("read");
        try {
            return endOfRead(nRead(self, b, off, len));
        } catch (MbedTlsException e) {
            throw closedDuring("read", e);
        } finally {
            handle.release();
        }
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
        int len = checkedRemaining(dst, pos);
        if (len == 0) {
            return 0;
        }
        int n;
        if (dst.isDirect()) {
            long self = acquireForIo("read");
            try {
                n = endOfRead(nReadDirect(self, dst, pos, len));
            } catch (MbedTlsException e) {
                throw closedDuring("read", e);
            } finally {
                handle.release();
            }
        } else {
            n = read(dst.array(), dst.arrayOffset() + pos, len);
        }
        if (n > 0) {
            dst.position(pos + n);
        }
        return n;
    }

    /** One byte (0..255) or -1 at the end, as {@link java.io.InputStream#read()}: no buffer shared between threads. */
    int readByte() {
        long self = acquireForIo("read");
        try {
            return endOfRead(nReadByte(self));
        } catch (MbedTlsException e) {
            throw closedDuring("read", e);
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
        long self = acquireForWrite();
        try {
            return nWrite(self, b, off, len);
        } catch (MbedTlsException e) {
            throw failedWrite(e);
        } finally {
            handle.release();
        }
    }

    /**
     * Writes all of {@code b[off .. off+len)}: {@code mbedtls_ssl_write} record after record, in
     * one call into the native code, with the waits and failures of {@link #write(byte[], int, int)}.
     */
    public void writeFully(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "buffer");
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return;
        }
        long self = acquireForWrite();
        try {
            nWriteFully(self, b, off, len);
        } catch (MbedTlsException e) {
            throw failedWrite(e);
        } finally {
            handle.release();
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
        int len = checkedRemaining(src, pos);
        if (len == 0) {
            return 0;
        }
        int n;
        if (src.isDirect()) {
            long self = acquireForWrite();
            try {
                n = nWriteDirect(self, src, pos, len, fully);
            } catch (MbedTlsException e) {
                throw failedWrite(e);
            } finally {
                handle.release();
            }
        } else if (src.hasArray()) {
            if (fully) {
                writeFully(src.array(), src.arrayOffset() + pos, len);
                n = len;
            } else {
                n = write(src.array(), src.arrayOffset() + pos, len);
            }
        } else {
            throw new IllegalArgumentException("a read-only heap ByteBuffer has no accessible array: use a direct buffer or byte[]");
        }
        src.position(pos + n);
        return n;
    }

    /** One byte, as {@link java.io.OutputStream#write(int)}: no buffer shared between threads. */
    void writeByte(int b) {
        long self = acquireForWrite();
        try {
            nWriteByte(self, b);
        } catch (MbedTlsException e) {
            throw failedWrite(e);
        } finally {
            handle.release();
        }
    }

    /**
     * {@code mbedtls_ssl_close_notify}: tells the peer this side is done (sends the close_notify
     * alert), waiting for the socket within {@link NetContext#setWriteTimeout}. Before a handshake
     * there is nothing to end, and nothing is sent (as in Mbed TLS).
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
            requireConnected("closeNotify");
            return !handshakeDone || nCloseNotify(self, wait);
        } finally {
            handle.release();
        }
    }

    /**
     * The id of the session the handshake established or resumed (TLS 1.2: the server's session
     * id, possibly empty when it uses tickets; TLS 1.3: what Mbed TLS keeps there), empty before a
     * handshake.
     */
    public byte[] sessionId() {
        long self = handle.acquire();
        try {
            requireSetup("sessionId");
            byte[] id = handshakeDone ? nSessionId(self) : null;
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
        // Nothing else refers to a context, so memory still allocated now means a call is in
        // flight: wake it if it waits on the socket (a no-op once the context or net is freed).
        if (handle.isAllocated()) {
            NetContext.shutdown(handle.dependency(NET));
        }
    }

    /**
     * Begins a configuration step, holding {@link #steps}: set up, before the handshake, one at a
     * time. Returns the context's pointer with a reference taken, which the caller releases in a
     * {@code finally} (written out at each step rather than passed a lambda: these run at every
     * connection, and on a program's first one).
     */
    private long beginStep(String step) {
        long self = handle.acquire();
        try {
            requireSetup(step);
            if (handshakeStarted) {
                throw new IllegalStateException("SslContext." + step + "() after handshake(): call it before the handshake");
            }
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    /**
     * The handshake, once, for {@code step}: {@link #handshake()} itself, or the first read or
     * write. Threads arriving meanwhile wait for the one doing it.
     */
    private void handshake(String step) {
        synchronized (steps) {
            long self = handle.acquire();
            try {
                requireConnected(step);
                if (handshakeDone) {
                    return;
                }
                requireHostnameRule();
                handshakeStarted = true;
                try {
                    nHandshake(self);
                } catch (MbedTlsException e) {
                    throw closedDuring("handshake", e);
                }
                handshakeDone = true;
            } finally {
                handle.release();
            }
        }
    }

    /**
     * The binding's rule on every Mbed TLS version (3.6.3+ has the same rule built in): a
     * certificate is not verified without a name to check, unless skipped by name.
     */
    private void requireHostnameRule() {
        if (verifiesPeer && !hostnameGiven) {
            throw new IllegalStateException("the server certificate would be verified without checking its name: "
                    + "call sslContext.setHostname(\"server.example\") before handshake(), or "
                    + "sslContext.skipHostnameVerification() to verify the chain only");
        }
    }

    /** One {@link MemoryBio#handshake} call: the native result, 0 once done. */
    long memoryHandshake(MemoryBio memory, ByteBuffer in, ByteBuffer out) {
        synchronized (steps) {
            long self = handle.acquire();
            try {
                requireMemoryBio("handshake");
                if (handshakeDone) {
                    return 0;
                }
                requireHostnameRule();
                handshakeStarted = true;
                long r;
                try {
                    r = memory.handshakeNative(self, in, out);
                } catch (MbedTlsException e) {
                    throw closedDuring("handshake", e);
                }
                if (MemoryBio.code(r) == 0) {
                    handshakeDone = true;
                }
                return r;
            } finally {
                handle.release();
            }
        }
    }

    /**
     * One {@link DatagramBio} handshake step (the hostname rule applies), under {@link #steps}:
     * the native result; the handshake is marked done when Mbed TLS says so.
     */
    long datagramHandshake(DatagramBio datagrams, ByteBuffer in, ByteBuffer out) {
        synchronized (steps) {
            long self = handle.acquire();
            try {
                requireDatagramBio("handshake");
                if (handshakeDone) {
                    return 0;
                }
                requireHostnameRule();
                handshakeStarted = true;
                long r = datagrams.handshakeNative(self, in, out);
                if (DatagramBio.code(r) == DatagramBio.OK) {
                    handshakeDone = true;
                }
                return r;
            } finally {
                handle.release();
            }
        }
    }

    /**
     * The lock a {@link DatagramBio} call that changes where the connection stands (the server's
     * hello check, a reset, a save, a load) holds while it calls Mbed TLS and then
     * {@link #handshakeState}: the configuration steps' and the handshake's.
     */
    Object stepsLock() {
        return steps;
    }

    /** Records where the connection stands after such a call; with {@link #stepsLock()} held. */
    void handshakeState(boolean started, boolean done) {
        handshakeStarted = started;
        handshakeDone = done;
    }

    /** A reference for a {@link DatagramBio} call. Release with {@link #releaseHandle()}. */
    long acquireForDatagrams(String step, boolean afterHandshake) {
        long self = handle.acquire();
        try {
            requireDatagramBio(step);
            if (afterHandshake && !handshakeDone) {
                throw new IllegalStateException("DatagramBio." + step + "() before the handshake is done: call "
                        + "handshake(in, out) until it returns DatagramBio.OK");
            }
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    /** A reference for a {@link DatagramBio} step that belongs before the handshake. Release with {@link #releaseHandle()}. */
    long acquireForDatagramSetup(String step) {
        long self = acquireForDatagrams(step, false);
        if (handshakeStarted) {
            handle.release();
            throw new IllegalStateException("DatagramBio." + step + "() after the handshake started: call it before");
        }
        return self;
    }

    /** The config this context was set up with. */
    SslConfig config() {
        return config;
    }

    private void requireDatagramBio(String step) {
        requireSetup(step);
        if (bio != DATAGRAM_BIO) {
            throw new IllegalStateException("DatagramBio." + step + "() on an SslContext without a datagram bio: "
                    + "call sslContext.setDatagramBio() first");
        }
    }

    /** A reference for a {@link MemoryBio} read or write: after the handshake. Release with {@link #releaseHandle()}. */
    long acquireForMemoryIo(String step) {
        long self = handle.acquire();
        try {
            requireMemoryBio(step);
            if (!handshakeDone) {
                throw new IllegalStateException("MemoryBio." + step + "() before the handshake is done: call "
                        + "handshake(in, out) until it returns 0");
            }
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    /** A reference for any {@link MemoryBio} call. Release with {@link #releaseHandle()}. */
    long acquireHandle() {
        long self = handle.acquire();
        if (bio != MEMORY_BIO) {
            handle.release();
            requireMemoryBio("flush");
        }
        return self;
    }

    void releaseHandle() {
        handle.release();
    }

    private void requireMemoryBio(String step) {
        requireSetup(step);
        if (bio != MEMORY_BIO) {
            throw new IllegalStateException("MemoryBio." + step + "() on an SslContext without a memory bio: "
                    + "call sslContext.setMemoryBio() first");
        }
    }

    /** Takes a reference for a read or write, after the handshake (done here if not yet). */
    private long acquireForIo(String step) {
        if (!handshakeDone) {
            handshake(step);
        }
        return handle.acquire();
    }

    private long acquireForWrite() {
        if (writeTimedOut) {
            throw new IllegalStateException("SslContext.write() after a write timed out: how much of its data was "
                    + "sent is unknown, so the connection cannot go on; close it");
        }
        return acquireForIo("write");
    }

    private RuntimeException failedWrite(MbedTlsException e) {
        if (e.code() == MBEDTLS_ERR_SSL_TIMEOUT) {
            writeTimedOut = true;
        }
        return closedDuring("write", e);
    }

    /** A read's result: -1 after another thread's close() is that close, not the peer's. */
    private int endOfRead(int n) {
        if (n < 0 && handle.isClosed()) {
            throw new IllegalStateException("SslContext was closed during read");
        }
        return n;
    }

    /**
     * {@code buffer.limit() - pos}, checked: a ByteBuffer changed by another thread meanwhile
     * (not thread-safe, but no reason for native code to run past its end) gives
     * {@link IndexOutOfBoundsException}, never a range beyond the capacity.
     */
    private static int checkedRemaining(ByteBuffer buffer, int pos) {
        int limit = buffer.limit();
        Objects.checkFromToIndex(pos, limit, buffer.capacity());
        return limit - pos;
    }

    /** A failure of a call that another thread's {@link #close()} interrupted is reported as such. */
    private RuntimeException closedDuring(String step, RuntimeException failure) {
        if (handle.isClosed()) {
            IllegalStateException e = new IllegalStateException("SslContext was closed during " + step);
            e.initCause(failure);
            return e;
        }
        return failure;
    }

    private void requireSetup(String step) {
        if (config == null) {
            throw new IllegalStateException("SslContext." + step + "() before setup(config): call sslContext.setup(config) first");
        }
    }

    private void requireConnected(String step) {
        requireSetup(step);
        if (bio == MEMORY_BIO) {
            throw new IllegalStateException("SslContext." + step + "() on a memory bio: use the MemoryBio's methods");
        }
        if (bio != SOCKET_BIO) {
            throw new IllegalStateException("SslContext." + step + "() before setBio(net): call sslContext.setBio(net) first");
        }
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

    private static native boolean nResumed(long ssl);

    private static native String nAlpnProtocol(long ssl);

    private static native int nVerifyFlags(long ssl);

    static native String nVerifyInfo(int flags);

    private static native String nProtocol(long ssl);

    private static native String nCiphersuite(long ssl);

    private static native byte[][] nPeerCertificates(long ssl);

    private static native int nRead(long ssl, byte[] b, int off, int len);

    private static native int nReadByte(long ssl);

    private static native int nReadDirect(long ssl, ByteBuffer dst, int pos, int len);

    private static native int nWrite(long ssl, byte[] b, int off, int len);

    private static native void nWriteFully(long ssl, byte[] b, int off, int len);

    private static native void nWriteByte(long ssl, int b);

    private static native int nWriteDirect(long ssl, ByteBuffer src, int pos, int len, boolean fully);

    private static native boolean nCloseNotify(long ssl, boolean wait);

    private static native int nInbound(long ssl);

    private static native byte[] nSessionId(long ssl);
}
