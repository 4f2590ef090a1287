package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.mbedtls.CertificateVerificationException;
import io.github.mbedtlsjni.mbedtls.MbedTlsException;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import io.github.mbedtlsjni.mbedtls.SslContext;
import io.github.mbedtlsjni.mbedtls.SslSession;
import io.github.mbedtlsjni.mbedtls.VerifyResult;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The Mbed TLS side of one engine, from the start of its handshake: the {@link SslContext} over a
 * {@link MemoryBio}, set up in the guide's order ({@code mbedtls_ssl_setup} with the context's
 * shared config for these settings, {@code mbedtls_ssl_set_hostname}, the verify callback,
 * {@code mbedtls_ssl_set_session} for resumption), and what the handshake produces: the
 * handshake session, the negotiated session and its place in the session cache. The engine's
 * state machine decides when each is called; this class holds no state of the engine's.
 *
 * <p>Locking: its monitor only to make the handshake session once, calling nothing else; the
 * engine's lock is held around everything else here (and around {@link #keep} the unwrap lock).
 */
final class TlsLink {
    private static final ThinAccess THIN = ThinAccess.get();

    final SslContext ssl;
    final MemoryBio bio;
    private final ContextState context;
    private final String host;
    private final int port;
    private final String identification;
    private final List<SNIServerName> serverNames;
    private final List<X509Certificate> localChain;
    private final MbedTlsSession offered; // the kept session offered for resumption, or null
    private final PeerTrust trust; // null: Mbed TLS alone decides
    private final boolean server;
    private final List<ContextState.Identity> serverIdentities; // a server's pairs, to tell which one was sent
    private final SSLSessionContext sessionContext; // the context's client sessions, or its server sessions
    private final boolean optionalClientCert; // a server that wants (not needs) the client's certificate
    private final boolean alpnOffered; // a client offered ALPN, or a server may select
    private volatile MbedTlsSession handshakeSession; // made when asked for; then kept current by the handshake
    private volatile String handshakeAlpn; // null until Mbed TLS has read (or made) the choice; "" if none offered

    private TlsLink(ContextState context, SslContext ssl, MemoryBio bio, String host, int port, Parameters params,
            List<SNIServerName> serverNames, List<X509Certificate> localChain, MbedTlsSession offered,
            List<ContextState.Identity> serverIdentities, boolean alpnOffered, SSLEngine engine, Socket socket) {
        this.context = context;
        this.ssl = ssl;
        this.bio = bio;
        this.host = host;
        this.port = port;
        this.identification = params.identification();
        this.serverNames = serverNames;
        this.localChain = localChain;
        this.offered = offered;
        this.server = serverIdentities != null;
        this.serverIdentities = serverIdentities;
        this.sessionContext = this.server ? context.serverSessions() : context.sessions();
        this.optionalClientCert = this.server && params.clientAuth() == Parameters.ClientAuth.WANTED;
        this.alpnOffered = alpnOffered;
        this.handshakeAlpn = alpnOffered ? null : "";
        X509TrustManager tm = context.applicationTrustManager();
        this.trust = tm == null ? null : new PeerTrust(tm, engine, socket, ssl, this::refresh, this.server);
    }

    /**
     * Sets up Mbed TLS for a client handshake with {@code params} to {@code host:port}.
     *
     * @param engine the engine (for the key and trust managers' engine calls)
     * @param socket the socket the engine runs, or null (for their socket calls)
     * @throws SSLHandshakeException if the settings cannot make a handshake (no usable protocol or
     *     cipher suite, an unknown endpoint identification algorithm, a key Mbed TLS cannot use)
     */
    static TlsLink open(ContextState context, Parameters params, String host, int port, SSLEngine engine,
            Socket socket) throws SSLHandshakeException {
        return open(params, (s, protocols) -> {
            ContextState.Identity identity = chooseIdentity(context, engine, socket);
            // mbedtls_ssl_setup, with the config shared by connections of these settings
            context.setup(s, protocols, params, identity);
            List<SNIServerName> names = context.serverNames(params, host);
            names(s, params, names, host);
            // mbedtls_ssl_set_session: a kept session this connection's settings could have made
            String identification = params.identification();
            MbedTlsSession offered = context.sessions().offerTo(host, port,
                    kept -> resumable(kept, protocols, params.suites(), identification, names), s);
            // mbedtls_ssl_set_bio with memory callbacks
            MemoryBio bio = s.setMemoryBio();
            return new TlsLink(context, s, bio, host, port, params, names,
                    identity == null ? List.of() : identity.certificates, offered, null,
                    params.applicationProtocols().length > 0, engine, socket);
        });
    }

    /**
     * Sets up Mbed TLS for a server handshake with {@code params}, for the client whose
     * ClientHello offered {@code hello}: the key manager's pairs, the client authentication mode,
     * the ALPN protocols to select from ({@link ServerSide}).
     *
     * @param host the client's address, or null
     * @throws SSLHandshakeException if the settings cannot make a handshake (no usable protocol,
     *     no certificate, a key Mbed TLS cannot use)
     */
    static TlsLink openServer(ContextState context, Parameters params, ServerSide.Hello hello, String[] alpn,
            String host, int port, SSLEngine engine, Socket socket) throws SSLHandshakeException {
        return open(params, (s, protocols) -> {
            List<ContextState.Identity> identities = ServerSide.identities(context, engine, socket);
            // mbedtls_ssl_setup, with the config shared by connections of these settings
            context.setupServer(s, protocols, params, alpn, identities, ServerSide.authMode(params));
            MemoryBio bio = s.setMemoryBio();
            List<X509Certificate> local = identities.size() == 1 ? identities.get(0).certificates : null;
            return new TlsLink(context, s, bio, host, port, params, hello.serverNames, local, null, identities,
                    alpn.length > 0, engine, socket);
        });
    }

    /** The role's steps of {@link #open(Parameters, Setup)}, on a new context. */
    private interface Setup {
        TlsLink run(SslContext s, List<String> protocols) throws SSLHandshakeException, GeneralSecurityException;
    }

    /**
     * A new context set up by {@code setup} for the usable protocols, then
     * {@code mbedtls_ssl_set_verify} if the application brought its own trust manager (asked after
     * Mbed TLS); the context is freed if a step fails.
     */
    private static TlsLink open(Parameters params, Setup setup) throws SSLHandshakeException {
        List<String> protocols = params.usableProtocols();
        if (protocols.isEmpty()) {
            throw SslExceptions.handshake("no enabled protocol is one this Mbed TLS speaks (enabled: "
                    + String.join(", ", params.protocols()) + "; supported: " + Protocols.supported() + ")", null);
        }
        SslContext s = new SslContext();
        try {
            TlsLink link = setup.run(s, protocols);
            if (link.trust != null) {
                THIN.setVerifyCallback(s, link.trust::verify);
            }
            return link;
        } catch (SSLHandshakeException e) {
            s.close();
            throw e;
        } catch (RuntimeException | GeneralSecurityException e) {
            s.close();
            throw SslExceptions.handshake("cannot set up the handshake: " + e.getMessage(), e);
        }
    }

    /**
     * Whether a kept session may be offered to this connection: one its settings could have made
     * (protocol and cipher suite enabled, the same endpoint identification and server names), as
     * SunJSSE decides. Resuming, Mbed TLS proposes the session's protocol only.
     */
    private static boolean resumable(MbedTlsSession kept, List<String> protocols, String[] suites,
            String identification, List<SNIServerName> serverNames) {
        return protocols.contains(kept.getProtocol()) && Arrays.asList(suites).contains(kept.getCipherSuite())
                && kept.identification().equals(identification) && kept.getRequestedServerNames().equals(serverNames);
    }

    /**
     * SNI and the name the certificate is checked against, with JSSE's meaning: endpoint
     * identification ("HTTPS", "LDAPS") makes Mbed TLS check the peer host during the handshake;
     * without it Mbed TLS verifies the chain only and the application checks the name.
     */
    private static void names(SslContext s, Parameters params, List<SNIServerName> names, String host)
            throws SSLHandshakeException {
        String sni = null;
        for (SNIServerName n : names) {
            if (n instanceof SNIHostName) {
                sni = ((SNIHostName) n).getAsciiName();
            }
        }
        String algorithm = params.endpointIdentification();
        boolean identify = algorithm != null && !algorithm.isEmpty();
        if (identify && !"HTTPS".equalsIgnoreCase(algorithm) && !"LDAPS".equalsIgnoreCase(algorithm)) {
            throw SslExceptions.handshake("unknown endpoint identification algorithm " + algorithm
                    + " (JSSE knows HTTPS and LDAPS)", null);
        }
        if (identify && (host == null || host.isEmpty())) {
            throw SslExceptions.handshake("endpoint identification " + algorithm + " needs the server's host: "
                    + "create the engine with createSSLEngine(host, port)", null);
        }
        if (sni != null) {
            // mbedtls_ssl_set_hostname: SNI, and (by default) the name verified
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

    /**
     * The client certificate: Mbed TLS sends the one configured before the handshake when the
     * server asks for one (it has no callback at that point), so the key manager's alias is chosen
     * now, without the server's list of issuers. An alias the key manager has no chain or key for
     * means no certificate, as with SunJSSE, which would not send one either.
     */
    private static ContextState.Identity chooseIdentity(ContextState context, SSLEngine engine, Socket socket)
            throws GeneralSecurityException {
        X509KeyManager km = context.keyManager();
        if (km == null) {
            return null;
        }
        String[] types = {"EC", "RSA", "RSASSA-PSS"};
        String alias;
        if (socket != null) {
            alias = km.chooseClientAlias(types, null, socket);
        } else if (km instanceof X509ExtendedKeyManager) {
            alias = ((X509ExtendedKeyManager) km).chooseEngineClientAlias(types, null, engine);
        } else {
            alias = km.chooseClientAlias(types, null, null);
        }
        return alias == null ? null : context.identity(alias);
    }

    /**
     * One handshake call ({@code mbedtls_ssl_handshake}): as far as {@code in} and the room in
     * {@code out} allow.
     *
     * @return 0 when the handshake is done, {@link MemoryBio#WANT_READ} or {@link MemoryBio#WANT_WRITE}
     * @throws SSLHandshakeException if it failed (Mbed TLS has written its fatal alert to {@code out})
     */
    int step(ByteBuffer in, ByteBuffer out) throws SSLHandshakeException {
        int code;
        try {
            code = bio.handshake(in, out);
        } catch (CertificateVerificationException e) {
            dropOffered(); // the server did not resume it
            throw SslExceptions.refused(e, trust == null ? null : trust.refusal(),
                    trust == null ? null : trust.refusalCause(), server ? "client" : "server");
        } catch (MbedTlsException | IllegalStateException e) {
            throw SslExceptions.handshake("the TLS handshake failed: " + e.getMessage() + dropOffered(), e);
        }
        if (code != 0) {
            refresh();
        } else if (optionalClientCert) {
            refuseUnverifiedClient();
        }
        return code;
    }

    /**
     * A wanted client certificate: Mbed TLS's {@code VERIFY_OPTIONAL} completes the handshake
     * even with a chain it did not verify, while JSSE's want means a certificate may be missing,
     * not wrong. So a chain Mbed TLS flagged fails the handshake here, with Mbed TLS's flags (no
     * alert: the handshake is over for Mbed TLS; the connection is closed).
     */
    private void refuseUnverifiedClient() throws SSLHandshakeException {
        if (THIN.peerCertificateDers(ssl).isEmpty()) {
            return; // none sent: allowed
        }
        VerifyResult r = ssl.verifyResult();
        if (r.isAvailable() && !r.isOk()) {
            throw SslExceptions.handshake(SslExceptions.refusedByMbedTls(r, "client"), null);
        }
    }

    /**
     * After a failed handshake that offered a kept session: the session is dropped, and the
     * message says what Mbed TLS proposed, since resuming it proposes the session's protocol only
     * (a server that no longer speaks it refuses with a protocol_version alert).
     */
    private String dropOffered() {
        if (offered == null) {
            return "";
        }
        offered.invalidate();
        return " (this handshake offered to resume a " + offered.getProtocol() + " session, so Mbed TLS proposed "
                + offered.getProtocol() + " only; that session is dropped: the next handshake with this server is a "
                + "full one)";
    }

    /**
     * What the handshake has learnt so far, for the handshake session and application protocol:
     * the server's ALPN choice once read, protocol and cipher suite once the server's hello is
     * (only if someone has asked for the handshake session).
     */
    private void refresh() {
        if (handshakeAlpn == null) {
            handshakeAlpn = ssl.alpnProtocol(); // null until read
        }
        MbedTlsSession hs = handshakeSession;
        if (hs == null && trust != null) {
            hs = handshakeSession(); // the trust manager may look at it
        }
        if (hs == null || !"NONE".equals(hs.getProtocol())) {
            return;
        }
        String suite = ssl.ciphersuite();
        if (suite != null) {
            handshakeSession = new MbedTlsSession(sessionContext, host, port, ssl.protocol(), CipherSuites.toIana(suite),
                    null, List.of(), localChain, serverNames, identification).withValuesOf(hs);
        }
    }

    /** The handshake session: what is negotiated so far ({@code NONE} before the server's hello). */
    MbedTlsSession handshakeSession() {
        MbedTlsSession hs = handshakeSession;
        if (hs == null) {
            synchronized (this) {
                hs = handshakeSession;
                if (hs == null) {
                    hs = new MbedTlsSession(sessionContext, host, port, "NONE", "SSL_NULL_WITH_NULL_NULL", null,
                            List.of(), localChain, serverNames, identification);
                    handshakeSession = hs;
                }
            }
        }
        return hs;
    }

    /** The application protocol during the handshake: null until known, "" if none. */
    String handshakeApplicationProtocol() {
        return handshakeAlpn;
    }

    /** The server's ALPN choice after the handshake, "" if none. */
    String applicationProtocol() {
        String alpn = alpnOffered ? ssl.alpnProtocol() : null;
        return alpn == null ? "" : alpn;
    }

    /**
     * The session of the completed handshake: the offered one if Mbed TLS resumed it, else a new
     * one with what Mbed TLS negotiated and the peer's chain as it received it (DER, not parsed
     * again); offered to the session cache.
     */
    MbedTlsSession established() {
        MbedTlsSession session;
        if (offered != null && ssl.isResumed()) {
            offered.touch();
            session = offered;
        } else {
            session = new MbedTlsSession(sessionContext, host, port, ssl.protocol(),
                    CipherSuites.toIana(ssl.ciphersuite()), THIN.sessionId(ssl), THIN.peerCertificateDers(ssl),
                    localChain(), serverNames, identification);
            MbedTlsSession hs = handshakeSession;
            if (hs != null) {
                session.withValuesOf(hs);
            }
        }
        keep(session);
        return session;
    }

    /**
     * The certificates this side sent: a client's one chain; a server's pair when it has one, or,
     * with several, the one whose key the TLS 1.2 suite names (ECDSA or RSA); empty when Mbed
     * TLS's pick is not known (TLS 1.3 with several pairs).
     */
    private List<X509Certificate> localChain() {
        if (localChain != null) {
            return localChain;
        }
        String suite = CipherSuites.toIana(ssl.ciphersuite());
        String key = suite.contains("_ECDSA_") ? "EC" : suite.contains("_RSA_") ? "RSA" : null;
        for (ContextState.Identity id : serverIdentities) {
            if (id.certificates.get(0).getPublicKey().getAlgorithm().equals(key)) {
                return id.certificates;
            }
        }
        return List.of();
    }

    /** Offers a client connection's session to the cache, if Mbed TLS has a (new) one to export. */
    void keep(MbedTlsSession session) {
        if (server) {
            return; // a server's sessions are in Mbed TLS's cache and tickets
        }
        SslSession resumable = new SslSession();
        boolean kept = false;
        try {
            if (ssl.getSession(resumable)) {
                context.sessions().put(host, port, session, resumable);
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

    /** True on the thread inside the application's trust manager (which must not wrap or unwrap). */
    boolean isVerifying() {
        return trust != null && trust.isVerifying();
    }

    /** Frees the Mbed TLS context (the config and session cache live on in the SSLContext). */
    void close() {
        ssl.close();
    }
}
