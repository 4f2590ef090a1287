package io.github.mbedtlsjni.jetty;

import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.alpn.client.ALPNClientConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Jetty's client ALPN on the MbedTLS provider's engine: the protocols Jetty offers (for
 * {@code HTTP2Client}, {@code h2}) become the engine's application protocols before the
 * handshake, and the server's choice, read from the engine once the handshake succeeded, is
 * handed to Jetty's ALPN connection ({@code null} if the server chose none), which then speaks it.
 * Registered for {@link java.util.ServiceLoader} as an {@link ALPNProcessor.Client}.
 */
public final class MbedTlsClientAlpnProcessor extends MbedTlsAlpnProcessor implements ALPNProcessor.Client {
    /** For {@code ServiceLoader}. */
    public MbedTlsClientAlpnProcessor() {
    }

    @Override
    public void configure(SSLEngine engine, Connection connection) {
        ALPNClientConnection alpn = (ALPNClientConnection) connection;
        List<String> offered = alpn.getProtocols();
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(offered.toArray(new String[0]));
        engine.setSSLParameters(parameters);
        SslConnection tls = ((SslConnection.SslEndPoint) connection.getEndPoint()).getSslConnection();
        tls.addHandshakeListener(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                String chosen = engine.getApplicationProtocol();
                alpn.selected(chosen == null || chosen.isEmpty() ? null : chosen);
            }
        });
    }
}
