package io.github.mbedtlsjni;

import java.lang.ref.Cleaner;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Base of every class that owns one native Mbed TLS structure.
 *
 * <p>{@link #close()} frees the structure (idempotent); one that becomes unreachable without
 * {@code close()} is freed by a {@link Cleaner}. If another live structure still uses it (a CA
 * chain held by a config, a config held by a context), the free is deferred until that last
 * user is freed; the closed object itself refuses every further call with
 * {@link IllegalStateException}.
 */
abstract class NativeResource implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    final Handle handle;
    private final Cleaner.Cleanable cleanable;

    NativeResource(String typeName, LongSupplier allocate, LongConsumer free) {
        NativeLibrary.ensureLoaded();
        long pointer = allocate.getAsLong();
        this.handle = new Handle(typeName, pointer, free);
        this.cleanable = CLEANER.register(this, new Closer(handle));
    }

    /** Frees the native structure, or marks it for freeing once no live structure uses it. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** True once {@link #close()} has been called (the memory may outlive it; see above). */
    public boolean isClosed() {
        return handle.isClosed();
    }

    @Override
    public String toString() {
        return handle.toString();
    }

    /** The Cleaner's action: holds the handle only, never the Java object. */
    private static final class Closer implements Runnable {
        private final Handle handle;

        Closer(Handle handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            handle.close();
        }
    }
}
