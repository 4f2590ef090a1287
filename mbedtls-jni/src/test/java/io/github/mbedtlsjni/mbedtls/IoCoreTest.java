package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The native I/O core under both bios ({@code native/ssl_io.c}), driven by
 * {@code native/tools/io_core_check.c} with a bio scripted in C: a send that fails with
 * {@code MBEDTLS_ERR_SSL_INTERNAL_ERROR} is reported as that failure, not as "call again" (the
 * memory bio once used that code as its own "no room" marker); a record taken a few bytes per
 * call, by the handshake and by flushes in turn, goes out exactly once; a bio that waits makes
 * the call go on after each wait. What real peers show of the core is in {@link IoTest},
 * {@link MemoryBioTest}, {@link BufferBoundsTest} and the provider's tests.
 */
class IoCoreTest {
    private static final List<String> CHECKS = List.of(
            "handshake-leaves-clienthello-pending",
            "close-notify-blocked-is-not-made",
            "close-notify-reports-internal-error",
            "close-notify-error-is-not-not-made",
            "flush-reports-send-error",
            "pieces-make-one-record",
            "pieces-nothing-left",
            "pieces-took-several-calls",
            "waiting-bio-returns-wait-result",
            "waiting-bio-one-record",
            "waiting-bio-waited");

    @Test
    void theIoCoreUnderAScriptedBio() throws Exception {
        String property = System.getProperty("mbedtlsjni.io.core.check");
        assertTrue(property != null, "system property mbedtlsjni.io.core.check (set by the pom) names native/tools/io_core_check");
        Path program = Path.of(property);
        assertTrue(Files.isExecutable(program), program + " was not built");
        Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "io_core_check did not finish");
        List<String> lines = out.lines().collect(Collectors.toList());
        List<String> failed = lines.stream().filter(l -> !l.startsWith("ok ")).collect(Collectors.toList());
        assertEquals(List.of(), failed, "io_core_check:\n" + out);
        assertEquals(CHECKS, lines.stream().map(l -> l.substring(3)).collect(Collectors.toList()), "every check ran");
        assertEquals(0, p.exitValue(), out);
    }
}
