package io.github.mbedtlsjni.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.internal.NativePlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Every native library the jar will carry (target/classes/natives/&lt;dir&gt;/, as the build left
 * it): the platforms asked for (-Dmbedtls.targets) and no others, each an ELF file for the
 * platform its directory names, needing no glibc symbol newer than GLIBC_2.17, exporting only
 * JNI entry points. Symbols are read with binutils' {@code readelf}, which reads any
 * architecture's ELF.
 */
class NativesTest {
    static final String GLIBC_FLOOR = "2.17";
    private static final Pattern VERSIONED = Pattern.compile("(\\S+)@(GLIBC_[0-9.]+)");

    private static Path nativesDir() {
        return Path.of(System.getProperty("mbedtlsjni.native.dir"));
    }

    private static List<Path> libraries() throws IOException {
        try (Stream<Path> dirs = Files.list(nativesDir())) {
            return dirs.filter(Files::isDirectory).map(d -> d.resolve("libmbedtlsjni.so")).sorted().toList();
        }
    }

    private static String readelf(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("readelf", "-W"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void theJarCarriesExactlyThePlatformsTheBuildWasAskedFor() throws IOException {
        String host = NativePlatform.current().dir;
        TreeSet<String> expected = new TreeSet<>();
        expected.add(host);
        String targets = System.getProperty("mbedtlsjni.expected.targets", "host");
        if (targets.equals("all")) {
            expected.addAll(List.of("linux_64", "linux_arm64", "linux_arm"));
        } else if (!targets.equals("host") && !targets.isEmpty()) {
            expected.addAll(List.of(targets.split(",")));
        }
        TreeSet<String> present = new TreeSet<>();
        for (Path lib : libraries()) {
            assertTrue(Files.isRegularFile(lib), lib + " is missing from its directory");
            present.add(lib.getParent().getFileName().toString());
        }
        if (System.getProperty("mbedtlsjni.expected.toolchain", "").isEmpty()) {
            assertEquals(expected, present);
        } else {
            assertTrue(present.containsAll(expected), present::toString);
        }
        List<String> index = Files.readAllLines(nativesDir().resolve("platforms.txt"));
        assertEquals(present, new TreeSet<>(index), "natives/platforms.txt lists the directories");
    }

    @Test
    void eachLibraryIsBuiltForThePlatformItsDirectoryNames() throws IOException {
        for (Path lib : libraries()) {
            String dir = lib.getParent().getFileName().toString();
            NativePlatform.Elf elf = NativePlatform.Elf.read(lib);
            assertNotNull(elf, lib + " is not an ELF file");
            switch (dir) {
                case "linux_64" -> assertEquals(62, elf.machine, "EM_X86_64");
                case "linux_arm64" -> assertEquals(183, elf.machine, "EM_AARCH64");
                case "linux_arm" -> {
                    assertEquals(40, elf.machine, "EM_ARM");
                    assertEquals(0x400, elf.flags & 0x400, "EF_ARM_ABI_FLOAT_HARD: armhf's hard-float calling convention");
                }
                default -> { } // a -Dmbedtls.toolchain platform: its directory came from its compiler
            }
        }
    }

    @Test
    void noLibraryNeedsASymbolNewerThanTheGlibcFloor(TestReporter reporter) throws Exception {
        assertTrue(!libraries().isEmpty());
        Map<String, String> tooNew = new TreeMap<>();
        for (Path lib : libraries()) {
            String dir = lib.getParent().getFileName().toString();
            TreeSet<String> versions = new TreeSet<>(NativesTest::compareVersions);
            Matcher m = VERSIONED.matcher(readelf("--dyn-syms", lib.toString()));
            while (m.find()) {
                String version = m.group(2).substring("GLIBC_".length());
                versions.add(version);
                if (compareVersions(version, GLIBC_FLOOR) > 0) {
                    tooNew.put(dir + ": " + m.group(1), m.group(2));
                }
            }
            reporter.publishEntry(dir, "glibc symbol versions " + versions);
            System.out.println("NativesTest: " + dir + " needs glibc " + versions.last() + " (versions " + versions + ")");
        }
        assertEquals(Map.of(), tooNew, "symbols newer than GLIBC_" + GLIBC_FLOOR
                + " (see native/glibc_compat.c for how the others are kept old)");
    }

    @Test
    void eachLibraryExportsOnlyJniEntryPoints() throws Exception {
        for (Path lib : libraries()) {
            List<String> exported = new ArrayList<>();
            for (String line : readelf("--dyn-syms", lib.toString()).split("\n")) {
                String[] f = line.trim().split("\\s+");
                // Num: Value Size Type Bind Vis Ndx Name
                if (f.length >= 8 && f[0].endsWith(":") && !f[6].equals("UND") && f[4].equals("GLOBAL")) {
                    exported.add(f[7]);
                }
            }
            assertTrue(exported.contains("JNI_OnLoad"), lib + ": " + exported);
            List<String> others = exported.stream().filter(s -> !s.startsWith("Java_") && !s.startsWith("JNI_On")).toList();
            assertEquals(List.of(), others, lib + " exports more than JNI entry points");
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int d = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }
}
