/**
 * The application API: TLS connections configured once and opened many times, each one running
 * Mbed TLS's whole sequence through the {@linkplain io.github.mbedtlsjni.mbedtls thin classes}.
 *
 * <p>{@link io.github.mbedtlsjni.TlsClient} is built once (trust, identity, versions, suites,
 * timeouts) and opens {@link io.github.mbedtlsjni.TlsConnection}s, each with an input and an
 * output stream and what the handshake negotiated. Failures are {@link java.io.IOException}s:
 * {@link io.github.mbedtlsjni.TlsException} carries Mbed TLS's code.
 *
 * <p>The results and options shared with the thin classes (verify results and flags, TLS
 * versions, sessions, certificate chains) are those classes, in
 * {@link io.github.mbedtlsjni.mbedtls}. The JSSE provider is {@link io.github.mbedtlsjni.jsse}.
 */
package io.github.mbedtlsjni;
