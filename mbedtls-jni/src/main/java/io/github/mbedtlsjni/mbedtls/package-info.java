/**
 * The thin classes: one Java class per Mbed TLS structure, whose methods are the steps of the
 * Mbed TLS developer guide ({@code mbedtls_net_*}, {@code mbedtls_ssl_config_*},
 * {@code mbedtls_ssl_*}, {@code mbedtls_x509_*}, {@code mbedtls_pk_*}), plus the values they
 * report ({@link io.github.mbedtlsjni.mbedtls.VerifyResult}, {@link io.github.mbedtlsjni.mbedtls.VerifyFlag},
 * {@link io.github.mbedtlsjni.mbedtls.MbedTlsException}).
 *
 * <p>Each class owns one native structure: {@code new} is {@code mbedtls_*_init}, {@code close()}
 * is {@code mbedtls_*_free} (idempotent, and done by a {@link java.lang.ref.Cleaner} for an object
 * dropped without it). A structure Mbed TLS points at (a config's CA chain, a context's config)
 * stays allocated while it is pointed at; every call on a closed object throws
 * {@link java.lang.IllegalStateException}. Every Mbed TLS failure is an unchecked
 * {@link io.github.mbedtlsjni.mbedtls.MbedTlsException} with Mbed TLS's code.
 */
package io.github.mbedtlsjni.mbedtls;
