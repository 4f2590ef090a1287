package io.github.mbedtlsjni.mbedtls;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A reference-counted pointer to one native Mbed TLS structure.
 *
 * <p>The count holds one reference for the Java owner (dropped by {@link #close()}), one for
 * each native call in flight ({@link #acquire()}/{@link #release()}) and one for each live
 * structure that Mbed TLS lets point at this one (a config at its CA chain, a context at its
 * config). The native memory is freed when the count reaches zero, so neither a racing
 * {@code close()} nor the {@link java.lang.ref.Cleaner} can free memory that is still in use.
 * Once closed, {@link #acquire()} refuses, so every call on a closed object throws
 * {@link IllegalStateException}.
 */
final class Handle {
    private static final long CLOSED = 1L << 62;
    private static final long COUNT = CLOSED - 1;
    private static final Handle[] NO_DEPENDENCIES = new Handle[0];

    private final NativeResource.Type type;
    private final long pointer;
    private final AtomicLong state = new AtomicLong(1);
    private Handle[] dependencies = NO_DEPENDENCIES; // guarded by this

    Handle(NativeResource.Type type, long pointer) {
        this.type = type;
        this.pointer = pointer;
    }

    /** Takes a reference for a native call; throws if the owner has closed this object. */
    long acquire() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new IllegalStateException(type.name + " is closed");
            }
            if (state.compareAndSet(s, s + 1)) {
                return pointer;
            }
        }
    }

    /** Takes a reference if the memory is still allocated, even after the owner closed it. */
    boolean acquireIfAllocated() {
        for (;;) {
            long s = state.get();
            if ((s & COUNT) == 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    long pointerWhileAcquired() {
        return pointer;
    }

    void release() {
        if (state.decrementAndGet() == CLOSED) {
            destroy();
        }
    }

    /** Drops the owner's reference; returns false if it was already dropped. Idempotent. */
    boolean close() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            long next = (s | CLOSED) - 1;
            if (state.compareAndSet(s, next)) {
                if (next == CLOSED) {
                    destroy();
                }
                return true;
            }
        }
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** True until the native memory has been freed (a closed handle stays allocated while used). */
    boolean isAllocated() {
        return (state.get() & COUNT) != 0;
    }

    /** True while anything besides the owner holds a reference (a call in flight, a dependant). */
    boolean usedBeyondOwner() {
        return (state.get() & COUNT) > 1;
    }

    /** True while more than {@code references} references are held (calls in flight, dependants, the owner). */
    boolean usedBeyond(int references) {
        return (state.get() & COUNT) > references;
    }

    /**
     * Makes {@code dependency} live at least as long as this structure: the caller has
     * acquired it, and that reference now belongs to this handle. A previous dependency in the
     * same slot is released.
     */
    void setDependency(int slot, Handle dependency) {
        Handle previous;
        synchronized (this) {
            if (dependencies.length <= slot) {
                Handle[] grown = new Handle[slot + 1];
                System.arraycopy(dependencies, 0, grown, 0, dependencies.length);
                dependencies = grown;
            }
            previous = dependencies[slot];
            dependencies[slot] = dependency;
        }
        if (previous != null) {
            previous.release();
        }
    }

    synchronized Handle dependency(int slot) {
        return slot < dependencies.length ? dependencies[slot] : null;
    }

    private void destroy() {
        type.free(pointer);
        Handle[] deps;
        synchronized (this) {
            deps = dependencies;
            dependencies = NO_DEPENDENCIES;
        }
        for (Handle d : deps) {
            if (d != null) {
                d.release();
            }
        }
    }

    @Override
    public String toString() {
        return isClosed() ? type.name.concat(" (closed)") : type.name;
    }
}
