package io.github.mbedtlsjni.jsse;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * {@code SSLContext.getInstance(protocol, "MbedTLS")}: holds the {@link ContextState} made by init.
 *
 * <p>Locking: its monitor only while the {@code Default} context makes its state, once; no other
 * lock is taken meanwhile but the ones {@link ContextState}'s constructor takes.
 */
final class MbedTlsContextSpi extends SSLContextSpi {
    private final String protocol;
    private volatile ContextState state;

    MbedTlsContextSpi(String protocol) {
        this.protocol = protocol;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
        if ("Default".equals(protocol)) {
            throw new KeyManagementException("the Default SSLContext is initialized automatically");
        }
        state = new ContextState(protocol, km, tm, random);
    }

    private ContextState state() {
        ContextState s = state;
        if (s == null && "Default".equals(protocol)) {
            synchronized (this) {
                if (state == null) {
                    try {
                        state = new ContextState(protocol, null, null, null);
                    } catch (KeyManagementException e) {
                        throw new IllegalStateException("cannot set up the Default SSLContext: " + e.getMessage(), e);
                    }
                }
                s = state;
            }
        }
        if (s == null) {
            throw new IllegalStateException("SSLContext is not initialized: call init(keyManagers, trustManagers, random)");
        }
        return s;
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return new MbedTlsSocketFactory(state());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return new MbedTlsServerSocketFactory(state());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return new MbedTlsEngine(state(), null, -1);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return new MbedTlsEngine(state(), host, port);
    }

    /** The server's session cache and tickets ({@link ServerSessions}): size and timeout. */
    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return state().serverSessions();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return state().sessions();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return state().defaultParameters().toSslParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return new SSLParameters(CipherSuites.supported().toArray(new String[0]),
                Protocols.supported().toArray(new String[0]));
    }
}
