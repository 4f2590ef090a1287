package io.github.mbedtlsjni.mbedtls;

import java.util.Random;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A few shared objects of one class for {@link RandomizedMisuseTest}: any worker may use,
 * replace, close or drop them, from any thread.
 */
final class MisuseSlots<T extends NativeResource> {
private static final int SLOTS = 4;

    private final AtomicReferenceArray<T> slots = new AtomicReferenceArray<>(SLOTS);
    private final Supplier<T> factory;

    MisuseSlots(Supplier<T> factory) {
        this.factory = factory;
    }

    /** The object in a random slot, created if the slot is empty (it may be closed). */
    T any(Random r) {
        int i = r.nextInt(SLOTS);
        T t = slots.get(i);
        if (t == null) {
            T fresh = factory.get();
            if (slots.compareAndSet(i, null, fresh)) {
                return fresh;
            }
            fresh.close();
            t = slots.get(i);
        }
        return t;
    }

    /** Usually an object, sometimes null (an argument the API must reject). */
    T anyOrNull(Random r) {
        return r.nextInt(20) == 0 ? null : any(r);
    }

    /** Puts {@code value} into a random slot; the previous one is closed, or dropped for the Cleaner. */
    void put(Random r, T value) {
        T old = slots.getAndSet(r.nextInt(SLOTS), value);
        if (old != null && r.nextBoolean()) {
            old.close();
        }
    }

    void closeAll() {
        for (int i = 0; i < SLOTS; i++) {
            T t = slots.getAndSet(i, null);
            if (t != null) {
                t.close();
            }
        }
    }
}
