/**
 * Jetty on the MbedTLS JSSE provider: the ALPN processors Jetty needs to negotiate HTTP/2 over the
 * provider's engines, as a client ({@link io.github.mbedtlsjni.jetty.MbedTlsClientAlpnProcessor})
 * and as a server ({@link io.github.mbedtlsjni.jetty.MbedTlsServerAlpnProcessor}), found by Jetty
 * through {@link java.util.ServiceLoader}. A separate artifact, {@code mbedtls-jni-jetty},
 * so that the library depends on no Jetty.
 */
package io.github.mbedtlsjni.jetty;
