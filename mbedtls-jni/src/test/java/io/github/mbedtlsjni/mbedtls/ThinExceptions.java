package io.github.mbedtlsjni.mbedtls;

/**
 * Thin-layer exceptions as the native side makes them, for the tests of code that maps them (the
 * application API's IOException types): their constructors are not public API, only the library
 * creates them.
 */
public final class ThinExceptions {
    private ThinExceptions() {}

    /** An {@link MbedTlsException} with this code, function and {@code mbedtls_strerror} text. */
    public static MbedTlsException mbedTls(int code, String function, String errorText) {
        return new MbedTlsException(code, function, errorText);
    }
}
