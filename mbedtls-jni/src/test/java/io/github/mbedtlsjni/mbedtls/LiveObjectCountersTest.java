package io.github.mbedtlsjni.mbedtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.testing.LiveObjects;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link MbedTls#liveNativeObjects()} covers every class that owns a native structure: each
 * one, created, adds exactly 1 to exactly one count of its own, and closed, takes it away again.
 * A new class of the package that owns native memory is found here automatically.
 */
class LiveObjectCountersTest {
    @Test
    void everyNativeClassHasItsOwnCounterThatFollowsItsLifetime() throws Exception {
        List<Class<? extends NativeResource>> classes = nativeClasses();
        assertTrue(classes.size() >= 7, "found " + classes);
        LiveObjects.settle(); // no garbage of earlier tests freed while counting
        Map<String, Class<?>> owners = new HashMap<>();
        for (Class<? extends NativeResource> c : classes) {
            Constructor<? extends NativeResource> ctor = c.getConstructor();
            Map<String, Long> before = LiveObjects.counts();
            NativeResource r = ctor.newInstance();
            Map<String, Long> during = LiveObjects.counts();
            String counted = null;
            for (Map.Entry<String, Long> e : during.entrySet()) {
                long diff = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                if (diff > 0) {
                    assertEquals(null, counted, c.getSimpleName() + " counted twice: " + before + " -> " + during);
                    assertEquals(1, diff, c.getSimpleName() + " counted " + diff + " times in " + e.getKey());
                    counted = e.getKey();
                }
            }
            assertTrue(counted != null, c.getSimpleName() + " is not counted: " + before + " -> " + during);
            Class<?> previous = owners.put(counted, c);
            assertEquals(null, previous, counted + " counts both " + previous + " and " + c);
            r.close();
            assertEquals(before.get(counted), LiveObjects.counts().get(counted), c.getSimpleName() + " uncounted on close");
        }
        assertEquals(owners.keySet(), MbedTls.liveNativeObjects().keySet(),
                "every count belongs to one class, and every class to one count");
    }

    @Test
    void theMapIsASnapshotWithEveryKindAlwaysPresent() {
        Map<String, Long> map = MbedTls.liveNativeObjects();
        assertFalse(map.isEmpty());
        map.values().forEach(n -> assertTrue(n >= 0, map.toString()));
        Set<String> names = new HashSet<>(map.keySet());
        X509Crt crt = new X509Crt();
        try {
            assertEquals(names, MbedTls.liveNativeObjects().keySet());
        } finally {
            crt.close();
        }
        assertTrue(names.stream().allMatch(n -> n.startsWith("mbedtls_")), names.toString());
    }

    /** The concrete NativeResource subclasses of the package, from the compiled classes. */
    @SuppressWarnings("unchecked")
    private static List<Class<? extends NativeResource>> nativeClasses() throws Exception {
        Path dir = Path.of(NativeResource.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(NativeResource.class.getPackageName().replace('.', '/'));
        List<Class<? extends NativeResource>> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".class") || name.contains("$")) {
                    continue;
                }
                Class<?> c = Class.forName(NativeResource.class.getPackageName() + "." + name.replace(".class", ""));
                if (NativeResource.class.isAssignableFrom(c) && !Modifier.isAbstract(c.getModifiers())) {
                    found.add((Class<? extends NativeResource>) c);
                }
            }
        }
        return found;
    }
}
