package io.github.mbedtlsjni.jetty;

import io.github.mbedtlsjni.jsse.MbedTlsProvider;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.ssl.ALPNProcessor;

/**
 * What Jetty's ALPN processors for the MbedTLS provider share, whichever side they serve: they
 * apply to the provider's engines (Jetty's own JDK processor applies to the engines of the JDK's
 * {@code java.base} module only, so Jetty finds none for these), and ALPN itself is JSSE's API
 * ({@code SSLParameters.setApplicationProtocols}, {@code SSLEngine.getApplicationProtocol},
 * {@code setHandshakeApplicationProtocolSelector}), which the provider's engine implements with
 * Mbed TLS's {@code mbedtls_ssl_conf_alpn_protocols}. A subclass adds the side's wiring:
 * {@link MbedTlsClientAlpnProcessor} for Jetty's clients (the offers, then the server's choice),
 * {@link MbedTlsServerAlpnProcessor} for Jetty's servers (the selector).
 *
 * <p>Jetty finds the processors with {@link java.util.ServiceLoader}: this artifact registers them
 * in {@code META-INF/services}, so having the jar on the class path is all an application does.
 * They hold no state.
 */
public abstract class MbedTlsAlpnProcessor implements ALPNProcessor {
    /** For subclasses; Jetty makes them through {@code ServiceLoader}. */
    protected MbedTlsAlpnProcessor() {
    }

    /** True for an engine of the MbedTLS provider. */
    @Override
    public boolean appliesTo(SSLEngine engine) {
        return MbedTlsProvider.class.getPackageName().equals(engine.getClass().getPackageName());
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + MbedTlsProvider.NAME + "]";
    }
}
