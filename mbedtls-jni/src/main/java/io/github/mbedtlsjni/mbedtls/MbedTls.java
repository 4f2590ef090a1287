package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Facts about the linked Mbed TLS library, and diagnostics of this binding.
 *
 * <p>Wraps {@code mbedtls_version_get_string}, {@code mbedtls_version_get_number},
 * {@code mbedtls_version_check_feature} and {@code mbedtls_strerror}. Nothing here allocates
 * native memory that the caller must free.
 */
public final class MbedTls {
    private MbedTls() {}

    /** The linked Mbed TLS version, e.g. {@code 3.6.7} ({@code mbedtls_version_get_string}). */
    public static String version() {
        NativeLibrary.ensureLoaded();
        return nVersion();
    }

    /** The linked Mbed TLS version as {@code 0xMMNNPP00} ({@code mbedtls_version_get_number}). */
    public static int versionNumber() {
        NativeLibrary.ensureLoaded();
        return nVersionNumber();
    }

    /**
     * Whether a compile-time option was enabled in the linked Mbed TLS, e.g.
     * {@code hasFeature("MBEDTLS_SSL_PROTO_TLS1_3")} ({@code mbedtls_version_check_feature};
     * the {@code MBEDTLS_} prefix may be omitted).
     *
     * <p>One exception: {@code MBEDTLS_SSL_DTLS_CONNECTION_ID} answers whether the DTLS Connection
     * ID of RFC 9146 is available ({@link SslConfig#maxCidLength()} {@code >= 0}). On Mbed TLS
     * 2.28 that option names a pre-RFC draft, incompatible with RFC 9146 peers, which this binding
     * never uses: there the answer is false whatever the configuration.
     */
    public static boolean hasFeature(String name) {
        Objects.requireNonNull(name, "name");
        NativeLibrary.ensureLoaded();
        String full = name.startsWith("MBEDTLS_") ? name : "MBEDTLS_" + name;
        if (full.equals("MBEDTLS_SSL_DTLS_CONNECTION_ID")) {
            return SslConfig.maxCidLength() >= 0;
        }
        return nCheckFeature(full);
    }

    /** {@code mbedtls_strerror}'s text for an Mbed TLS error code. */
    public static String errorText(int code) {
        NativeLibrary.ensureLoaded();
        return nStrerror(code);
    }

    /**
     * Where the linked Mbed TLS came from: {@code pinned} (built from a tarball checked against
     * the project's SHA-256 table, {@code -Dmbedtls.version}), {@code user} (built from
     * {@code -Dmbedtls.source}) or {@code system} (the shared libraries installed on the system,
     * {@code -Dmbedtls.system=true}). The jar's manifest says the same in {@code Mbed-TLS-Source},
     * next to {@code Mbed-TLS-Version} and {@code Mbed-TLS-Config}.
     */
    public static String buildSource() {
        NativeLibrary.ensureLoaded();
        return nBuildSource();
    }

    /** Which Mbed TLS configuration the native library was built with. */
    public static String buildConfig() {
        NativeLibrary.ensureLoaded();
        return nBuildConfig();
    }

    /**
     * The platform the loaded native library was built for, as the jar's {@code natives/}
     * directory names it: {@code linux_64} (x86-64), {@code linux_arm64} (aarch64),
     * {@code linux_arm} (armhf), or another name for a library built with
     * {@code -Dmbedtls.toolchain} (docs/platforms.md). The library says it itself, so this is
     * right also for a library loaded with {@code -Dmbedtlsjni.library}.
     */
    public static String platform() {
        NativeLibrary.ensureLoaded();
        return nPlatform();
    }

    /**
     * How many native structures of each kind are allocated right now, keyed by Mbed TLS type
     * name ({@code mbedtls_ssl_context}, {@code mbedtls_x509_crt}, ...). A count that only grows
     * points at objects that are neither closed nor garbage: a leak in the application.
     *
     * <p>Every class of this package that owns a native structure is counted, one entry per
     * class, from its constructor until its memory is freed; every kind is present, with 0 when
     * none is allocated. A structure is still counted after {@code close()} while another one
     * uses it (a config held by a context) or a call on it is in flight, and an unclosed object
     * until the garbage collector has found it unreachable and its {@code Cleaner} has run. The
     * memory Mbed TLS allocates inside a structure (a context's record buffers, a chain's parsed
     * certificates) belongs to it and is freed with it. The map is a snapshot; the counters are
     * lock-free, so calling this costs next to nothing.
     */
    public static Map<String, Long> liveNativeObjects() {
        NativeLibrary.ensureLoaded();
        String[] names = nLiveObjectNames();
        long[] counts = nLiveObjectCounts();
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], counts[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    private static native String nVersion();

    private static native int nVersionNumber();

    private static native boolean nCheckFeature(String name);

    private static native String nStrerror(int code);

    private static native String nBuildSource();

    private static native String nBuildConfig();

    private static native String nPlatform();

    private static native String[] nLiveObjectNames();

    private static native long[] nLiveObjectCounts();
}
