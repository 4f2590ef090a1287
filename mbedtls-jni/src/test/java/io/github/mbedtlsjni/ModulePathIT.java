package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.KeyType;
import io.github.mbedtlsjni.testing.OpenSslServer;
import io.github.mbedtlsjni.testing.TestPki;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar (system property {@code mbedtlsjni.jar}) as a named module: a small modular
 * application that knows only the JDK's API ({@code uses java.security.Provider}, no
 * {@code requires} of the library) runs from the module path with the jar, native-lib-loader and
 * slf4j-api beside it, finds the provider through {@link java.util.ServiceLoader} (the
 * descriptor's {@code provides}), and makes a verified TLS connection to {@code openssl s_server}
 * through the provider's {@code SSLSocket}, so the library loads its native library from inside
 * the module. On this JDK (17) and on JDK 25 (system property {@code mbedtlsjni.jdk25}, a
 * JAVA_HOME; else the first JDK 25 installed in /usr/lib/jvm, by its {@code release} file), where
 * {@code --enable-native-access=io.github.mbedtlsjni} must leave nothing on the console.
 */
class ModulePathIT {
    private static final String APP = "demo.provider";
    private static final String MODULE = "io.github.mbedtlsjni";
    private static final Set<String> EXPORTED = Set.of(MODULE, MODULE + ".mbedtls", MODULE + ".jsse");

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static Path app;

    @BeforeAll
    static void buildTheApplication() throws Exception {
        pki = TestPki.create(dir, KeyType.EC_P256);
        Path src = dir.resolve("app-src");
        Files.createDirectories(src.resolve("demo"));
        Files.writeString(src.resolve("module-info.java"), "module " + APP + " { uses java.security.Provider; }\n");
        Files.writeString(src.resolve("demo/ProviderApp.java"), String.join("\n",
                "package demo;",
                "",
                "import java.io.BufferedReader;",
                "import java.io.InputStream;",
                "import java.io.InputStreamReader;",
                "import java.lang.module.ModuleDescriptor;",
                "import java.nio.charset.StandardCharsets;",
                "import java.nio.file.Files;",
                "import java.nio.file.Path;",
                "import java.security.KeyStore;",
                "import java.security.Provider;",
                "import java.security.cert.CertificateFactory;",
                "import java.util.ServiceLoader;",
                "import java.util.TreeSet;",
                "import javax.net.ssl.SSLContext;",
                "import javax.net.ssl.SSLParameters;",
                "import javax.net.ssl.SSLSocket;",
                "import javax.net.ssl.TrustManagerFactory;",
                "",
                "public final class ProviderApp {",
                "    public static void main(String[] args) throws Exception {",
                "        Provider mbedtls = null;",
                "        for (Provider p : ServiceLoader.load(Provider.class)) {",
                "            if (p.getName().equals(\"MbedTLS\")) {",
                "                mbedtls = p;",
                "            }",
                "        }",
                "        if (mbedtls == null) {",
                "            throw new IllegalStateException(\"ServiceLoader found no MbedTLS provider\");",
                "        }",
                "        Module m = mbedtls.getClass().getModule();",
                "        TreeSet<String> exported = new TreeSet<>();",
                "        for (ModuleDescriptor.Exports e : m.getDescriptor().exports()) {",
                "            exported.add(e.source());",
                "        }",
                "        System.out.println(\"module \" + m.getName() + \" named=\" + m.isNamed());",
                "        System.out.println(\"exports \" + String.join(\",\", exported));",
                "        System.out.println(\"packages \" + String.join(\",\", new TreeSet<>(m.getPackages())));",
                "        KeyStore trust = KeyStore.getInstance(\"PKCS12\");",
                "        trust.load(null, null);",
                "        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {",
                "            trust.setCertificateEntry(\"ca\", CertificateFactory.getInstance(\"X.509\").generateCertificate(in));",
                "        }",
                "        TrustManagerFactory tmf = TrustManagerFactory.getInstance(\"PKIX\", mbedtls);",
                "        tmf.init(trust);",
                "        SSLContext tls = SSLContext.getInstance(\"TLS\", mbedtls);",
                "        tls.init(null, tmf.getTrustManagers(), null);",
                "        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(\"localhost\", Integer.parseInt(args[1]))) {",
                "            SSLParameters params = s.getSSLParameters();",
                "            params.setEndpointIdentificationAlgorithm(\"HTTPS\");",
                "            s.setSSLParameters(params);",
                "            s.getOutputStream().write(\"hello\\n\".getBytes(StandardCharsets.UTF_8));",
                "            s.getOutputStream().flush();",
                "            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();",
                "            System.out.println(\"connected \" + s.getSession().getProtocol() + \" \" + line);",
                "        }",
                "    }",
                "}",
                ""));
        Files.writeString(src.resolve("demo/DefaultContext.java"), String.join("\n",
                "package demo;",
                "",
                "public final class DefaultContext {",
                "    public static void main(String[] args) throws Exception {",
                "        System.out.println(javax.net.ssl.SSLContext.getDefault().getProvider().getName());",
                "    }",
                "}",
                ""));
        app = dir.resolve("app");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "11", "-d", app.toString(), src.resolve("module-info.java").toString(),
                src.resolve("demo/ProviderApp.java").toString(), src.resolve("demo/DefaultContext.java").toString());
        assertEquals(0, rc, "the application compiles");
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("mbedtlsjni.jar"));
        assertTrue(Files.isRegularFile(jar), jar::toString);
        return jar;
    }

    /** Where a class of the test class path comes from: native-lib-loader's jar, slf4j-api's. */
    private static String jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String modulePath() throws URISyntaxException {
        return String.join(File.pathSeparator, app.toString(), jar().toString(),
                jarOf(org.scijava.nativelib.NativeLoader.class), jarOf(org.slf4j.Logger.class));
    }

    /** The jar's descriptor, as the JDK reads it from the multi-release jar. */
    @Test
    void theJarIsTheNamedModuleWithTheApiPackagesExportedAndTheProvider() {
        ModuleReference ref = ModuleFinder.of(jar()).find(MODULE).orElseThrow(
                () -> new AssertionError("no module " + MODULE + " in " + jar()));
        ModuleDescriptor d = ref.descriptor();
        assertTrue(!d.isAutomatic(), "an explicit module, not an automatic one");
        assertEquals(EXPORTED, d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), "exports to everyone");
        assertTrue(d.packages().contains(MODULE + ".internal"), "internal is in the module, concealed");
        assertEquals(Set.of("org.scijava.nativelib", "java.base"),
                d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
        assertEquals(List.of("io.github.mbedtlsjni.jsse.MbedTlsProvider"), d.provides().stream()
                .filter(p -> p.service().equals("java.security.Provider")).flatMap(p -> p.providers().stream())
                .collect(Collectors.toList()));
    }

    @Test
    void theProviderRunsFromTheModulePathOnThisJdk() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Run run = runApp(java);
        assertConnected(run);
        assertEquals("", run.err, "nothing on the console: " + run);
    }

    /** native-lib-loader, not the library, reads the resource: it finds it because the module is open. */
    @Test
    void nativeLibLoaderFindsTheNativeInTheModule() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Run run = runApp(java, "-Dmbedtlsjni.loader=native-lib-loader");
        assertConnected(run);
        // SLF4J without a binding says so; that it initialised shows native-lib-loader ran.
        assertTrue(run.err.contains("SLF4J"), run.toString());
    }

    /** A JDK 25's java: -Dmbedtlsjni.jdk25=JAVA_HOME, else one in /usr/lib/jvm by its release file; null if none. */
    private static Path jdk25() throws IOException {
        String given = System.getProperty("mbedtlsjni.jdk25");
        if (given != null) {
            return Path.of(given, "bin", "java");
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : (Iterable<Path>) homes.sorted()::iterator) {
                Path release = home.resolve("release");
                if (Files.isReadable(release) && Files.readAllLines(release).stream()
                        .anyMatch(l -> l.startsWith("JAVA_VERSION=\"25"))) {
                    return home.resolve("bin/java");
                }
            }
        }
        return null;
    }

    @Test
    void theProviderRunsFromTheModulePathOnJdk25WithNativeAccessForTheModule() throws Exception {
        Path java = jdk25();
        Assumptions.assumeTrue(java != null && Files.isExecutable(java),
                "no JDK 25 (in /usr/lib/jvm, or -Dmbedtlsjni.jdk25=JAVA_HOME): " + java);
        Run run = runApp(java, "--enable-native-access=" + MODULE);
        assertTrue(run.version.contains("\"25"), run.version);
        assertConnected(run);
        assertEquals("", run.err, "no native-access warning: the module that calls System.load is " + MODULE + ": " + run);
        // The check can fail: without the flag, JDK 25 warns and names the module.
        Run warned = runApp(java);
        assertConnected(warned);
        assertTrue(warned.err.contains("--enable-native-access=" + MODULE), warned.toString());
    }

    /**
     * {@code security.provider.1=MbedTLS} in a {@code java.security} file, the JDK's own providers
     * kept after it, makes it the default {@code SSLContext}'s provider from the module path too:
     * the JDK finds it by name through {@code ServiceLoader}, the module bound as a service.
     */
    @Test
    void aJavaSecurityLineNamesTheProviderFromTheModulePath() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> jdk = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(System.getProperty("java.home"), "conf", "security", "java.security"))) {
            Matcher m = Pattern.compile("security\\.provider\\.\\d+=(.*)").matcher(line.strip());
            if (m.matches()) {
                jdk.add(m.group(1).strip());
            }
        }
        assertTrue(jdk.size() >= 5, "the JDK's providers: " + jdk);
        List<String> lines = new ArrayList<>();
        lines.add("security.provider.1=MbedTLS");
        for (int i = 0; i < jdk.size(); i++) {
            lines.add("security.provider." + (i + 2) + "=" + jdk.get(i));
        }
        Path file = dir.resolve("mbedtls.security");
        Files.write(file, lines);
        Run run = run(java, List.of("-Djava.security.properties=" + file), "demo.DefaultContext");
        assertEquals(0, run.status, run.toString());
        assertEquals("MbedTLS", run.out.strip(), run.toString());
        Run without = run(java, List.of(), "demo.DefaultContext");
        assertEquals("SunJSSE", without.out.strip(), "the check can fail: " + without);
    }

    private static void assertConnected(Run run) {
        assertEquals(0, run.status, run.toString());
        List<String> lines = run.out.lines().collect(Collectors.toList());
        assertEquals(4, lines.size(), run.toString());
        assertEquals("module " + MODULE + " named=true", lines.get(0), run.toString());
        assertEquals("exports " + String.join(",", new TreeSet<>(EXPORTED)), lines.get(1), run.toString());
        assertTrue(lines.get(2).contains(MODULE + ".internal"), run.toString());
        // TLS 1.3 where the Mbed TLS built has it (3.6), else 1.2.
        assertTrue(lines.get(3).matches("connected TLSv1\\.[23] " + OpenSslServer.reverse("hello")), run.toString());
    }

    private static final class Run {
        final String version;
        final int status;
        final String out;
        final String err;

        Run(String version, int status, String out, String err) {
            this.version = version;
            this.status = status;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return version + ": status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Run runApp(Path java, String... options) throws Exception {
        try (OpenSslServer server = OpenSslServer.builder(pki).start()) {
            return run(java, List.of(options), "demo.ProviderApp", pki.rootPem().toString(), Integer.toString(server.port()));
        }
    }

    private static Run run(Path java, List<String> options, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(options);
        cmd.addAll(List.of("--module-path", modulePath(), "-m", APP + "/" + main));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) { // a watchdog, not a measurement
            p.destroyForcibly();
            throw new AssertionError("the application did not finish: " + cmd);
        }
        Process v = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
        v.waitFor();
        return new Run(version, p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
