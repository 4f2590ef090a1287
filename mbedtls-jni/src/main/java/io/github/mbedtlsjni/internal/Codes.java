package io.github.mbedtlsjni.internal;

/**
 * The Mbed TLS error codes the Java side acts on, each with the value the linked Mbed TLS's
 * headers give it ({@link NativeConstants}): no code is written in Java. A field {@code X} holds
 * {@code MBEDTLS_ERR_X} (NativeConstantsTest checks every one). Initialised on first use, which
 * is an error path: the table is built from the native side then, not at start-up.
 */
public final class Codes {
    /** A timeout of the binding's socket waits (read, write, handshake deadline). */
    public static final int SSL_TIMEOUT = code("SSL_TIMEOUT");
    /** {@code mbedtls_net_connect}: the host name did not resolve. */
    public static final int NET_UNKNOWN_HOST = code("NET_UNKNOWN_HOST");
    /** {@code mbedtls_net_connect}: no address of the host accepted the connection. */
    public static final int NET_CONNECT_FAILED = code("NET_CONNECT_FAILED");
    /** A key is encrypted and no password was given. */
    public static final int PK_PASSWORD_REQUIRED = code("PK_PASSWORD_REQUIRED");
    public static final int PK_FEATURE_UNAVAILABLE = code("PK_FEATURE_UNAVAILABLE");
    public static final int PK_ALLOC_FAILED = code("PK_ALLOC_FAILED");
    public static final int PK_FILE_IO_ERROR = code("PK_FILE_IO_ERROR");
    public static final int PEM_FEATURE_UNAVAILABLE = code("PEM_FEATURE_UNAVAILABLE");
    public static final int PEM_UNKNOWN_ENC_ALG = code("PEM_UNKNOWN_ENC_ALG");
    public static final int PEM_ALLOC_FAILED = code("PEM_ALLOC_FAILED");
    public static final int PKCS5_FEATURE_UNAVAILABLE = code("PKCS5_FEATURE_UNAVAILABLE");
    public static final int PKCS12_FEATURE_UNAVAILABLE = code("PKCS12_FEATURE_UNAVAILABLE");
    public static final int CIPHER_FEATURE_UNAVAILABLE = code("CIPHER_FEATURE_UNAVAILABLE");
    public static final int CIPHER_ALLOC_FAILED = code("CIPHER_ALLOC_FAILED");
    /** What a parse reports when its extension callback threw (the glue's stand-in, as for a verify callback). */
    public static final int X509_FATAL_ERROR = code("X509_FATAL_ERROR");

    private Codes() {}

    private static int code(String name) {
        Long value = NativeConstants.all().get("MBEDTLS_ERR_" + name);
        if (value == null) {
            throw new IllegalStateException("the native library has no MBEDTLS_ERR_" + name);
        }
        return value.intValue();
    }
}
