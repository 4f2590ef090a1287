/**
 * Jetty on the MbedTLS JSSE provider: the ALPN processor Jetty needs to negotiate HTTP/2 over the
 * provider's engines ({@link io.github.mbedtlsjni.jetty.MbedTlsClientAlpnProcessor}), found by
 * Jetty through {@link java.util.ServiceLoader}. A separate artifact, {@code mbedtls-jni-jetty},
 * so that the library depends on no Jetty.
 */
package io.github.mbedtlsjni.jetty;
