package io.github.mbedtlsjni;

import java.io.IOException;
import org.scijava.nativelib.NativeLibraryUtil;
import org.scijava.nativelib.NativeLoader;

/**
 * Loads {@code libmbedtlsjni} once, on first use of any class of this package.
 *
 * <p>The library is looked up, in this order: the file named by the system property
 * {@code mbedtlsjni.library} (for instance a sanitizer build), then the jar resource
 * {@code natives/<platform>/} through org.scijava:native-lib-loader. A failure is remembered and
 * reported again, with the same explanation, on every later use.
 */
final class NativeLibrary {
    static final String NAME = "mbedtlsjni";
    static final String PATH_PROPERTY = "mbedtlsjni.library";

    private static volatile boolean loaded;
    private static UnsatisfiedLinkError failure; // guarded by NativeLibrary.class

    private NativeLibrary() {}

    static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            if (failure == null) {
                try {
                    load();
                    loaded = true;
                    return;
                } catch (UnsatisfiedLinkError e) {
                    failure = e;
                }
            }
            UnsatisfiedLinkError again = new UnsatisfiedLinkError(failure.getMessage());
            again.initCause(failure.getCause());
            throw again;
        }
    }

    private static void load() {
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            try {
                System.load(explicit);
                return;
            } catch (UnsatisfiedLinkError e) {
                throw failed(platform, "the file named by -D" + PATH_PROPERTY + "=" + explicit, e);
            }
        }
        String where;
        try {
            if (NativeLibraryUtil.getArchitecture() == NativeLibraryUtil.Architecture.UNKNOWN) {
                throw failed(platform, "nothing: native-lib-loader does not know this platform", null);
            }
            where = "jar resource " + NativeLibraryUtil.getPlatformLibraryPath("natives/")
                    + NativeLibraryUtil.getPlatformLibraryName(NAME) + " (via native-lib-loader)";
        } catch (LinkageError e) {
            throw failed(platform, "nothing: native-lib-loader is not usable", e);
        }
        try {
            NativeLoader.loadLibrary(NAME);
        } catch (IOException | UnsatisfiedLinkError e) {
            throw failed(platform, where, e);
        }
    }

    private static UnsatisfiedLinkError failed(String platform, String tried, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("mbedtls-jni: cannot load native library '"
                + NAME + "' on platform " + platform + "; tried " + tried
                + (cause != null ? ": " + cause.getMessage() : "")
                + ". Supported: Linux x86-64 jars built by this project, or -D" + PATH_PROPERTY
                + "=/path/to/lib" + NAME + ".so");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
