package io.github.mbedtlsjni.mbedtls;

import io.github.mbedtlsjni.internal.NativeLibrary;
import io.github.mbedtlsjni.internal.ThinAccess;
import java.lang.ref.Cleaner;

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

    static {
        ThinAccess.install(new Access());
    }

    final Handle handle;
    private final Cleaner.Cleanable cleanable;

    /**
     * A subclass's native structure: its name (for messages) and the native calls that allocate
     * it ({@code mbedtls_*_init}) and free it. One instance per subclass, a plain (anonymous)
     * class rather than method references: a lambda on the path of a program's first connection
     * makes the JVM bootstrap its lambda machinery, which costs more at start-up than the class.
     */
    abstract static class Type {
        final String name;

        Type(String name) {
            this.name = name;
        }

        /** Allocates and initialises one structure; the library is loaded. */
        abstract long allocate();

        /** Frees what {@link #allocate()} returned. */
        abstract void free(long pointer);
    }

    NativeResource(Type type) {
        NativeLibrary.ensureLoaded();
        long pointer = type.allocate();
        this.handle = new Handle(type, pointer);
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
