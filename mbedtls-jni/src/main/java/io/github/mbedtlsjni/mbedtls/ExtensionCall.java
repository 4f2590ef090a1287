package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.Codes;

/**
 * What the glue calls for each extension of a parse with an {@link X509ExtensionCallback}
 * (native/x509_util.c, {@code mj_x509_ext_call}): the user's callback, with what it threw kept
 * for the parse to throw as the cause of its {@link X509ParseException}. One per parse, on the
 * parsing thread only.
 */
final class ExtensionCall {
    /** The answer that tells the glue the callback failed: no Mbed TLS code is this low. */
    private static final int FAILED = Integer.MIN_VALUE;
    /** The lowest Mbed TLS error code (high-level and low-level parts added): all 15 bits set. */
    private static final int LOWEST_CODE = -Short.MAX_VALUE;

    private final X509ExtensionCallback callback;
    private RuntimeException thrown;

    ExtensionCall(X509ExtensionCallback callback) {
        this.callback = callback;
    }

    /** Called by the glue: the callback's answer, or {@link #FAILED} once it threw. */
    int call(String oid, byte[] oidDer, boolean critical, byte[] value) {
        if (thrown != null) {
            return FAILED;
        }
        try {
            int answer = callback.extension(oid, oidDer, critical, value);
            if (answer > 0 || answer < LOWEST_CODE) {
                throw new IllegalArgumentException("an X509ExtensionCallback returns 0 (accept) or a negative Mbed TLS error code,"
                        + " not " + answer + " (extension " + oid + ")");
            }
            return answer;
        } catch (RuntimeException e) {
            thrown = e;
            return FAILED;
        }
    }

    /** Throws the parse's failure if the callback threw; {@code function} is the Mbed TLS parse function. */
    void rethrow(String function) {
        if (thrown != null) {
            X509ParseException e = new X509ParseException(Codes.X509_FATAL_ERROR, function,
                    MbedTls.errorText(Codes.X509_FATAL_ERROR), "the extension callback threw " + thrown);
            e.initCause(thrown);
            throw e;
        }
    }
}
