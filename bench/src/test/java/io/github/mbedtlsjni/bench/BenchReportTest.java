package io.github.mbedtlsjni.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.MiniJson;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report on recorded raw results: {@code smoke-run/} is what one {@code scripts/bench --smoke}
 * run wrote to target/bench/raw (the checkout's path replaced by /checkout in JMH's JVM
 * arguments). {@code smoke-run-metrics.txt} and {@code smoke-run-tables.txt} are what the shell
 * script's own awk report printed for the same results (its JMH results given to it as the CSV
 * it read): the report in Java must print the same lines.
 */
class BenchReportTest {
    @TempDir
    Path temp;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(BenchReportTest.class.getResource(name).toURI());
    }

    private static Path raw() throws URISyntaxException {
        return resource("smoke-run");
    }

    private static BenchReport report() throws Exception {
        return new BenchReport(BenchResults.read(raw()));
    }

    @Test
    void theMetricLinesAreTheShellScriptsForTheSameResults() throws Exception {
        List<String> expected = Files.readAllLines(resource("smoke-run-metrics.txt"), StandardCharsets.UTF_8);
        assertEquals(52, expected.size());
        assertEquals(expected, report().metricLines());
    }

    @Test
    void theTablesAreTheShellScriptsForTheSameResults() throws Exception {
        String text = report().text();
        for (String block : Files.readString(resource("smoke-run-tables.txt")).split("\n\n")) {
            assertTrue(text.contains(block.strip() + "\n"), "the report has the table\n" + block + "\nin\n" + text);
        }
    }

    /** The C harness runs twice (before and after the binding); a value is the mean of both. */
    @Test
    void aCMetricIsTheMeanOfItsTwoRuns() throws Exception {
        List<Double> values = new ArrayList<>();
        try (Stream<Path> files = Files.list(raw().resolve("c"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".handshake_tls13.c.txt")).collect(Collectors.toList())) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("RESULT ")) {
                        values.add(Double.parseDouble(line.split(" ")[2]));
                    }
                }
            }
        }
        assertEquals(2, values.size(), values::toString);
        assertFalse(values.get(0).equals(values.get(1)), "two different runs: " + values);
        BenchResults r = BenchResults.read(raw());
        assertEquals((values.get(0) + values.get(1)) / 2, r.get("handshake_tls13", "c"));
        // C's bulk and round-trip runs stand for both buffer kinds of the binding.
        assertEquals(r.get("roundtrip_bytearray", "c"), r.get("roundtrip_direct", "c"));
        assertEquals(0.0, r.get("alloc_per_roundtrip_direct", "c"));
    }

    /** JMH's JSON: method and parameters name the metric; the bytes counter gives MB/s, the GC profiler B/op. */
    @Test
    @SuppressWarnings("unchecked")
    void jmhResultsAreNamedByMethodAndParameters() throws Exception {
        Map<String, Object> bulk = null;
        try (Stream<Path> files = Files.list(raw().resolve("jmh"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jni.json")).collect(Collectors.toList())) {
                for (Object o : (List<Object>) MiniJson.parse(Files.readString(f))) {
                    Map<String, Object> run = (Map<String, Object>) o;
                    Map<String, Object> params = (Map<String, Object>) run.get("params");
                    if (run.get("benchmark").equals("io.github.mbedtlsjni.bench.JniBench.bulkWriteDirect")
                            && "aesgcm".equals(params.get("cipher"))) {
                        bulk = run;
                    }
                }
            }
        }
        assertTrue(bulk != null, "the recorded run has JniBench.bulkWriteDirect");
        Map<String, Object> secondary = (Map<String, Object>) bulk.get("secondaryMetrics");
        double bytes = ((Number) ((Map<String, Object>) secondary.get("bytes")).get("score")).doubleValue();
        double alloc = ((Number) ((Map<String, Object>) secondary.get("gc.alloc.rate.norm")).get("score")).doubleValue();
        BenchResults r = BenchResults.read(raw());
        assertEquals(bytes / 1e6, r.get("bulk_write_aesgcm_direct", "jni"));
        assertEquals(alloc, r.get("alloc_per_write_direct", "jni"));
    }

    /** The servers' CPU time per wall time over a phase, from the counters at its start and end. */
    @Test
    void serverCpuIsTheCountersDifferenceOverTheWallTime() throws Exception {
        long[] begin = counters(raw().resolve("server-cpu/029.bulk.begin.txt"));
        long[] end = counters(raw().resolve("server-cpu/029.bulk.end.txt"));
        double share = 100.0 * (end[0] - begin[0]) / ((end[1] - begin[1]) / 1000);
        assertTrue(share > 0, "the servers worked during the phase: " + share);
        String text = report().text();
        assertTrue(text.contains(String.format("server CPU during %-10s %5s%% of one core (of 200%%)%n", "bulk",
                BenchReport.fixed(share, 1))), text);
    }

    private static long[] counters(Path f) throws IOException {
        long cpu = 0;
        long wall = 0;
        for (String w : Files.readString(f).split("\\s+")) {
            if (w.startsWith("cpu_us=")) {
                cpu += Long.parseLong(w.substring(7));
            } else if (w.startsWith("wall_ns=")) {
                wall = Long.parseLong(w.substring(8));
            }
        }
        return new long[] {cpu, wall};
    }

    /** What the run did not measure is "-": a smoke run has no JDK 25 and no fast profile. */
    @Test
    void whatWasNotMeasuredIsADash() throws Exception {
        List<String> lines = report().metricLines();
        assertTrue(lines.stream().noneMatch(l -> l.contains("_fast ")), "no fast lines without the fast profile");
        assertTrue(lines.contains("METRIC lib_size_stripped_kib jni=627 c=- jsse=- jni/c=-"), lines::toString);
        String provider = lines.stream().filter(l -> l.startsWith("METRIC provider_handshake_resumed_tls13 ")).findFirst().orElseThrow();
        assertTrue(provider.contains(" engine=- ") && provider.endsWith(" jsse_engine=-"), provider);
        assertFalse(report().text().contains("JDK 25:"), "no JDK 25 line");
    }

    /** A result file that names no metric fails the report instead of being skipped. */
    @Test
    void aRawFileWithAnUnexpectedNameIsRefused() throws Exception {
        Files.createDirectories(temp.resolve("c"));
        Files.copy(raw().resolve("meta.properties"), temp.resolve("meta.properties"));
        Files.writeString(temp.resolve("c/handshake.txt"), "RESULT handshakes_per_s 1.0 1/s\n");
        assertThrows(RuntimeException.class, () -> BenchResults.read(temp));
        assertThrows(NoSuchFileException.class, () -> BenchResults.read(temp.resolve("missing")));
    }

    /** Numbers as awk and printf print them (checked with mawk and printf on the machine of the recording). */
    @Test
    void numbersAreFormattedAsAwkAndPrintfDo() {
        assertEquals("12648.9", BenchReport.number(12648.9104));
        assertEquals("0.000123456", BenchReport.number(0.000123456));
        assertEquals("1.23457e+06", BenchReport.number(1234567.8));
        assertEquals("100", BenchReport.number(100.0));
        assertEquals("1000000", BenchReport.number(1e6));
        assertEquals("0.666667", BenchReport.number(2.0 / 3));
        assertEquals("123456", BenchReport.number(123456.5)); // %.6g: the tie goes to even
        assertEquals("-5.5", BenchReport.number(-5.5));
        assertEquals("-", BenchReport.number(Double.NaN));
        assertEquals("0.1", BenchReport.fixed(0.15, 1)); // 0.15 is 0.1499999... in binary
        assertEquals("0.12", BenchReport.fixed(0.125, 2));
        assertEquals("2", BenchReport.fixed(2.5, 0));
        assertEquals("2.001", BenchReport.fixed(2.0005, 3)); // 2.000500000000000167 in binary
        assertEquals("-0.0", BenchReport.diff(0.96, 1.0));
        assertEquals("+1.5", BenchReport.diff(2.5, 1.0));
        assertEquals("0.500", BenchReport.ratio(1, 2));
        assertEquals("-", BenchReport.ratio(1, 0));
        assertEquals("1235", BenchReport.fmt(1234.6));
        assertEquals("12.3", BenchReport.fmt(12.34));
        assertEquals("1.23", BenchReport.fmt(1.234));
    }
}
