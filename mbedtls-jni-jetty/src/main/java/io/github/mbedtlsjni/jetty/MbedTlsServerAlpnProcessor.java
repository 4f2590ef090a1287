package io.github.mbedtlsjni.jetty;

import java.util.List;
import javax.net.ssl.SSLEngine;
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
 * client offering no ALPN gets Jetty's default protocol once the handshake succeeded. Registered
 * for {@link java.util.ServiceLoader} as an {@link ALPNProcessor.Server}.
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
        engine.setHandshakeApplicationProtocolSelector((e, offered) -> choose(alpn, offered));
        SslConnection tls = ((SslConnection.SslEndPoint) connection.getEndPoint()).getSslConnection();
        tls.addHandshakeListener(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                if (alpn.getProtocol() == null) { // no ALPN offered: the selector was not called
                    alpn.unsupported();
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
