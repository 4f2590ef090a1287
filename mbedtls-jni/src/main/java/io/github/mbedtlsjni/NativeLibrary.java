package io.github.mbedtlsjni;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.scijava.nativelib.NativeLoader;

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
 * <p>Who extracts it: org.scijava:native-lib-loader (its {@code JniExtractor}, into its
 * temporary directory) whenever SLF4J has somewhere to send its messages — a binding or
 * provider on the class path, or {@code -Dslf4j.provider}. Without one, SLF4J would print its
 * "no binding" warning on the console and then drop every message; so then, and with
 * {@code -Dmbedtlsjni.loader=direct}, this class copies the resource itself (see
 * {@link #loadDirectly}), which prints nothing and starts faster.
 * {@code -Dmbedtlsjni.loader=native-lib-loader} insists on native-lib-loader. Either way this
 * class calls {@code System.load}, so on JDK 22+ it is this library's module
 * ({@code io.github.mbedtlsjni}, or the unnamed module on the class path) that needs native
 * access.
 *
 * <p>A failure is remembered and reported again, with the same explanation, on every later use.
 */
final class NativeLibrary {
    static final String NAME = "mbedtlsjni";
    static final String PATH_PROPERTY = "mbedtlsjni.library";
    static final String LOADER_PROPERTY = "mbedtlsjni.loader";
    /** The list of natives/ directories the build filled (cmake/BuildNatives.cmake). */
    private static final String INDEX = "natives/platforms.txt";

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
                    + ". Build one for this platform with -Dmbedtls.toolchain=FILE (README \"Platforms\"), "
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
            cl = NativeLoader.class.getClassLoader(); // a class literal does not initialise the class
        } catch (LinkageError e) {
            return false; // native-lib-loader is not on the class path
        }
        if (cl == null) {
            cl = loader;
        }
        return cl.getResource("org/slf4j/impl/StaticLoggerBinder.class") != null
                || cl.getResource("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null;
    }

    /** native-lib-loader finds the resource and extracts it into its temporary directory. */
    private static void loadWithNativeLibLoader(NativePlatform platform) throws IOException {
        File file = NativeLoader.getJniExtractor().extractJni("natives/" + platform.dir + "/", NAME);
        if (file == null) {
            throw new IOException("native-lib-loader did not find natives/" + platform.dir + "/lib" + NAME + ".so");
        }
        System.load(file.getAbsolutePath());
    }

    /**
     * The resource loaded in place from a class directory, or else copied to a new temporary
     * file that is deleted as soon as it is loaded (the mapping stays valid): nothing is left
     * behind, so there is no bookkeeping of earlier runs' files to do. The file is created
     * exclusively (CREATE_NEW: never an existing file or link). This path runs on a cold start,
     * so it builds no strings with {@code +} (the first indy string concatenation bootstraps the
     * method-handle machinery) and draws no SecureRandom (seeding one) for the file name: both
     * would be paid by every program's first connection.
     */
    private static void loadDirectly(URL url) throws IOException, URISyntaxException {
        if (url.getProtocol().equals("file")) {
            System.load(Path.of(url.toURI()).toString());
            return;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        String prefix = "libmbedtlsjni-".concat(Long.toString(ProcessHandle.current().pid())).concat("-");
        for (int attempt = 0; attempt < 10; attempt++) {
            Path file = dir.resolve(prefix.concat(Long.toHexString(System.nanoTime())).concat(".so"));
            OutputStream out;
            try {
                out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            try {
                try (out; InputStream in = url.openStream()) {
                    in.transferTo(out);
                }
                System.load(file.toString());
                return;
            } finally {
                Files.deleteIfExists(file);
            }
        }
        throw new IOException("could not create a temporary file in " + dir);
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
