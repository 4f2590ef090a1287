package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.internal.VerifyCallback;
import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.SslConfig;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import io.github.mbedtlsjni.mbedtls.X509Crt;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The provider's {@link SSLEngine}: Mbed TLS over memory buffers ({@link MemoryBio}), client
 * mode only. Sockets ({@link MbedTlsSocket}) run on it too.
 *
 * <p>How the JSSE contract maps onto Mbed TLS: {@code unwrap} hands Mbed TLS one whole record
 * at a time (a partial one is {@code BUFFER_UNDERFLOW}, nothing consumed; too little room for its
 * plaintext is {@code BUFFER_OVERFLOW}); {@code wrap} makes as many records as fit into the
 * destination. During the handshake, records Mbed TLS writes while {@code unwrap} feeds it are
 * kept in a staging buffer and handed out by the next {@code wrap} ({@code NEED_WRAP}); after it,
 * application data goes straight between the caller's buffers and Mbed TLS (a direct buffer in
 * place, a heap buffer with one copy). TLS 1.3 NewSessionTickets are taken in by {@code unwrap}
 * without showing (the session becomes resumable). A renegotiation is refused: {@link
 * #beginHandshake()} after the handshake throws, and Mbed TLS answers a server's request with a
 * no_renegotiation alert. {@code wrap} and {@code unwrap} may run in two threads at once.
 */
final class MbedTlsEngine extends SSLEngine {
    private static final ThinAccess THIN = ThinAccess.get();
    private static final ByteBuffer[] NONE = new ByteBuffer[0];
    private static final int HEADER = 5;

    private enum State { NEW, HANDSHAKING, DONE }

    private final ContextState context;
    private final Object wrapLock = new Object();
    private final Object unwrapLock = new Object();
    private SSLParameters params; // guarded by this
    private volatile State state = State.NEW;
    private SslContext ssl; // set once at start, under this
    private MemoryBio bio;
    private ByteBuffer staging; // write mode: records made during unwrap, for the next wrap; guarded by this
    private ByteBuffer gather; // wrap's copy of data spread over several buffers; guarded by wrapLock
    private final ByteBuffer[] oneSrc = new ByteBuffer[1]; // wrap(src, dst) without an array per call; wrapLock
    private final ByteBuffer[] oneDst = new ByteBuffer[1]; // unwrap(src, dst) likewise; unwrapLock
    private final SSLEngineResult[] lastWrap = new SSLEngineResult[STATUSES]; // per Status; wrapLock
    private final SSLEngineResult[] lastUnwrap = new SSLEngineResult[STATUSES]; // per Status; unwrapLock
    private boolean wantWrite = true; // guarded by this: the last handshake step wants to write
    private volatile boolean finishedPending;
    private volatile boolean outboundClosed;
    private volatile boolean closeNotifyMade;
    private volatile boolean outboundDone;
    private volatile boolean inboundDone;
    private volatile boolean peerClosed;
    private volatile SSLException failure;
    private volatile MbedTlsSession session;
    private volatile MbedTlsSession handshakeSession;
    private MbedTlsSession offeredSession; // the cached session offered for resumption
    private String identification = ""; // the endpoint identification algorithm, upper case; set at start
    private volatile String applicationProtocol;
    private volatile String handshakeApplicationProtocol;
    private volatile Thread verifying; // the thread inside the verify callback
    private volatile String refusal; // why the application's trust manager refused the chain
    private volatile Exception refusalCause;
    private BiFunction<SSLEngine, List<String>, String> selector;
    private final MbedTlsSocket socket; // when this engine runs a socket, for trust and key managers

    MbedTlsEngine(ContextState context, String peerHost, int peerPort, MbedTlsSocket socket) {
        super(peerHost, peerPort);
        this.context = context;
        this.socket = socket;
        this.params = defaultParameters(context);
        this.session = MbedTlsSession.none(context.sessions(), peerHost, peerPort);
    }

    /** The parameters of a new engine or socket: every suite this build has, the context's protocols. */
    static SSLParameters defaultParameters(ContextState context) {
        SSLParameters p = new SSLParameters(CipherSuites.supported().toArray(new String[0]),
                context.defaultProtocols().toArray(new String[0]));
        p.setUseCipherSuitesOrder(true); // SunJSSE's default (a server's setting)
        return p;
    }

    // --- Configuration -------------------------------------------------------------------------

    @Override
    public synchronized void setUseClientMode(boolean mode) {
        if (!mode) {
            throw serverMode();
        }
    }

    static UnsupportedOperationException serverMode() {
        return new UnsupportedOperationException("server mode is not supported: the MbedTLS provider is a TLS client "
                + "(mbedtls-jni has no server side yet: it builds Mbed TLS without MBEDTLS_SSL_SRV_C and binds no "
                + "server calls)");
    }

    @Override
    public boolean getUseClientMode() {
        return true;
    }

    @Override
    public synchronized void setNeedClientAuth(boolean need) {
        // a server's setting; a client ignores it, as in JSSE
    }

    @Override
    public boolean getNeedClientAuth() {
        return false;
    }

    @Override
    public synchronized void setWantClientAuth(boolean want) {
        // a server's setting; a client ignores it, as in JSSE
    }

    @Override
    public boolean getWantClientAuth() {
        return false;
    }

    @Override
    public synchronized void setEnableSessionCreation(boolean flag) {
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
    public synchronized String[] getEnabledCipherSuites() {
        return params.getCipherSuites().clone();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        params.setCipherSuites(CipherSuites.check(suites));
    }

    @Override
    public String[] getSupportedProtocols() {
        return Protocols.supported().toArray(new String[0]);
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        return params.getProtocols().clone();
    }

    @Override
    public synchronized void setEnabledProtocols(String[] protocols) {
        params.setProtocols(Protocols.check(protocols));
    }

    @Override
    public synchronized SSLParameters getSSLParameters() {
        return merged(params, params); // a copy
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        params = merged(params, p);
    }

    /**
     * {@code current} changed by {@code update} as SunJSSE's {@code setSSLParameters} does: what
     * {@code update} leaves null (cipher suites, protocols, server names, endpoint
     * identification, algorithm constraints) stays as it was; application protocols (empty: none)
     * and the cipher suite order are taken as they are. A client has no use for the rest (client
     * authentication, SNI matchers, packet size). Names are checked as {@code setEnabled*} does.
     */
    static SSLParameters merged(SSLParameters current, SSLParameters update) {
        Objects.requireNonNull(update, "params");
        SSLParameters next = new SSLParameters(
                update.getCipherSuites() != null ? CipherSuites.check(update.getCipherSuites()) : current.getCipherSuites(),
                update.getProtocols() != null ? Protocols.check(update.getProtocols()) : current.getProtocols());
        List<SNIServerName> names = update.getServerNames() != null ? update.getServerNames() : current.getServerNames();
        if (names != null) {
            next.setServerNames(names);
        }
        next.setEndpointIdentificationAlgorithm(update.getEndpointIdentificationAlgorithm() != null
                ? update.getEndpointIdentificationAlgorithm() : current.getEndpointIdentificationAlgorithm());
        next.setAlgorithmConstraints(update.getAlgorithmConstraints() != null ? update.getAlgorithmConstraints()
                : current.getAlgorithmConstraints());
        next.setApplicationProtocols(update.getApplicationProtocols());
        next.setUseCipherSuitesOrder(update.getUseCipherSuitesOrder());
        return next;
    }

    @Override
    public String getApplicationProtocol() {
        return state == State.DONE ? applicationProtocol : null;
    }

    /** During the handshake: null until Mbed TLS has read the server's choice, "" if none was offered. */
    @Override
    public String getHandshakeApplicationProtocol() {
        return state == State.HANDSHAKING ? handshakeApplicationProtocol : null;
    }

    @Override
    public synchronized void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> s) {
        selector = s; // a server's hook: never called by a client
    }

    @Override
    public synchronized BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return selector;
    }

    @Override
    public SSLSession getSession() {
        return session;
    }

    @Override
    public SSLSession getHandshakeSession() {
        return state == State.HANDSHAKING ? handshakeSession : null;
    }

    @Override
    public Runnable getDelegatedTask() {
        return null; // everything runs inside wrap and unwrap
    }

    // --- Handshake -----------------------------------------------------------------------------

    @Override
    public void beginHandshake() throws SSLException {
        synchronized (this) {
            if (outboundDone || inboundDone || outboundClosed) {
                throw new SSLException("the engine is closed: a closed engine cannot start a handshake");
            }
            if (state == State.DONE) {
                throw new SSLException("renegotiation is not supported: Mbed TLS refuses it (the handshake of a "
                        + "connection is done once; use a new engine)");
            }
            start();
        }
    }

    /** Sets up Mbed TLS for the handshake, once (with this held). */
    private void start() throws SSLException {
        if (state != State.NEW) {
            return;
        }
        String algorithm = params.getEndpointIdentificationAlgorithm();
        identification = algorithm == null ? "" : algorithm.toUpperCase(Locale.ROOT);
        List<String> protocols = Protocols.usable(params.getProtocols());
        if (protocols.isEmpty()) {
            throw fail(new SSLHandshakeException("no enabled protocol is one this Mbed TLS speaks (enabled: "
                    + String.join(", ", params.getProtocols()) + "; supported: " + Protocols.supported() + ")"));
        }
        ContextState.Identity identity = null;
        SslConfig config = null;
        SslContext s = new SslContext();
        try {
            identity = chooseIdentity();
            config = context.newConfig(params, protocols, identity);
            s.setup(config);
            names(s);
            if (context.applicationTrustManager() != null) {
                THIN.setVerifyCallback(s, this::askApplication);
            }
            ClientSessions.Offer offer = context.sessions().offer(getPeerHost(), getPeerPort(),
                    kept -> resumable(kept, protocols));
            if (offer != null) {
                try (SslSession resumable = offer.resumable) {
                    s.setSession(resumable);
                    offeredSession = offer.session;
                } catch (MbedTlsException e) {
                    offeredSession = null; // Mbed TLS does not take it: a full handshake then
                }
            }
            bio = s.setMemoryBio();
        } catch (RuntimeException | GeneralSecurityException e) {
            s.close();
            throw fail(handshakeFailure("cannot set up the handshake: " + e.getMessage(), e));
        } finally {
            if (config != null) {
                config.close(); // the context keeps it
            }
        }
        ssl = s;
        handshakeApplicationProtocol = params.getApplicationProtocols().length == 0 ? "" : null;
        staging = ByteBuffer.allocateDirect(MemoryBio.maxRecordOut() * 2);
        List<SNIServerName> names = handshakeNames();
        handshakeSession = new MbedTlsSession(context.sessions(), getPeerHost(), getPeerPort(), "NONE",
                "SSL_NULL_WITH_NULL_NULL", null, List.of(), identity == null ? List.of() : identity.certificates, names,
                identification);
        state = State.HANDSHAKING;
    }

    /**
     * Whether a kept session may be offered to this connection: one its settings could have made
     * (protocol and cipher suite enabled, the same endpoint identification and server names), as
     * SunJSSE decides. Resuming, Mbed TLS proposes the session's protocol only.
     */
    private boolean resumable(MbedTlsSession kept, List<String> protocols) {
        return protocols.contains(kept.getProtocol()) && Arrays.asList(params.getCipherSuites()).contains(kept.getCipherSuite())
                && kept.identification().equals(identification)
                && kept.getRequestedServerNames().equals(handshakeNames());
    }

    /**
     * The server names the handshake sends: those set in the parameters (an empty list: no SNI),
     * else the peer host's, as SunJSSE does (none for an IP address, or a name SNI cannot carry).
     */
    private List<SNIServerName> handshakeNames() {
        if (params.getServerNames() != null) {
            return params.getServerNames();
        }
        String host = getPeerHost();
        if (host == null || host.isEmpty() || isIpLiteral(host)) {
            return List.of();
        }
        try {
            return List.of(new SNIHostName(host));
        } catch (IllegalArgumentException notAnSniName) {
            return List.of();
        }
    }

    /**
     * After a failed handshake that offered a kept session: the session is dropped, and the
     * message says what Mbed TLS proposed, since resuming it proposes the session's protocol only
     * (a server that no longer speaks it refuses with a protocol_version alert).
     */
    private String dropOffered() {
        MbedTlsSession offered = offeredSession;
        if (offered == null) {
            return "";
        }
        offered.invalidate();
        return " (this handshake offered to resume a " + offered.getProtocol() + " session, so Mbed TLS proposed "
                + offered.getProtocol() + " only; that session is dropped: the next handshake with this server is a "
                + "full one)";
    }

    /**
     * The handshake session gets protocol and cipher suite once Mbed TLS knows them (the
     * server's hello is read), the handshake's application protocol once the server's choice is.
     */
    private void refreshHandshakeSession() {
        if (handshakeApplicationProtocol == null) {
            handshakeApplicationProtocol = ssl.alpnProtocol(); // null until read
        }
        MbedTlsSession hs = handshakeSession;
        if (hs == null || !"NONE".equals(hs.getProtocol())) {
            return;
        }
        String suite = ssl.ciphersuite();
        if (suite != null) {
            handshakeSession = new MbedTlsSession(context.sessions(), getPeerHost(), getPeerPort(), ssl.protocol(),
                    CipherSuites.toIana(suite), null, List.of(), localChain(hs), hs.getRequestedServerNames(),
                    identification).withValuesOf(hs);
        }
    }

    /**
     * SNI and the name the certificate is checked against, with JSSE's meaning: endpoint
     * identification ("HTTPS", "LDAPS") makes Mbed TLS check the peer host during the handshake;
     * without it Mbed TLS verifies the chain only and the application checks the name.
     */
    private void names(SslContext s) throws SSLException {
        String sni = null;
        for (SNIServerName n : handshakeNames()) {
            if (n instanceof SNIHostName) {
                sni = ((SNIHostName) n).getAsciiName();
            }
        }
        String algorithm = params.getEndpointIdentificationAlgorithm();
        boolean identify = algorithm != null && !algorithm.isEmpty();
        if (identify && !"HTTPS".equalsIgnoreCase(algorithm) && !"LDAPS".equalsIgnoreCase(algorithm)) {
            throw new SSLHandshakeException("unknown endpoint identification algorithm " + algorithm
                    + " (JSSE knows HTTPS and LDAPS)");
        }
        String host = getPeerHost();
        if (identify && (host == null || host.isEmpty())) {
            throw new SSLHandshakeException("endpoint identification " + algorithm + " needs the server's host: "
                    + "create the engine with createSSLEngine(host, port)");
        }
        if (sni != null) {
            s.setHostname(sni);
            if (!identify) {
                THIN.verifyChainOnly(s);
            } else if (!sni.equalsIgnoreCase(host)) {
                s.setVerifyName(host);
            }
        } else {
            s.skipHostnameVerification();
            if (identify) {
                s.setVerifyName(host);
            }
        }
    }

    private ContextState.Identity chooseIdentity() throws GeneralSecurityException {
        X509KeyManager km = context.keyManager();
        if (km == null) {
            return null;
        }
        // Mbed TLS picks no certificate when the server asks for one: it must be set before the
        // handshake, so the alias is chosen now, without the server's list of issuers.
        String[] types = {"EC", "RSA", "RSASSA-PSS"};
        String alias;
        if (socket != null) {
            alias = km.chooseClientAlias(types, null, socket);
        } else if (km instanceof X509ExtendedKeyManager) {
            alias = ((X509ExtendedKeyManager) km).chooseEngineClientAlias(types, null, this);
        } else {
            alias = km.chooseClientAlias(types, null, null);
        }
        return alias == null ? null : context.identity(alias);
    }

    /**
     * The verify callback when the application brought its own X509TrustManager: Mbed TLS has
     * accepted the chain; the trust manager may still refuse it. It needs JDK certificates: a
     * chain the JDK cannot parse is refused (fail closed), saying why.
     */
    private int askApplication(byte[][] ders, int flags) {
        X509TrustManager tm = context.applicationTrustManager();
        X509Certificate[] chain;
        try {
            List<byte[]> list = new ArrayList<>();
            for (byte[] d : ders) {
                list.add(d);
            }
            chain = MbedTlsSession.toX509(list);
        } catch (CertificateException e) {
            refuse("the application's X509TrustManager is given JDK certificates, and " + e.getMessage(), e);
            return flags | VerifyCallback.BADCERT_OTHER;
        }
        refreshHandshakeSession(); // the trust manager may look at getHandshakeSession()
        verifying = Thread.currentThread();
        try {
            String authType = authType(chain[0]);
            if (tm instanceof X509ExtendedTrustManager && socket != null) {
                ((X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, socket);
            } else if (tm instanceof X509ExtendedTrustManager) {
                ((X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, this);
            } else {
                tm.checkServerTrusted(chain, authType);
            }
            return flags;
        } catch (CertificateException | RuntimeException e) {
            refuse("the application's X509TrustManager refused it: " + e, e);
            return flags | VerifyCallback.BADCERT_OTHER;
        } finally {
            verifying = null;
        }
    }

    private void refuse(String why, Exception cause) {
        refusal = why;
        refusalCause = cause;
    }

    /**
     * SunJSSE's authType for checkServerTrusted: the key exchange of a TLS 1.2 suite
     * ({@code ECDHE_ECDSA}); for TLS 1.3, whose suites name none, the leaf's key algorithm
     * ({@code EC}, {@code RSA}, {@code RSASSA-PSS}), else {@code UNKNOWN}.
     */
    private String authType(X509Certificate leaf) {
        String suite = CipherSuites.toIana(ssl.ciphersuite());
        int with = suite.indexOf("_WITH_");
        if (suite.startsWith("TLS_") && with > 4) {
            return suite.substring(4, with);
        }
        String key = leaf.getPublicKey().getAlgorithm();
        return List.of("RSA", "DSA", "EC", "RSASSA-PSS").contains(key) ? key : "UNKNOWN";
    }

    // --- wrap ----------------------------------------------------------------------------------

    @Override
    public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        Objects.requireNonNull(src, "src");
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
        Objects.requireNonNull(srcs, "srcs");
        Objects.requireNonNull(dst, "dst");
        Objects.checkFromIndexSize(offset, length, srcs.length);
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i] == null) {
                throw new NullPointerException("srcs[" + i + "] is null");
            }
        }
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        refuseReentry();
        synchronized (wrapLock) {
            int start = dst.position();
            if (state != State.DONE || finishedPending || outboundClosed || failure != null || peerClosed) {
                synchronized (this) {
                    return wrapControl(srcs, offset, length, dst, start);
                }
            }
            int produced = flushPending(dst);
            if (produced < 0) {
                return wrapped(Status.BUFFER_OVERFLOW, 0, 0);
            }
            int consumed = wrapData(srcs, offset, length, dst);
            produced = dst.position() - start;
            if (consumed == 0 && produced == 0 && remaining(srcs, offset, length) > 0) {
                return wrapped(Status.BUFFER_OVERFLOW, 0, 0);
            }
            return wrapped(Status.OK, consumed, produced);
        }
    }

    /** Writes what Mbed TLS holds back (an alert a read made); -1 if dst has no room for it. */
    private int flushPending(ByteBuffer dst) throws SSLException {
        if (bio.pendingOutput() == 0) {
            return 0;
        }
        try {
            return bio.flush(dst) == 0 ? 0 : -1;
        } catch (RuntimeException e) {
            throw fail(failure("sending", e));
        }
    }

    /** Application data into records, as many as fit. Returns the bytes consumed. */
    private int wrapData(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        int consumed = 0;
        try {
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer src = srcs[i];
                while (src.hasRemaining()) {
                    int n;
                    boolean alone = i == offset + length - 1 || src.remaining() >= MemoryBio.maxPlaintext()
                            || remaining(srcs, i + 1, offset + length - i - 1) == 0;
                    if (alone && (src.isDirect() || src.hasArray())) {
                        n = bio.write(src, dst);
                    } else {
                        n = writeGathered(srcs, i, offset + length, dst);
                    }
                    if (n <= 0) {
                        return consumed;
                    }
                    consumed += n;
                }
            }
            return consumed;
        } catch (RuntimeException e) {
            throw fail(failure("wrap", e));
        }
    }

    /** One record from several buffers (or a read-only one): copied into one direct buffer first. */
    private int writeGathered(ByteBuffer[] srcs, int from, int end, ByteBuffer dst) {
        if (gather == null) {
            gather = ByteBuffer.allocateDirect(MemoryBio.maxPlaintext());
        }
        gather.clear();
        int room = Math.min(gather.capacity(), Math.max(0, dst.remaining() - 256));
        for (int i = from; i < end && room > 0; i++) {
            ByteBuffer src = srcs[i];
            int n = Math.min(src.remaining(), room);
            int limit = src.limit();
            int pos = src.position();
            src.limit(pos + n);
            gather.put(src);
            src.limit(limit);
            src.position(pos); // advanced below by what Mbed TLS takes
            room -= n;
        }
        gather.flip();
        int taken = gather.remaining() == 0 ? 0 : bio.write(gather, dst);
        if (taken <= 0) {
            return 0;
        }
        // advance the sources by what Mbed TLS took
        int left = taken;
        for (int i = from; i < end && left > 0; i++) {
            int n = Math.min(srcs[i].remaining(), left);
            srcs[i].position(srcs[i].position() + n);
            left -= n;
        }
        return taken;
    }

    /** wrap while handshaking, closing or failed (with this held). */
    private SSLEngineResult wrapControl(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst, int start)
            throws SSLException {
        if (outboundDone) {
            return wrapped(Status.CLOSED, 0, 0);
        }
        if (state == State.NEW) {
            if (outboundClosed) {
                outboundDone = true;
                return wrapped(Status.CLOSED, 0, 0);
            }
            start();
        }
        if (!drainStaging(dst)) {
            return wrapped(dst.position() > start ? Status.OK : Status.BUFFER_OVERFLOW, 0, dst.position() - start);
        }
        if (failure != null) {
            if (bio != null && bio.pendingOutput() > 0 && flushPending(dst) < 0) {
                return wrapped(dst.position() > start ? Status.OK : Status.BUFFER_OVERFLOW, 0, dst.position() - start);
            }
            outboundDone = true;
            inboundDone = true;
            release();
            return wrapped(Status.CLOSED, 0, dst.position() - start);
        }
        if (state == State.HANDSHAKING && !outboundClosed) {
            step(null, dst);
            if (state == State.DONE && staging.position() == 0) {
                boolean finished = finishedPending;
                finishedPending = false;
                return finished ? wrapped(Status.OK, 0, dst.position() - start, HandshakeStatus.FINISHED)
                        : wrapped(Status.OK, 0, dst.position() - start);
            }
            int produced = dst.position() - start;
            return wrapped(produced == 0 && wantWrite ? Status.BUFFER_OVERFLOW : Status.OK, 0, produced);
        }
        if (state == State.DONE && finishedPending && staging.position() == 0) {
            finishedPending = false;
            return wrapped(Status.OK, 0, dst.position() - start, HandshakeStatus.FINISHED);
        }
        if (outboundClosed || peerClosed) {
            return wrapCloseNotify(dst, start);
        }
        // DONE, with data: the fast path above (after the handshake finished here)
        int consumed = wrapData(srcs, offset, length, dst);
        return wrapped(Status.OK, consumed, dst.position() - start);
    }

    /** close_notify, once (answering the peer's, or after closeOutbound). */
    private SSLEngineResult wrapCloseNotify(ByteBuffer dst, int start) throws SSLException {
        outboundClosed = true;
        if (state != State.DONE) {
            outboundDone = true; // nothing to end: Mbed TLS sends close_notify after a handshake only
            releaseIfDone();
            return wrapped(Status.CLOSED, 0, dst.position() - start);
        }
        try {
            if (!closeNotifyMade) {
                int code = bio.closeNotify(dst);
                if (code == 0) {
                    closeNotifyMade = true;
                } else if (bio.pendingOutput() > 0 && code == MemoryBio.WANT_WRITE) {
                    closeNotifyMade = dst.position() == start; // written into Mbed TLS's buffer, or not yet
                }
            }
            if (closeNotifyMade && bio.pendingOutput() > 0 && bio.flush(dst) != 0) {
                return wrapped(dst.position() > start ? Status.OK : Status.BUFFER_OVERFLOW, 0, dst.position() - start);
            }
        } catch (RuntimeException e) {
            throw fail(failure("close_notify", e));
        }
        if (!closeNotifyMade) {
            return wrapped(dst.position() > start ? Status.OK : Status.BUFFER_OVERFLOW, 0, dst.position() - start);
        }
        outboundDone = true;
        releaseIfDone();
        return wrapped(Status.CLOSED, 0, dst.position() - start);
    }

    /** Copies staged records to dst; true when nothing is left staged. */
    private boolean drainStaging(ByteBuffer dst) {
        if (staging == null || staging.position() == 0) {
            return true;
        }
        staging.flip();
        int n = Math.min(staging.remaining(), dst.remaining());
        int limit = staging.limit();
        staging.limit(staging.position() + n);
        dst.put(staging);
        staging.limit(limit);
        staging.compact();
        return staging.position() == 0;
    }

    /** One handshake call; out: dst (wrap) or null (unwrap: the staging buffer). With this held. */
    private void step(ByteBuffer in, ByteBuffer out) throws SSLException {
        int code;
        try {
            code = bio.handshake(in, out != null ? out : staging);
        } catch (CertificateVerificationException e) {
            dropOffered(); // the server did not resume it
            throw fail(verifyFailure(e));
        } catch (MbedTlsException | IllegalStateException e) {
            throw fail(handshakeFailure("the TLS handshake failed: " + e.getMessage() + dropOffered(), e));
        }
        wantWrite = code == MemoryBio.WANT_WRITE;
        if (code == 0) {
            handshakeDone();
        } else {
            refreshHandshakeSession();
        }
    }

    /** The handshake is over: the session, and its place in the cache (TLS 1.2; TLS 1.3 when a ticket comes). */
    private void handshakeDone() {
        state = State.DONE;
        finishedPending = true;
        String alpn = ssl.alpnProtocol();
        applicationProtocol = alpn == null ? "" : alpn;
        boolean resumed = offeredSession != null && ssl.isResumed();
        if (resumed) {
            offeredSession.touch();
            session = offeredSession;
        } else {
            List<byte[]> ders = new ArrayList<>();
            try (X509Crt peer = ssl.peerCertificates()) {
                if (peer != null) {
                    for (int i = 0; i < peer.size(); i++) {
                        ders.add(peer.der(i));
                    }
                }
            }
            MbedTlsSession hs = handshakeSession;
            session = new MbedTlsSession(context.sessions(), getPeerHost(), getPeerPort(), ssl.protocol(),
                    CipherSuites.toIana(ssl.ciphersuite()), THIN.sessionId(ssl), ders, localChain(hs),
                    hs.getRequestedServerNames(), identification).withValuesOf(hs);
        }
        keepSession();
    }

    private static List<X509Certificate> localChain(MbedTlsSession s) {
        List<X509Certificate> out = new ArrayList<>();
        if (s.getLocalCertificates() != null) {
            for (java.security.cert.Certificate c : s.getLocalCertificates()) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    /** Offers the connection's session to the cache, if Mbed TLS has a (new) one to export. */
    private void keepSession() {
        SslSession resumable = new SslSession();
        boolean kept = false;
        try {
            if (ssl.getSession(resumable)) {
                context.sessions().put(getPeerHost(), getPeerPort(), session, resumable);
                kept = true;
            }
        } catch (RuntimeException e) {
            // nothing to resume from this connection
        } finally {
            if (!kept) {
                resumable.close();
            }
        }
    }

    // --- unwrap --------------------------------------------------------------------------------

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        Objects.requireNonNull(dst, "dst");
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
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dsts, "dsts");
        Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i] == null) {
                throw new NullPointerException("dsts[" + i + "] is null");
            }
            if (dsts[i].isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
        }
        refuseReentry();
        synchronized (unwrapLock) {
            if (inboundDone) {
                return unwrapped(Status.CLOSED, 0, 0);
            }
            if (failure != null && state == State.DONE) {
                inboundDone = true;
                releaseIfDone();
                return unwrapped(Status.CLOSED, 0, 0);
            }
            if (state != State.DONE) {
                synchronized (this) {
                    return unwrapHandshake(src);
                }
            }
            int recordLength = recordLength(src);
            if (recordLength < 0) {
                return unwrapped(Status.BUFFER_UNDERFLOW, 0, 0);
            }
            if (remaining(dsts, offset, length) < Math.min(recordLength - HEADER, MemoryBio.maxPlaintext())) {
                return unwrapped(Status.BUFFER_OVERFLOW, 0, 0);
            }
            return unwrapData(src, recordLength, dsts, offset, length);
        }
    }

    /**
     * The length of the whole record at src's position (header included), or -1 if src does not
     * hold all of it yet. A header no TLS peer would send is handed on as it is, for Mbed TLS to
     * refuse.
     */
    private static int recordLength(ByteBuffer src) {
        int pos = src.position();
        if (src.remaining() < HEADER) {
            return -1;
        }
        int length = ((src.get(pos + 3) & 0xFF) << 8) | (src.get(pos + 4) & 0xFF);
        int total = HEADER + length;
        if (total > MemoryBio.maxRecordIn()) {
            return src.remaining(); // too long for any peer: Mbed TLS reports it
        }
        return src.remaining() < total ? -1 : total;
    }

    private SSLEngineResult unwrapData(ByteBuffer src, int recordLength, ByteBuffer[] dsts, int offset, int length)
            throws SSLException {
        int limit = src.limit();
        int start = src.position();
        int produced = 0;
        try {
            src.limit(start + recordLength);
            int n = THIN.read(bio, src, dsts, offset, length);
            produced = Math.max(n, 0);
            int consumed = src.position() - start;
            if (n == MemoryBio.CLOSE_NOTIFY) {
                peerClosed = true;
                inboundDone = true;
                releaseIfDone();
                return unwrapped(Status.CLOSED, consumed, produced);
            }
            if (produced == 0 && consumed > 0) {
                keepSession(); // a TLS 1.3 NewSessionTicket, perhaps
            }
            return unwrapped(Status.OK, consumed, produced);
        } catch (RuntimeException e) {
            throw fail(failure("unwrap", e));
        } finally {
            src.limit(limit);
        }
    }

    /** unwrap while handshaking (with this held): one record for the handshake, output staged. */
    private SSLEngineResult unwrapHandshake(ByteBuffer src) throws SSLException {
        if (failure != null) {
            inboundDone = true;
            releaseIfDone();
            return unwrapped(Status.CLOSED, 0, 0);
        }
        if (state == State.NEW) {
            start();
            return unwrapped(Status.OK, 0, 0); // a client speaks first: NEED_WRAP
        }
        int recordLength = recordLength(src);
        if (recordLength < 0) {
            return unwrapped(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        int limit = src.limit();
        int start = src.position();
        try {
            src.limit(start + recordLength);
            step(src, null);
        } finally {
            src.limit(limit);
        }
        int consumed = src.position() - start;
        if (state == State.DONE && staging.position() == 0) {
            finishedPending = false;
            return unwrapped(Status.OK, consumed, 0, HandshakeStatus.FINISHED);
        }
        return unwrapped(Status.OK, consumed, 0);
    }

    // --- Closing -------------------------------------------------------------------------------

    @Override
    public void closeInbound() throws SSLException {
        boolean truncated;
        synchronized (this) {
            if (inboundDone) {
                return;
            }
            inboundDone = true;
            truncated = state != State.NEW && !peerClosed && failure == null;
            outboundClosed = true;
            releaseIfDone();
        }
        if (truncated) {
            throw new SSLException("closeInbound() before the peer's close_notify: the data may have been truncated");
        }
    }

    @Override
    public boolean isInboundDone() {
        return inboundDone;
    }

    @Override
    public synchronized void closeOutbound() {
        outboundClosed = true;
        if (state == State.NEW) {
            outboundDone = true;
            releaseIfDone();
        }
    }

    @Override
    public boolean isOutboundDone() {
        return outboundDone;
    }

    @Override
    public HandshakeStatus getHandshakeStatus() {
        return status();
    }

    private HandshakeStatus status() {
        if (outboundDone && (inboundDone || state != State.DONE)) {
            return HandshakeStatus.NOT_HANDSHAKING;
        }
        ByteBuffer staged = staging;
        if ((staged != null && staged.position() > 0) || (failure != null && !outboundDone)) {
            return HandshakeStatus.NEED_WRAP;
        }
        if (state == State.HANDSHAKING) {
            return outboundClosed ? HandshakeStatus.NEED_WRAP
                    : wantWrite ? HandshakeStatus.NEED_WRAP : HandshakeStatus.NEED_UNWRAP;
        }
        if (state == State.DONE) {
            if (!outboundDone && (outboundClosed || peerClosed)) {
                return HandshakeStatus.NEED_WRAP;
            }
            MemoryBio b = bio;
            if (!outboundDone && b != null && pendingSafely(b) > 0) {
                return HandshakeStatus.NEED_WRAP;
            }
        }
        if (state == State.NEW && outboundClosed && !outboundDone) {
            return HandshakeStatus.NEED_WRAP;
        }
        return HandshakeStatus.NOT_HANDSHAKING;
    }

    private static int pendingSafely(MemoryBio b) {
        try {
            return b.pendingOutput();
        } catch (IllegalStateException closed) {
            return 0;
        }
    }

    // Results: immutable, and in bulk transfer one call's equals an earlier one's of the same
    // status (same byte counts), so each direction keeps its last result per status and hands
    // it out again rather than a new one. Per status, because a reader on a socket alternates:
    // BUFFER_UNDERFLOW until a whole record is there, then OK.

    private static final int STATUSES = Status.values().length;

    private SSLEngineResult wrapped(Status status, int consumed, int produced) {
        return wrapped(status, consumed, produced, status());
    }

    private SSLEngineResult wrapped(Status status, int consumed, int produced, HandshakeStatus hs) {
        return reuse(lastWrap, status, hs, consumed, produced);
    }

    private SSLEngineResult unwrapped(Status status, int consumed, int produced) {
        return unwrapped(status, consumed, produced, status());
    }

    private SSLEngineResult unwrapped(Status status, int consumed, int produced, HandshakeStatus hs) {
        return reuse(lastUnwrap, status, hs, consumed, produced);
    }

    private static SSLEngineResult reuse(SSLEngineResult[] last, Status status, HandshakeStatus hs, int consumed,
            int produced) {
        SSLEngineResult r = last[status.ordinal()];
        if (r != null && r.getHandshakeStatus() == hs && r.bytesConsumed() == consumed && r.bytesProduced() == produced) {
            return r;
        }
        r = new SSLEngineResult(status, hs, consumed, produced);
        last[status.ordinal()] = r;
        return r;
    }

    /** Frees the Mbed TLS context once both directions are done. */
    private void releaseIfDone() {
        if (outboundDone && inboundDone) {
            release();
        }
    }

    private synchronized void release() {
        if (ssl != null) {
            ssl.close();
        }
    }

    private void refuseReentry() {
        if (verifying == Thread.currentThread()) {
            throw new IllegalStateException("wrap/unwrap from inside the trust manager's check: the handshake is "
                    + "still in progress on this thread");
        }
    }

    private static long remaining(ByteBuffer[] buffers, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += buffers[i].remaining();
        }
        return n;
    }

    // --- Errors --------------------------------------------------------------------------------

    private SSLException fail(SSLException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    /**
     * A refused certificate: {@link SSLHandshakeException} naming Mbed TLS's flags and verify
     * info, its cause the library's {@link CertificateVerificationException}.
     */
    private SSLHandshakeException verifyFailure(CertificateVerificationException e) {
        VerifyResult r = e.verifyResult();
        String flags = String.join(" | ", r.flagNames());
        String why = refusal;
        String message = why != null
                ? "the server's certificate was refused: Mbed TLS accepted the chain, but " + why + " (" + flags + ")"
                : "the server's certificate was refused by Mbed TLS: " + flags + " ("
                        + r.info().strip().replace('\n', ';') + ")";
        SSLHandshakeException ex = new SSLHandshakeException(message);
        ex.initCause(e);
        Exception cause = refusalCause;
        if (why != null && cause != null) {
            ex.addSuppressed(cause);
        }
        return ex;
    }

    private static SSLHandshakeException handshakeFailure(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }

    private SSLException failure(String step, RuntimeException e) {
        if (e instanceof IllegalStateException && (outboundDone || inboundDone)) {
            return new SSLException("the engine is closed", e);
        }
        return new SSLException("TLS " + step + " failed: " + e.getMessage(), e);
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return !host.isEmpty();
    }
}
