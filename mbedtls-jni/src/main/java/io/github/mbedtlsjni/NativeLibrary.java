package io.github.mbedtlsjni;

import java.io.IOException;
import org.scijava.nativelib.NativeLibraryUtil;
import org.scijava.nativelib.NativeLoader;

/**
 * Loads {@code libmbedtlsjni} once, on first use of any class of this package.
 *
 * <p>The library is looked up, in this order: the file named by the system property
 * {@code mbedtlsjni.library} (for instance a sanitizer build), then the jar resource
 * {@code natives/<platform>/} through org.scijava:native-lib-loader. With
 * {@code -Dmbedtlsjni.loader=direct}, Linux x86-64 and aarch64 load that same resource without
 * native-lib-loader (see {@link #loadDirectly()}: ~30-150 ms less start-up), falling back to it.
 * A failure is remembered and reported again, with the same explanation, on every later use.
 */
final class NativeLibrary {
    static final String NAME = "mbedtlsjni";
    static final String PATH_PROPERTY = "mbedtlsjni.library";
    static final String LOADER_PROPERTY = "mbedtlsjni.loader";

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
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            try {
                System.load(explicit);
                return;
            } catch (UnsatisfiedLinkError e) {
                throw failed(platform(), "the file named by -D" + PATH_PROPERTY + "=" + explicit, e);
            }
        }
        if ("direct".equals(System.getProperty(LOADER_PROPERTY)) && loadDirectly()) {
            return;
        }
        String platform = platform();
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

    /**
     * The opt-in fast path ({@code -Dmbedtlsjni.loader=direct}) for the platforms this project
     * builds: the jar resource
     * {@code natives/<platform>/libmbedtlsjni.so} (the directory native-lib-loader uses), loaded in
     * place from a class directory, or else copied to a new temporary file that is deleted as
     * soon as it is loaded. It skips native-lib-loader's start-up (SLF4J initialisation, its
     * temporary-directory bookkeeping), which cost ~150 ms of a ~250 ms cold start (scripts/bench,
     * README "Performance"); for the same reason it builds no strings (the first indy string
     * concatenation costs ~50 ms) and draws no SecureRandom (~30 ms) for the file name, which is
     * created exclusively (CREATE_NEW: never an existing file or link). False, having loaded
     * nothing, if the resource is not there; anything unusual falls back to native-lib-loader.
     */
    private static boolean loadDirectly() {
        String arch = System.getProperty("os.arch", "");
        String resource;
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return false;
        } else if (arch.equals("amd64") || arch.equals("x86_64")) {
            resource = "/natives/linux_64/libmbedtlsjni.so";
        } else if (arch.equals("aarch64")) {
            resource = "/natives/linux_arm64/libmbedtlsjni.so";
        } else {
            return false;
        }
        java.net.URL url = NativeLibrary.class.getResource(resource);
        if (url == null) {
            return false;
        }
        try {
            if (url.getProtocol().equals("file")) {
                System.load(java.nio.file.Path.of(url.toURI()).toString());
                return true;
            }
            java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
            String prefix = "libmbedtlsjni-".concat(Long.toString(ProcessHandle.current().pid())).concat("-");
            for (int attempt = 0; attempt < 10; attempt++) {
                java.nio.file.Path file = dir.resolve(prefix.concat(Long.toHexString(System.nanoTime())).concat(".so"));
                java.io.OutputStream out;
                try {
                    out = java.nio.file.Files.newOutputStream(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                            java.nio.file.StandardOpenOption.WRITE);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    continue;
                }
                try {
                    try (out; java.io.InputStream in = url.openStream()) {
                        in.transferTo(out);
                    }
                    System.load(file.toString());
                    return true;
                } finally {
                    java.nio.file.Files.deleteIfExists(file); // the loaded mapping stays valid
                }
            }
            return false;
        } catch (IOException | java.net.URISyntaxException | RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static String platform() {
        return System.getProperty("os.name") + "/" + System.getProperty("os.arch");
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
