package io.github.mbedtlsjni.jsse;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.security.Provider;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A JSSE provider whose TLS is Mbed TLS: {@code SSLContext} ({@code TLS}, {@code TLSv1.2},
 * {@code TLSv1.3}, {@code Default}) with {@code SSLSocketFactory}, {@code SSLSocket} and
 * {@code SSLEngine} on Mbed TLS's handshake, record layer and certificate verification, and a
 * {@code TrustManagerFactory} ({@code PKIX}) whose trust managers carry CRLs to Mbed TLS. Client
 * side only: server mode throws {@link UnsupportedOperationException}.
 *
 * <pre>{@code
 * TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX", new MbedTlsProvider());
 * trust.init(new PemTrustParameters(Path.of("ca.pem")));
 * SSLContext tls = SSLContext.getInstance("TLS", new MbedTlsProvider());
 * tls.init(null, trust.getTrustManagers(), null);   // null trust managers: the JDK's cacerts
 * HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
 * }</pre>
 *
 * <p>Registered for {@link java.util.ServiceLoader} ({@code META-INF/services/java.security.Provider}),
 * so {@code security.provider.N=MbedTLS} in {@code java.security} also finds it (as the first
 * one, with the JDK's providers kept after it: docs/provider.md gives the lines); or
 * {@code Security.insertProviderAt(new MbedTlsProvider(), 1)}. It needs no other provider's
 * random generator. See docs/provider.md for what it does differently from SunJSSE and what it
 * does not support yet.
 *
 * <p><b>Native memory.</b> The provider object itself holds none. {@code SSLContext.init} makes
 * the context's Mbed TLS structures (a {@code mbedtls_ctr_drbg_context}, the trust anchors as an
 * {@code mbedtls_x509_crt}, CRLs, client certificates and keys), which a
 * {@link java.lang.ref.Cleaner} frees once the {@code SSLContext} and everything made from it are
 * unreachable: the JSSE API has no {@code close} for them. Each {@code SSLSocket} and
 * {@code SSLEngine} has its own {@code mbedtls_ssl_config} and {@code mbedtls_ssl_context},
 * freed when the socket is closed or the engine's both directions are done (or, if neither
 * happens, once it is unreachable).
 */
public final class MbedTlsProvider extends Provider {
    private static final long serialVersionUID = 1L;

    /** The provider's name, {@code "MbedTLS"}. */
    public static final String NAME = "MbedTLS";

    /** A provider instance; cheap, all instances behave the same. */
    public MbedTlsProvider() {
        super(NAME, "0.1", "Mbed TLS " + MbedTls.version() + " through mbedtls-jni: TLS client (SSLContext, "
                + "SSLSocket, SSLEngine)");
        for (String protocol : List.of("TLS", "TLSv1.2", "TLSv1.3", "Default")) {
            if ("TLSv1.3".equals(protocol) && !Protocols.supported().contains(Protocols.TLS13)) {
                continue;
            }
            add("SSLContext", protocol, MbedTlsContextSpi.class.getName(), () -> new MbedTlsContextSpi(protocol));
        }
        add("TrustManagerFactory", "PKIX", MbedTlsTrustManagerFactory.class.getName(), MbedTlsTrustManagerFactory::new);
    }

    private void add(String type, String algorithm, String className, Supplier<Object> factory) {
        putService(new Service(this, type, algorithm, className, null, Map.of()) {
            @Override
            public Object newInstance(Object constructorParameter) {
                return factory.get();
            }
        });
    }
}
