package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The provider's {@link SSLEngine}: Mbed TLS over memory buffers ({@link MemoryBio}, set up by
 * {@link TlsLink}), client or server mode. Sockets ({@link MbedTlsSocket}) run on it too.
 *
 * <p><b>State.</b> One {@link EngineState}, changed only by {@link #transitionTo}; the handshake
 * status, the done-ness of each direction and the {@code CLOSED} status of results all follow
 * from it. Records the engine makes when they cannot go straight to the caller's buffer (a
 * handshake flight, close_notify, a fatal alert) wait in a staging buffer, handed out whole by the
 * next {@code wrap}. A failure of any step is final: the engine goes to {@link EngineState#CLOSING}
 * (the alert Mbed TLS made goes out with the next wrap, then {@link EngineState#CLOSED}), and
 * nothing is set up again.
 *
 * <p><b>Server mode</b> runs the same states from {@link EngineState#HANDSHAKE_UNWRAP}; Mbed TLS is
 * set up when the client's first record arrives, on whose offers the key manager and ALPN
 * selector decide ({@link ServerSide}).
 *
 * <p><b>How the JSSE contract maps onto Mbed TLS.</b> {@code unwrap} hands Mbed TLS one whole
 * record at a time (a partial one is {@code BUFFER_UNDERFLOW}, nothing consumed; too little room
 * for its plaintext is {@code BUFFER_OVERFLOW}); {@code wrap} makes as many records as fit into
 * the destination. Application data goes straight between the caller's buffers and Mbed TLS (a
 * direct buffer in place, a heap buffer with one copy). TLS 1.3 NewSessionTickets are taken in by
 * {@code unwrap} without showing (the session becomes resumable). A renegotiation is refused:
 * {@link #beginHandshake()} after the handshake throws, and Mbed TLS answers a server's request
 * with a no_renegotiation alert. {@code wrap} and {@code unwrap} may run in two threads at once.
 *
 * <p><b>Locks</b>, in this order: {@code wrapLock} or {@code unwrapLock} (a thread never holds
 * both), then this engine's monitor, then the context's ({@link ClientSessions}, the config and
 * identity caches of {@link ContextState}); its {@link Settings} lock is taken alone, or last. Data in {@link EngineState#OPEN} moves under the
 * direction's lock alone, so a reader and a writer never wait for each other; everything else
 * (the handshake, closing, failures, configuration) holds the monitor.
 */
final class MbedTlsEngine extends SSLEngine {
    private static final ThinAccess THIN = ThinAccess.get();

    private final ContextState context;
    private final MbedTlsSocket socket; // the socket this engine runs, or null: for its peer and the managers' calls
    private final Object wrapLock = new Object();
    private final Object unwrapLock = new Object();
    private volatile EngineState state = EngineState.NEW; // written only by transitionTo, with this held
    private final Settings settings;
    private BiFunction<SSLEngine, List<String>, String> selector; // guarded by this
    private volatile boolean clientMode = true; // written with this held, in NEW only
    private volatile MbedTlsSession helloSession; // a server's, while its key manager chooses: the client's SNI name
    private volatile TlsLink link; // set once by start, with this held, before the state leaves NEW
    private ByteBuffer staging; // guarded by this; write mode: records made, not yet handed out
    private volatile MbedTlsSession session; // the negotiated one, from the end of the handshake
    private volatile MbedTlsSession none; // before it: JSSE's "no session", made when first asked for
    private volatile String applicationProtocol; // null until the handshake completed, then "" or the server's choice
    private ByteBuffer gather; // guarded by wrapLock: data of several buffers, copied into one record
    private final ByteBuffer[] oneSrc = new ByteBuffer[1]; // guarded by wrapLock: wrap(src, dst) without an array per call
    private final ByteBuffer[] oneDst = new ByteBuffer[1]; // guarded by unwrapLock: likewise for unwrap
    private final Records.Results lastWrap = new Records.Results(); // guarded by wrapLock
    private final Records.Results lastUnwrap = new Records.Results(); // guarded by unwrapLock

    /** An engine of {@code SSLContext.createSSLEngine(host, port)}. */
    MbedTlsEngine(ContextState context, String peerHost, int peerPort) {
        super(peerHost, peerPort);
        this.context = context;
        this.socket = null;
        this.settings = new Settings(context.defaultParameters());
    }

    /** The engine of {@code socket}, made with it (its settings; its peer, read when the handshake starts). */
    MbedTlsEngine(ContextState context, MbedTlsSocket socket, Parameters params, boolean clientMode) {
        this.context = context;
        this.socket = Objects.requireNonNull(socket, "socket");
        this.settings = new Settings(params);
        this.clientMode = clientMode;
    }

    @Override
    public String getPeerHost() {
        return socket != null ? socket.peerHost() : super.getPeerHost();
    }

    @Override
    public int getPeerPort() {
        return socket != null ? socket.peerPort() : super.getPeerPort();
    }

    /** The state now (it may change as soon as it is read, unless the reader holds this engine). */
    EngineState state() {
        return state;
    }

    /** The one place the state changes: with this held, along the transitions {@link EngineState} allows. */
    private void transitionTo(EngineState next) {
        assert Thread.holdsLock(this);
        EngineState from = state;
        if (from == next) {
            return;
        }
        if (!from.mayBecome(next)) {
            throw new IllegalStateException("internal: no transition from " + from + " to " + next);
        }
        state = next;
        if (next == EngineState.CLOSED) {
            release();
        }
    }

    // --- Configuration -------------------------------------------------------------------------

    /** Client or server, before the handshake only (after: IllegalArgumentException, as JSSE specifies). */
    @Override
    public synchronized void setUseClientMode(boolean mode) {
        if (mode != clientMode && state != EngineState.NEW) {
            throw new IllegalArgumentException("the mode cannot change once the handshake has started (the engine is "
                    + state + ")");
        }
        clientMode = mode;
    }

    @Override
    public boolean getUseClientMode() {
        return clientMode;
    }

    /** A server's: Mbed TLS's VERIFY_REQUIRED (a client ignores it, as in JSSE). */
    @Override
    public void setNeedClientAuth(boolean need) {
        settings.needClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return settings.needsClientAuth();
    }

    /** A server's: Mbed TLS's VERIFY_OPTIONAL, a chain sent must verify (a client ignores it). */
    @Override
    public void setWantClientAuth(boolean want) {
        settings.wantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return settings.wantsClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        if (!flag) {
            throw new UnsupportedOperationException("setEnableSessionCreation(false) is not supported");
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        return true;
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return CipherSuites.supported().toArray(new String[0]);
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return settings.enabledSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        settings.enableSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return Protocols.supported().toArray(new String[0]);
    }

    @Override
    public String[] getEnabledProtocols() {
        return settings.enabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        settings.enableProtocols(protocols);
    }

    @Override
    public SSLParameters getSSLParameters() {
        return settings.toSslParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters p) {
        settings.update(p);
    }

    @Override
    public String getApplicationProtocol() {
        return applicationProtocol;
    }

    /** During the handshake: null until Mbed TLS has read the server's choice, "" if none was offered. */
    @Override
    public String getHandshakeApplicationProtocol() {
        TlsLink l = link;
        return l != null && state.inHandshake() ? l.handshakeApplicationProtocol() : null;
    }

    @Override
    public synchronized void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> s) {
        selector = s; // a server's: called with the client's ALPN list when its hello arrives
    }

    @Override
    public synchronized BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return selector;
    }

    @Override
    public SSLSession getSession() {
        MbedTlsSession s = session;
        if (s != null) {
            return s;
        }
        s = none;
        if (s == null) {
            s = MbedTlsSession.none(clientMode ? context.sessions() : context.serverSessions(), getPeerHost(),
                    getPeerPort());
            none = s;
        }
        return s;
    }

    @Override
    public SSLSession getHandshakeSession() {
        TlsLink l = link;
        if (!state.inHandshake()) {
            return null;
        }
        return l != null ? l.handshakeSession() : helloSession;
    }

    @Override
    public Runnable getDelegatedTask() {
        return null; // everything runs inside wrap and unwrap
    }

    @Override
    public HandshakeStatus getHandshakeStatus() {
        return state.handshakeStatus;
    }

    @Override
    public boolean isInboundDone() {
        return state.inboundDone;
    }

    @Override
    public boolean isOutboundDone() {
        return state.outboundDone;
    }

    // --- Handshake -----------------------------------------------------------------------------

    @Override
    public void beginHandshake() throws SSLException {
        synchronized (this) {
            EngineState s = state;
            if (s == EngineState.NEW) {
                start();
            } else if (!s.inHandshake()) {
                boolean open = s == EngineState.FINISHING || s == EngineState.OPEN || s == EngineState.OUTPUT_PENDING;
                throw SslExceptions.noNewHandshake(!open);
            }
        }
    }

    /** Sets Mbed TLS up (with this held, in NEW; a server: {@link #startServer}); a failure here is final too. */
    private void start() throws SSLException {
        if (!clientMode) {
            staging = context.takeStaging();
            transitionTo(EngineState.HANDSHAKE_UNWRAP); // a client speaks first
            return;
        }
        TlsLink l;
        try {
            l = TlsLink.open(context, settings.get(), getPeerHost(), getPeerPort(), this, socket);
        } catch (SSLException e) {
            transitionTo(EngineState.CLOSING);
            throw e;
        }
        link = l;
        staging = context.takeStaging();
        transitionTo(EngineState.HANDSHAKE_WRAP); // a client speaks first
    }

    /** A server's Mbed TLS, set up on the client's first record (with this held; not consumed): {@link ServerSide}. */
    private void startServer(ByteBuffer record) throws SSLException {
        ServerSide.Hello hello = ServerSide.Hello.read(record);
        helloSession = new MbedTlsSession(context.serverSessions(), getPeerHost(), getPeerPort(), "NONE",
                "SSL_NULL_WITH_NULL_NULL", null, List.of(), List.of(), hello.serverNames, "");
        try {
            Parameters params = settings.get();
            String[] alpn = ServerSide.alpn(params, selector, this, hello);
            link = TlsLink.openServer(context, params, hello, alpn, getPeerHost(), getPeerPort(), this, socket);
        } catch (SSLException e) {
            throw failed(e);
        } catch (RuntimeException e) { // a key manager or selector that throws
            throw failed(SslExceptions.handshake("cannot set up the handshake: " + e, e));
        } finally {
            helloSession = null;
        }
    }

    /**
     * One handshake call (with this held), its records into the staging buffer; the state follows
     * from Mbed TLS's answer and what was staged.
     *
     * @return true if the handshake completed with this call
     */
    private boolean handshakeStep(ByteBuffer in) throws SSLException {
        int code;
        try {
            code = link.step(in, staging);
        } catch (SSLHandshakeException e) {
            throw failed(e); // Mbed TLS's fatal alert is staged
        }
        boolean staged = staging.position() > 0;
        if (code == 0) {
            session = link.established();
            applicationProtocol = link.applicationProtocol();
            transitionTo(staged ? EngineState.FINISHING : EngineState.OPEN);
            return true;
        }
        transitionTo(code == MemoryBio.WANT_WRITE ? EngineState.HANDSHAKE_WRAP
                : staged ? EngineState.HANDSHAKE_FLUSH : EngineState.HANDSHAKE_UNWRAP);
        return false;
    }

    /** A failure that ends the engine (with this held): what Mbed TLS made goes out, then CLOSED. */
    private SSLException failed(SSLException e) {
        if (state != EngineState.CLOSED) {
            transitionTo(EngineState.CLOSING);
        }
        return e;
    }

    // --- wrap ----------------------------------------------------------------------------------

    @Override
    public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        notNull(src, "src");
        refuseReentry(); // before the lock: the thread in the verify callback holds the other one
        synchronized (wrapLock) {
            oneSrc[0] = src;
            try {
                return wrap(oneSrc, 0, 1, dst);
            } finally {
                oneSrc[0] = null;
            }
        }
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        notNull(srcs, "srcs");
        notNull(dst, "dst");
        Objects.checkFromIndexSize(offset, length, srcs.length);
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i] == null) {
                throw new IllegalArgumentException("srcs[" + i + "] is null");
            }
        }
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        refuseReentry();
        synchronized (wrapLock) {
            int start = dst.position();
            if (state == EngineState.OPEN) {
                int consumed = wrapData(srcs, offset, length, dst);
                int produced = dst.position() - start;
                if (consumed == 0 && produced == 0 && Records.remaining(srcs, offset, length) > 0) {
                    return wrapped(Status.BUFFER_OVERFLOW, 0, 0);
                }
                return wrapped(Status.OK, consumed, produced);
            }
            synchronized (this) {
                return wrapControl(srcs, offset, length, dst, start);
            }
        }
    }

    /**
     * wrap in any state but OPEN (with this held): hands out what is staged, then does what the
     * state asks for (runs the handshake, makes close_notify, sends what Mbed TLS holds), as far
     * as {@code dst} has room; data only once OPEN.
     */
    private SSLEngineResult wrapControl(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst, int start)
            throws SSLException {
        if (state == EngineState.NEW) {
            start();
        }
        for (;;) {
            if (!Records.drain(staging, dst)) {
                break; // dst is full
            }
            EngineState s = state;
            if (s == EngineState.HANDSHAKE_WRAP) {
                if (handshakeStep(null) && state == EngineState.OPEN) {
                    return wrapped(Status.OK, 0, dst.position() - start, HandshakeStatus.FINISHED);
                }
                if (state == EngineState.HANDSHAKE_WRAP && staging.position() == 0) {
                    break; // Mbed TLS wants room it has: nothing more this call
                }
            } else if (s == EngineState.HANDSHAKE_FLUSH) {
                transitionTo(EngineState.HANDSHAKE_UNWRAP); // the flight is out: the peer's turn
            } else if (s == EngineState.FINISHING) {
                transitionTo(EngineState.OPEN);
                return wrapped(Status.OK, 0, dst.position() - start, HandshakeStatus.FINISHED);
            } else if (s == EngineState.OUTPUT_PENDING) {
                if (!flushPending(dst)) {
                    break;
                }
                transitionTo(EngineState.OPEN);
                int consumed = wrapData(srcs, offset, length, dst);
                return wrapped(Status.OK, consumed, dst.position() - start);
            } else if (s == EngineState.CLOSE_REQUESTED || s == EngineState.PEER_CLOSED) {
                if (!flushPending(dst)) {
                    break;
                }
                makeCloseNotify();
            } else if (s == EngineState.SENDING_CLOSE) {
                if (flushPending(dst)) {
                    transitionTo(EngineState.OUTBOUND_DONE);
                }
                break;
            } else if (s == EngineState.CLOSING) {
                if (flushPending(dst)) {
                    transitionTo(EngineState.CLOSED);
                }
                break;
            } else if (s == EngineState.OPEN) { // the handshake completed in an unwrap meanwhile
                int consumed = wrapData(srcs, offset, length, dst);
                return wrapped(Status.OK, consumed, dst.position() - start);
            } else {
                break; // HANDSHAKE_UNWRAP, OUTBOUND_DONE, CLOSED: nothing to wrap
            }
        }
        int produced = dst.position() - start;
        boolean wantsRoom = produced == 0 && state.handshakeStatus == HandshakeStatus.NEED_WRAP;
        return wrapped(wantsRoom ? Status.BUFFER_OVERFLOW : Status.OK, 0, produced);
    }

    /**
     * {@code mbedtls_ssl_close_notify} into the staging buffer (with this held, nothing pending,
     * nothing staged: an empty staging buffer has room for the alert).
     */
    private void makeCloseNotify() throws SSLException {
        try {
            link.bio.closeNotify(staging); // WANT_WRITE would leave it pending in Mbed TLS: flushed after
        } catch (RuntimeException e) {
            throw failed(SslExceptions.record("close_notify", e, false));
        }
        transitionTo(state == EngineState.CLOSE_REQUESTED ? EngineState.SENDING_CLOSE : EngineState.CLOSING);
    }

    /** Hands out what Mbed TLS holds (an alert a read made); false if {@code dst} has no room for it. */
    private boolean flushPending(ByteBuffer dst) throws SSLException {
        TlsLink l = link;
        if (l == null) {
            return true;
        }
        try {
            return l.bio.pendingOutput() == 0 || l.bio.flush(dst) == 0;
        } catch (IllegalStateException freed) {
            return true; // the context is gone, and what it held with it
        } catch (RuntimeException e) {
            throw failed(SslExceptions.record("sending", e, false));
        }
    }

    /** Application data into records, as many as fit (wrapLock held). Returns the bytes consumed. */
    private int wrapData(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        MemoryBio bio = link.bio;
        int consumed = 0;
        try {
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer src = srcs[i];
                while (src.hasRemaining()) {
                    int n;
                    boolean alone = i == offset + length - 1 || src.remaining() >= MemoryBio.maxPlaintext()
                            || Records.remaining(srcs, i + 1, offset + length - i - 1) == 0;
                    if (alone && (src.isDirect() || src.hasArray())) {
                        n = bio.write(src, dst);
                    } else {
                        if (gather == null) {
                            gather = ByteBuffer.allocateDirect(MemoryBio.maxPlaintext());
                        }
                        n = Records.writeGathered(bio, gather, srcs, i, offset + length, dst);
                    }
                    if (n <= 0) {
                        noteHeldOutput(bio); // dst is full: did Mbed TLS keep a record back?
                        return consumed;
                    }
                    consumed += n;
                }
            }
            return consumed;
        } catch (RuntimeException e) {
            synchronized (this) {
                throw failed(SslExceptions.record("wrap", e, state.inboundDone || state.outboundDone));
            }
        }
    }

    /** After a wrap that filled dst: output Mbed TLS still holds makes the engine NEED_WRAP. */
    private void noteHeldOutput(MemoryBio bio) {
        int pending;
        try {
            pending = bio.pendingOutput();
        } catch (IllegalStateException freed) {
            return; // closed meanwhile: nothing to send any more
        }
        if (pending > 0) {
            synchronized (this) {
                if (state == EngineState.OPEN) {
                    transitionTo(EngineState.OUTPUT_PENDING);
                }
            }
        }
    }

    // --- unwrap --------------------------------------------------------------------------------

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        notNull(dst, "dst");
        refuseReentry();
        synchronized (unwrapLock) {
            oneDst[0] = dst;
            try {
                return unwrap(src, oneDst, 0, 1);
            } finally {
                oneDst[0] = null;
            }
        }
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        notNull(src, "src");
        notNull(dsts, "dsts");
        Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i] == null) {
                throw new IllegalArgumentException("dsts[" + i + "] is null");
            }
            if (dsts[i].isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
        }
        refuseReentry();
        synchronized (unwrapLock) {
            EngineState s = state;
            if (s.inboundDone) {
                return unwrapped(Status.CLOSED, 0, 0);
            }
            if (s == EngineState.NEW || s.inHandshake()) {
                synchronized (this) {
                    // Again with this held: a close or a failed wrap may have ended the handshake
                    // meanwhile, and Mbed TLS must not be stepped after a failure.
                    s = state;
                    if (s.inboundDone) {
                        return unwrapped(Status.CLOSED, 0, 0);
                    }
                    if (s == EngineState.NEW || s.inHandshake()) {
                        return unwrapHandshake(src);
                    }
                }
            }
            int recordLength = Records.length(src);
            if (recordLength < 0) {
                return unwrapped(Status.BUFFER_UNDERFLOW, 0, 0);
            }
            int plaintext = Math.min(recordLength - Records.HEADER, MemoryBio.maxPlaintext());
            if (Records.remaining(dsts, offset, length) < plaintext) {
                return unwrapped(Status.BUFFER_OVERFLOW, 0, 0);
            }
            return unwrapData(src, recordLength, dsts, offset, length);
        }
    }

    /** unwrap after the handshake (unwrapLock held): one record into the caller's buffers. */
    private SSLEngineResult unwrapData(ByteBuffer src, int recordLength, ByteBuffer[] dsts, int offset, int length)
            throws SSLException {
        TlsLink l = link;
        int limit = src.limit();
        int start = src.position();
        try {
            src.limit(start + recordLength);
            int n = THIN.read(l.bio, src, dsts, offset, length);
            int produced = Math.max(n, 0);
            int consumed = src.position() - start;
            if (n == MemoryBio.CLOSE_NOTIFY) {
                synchronized (this) {
                    peerClosed();
                }
            } else if (produced == 0 && consumed > 0) {
                l.keep(session); // a TLS 1.3 NewSessionTicket, perhaps
                if (l.bio.pendingOutput() > 0) { // an alert to send: no_renegotiation, say
                    synchronized (this) {
                        if (state == EngineState.OPEN) {
                            transitionTo(EngineState.OUTPUT_PENDING);
                        }
                    }
                }
            }
            return unwrapped(Status.OK, consumed, produced);
        } catch (RuntimeException e) {
            synchronized (this) {
                throw failed(SslExceptions.record("unwrap", e, state.inboundDone || state.outboundDone));
            }
        } finally {
            src.limit(limit);
        }
    }

    /** The peer's close_notify was read (with this held). */
    private void peerClosed() {
        EngineState s = state;
        if (s == EngineState.SENDING_CLOSE) {
            transitionTo(EngineState.CLOSING);
        } else if (s == EngineState.OUTBOUND_DONE) {
            transitionTo(EngineState.CLOSED);
        } else if (!s.inboundDone) {
            transitionTo(EngineState.PEER_CLOSED);
        }
    }

    /** unwrap while handshaking (with this held): one record for the handshake, its answer staged. */
    private SSLEngineResult unwrapHandshake(ByteBuffer src) throws SSLException {
        if (state == EngineState.NEW) {
            start();
            if (clientMode) {
                return unwrapped(Status.OK, 0, 0); // a client speaks first: NEED_WRAP
            }
        }
        int recordLength = Records.length(src);
        if (recordLength < 0) {
            return unwrapped(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        int limit = src.limit();
        int start = src.position();
        boolean completed;
        try {
            src.limit(start + recordLength);
            if (link == null) {
                startServer(src);
            }
            completed = handshakeStep(src);
        } finally {
            src.limit(limit);
        }
        int consumed = src.position() - start;
        if (completed && state == EngineState.OPEN) {
            return unwrapped(Status.OK, consumed, 0, HandshakeStatus.FINISHED);
        }
        return unwrapped(Status.OK, consumed, 0);
    }

    // --- Closing -------------------------------------------------------------------------------

    @Override
    public void closeInbound() throws SSLException {
        if (closeInboundQuietly()) {
            throw SslExceptions.truncated();
        }
    }

    /**
     * {@link #closeInbound()} without the exception (a socket closing on purpose wants no
     * stack trace made).
     *
     * @return true if the peer had not closed: what it would have sent is lost
     */
    synchronized boolean closeInboundQuietly() {
        EngineState s = state;
        switch (s) {
            case NEW:
                transitionTo(EngineState.CLOSED);
                return false;
            case HANDSHAKE_WRAP:
            case HANDSHAKE_FLUSH:
            case HANDSHAKE_UNWRAP:
                staging.clear(); // the handshake is abandoned: its flight with it
                transitionTo(EngineState.CLOSING);
                return true;
            case SENDING_CLOSE:
                transitionTo(EngineState.CLOSING);
                return true;
            case OUTBOUND_DONE:
                transitionTo(EngineState.CLOSED);
                return true;
            default:
                if (s.inboundDone) {
                    return false;
                }
                transitionTo(EngineState.PEER_CLOSED); // FINISHING, OPEN, OUTPUT_PENDING, CLOSE_REQUESTED
                return true;
        }
    }

    @Override
    public synchronized void closeOutbound() {
        EngineState s = state;
        if (s == EngineState.NEW) {
            transitionTo(EngineState.CLOSED);
        } else if (s.inHandshake()) {
            staging.clear(); // Mbed TLS sends close_notify after a handshake only: nothing to say
            transitionTo(EngineState.CLOSING);
        } else if (s == EngineState.FINISHING || s == EngineState.OPEN || s == EngineState.OUTPUT_PENDING) {
            transitionTo(EngineState.CLOSE_REQUESTED);
        }
    }

    /** Ends the engine at once, nothing more to send (its socket's transport is closed). */
    synchronized void dispose() {
        if (state == EngineState.NEW || state == EngineState.OUTBOUND_DONE) {
            transitionTo(EngineState.CLOSED);
        } else if (state != EngineState.CLOSED) {
            transitionTo(EngineState.CLOSING);
            transitionTo(EngineState.CLOSED);
        }
    }

    /** Frees the Mbed TLS context and gives the staging buffer back (entering CLOSED, with this held). */
    private void release() {
        TlsLink l = link;
        if (l != null) {
            l.close();
        }
        if (staging != null) {
            context.giveStaging(staging);
            staging = null;
        }
    }

    // Results: the status is CLOSED once the state says the direction is done; the handshake
    // status is the state's, FINISHED for the call that ends the handshake.

    private SSLEngineResult wrapped(Status status, int consumed, int produced) {
        EngineState s = state;
        return lastWrap.result(s.outboundDone ? Status.CLOSED : status, s.handshakeStatus, consumed, produced);
    }

    private SSLEngineResult wrapped(Status status, int consumed, int produced, HandshakeStatus hs) {
        return lastWrap.result(state.outboundDone ? Status.CLOSED : status, hs, consumed, produced);
    }

    private SSLEngineResult unwrapped(Status status, int consumed, int produced) {
        EngineState s = state;
        return lastUnwrap.result(s.inboundDone ? Status.CLOSED : status, s.handshakeStatus, consumed, produced);
    }

    private SSLEngineResult unwrapped(Status status, int consumed, int produced, HandshakeStatus hs) {
        return lastUnwrap.result(state.inboundDone ? Status.CLOSED : status, hs, consumed, produced);
    }

    private void refuseReentry() {
        TlsLink l = link;
        if (l != null && l.isVerifying()) {
            throw new IllegalStateException("wrap/unwrap from inside the trust manager's check: the handshake is "
                    + "still in progress on this thread");
        }
    }

    /** JSSE's contract for a null buffer or array given to wrap or unwrap: IllegalArgumentException. */
    private static void notNull(Object o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }

    /** True on the thread inside the application's trust manager, mid-handshake. */
    boolean isVerifyingThread() {
        TlsLink l = link;
        return l != null && l.isVerifying();
    }
}
