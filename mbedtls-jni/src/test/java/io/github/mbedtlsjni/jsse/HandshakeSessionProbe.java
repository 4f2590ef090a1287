package io.github.mbedtlsjni.jsse;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An application's own trust manager, as frameworks write them: asked during the handshake, it
 * reads the socket's or engine's {@code getHandshakeSession()} and records what it saw
 * (protocol, cipher suite, authType), trusting what {@code anchors} trusts.
 */
final class HandshakeSessionProbe extends X509ExtendedTrustManager {
    /** What one check saw: {@code protocol cipherSuite authType alpn=<handshake application protocol>}. */
    final List<String> seen = new ArrayList<>();
    private final X509TrustManager anchors;

    HandshakeSessionProbe(X509TrustManager anchors) {
        this.anchors = anchors;
    }

    private void record(SSLSession handshake, String authType, String alpn) {
        seen.add(handshake == null ? "no handshake session"
                : handshake.getProtocol() + " " + handshake.getCipherSuite() + " " + authType + " alpn=" + alpn);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        SSLSocket s = (SSLSocket) socket;
        record(s.getHandshakeSession(), authType, s.getHandshakeApplicationProtocol());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        record(engine.getHandshakeSession(), authType, engine.getHandshakeApplicationProtocol());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        seen.add("asked without a socket or engine");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a client's trust manager is never asked about clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a client's trust manager is never asked about clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client's trust manager is never asked about clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.getAcceptedIssuers();
    }
}
