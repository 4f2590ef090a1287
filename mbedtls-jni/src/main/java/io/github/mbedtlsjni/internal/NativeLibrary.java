package io.github.mbedtlsjni.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.scijava.nativelib.BaseJniExtractor;

/**
 * Loads {@code libmbedtlsjni} once, on first use of any class of this package.
 *
 * <p>Which library: the file named by the system property {@code mbedtlsjni.library} (a
 * sanitizer build, say), or else the jar resource {@code natives/<platform>/libmbedtlsjni.so}
 * for the platform {@link NativePlatform} detects — including the ABI, which
 * native-lib-loader's own platform guess does not look at (it would hand an armhf library to a
 * soft-float JVM). A platform the jar has no library for gets one {@link UnsatisfiedLinkError}
 * naming the detected platform and the platforms the jar has; nothing is loaded.
 *
 * <p>Who extracts it: org.scijava:native-lib-loader (its {@code BaseJniExtractor}, see
 * {@link #loadWithNativeLibLoader}) whenever SLF4J has somewhere to send its messages — a
 * binding or provider on the class path, or {@code -Dslf4j.provider}. Without one, SLF4J would
 * print its "no binding" warning on the console and then drop every message; so then, and with
 * {@code -Dmbedtlsjni.loader=direct}, this class copies the resource itself (see
 * {@link #loadDirectly}), which prints nothing and starts faster.
 * {@code -Dmbedtlsjni.loader=native-lib-loader} insists on native-lib-loader. Either way this
 * class calls {@code System.load}, so on JDK 22+ it is this library's module
 * ({@code io.github.mbedtlsjni}, or the unnamed module on the class path) that needs native
 * access.
 *
 * <p>A failure is remembered and reported again, with the same explanation, on every later use.
 */
public final class NativeLibrary {
    public static final String NAME = "mbedtlsjni";
    public static final String PATH_PROPERTY = "mbedtlsjni.library";
    public static final String LOADER_PROPERTY = "mbedtlsjni.loader";
    /** The list of natives/ directories the build filled (cmake/BuildNatives.cmake). */
    private static final String INDEX = "natives/platforms.txt";

    private static volatile boolean loaded;
    private static UnsatisfiedLinkError failure; // guarded by NativeLibrary.class

    private NativeLibrary() {}

    public static void ensureLoaded() {
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
                throw failed("cannot load -D" + PATH_PROPERTY + "=" + explicit + ": " + e.getMessage(), e);
            }
        }
        NativePlatform platform = NativePlatform.current();
        ClassLoader loader = classLoader();
        String resource = platform.dir == null ? null : "natives/".concat(platform.dir).concat("/lib").concat(NAME).concat(".so");
        URL url = resource == null ? null : loader.getResource(resource);
        if (url == null) {
            throw failed("no native library for this platform: " + platform.description
                    + (platform.dir != null ? " (natives/" + platform.dir + "/)" : "")
                    + ". This jar has natives for " + platforms(loader)
                    + ". Build one for this platform with -Dmbedtls.toolchain=FILE (docs/platforms.md), "
                    + "or name one with -D" + PATH_PROPERTY + "=/path/to/lib" + NAME + ".so", null);
        }
        String choice = System.getProperty(LOADER_PROPERTY, "");
        boolean viaNativeLibLoader = choice.equals("native-lib-loader")
                || (!choice.equals("direct") && slf4jHasBinding(loader));
        try {
            if (viaNativeLibLoader) {
                loadWithNativeLibLoader(platform);
            } else {
                loadDirectly(url);
            }
        } catch (IOException | UnsatisfiedLinkError | URISyntaxException e) {
            throw failed("cannot load " + resource + " (" + platform.description + ") "
                    + (viaNativeLibLoader ? "via native-lib-loader" : "from the jar") + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw failed("native-lib-loader is not usable (" + e + "); -D" + LOADER_PROPERTY + "=direct loads without it", e);
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        return cl != null ? cl : ClassLoader.getSystemClassLoader();
    }

    /**
     * Whether SLF4J, once native-lib-loader initialises it, has a binding (1.7) or provider
     * (2.x) to log to. Looked up as resources, so that SLF4J itself is not initialised here.
     */
    private static boolean slf4jHasBinding(ClassLoader loader) {
        if (System.getProperty("slf4j.provider") != null) {
            return true;
        }
        ClassLoader cl;
        try {
            cl = BaseJniExtractor.class.getClassLoader(); // a class literal does not initialise the class
        } catch (LinkageError e) {
            return false; // native-lib-loader is not on the class path
        }
        if (cl == null) {
            cl = loader;
        }
        return cl.getResource("org/slf4j/impl/StaticLoggerBinder.class") != null
                || cl.getResource("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null;
    }

    /**
     * native-lib-loader's extractor finds the resource (through this library's class loader) and
     * copies it, logging to SLF4J, into a directory of the kind whose leftovers from earlier runs
     * it cleans up ({@code nativelib-loader_*} in {@code java.io.tmpdir}). Not its default
     * extractor ({@code NativeLoader.getJniExtractor()}), which names its directory with
     * {@code File.createTempFile}: the directory is a new one instead (see {@link #newDirectory}),
     * deleted with the library as soon as it is loaded.
     */
    private static void loadWithNativeLibLoader(NativePlatform platform) throws IOException {
        File dir = newDirectory(new File(System.getProperty("java.io.tmpdir")), "nativelib-loader_");
        File file = null;
        try {
            file = new Extractor(dir).extractJni("natives/".concat(platform.dir).concat("/"), NAME);
            if (file == null) {
                throw new IOException("native-lib-loader did not find natives/" + platform.dir + "/lib" + NAME + ".so");
            }
            System.load(file.getAbsolutePath());
        } finally {
            deleteLoaded(file, dir);
        }
    }

    /** native-lib-loader's extraction into one given directory. */
    private static final class Extractor extends BaseJniExtractor {
        private final File dir;

        Extractor(File dir) throws IOException {
            super(NativeLibrary.class);
            this.dir = dir;
        }

        @Override
        public File getJniDir() {
            return dir;
        }

        @Override
        public File getNativeDir() {
            return dir;
        }
    }

    /**
     * The resource loaded in place from a class directory, or else copied into a new directory
     * (see {@link #newDirectory}) that is deleted with the copy as soon as it is loaded (the
     * mapping stays valid): nothing is left behind, so there is no bookkeeping of earlier runs'
     * files to do.
     */
    private static void loadDirectly(URL url) throws IOException, URISyntaxException {
        if (url.getProtocol().equals("file")) {
            System.load(Path.of(url.toURI()).toString());
            return;
        }
        File dir = newDirectory(new File(System.getProperty("java.io.tmpdir")), "libmbedtlsjni-");
        File file = new File(dir, "lib".concat(NAME).concat(".so"));
        try {
            try (InputStream in = url.openStream(); OutputStream out = new FileOutputStream(file)) {
                in.transferTo(out);
            }
            System.load(file.getPath());
        } finally {
            deleteLoaded(file, dir);
        }
    }

    /**
     * A new directory {@code PREFIX<hex>} in {@code parent}, created by this call ({@code mkdir}
     * fails for anything that exists, a link included), so that only this process writes into
     * it. Named after the clock: this runs on a cold start, where {@code File.createTempFile}
     * would initialise {@code SecureRandom} (and with it the JDK's security providers) and a
     * process id would initialise {@code ProcessHandle} (which starts a thread pool).
     */
    private static File newDirectory(File parent, String prefix) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            File dir = new File(parent, prefix.concat(Long.toHexString(System.nanoTime())));
            if (dir.mkdir()) {
                return dir;
            }
        }
        throw new IOException("could not create a directory in " + parent);
    }

    /** Deletes the copy of the library and its directory, loaded or not; what remains is harmless. */
    private static void deleteLoaded(File file, File dir) {
        if (file != null) {
            file.delete();
        }
        dir.delete();
    }

    /** The natives/ directories of the jar, described, for messages. */
    private static String platforms(ClassLoader loader) {
        List<String> dirs = new ArrayList<>();
        try (InputStream in = loader.getResourceAsStream(INDEX)) {
            if (in != null) {
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        dirs.add(line.strip() + " (" + NativePlatform.describeDir(line.strip()) + ")");
                    }
                }
            }
        } catch (IOException e) {
            // fall through: unknown
        }
        return dirs.isEmpty() ? "no platform (no " + INDEX + ")" : String.join(", ", dirs);
    }

    private static UnsatisfiedLinkError failed(String what, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("mbedtls-jni: cannot load native library '" + NAME
                + "' on platform " + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + what);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
