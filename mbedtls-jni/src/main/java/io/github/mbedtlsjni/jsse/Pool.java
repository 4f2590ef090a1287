package io.github.mbedtlsjni.jsse;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * A few reusable objects (the buffers of engines and sockets) of one SSLContext, so that a
 * connection does not allocate and zero tens of kilobytes that the previous one has just let go.
 * A connection takes one at its start and gives it back when it is closed and no thread can use
 * it any more; one that is never given back is left to the garbage collector. At most
 * {@code max} are kept, so an idle context holds little.
 *
 * <p>Locking: this object's monitor, held only to take or give one (never while allocating, never
 * while holding it a call goes elsewhere).
 */
final class Pool<T> {
    private final ArrayDeque<T> free = new ArrayDeque<>(); // guarded by this
    private final Supplier<T> factory;
    private final int max;

    Pool(Supplier<T> factory, int max) {
        this.factory = factory;
        this.max = max;
    }

    /** One from the pool, or a new one. */
    T take() {
        T t;
        synchronized (this) {
            t = free.pollFirst();
        }
        return t != null ? t : factory.get();
    }

    /** Back to the pool; the caller uses it no more. */
    void give(T t) {
        synchronized (this) {
            if (free.size() < max) {
                free.addFirst(t);
            }
        }
    }
}
