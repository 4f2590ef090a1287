package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How the cross builds fail when they cannot run (docs/platforms.md): a missing Debian cross
 * compiler names the package to install, an unknown -Dmbedtls.targets name lists the known
 * ones. CMake's configure step only, in throw-away directories.
 */
class CrossBuildTest {
    @TempDir
    Path tmp;

    private static Path cmake() {
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            Path p = Path.of(dir, "cmake");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("cmake is not on PATH");
    }

    private static Path root() {
        return Path.of(System.getProperty("mbedtlsjni.native.source.dir")).getParent();
    }

    /** Exit status and output (white space folded: CMake wraps long messages). */
    private static String[] run(Path path, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (path != null) {
            pb.environment().put("PATH", path.toString());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new String[] {Integer.toString(p.exitValue()), out.replaceAll("\\s+", " ")};
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"linux_arm64, aarch64-linux-gnu-gcc, gcc-aarch64-linux-gnu",
                "linux_arm, arm-linux-gnueabihf-gcc, gcc-arm-linux-gnueabihf",
                "linux_64, x86_64-linux-gnu-gcc, gcc-x86-64-linux-gnu"})
    void aMissingCrossCompilerNamesTheDebianPackage(String platform, String compiler, String pkg) throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-path"));
        List<String> cmd = new ArrayList<>(List.of(cmake().toString(), "-S", root().resolve("native").toString(),
                "-B", tmp.resolve("build").toString(),
                "-DCMAKE_TOOLCHAIN_FILE=" + root().resolve("cmake/toolchain-" + platform + ".cmake")));
        String[] r = run(empty, cmd); // the compiler is looked up on PATH: an empty one has none
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("The cross compiler " + compiler + " is not installed. On Debian: apt-get install " + pkg), r[1]);
    }

    @Test
    void anUnknownTargetNameListsTheKnownOnes() throws Exception {
        String[] r = run(null, List.of(cmake().toString(), "-DMJ_TARGETS=linux_arm64,linux_mips",
                "-DMJ_BUILD_DIR=" + tmp.resolve("build"), "-DMJ_OUTPUT_DIR=" + tmp.resolve("natives"),
                "-DJAVA_HOME=" + System.getProperty("java.home"), "-DJNI_HEADERS_DIR=" + tmp,
                "-P", root().resolve("cmake/BuildNatives.cmake").toString()));
        assertNotEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("-Dmbedtls.targets: unknown platform 'linux_mips'; use host, all, or some of "
                + "linux_64, linux_arm64, linux_arm separated by commas"), r[1]);
        assertTrue(!Files.exists(tmp.resolve("build-linux_arm64")), "nothing is built before the names are checked");
    }
}
