package io.github.mbedtlsjni.jetty;

import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.alpn.server.ALPNServerConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Jetty's server ALPN on the MbedTLS provider's engine: the engine's
 * {@code setHandshakeApplicationProtocolSelector} hands the client's offers to Jetty's ALPN
 * connection, which picks by the server's order (for an {@code ALPNServerConnectionFactory("h2",
 * "http/1.1")}, h2 when offered), and the provider gives Mbed TLS that one protocol to answer
 * with. A pick Jetty cannot make (none of the offers is served) makes the selector answer
 * {@code null}, which the engine turns into Mbed TLS's {@code no_application_protocol} alert. A
 * client offering no ALPN gets Jetty's default protocol once the handshake succeeded.
 *
 * <p>The provider reads the offers from the client's first record only: a ClientHello spread over
 * several records calls no selector, and Mbed TLS then answers from the engine's
 * {@code SSLParameters} application protocols, which this processor sets to Jetty's in the same
 * order. Once such a handshake succeeded, Jetty is told what Mbed TLS chose (or, if nothing,
 * takes its default); should Jetty refuse that choice it closes the connection. Registered for
 * {@link java.util.ServiceLoader} as an {@link ALPNProcessor.Server}.
 *
 * <p>The provider calls the selector when the ClientHello arrives, before Mbed TLS has chosen the
 * cipher suite: the handshake session Jetty reads then reports protocol {@code NONE} and suite
 * {@code SSL_NULL_WITH_NULL_NULL}, so Jetty's HTTP/2 check of the TLS 1.2 suite (RFC 9113,
 * section 9.2.2) has nothing to refuse; the suites Mbed TLS may choose are the application's to
 * limit.
 */
public final class MbedTlsServerAlpnProcessor extends MbedTlsAlpnProcessor implements ALPNProcessor.Server {
    /** For {@code ServiceLoader}. */
    public MbedTlsServerAlpnProcessor() {
    }

    @Override
    public void configure(SSLEngine engine, Connection connection) {
        ALPNServerConnection alpn = (ALPNServerConnection) connection;
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(alpn.getProtocols().toArray(new String[0]));
        engine.setSSLParameters(parameters);
        engine.setHandshakeApplicationProtocolSelector((e, offered) -> choose(alpn, offered));
        SslConnection tls = ((SslConnection.SslEndPoint) connection.getEndPoint()).getSslConnection();
        tls.addHandshakeListener(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                if (alpn.getProtocol() == null) { // the selector was not called
                    String chosen = engine.getApplicationProtocol();
                    choose(alpn, chosen == null || chosen.isEmpty() ? List.of() : List.of(chosen));
                }
            }
        });
    }

    /** Jetty's choice among {@code offered}, or null (no_application_protocol) if it has none. */
    private static String choose(ALPNServerConnection alpn, List<String> offered) {
        try {
            alpn.select(offered);
        } catch (IllegalStateException noneServed) { // Jetty's way to say "no match"
            return null;
        }
        return alpn.getProtocol();
    }
}
