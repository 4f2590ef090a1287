/**
 * The JSSE provider {@code MbedTLS}: {@link javax.net.ssl.SSLContext}, {@link javax.net.ssl.SSLSocket}
 * and {@link javax.net.ssl.SSLEngine} running on Mbed TLS, for code written against JSSE.
 * {@link io.github.mbedtlsjni.jsse.MbedTlsProvider} is the entry point; the rest of the package
 * implements the JSSE service provider interfaces and is reached through JSSE's factories.
 */
package io.github.mbedtlsjni.jsse;
