package io.github.mbedtlsjni.testing;

import static io.github.mbedtlsjni.testing.ProcessMemory.mib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A soak run's report and memory checkpoints: lines printed and kept for
 * {@code target/<file>}, and the memory outside the JVM (RSS after GC minus what Native Memory
 * Tracking reports committed, or the RSS without NMT) at each checkpoint. glibc's per-thread
 * arenas make that memory swing by tens of MiB between checkpoints while nothing grows, so the
 * end is compared with the highest value of the run's first half rather than with one early
 * value: a leak keeps rising through the second half and passes that peak.
 */
public final class SoakReport {
    /** How far the memory outside the JVM may end above the first half's peak. */
    public static final long FLAT_BYTES = 16L << 20;

    private final String file;
    private final List<String> lines = new ArrayList<>();
    private final long rssStart;
    private long firstRss = -1;
    private long firstHalfPeak = -1;

    /** Starts a report for {@code target/<file>}, taking the RSS after GC as the start. */
    public SoakReport(String file) throws IOException, InterruptedException {
        this.file = file;
        this.rssStart = ProcessMemory.rssAfterGc();
    }

    public void line(String s) {
        System.out.println(s);
        lines.add(s);
    }

    /** The RSS after GC and the memory outside the JVM now, {rss, outside}; in the first half, the peak follows it. */
    public long[] checkpoint(boolean firstHalf) throws IOException, InterruptedException {
        long rss = ProcessMemory.rssAfterGc();
        long outside = outsideJvm(rss);
        firstRss = firstRss < 0 ? rss : firstRss;
        if (firstHalf) {
            firstHalfPeak = Math.max(firstHalfPeak, outside);
        }
        return new long[] {rss, outside};
    }

    /**
     * Reports the RSS at the start, first checkpoint and end and the memory outside the JVM at
     * the first half's peak and at the end, writes the report, and returns how far the end
     * passed that peak (negative: below it).
     */
    public long finish() throws IOException, InterruptedException {
        long rssEnd = ProcessMemory.rssAfterGc();
        long outsideEnd = outsideJvm(rssEnd);
        line(String.format("RSS after GC %.1f MiB at start, %.1f MiB at the first checkpoint, %.1f MiB at the end",
                mib(rssStart), mib(firstRss), mib(rssEnd)));
        line(String.format("outside the JVM: %.1f MiB at the first half's peak, %.1f MiB at the end",
                mib(firstHalfPeak), mib(outsideEnd)));
        Path target = Path.of(System.getProperty("mbedtlsjni.basedir", "."), "target");
        Files.createDirectories(target);
        Files.write(target.resolve(file), lines);
        return outsideEnd - firstHalfPeak;
    }

    private static long outsideJvm(long rss) {
        long nmt = ProcessMemory.nmtCommitted();
        return nmt < 0 ? rss : rss - nmt;
    }
}
