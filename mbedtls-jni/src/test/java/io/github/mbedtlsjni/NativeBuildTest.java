package io.github.mbedtlsjni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the CMake build obtains Mbed TLS: pinned hashes are enforced, failures say what was tried
 * and how to fix it, and the Debian route works from an empty cache. Runs CMake's configure step
 * only, in throw-away build directories.
 */
class NativeBuildTest {
    static final String SHA_367 = "a7e8bcbec0e6f761b4af24f25677626b35f762f68eef79c08677a363212d11f6";
    static final String SHA_366 = "8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a";

    @TempDir
    Path tmp;

    record Result(int exit, String output) {}

    private Result configure(String... defines) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("cmake",
                "-S", System.getProperty("mbedtlsjni.native.source.dir"),
                "-B", tmp.resolve("build").toString(),
                "-DJAVA_HOME=" + System.getProperty("java.home"),
                "-DJNI_HEADERS_DIR=" + System.getProperty("mbedtlsjni.native.headers.dir"),
                "-DMBEDTLS_CACHE_DIR=" + tmp.resolve("cache")));
        for (String d : defines) {
            cmd.add("-D" + d);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        // CMake wraps and indents long messages: compare with white space folded.
        return new Result(p.exitValue(), out.replaceAll("\\s+", " "));
    }

    @Test
    void aTarballWithTheWrongHashStopsTheBuildSayingWhatWasExpectedAndFound() throws Exception {
        Path bogus = tmp.resolve("mbedtls-3.6.7.tar.bz2");
        Files.writeString(bogus, "not mbed tls");
        String found = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bogus)));
        Result r = configure("MBEDTLS_VERSION=3.6.7", "MBEDTLS_SOURCE=" + bogus);
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("SHA-256 mismatch"), r.output());
        assertTrue(r.output().contains("expected " + SHA_367), r.output());
        assertTrue(r.output().contains("found " + found), r.output());
    }

    @Test
    void aCachedTarballWithTheWrongHashIsIgnoredAndReported() throws Exception {
        Files.createDirectories(tmp.resolve("cache"));
        Files.writeString(tmp.resolve("cache/mbedtls-3.6.7.tar.bz2"), "tampered");
        Result r = configure("MBEDTLS_VERSION=3.6.7", "MBEDTLS_FETCH_METHODS=cache");
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("SHA-256 mismatch (found"), r.output());
    }

    @Test
    void anUnknownVersionAsksForASourceAndItsHash() throws Exception {
        Result r = configure("MBEDTLS_VERSION=9.9.9");
        assertNotEquals(0, r.exit());
        assertTrue(r.output().contains("not a known version"), r.output());
        assertTrue(r.output().contains("-Dmbedtls.source=PATH -Dmbedtls.sha256=SHA256"), r.output());
    }

    @Test
    void whenNothingWorksTheErrorListsWhatWasTriedAndHowToProvideTheTarball() throws Exception {
        Result r = configure("MBEDTLS_VERSION=3.6.7", "MBEDTLS_FETCH_METHODS=cache;upstream");
        assertNotEquals(0, r.exit());
        String out = r.output();
        assertTrue(out.contains("no source could be obtained. Tried:"), out);
        assertTrue(out.contains("mbedtls-3.6.7.tar.bz2: absent"), out);
        assertTrue(out.contains("upstream https://github.com/Mbed-TLS/mbedtls/releases/download/mbedtls-3.6.7/mbedtls-3.6.7.tar.bz2"), out);
        assertTrue(out.contains("Debian source package: not allowed"), out);
        assertTrue(out.contains("-Dmbedtls.source=/path/to/mbedtls-3.6.7.tar.bz2"), out);
    }

    @Test
    void debiansOrigTarballIsFetchedIntoAnEmptyCacheAndChecked() throws Exception {
        Result r = configure("MBEDTLS_VERSION=3.6.6", "MBEDTLS_FETCH_METHODS=debian");
        assertEquals(0, r.exit(), r.output());
        Path cached = tmp.resolve("cache/mbedtls-3.6.6.tar.bz2");
        assertTrue(Files.isRegularFile(cached), r.output());
        assertEquals(SHA_366, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(cached))));
        assertTrue(r.output().contains("Mbed TLS 3.6.6 (pinned)"), r.output());
    }
}
