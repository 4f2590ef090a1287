package io.github.mbedtlsjni.mbedtls;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongToIntFunction;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The lock of one {@link X509Crt}, {@link X509Crl} or {@link X509Csr}, whose native list (or request) Mbed TLS parses into in
 * place: an append links a half-parsed node into the list (and unlinks and frees it if parsing
 * fails), which no reader of that same list may see. Appends hold the write lock; readers (the
 * accessors, {@link X509Crt#verify}) hold the read lock, so readers of one list run together and
 * different lists never wait for each other.
 *
 * <p>{@link #readLockAll} takes several read locks in the order the guards were created, so two
 * verifications reading the same lists in different roles cannot deadlock behind waiting
 * writers. A frozen list (in use by an {@link SslConfig}) refuses appends for good.
 */
final class ListGuard {
    private static final AtomicLong CREATED = new AtomicLong();

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final long order = CREATED.incrementAndGet();
    private final String typeName;
    private boolean frozen; // guarded by lock (written under the write lock)

    ListGuard(String typeName) {
        this.typeName = typeName;
    }

    /** Takes the write lock for an append; refuses (without holding it) once frozen. */
    void lockForAppend() {
        refuseInsideAppend();
        if (lock.getReadHoldCount() > 0) {
            // This thread reads the list (a verify callback): waiting for the write lock would
            // wait for itself.
            throw new IllegalStateException(typeName + " is being read by this thread (a verify callback): "
                    + "append to it after the verification");
        }
        lock.writeLock().lock();
        if (frozen) {
            lock.writeLock().unlock();
            throw new IllegalStateException(typeName + " is in use by an SslConfig and can no longer be changed");
        }
    }

    void unlockAppend() {
        lock.writeLock().unlock();
    }

    void lockForRead() {
        refuseInsideAppend();
        lock.readLock().lock();
    }

    /**
     * This thread is appending to the list (an extension callback runs inside the parse): the
     * write lock would let it read or append again, to a list Mbed TLS is changing.
     */
    private void refuseInsideAppend() {
        if (lock.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException(typeName + " is being parsed into by this thread (an extension callback): "
                    + "use it after the parse");
        }
    }

    void unlockRead() {
        lock.readLock().unlock();
    }

    /** One read of an element of a native list: the list's pointer and the element's index. */
    interface ElementReader<T> {
        T read(long list, int index);
    }

    /**
     * A read of element {@code index} of {@code handle}'s list under the read lock, the index
     * checked against {@code count} first ("certificate index 3 out of range for a chain of 2").
     */
    <T> T readElement(Handle handle, int index, LongToIntFunction count, String element, String list,
            ElementReader<T> reader) {
        lockForRead();
        try {
            long self = handle.acquire();
            try {
                int n = count.applyAsInt(self);
                if (index < 0 || index >= n) {
                    throw new IndexOutOfBoundsException(element + " index " + index + " out of range for a " + list + " of " + n);
                }
                return reader.read(self, index);
            } finally {
                handle.release();
            }
        } finally {
            unlockRead();
        }
    }

    /** From now on nothing is appended (waits for an append in progress). */
    void freeze() {
        lock.writeLock().lock();
        try {
            frozen = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Read-locks each distinct guard of {@code guards} (nulls skipped) in creation order and
     * returns them, for {@link #unlockAll}.
     */
    static ListGuard[] readLockAll(ListGuard... guards) {
        ListGuard[] distinct = new ListGuard[guards.length];
        int n = 0;
        for (ListGuard g : guards) {
            if (g != null && !contains(distinct, n, g)) {
                int i = n++;
                for (; i > 0 && distinct[i - 1].order > g.order; i--) { // insertion sort: at most three
                    distinct[i] = distinct[i - 1];
                }
                distinct[i] = g;
            }
        }
        ListGuard[] sorted = Arrays.copyOf(distinct, n);
        int locked = 0;
        try {
            for (ListGuard g : sorted) {
                g.lockForRead();
                locked++;
            }
            return sorted;
        } finally {
            if (locked < sorted.length) {
                unlockAll(Arrays.copyOf(sorted, locked));
            }
        }
    }

    private static boolean contains(ListGuard[] guards, int n, ListGuard g) {
        for (int i = 0; i < n; i++) {
            if (guards[i] == g) {
                return true;
            }
        }
        return false;
    }

    static void unlockAll(ListGuard[] locked) {
        for (int i = locked.length - 1; i >= 0; i--) {
            locked[i].unlockRead();
        }
    }
}
