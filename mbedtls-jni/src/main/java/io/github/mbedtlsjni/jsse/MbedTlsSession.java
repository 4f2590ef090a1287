package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.internal.ThinAccess;
import io.github.mbedtlsjni.mbedtls.MemoryBio;
import java.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSessionBindingEvent;
import javax.net.ssl.SSLSessionBindingListener;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link javax.net.ssl.SSLSession} of the provider: what Mbed TLS negotiated, and the peer's
 * chain as Mbed TLS received it (DER). JDK certificates are made from the DER only when
 * {@link #getPeerCertificates()} asks, so a certificate the JDK cannot parse changes nothing about
 * the handshake (it was Mbed TLS's to judge); it then makes that call fail with
 * {@link SSLPeerUnverifiedException} saying so.
 */
final class MbedTlsSession extends ExtendedSSLSession {
    private static final byte[] NO_ID = new byte[0];

    private final SSLSessionContext context; // the client's ClientSessions, or a server's ServerSessions
    private final String peerHost;
    private final int peerPort;
    private final String protocol;
    private final String cipherSuite;
    private final byte[] id;
    private final List<byte[]> peerDers;
    private final List<X509Certificate> localChain;
    private final List<SNIServerName> requestedServerNames;
    private final String identification;
    private final long creationTime = System.currentTimeMillis();
    private volatile long lastAccessedTime = creationTime;
    private volatile boolean valid = true;
    private volatile X509Certificate[] peerCertificates; // made on first use
    private final Map<String, Object> values = new ConcurrentHashMap<>();

    /**
     * A session with what Mbed TLS negotiated; {@code identification} is the endpoint
     * identification algorithm the handshake ran with ("" for none), which a resumption must
     * match: a session made without a name check cannot stand in for a handshake that checks it.
     */
    MbedTlsSession(SSLSessionContext context, String peerHost, int peerPort, String protocol, String cipherSuite, byte[] id,
            List<byte[]> peerDers, List<X509Certificate> localChain, List<SNIServerName> requestedServerNames,
            String identification) {
        this.context = context;
        this.peerHost = peerHost;
        this.peerPort = peerPort;
        this.protocol = protocol;
        this.cipherSuite = cipherSuite;
        this.id = id == null ? NO_ID : id.clone();
        this.peerDers = List.copyOf(peerDers);
        this.localChain = List.copyOf(localChain);
        this.requestedServerNames = List.copyOf(requestedServerNames);
        this.identification = identification;
    }

    /** The session of an engine before (or without) a handshake: JSSE's "no cipher suite". */
    static MbedTlsSession none(SSLSessionContext context, String host, int port) {
        MbedTlsSession s = new MbedTlsSession(context, host, port, "NONE", "SSL_NULL_WITH_NULL_NULL", NO_ID, List.of(),
                List.of(), List.of(), "");
        s.valid = false;
        return s;
    }

    /** The endpoint identification algorithm of the handshake that made this session, "" for none. */
    String identification() {
        return identification;
    }

    /** Takes over the values an application bound to {@code earlier} (the handshake session), without events. */
    MbedTlsSession withValuesOf(MbedTlsSession earlier) {
        values.putAll(earlier.values);
        return this;
    }

    void touch() {
        lastAccessedTime = System.currentTimeMillis();
    }

    List<byte[]> peerDers() {
        return peerDers;
    }

    @Override
    public byte[] getId() {
        return id.clone();
    }

    @Override
    public SSLSessionContext getSessionContext() {
        return context;
    }

    @Override
    public long getCreationTime() {
        return creationTime;
    }

    @Override
    public long getLastAccessedTime() {
        return lastAccessedTime;
    }

    @Override
    public void invalidate() {
        valid = false;
        if (context instanceof ClientSessions) {
            ((ClientSessions) context).remove(this);
        }
    }

    @Override
    public boolean isValid() {
        return valid && (!(context instanceof ClientSessions) || ((ClientSessions) context).isCurrent(this));
    }

    @Override
    public void putValue(String name, Object value) {
        if (name == null || value == null) {
            throw new IllegalArgumentException("name and value must not be null");
        }
        Object old = values.put(name, value);
        if (old instanceof SSLSessionBindingListener) {
            ((SSLSessionBindingListener) old).valueUnbound(new SSLSessionBindingEvent(this, name));
        }
        if (value instanceof SSLSessionBindingListener) {
            ((SSLSessionBindingListener) value).valueBound(new SSLSessionBindingEvent(this, name));
        }
    }

    @Override
    public Object getValue(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        return values.get(name);
    }

    @Override
    public void removeValue(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        Object old = values.remove(name);
        if (old instanceof SSLSessionBindingListener) {
            ((SSLSessionBindingListener) old).valueUnbound(new SSLSessionBindingEvent(this, name));
        }
    }

    @Override
    public String[] getValueNames() {
        return values.keySet().toArray(new String[0]);
    }

    @Override
    public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
        return peerChain().clone();
    }

    private X509Certificate[] peerChain() throws SSLPeerUnverifiedException {
        X509Certificate[] chain = peerCertificates;
        if (chain == null) {
            if (peerDers.isEmpty()) {
                throw new SSLPeerUnverifiedException("peer not authenticated (no certificate in this session)");
            }
            try {
                chain = ThinAccess.get().jdkCertificates(peerDers).toArray(new X509Certificate[0]);
            } catch (CertificateException e) {
                SSLPeerUnverifiedException ex = new SSLPeerUnverifiedException("the peer's chain, which Mbed TLS "
                        + "verified, cannot be given as JDK certificates: " + e.getMessage());
                ex.initCause(e);
                throw ex;
            }
            peerCertificates = chain;
        }
        return chain;
    }

    @Override
    public Certificate[] getLocalCertificates() {
        return localChain.isEmpty() ? null : localChain.toArray(new Certificate[0]);
    }

    @Override
    @SuppressWarnings({"deprecation", "removal"})
    public javax.security.cert.X509Certificate[] getPeerCertificateChain() {
        throw new UnsupportedOperationException("javax.security.cert is deprecated: use getPeerCertificates()");
    }

    @Override
    public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
        return peerChain()[0].getSubjectX500Principal();
    }

    @Override
    public Principal getLocalPrincipal() {
        return localChain.isEmpty() ? null : localChain.get(0).getSubjectX500Principal();
    }

    @Override
    public String getCipherSuite() {
        return cipherSuite;
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public String getPeerHost() {
        return peerHost;
    }

    @Override
    public int getPeerPort() {
        return peerPort;
    }

    @Override
    public int getPacketBufferSize() {
        return Math.max(MemoryBio.maxRecordIn(), MemoryBio.maxRecordOut());
    }

    @Override
    public int getApplicationBufferSize() {
        return MemoryBio.maxPlaintext();
    }

    @Override
    public String[] getLocalSupportedSignatureAlgorithms() {
        return new String[0];
    }

    @Override
    public String[] getPeerSupportedSignatureAlgorithms() {
        return new String[0];
    }

    @Override
    public List<SNIServerName> getRequestedServerNames() {
        return requestedServerNames;
    }

    @Override
    public String toString() {
        return "MbedTlsSession[" + protocol + ", " + cipherSuite + ", " + peerHost + ":" + peerPort + "]";
    }
}
