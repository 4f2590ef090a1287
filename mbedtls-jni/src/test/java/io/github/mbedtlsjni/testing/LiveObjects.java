package io.github.mbedtlsjni.testing;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.util.Map;
import java.util.TreeMap;

/** Test helper around {@link MbedTls#liveNativeObjects()}: baselines and leak checks with GC. */
public final class LiveObjects {
    private LiveObjects() {}

    /** The counts once GC has stopped changing them (garbage from earlier tests collected). */
    public static Map<String, Long> settle() throws InterruptedException {
        Map<String, Long> last = counts();
        int stable = 0;
        for (int i = 0; i < 100 && stable < 3; i++) {
            System.gc();
            Thread.sleep(30);
            Map<String, Long> now = counts();
            stable = now.equals(last) ? stable + 1 : 0;
            last = now;
        }
        return last;
    }

    /** Runs GC until no count is above {@code baseline} (at most ~10 s); returns the last counts. */
    public static Map<String, Long> awaitAtMost(Map<String, Long> baseline) throws InterruptedException {
        Map<String, Long> now = counts();
        for (int i = 0; i < 200 && leaks(baseline, now) != null; i++) {
            System.gc();
            Thread.sleep(50);
            now = counts();
        }
        return now;
    }

    /** The types counted above {@code baseline} in {@code now}, described; null if none. */
    public static String leaks(Map<String, Long> baseline, Map<String, Long> now) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Long> e : now.entrySet()) {
            long before = baseline.getOrDefault(e.getKey(), 0L);
            if (e.getValue() > before) {
                s.append(s.length() == 0 ? "" : ", ").append(e.getKey()).append(": ").append(before)
                        .append(" -> ").append(e.getValue());
            }
        }
        return s.length() == 0 ? null : s.toString();
    }

    public static Map<String, Long> counts() {
        return new TreeMap<>(MbedTls.liveNativeObjects());
    }

    /** The sum of all counts. */
    public static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
