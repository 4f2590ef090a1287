package io.github.mbedtlsjni.internal;

import io.github.mbedtlsjni.mbedtls.MbedTlsError;
import io.github.mbedtlsjni.mbedtls.VerifyFlag;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The C side's value of every constant the Java side mirrors: Mbed TLS's error codes and verify
 * flags as the linked Mbed TLS's headers define them, and the glue's ordinal tables (TLS versions,
 * auth modes, verification profile hashes, key types and curves, inbound states). Java passes
 * enums to C by ordinal and names C's codes in {@link MbedTlsError} and {@link VerifyFlag}; the
 * tests compare every one of those with this table, so the two sides cannot drift apart.
 * Wraps no Mbed TLS function and allocates no native memory.
 */
public final class NativeConstants {
    private static volatile Map<String, Long> table;

    private NativeConstants() {}

    /** Name to value, e.g. {@code MBEDTLS_ERR_SSL_TIMEOUT} or {@code TlsVersion.TLS1_3}. */
    public static Map<String, Long> all() {
        Map<String, Long> t = table;
        if (t == null) {
            NativeLibrary.ensureLoaded();
            String[] names = nNames();
            long[] values = nValues();
            Map<String, Long> map = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                map.put(names[i], values[i]);
            }
            table = t = Collections.unmodifiableMap(map);
        }
        return t;
    }

    private static native String[] nNames();

    private static native long[] nValues();
}
