package io.github.mbedtlsjni.mbedtls;

/**
 * The lifecycle of one {@link SslContext}, shared by the context and its {@link MemoryBio}: one
 * {@link State} value, changed only by {@link #transitionTo}, the kind of bio the context was
 * given, the rule that a verified handshake needs a hostname, and the checks each call makes
 * before it reaches the native code, with one message per mistake.
 *
 * <pre>
 * NEW --setup--&gt; SET_UP --setBio/setMemoryBio--&gt; CONFIGURED --handshake--&gt; HANDSHAKING --done--&gt; OPEN
 * OPEN --a write timed out--&gt; WRITE_TIMED_OUT          any state --close--&gt; CLOSED
 * socket bio: CONFIGURED, HANDSHAKING, OPEN, WRITE_TIMED_OUT --session reset--&gt; SET_UP (no bio)
 * DTLS ({@link DatagramBio} only): HANDSHAKING, OPEN --session reset, save--&gt; CONFIGURED
 *      CONFIGURED --load--&gt; OPEN      OPEN --the client reconnects from the same address--&gt; HANDSHAKING
 *      CONFIGURED --load failed--&gt; FREED_BY_LOAD
 * </pre>
 *
 * <p>The configuration steps run in {@code SET_UP} and {@code CONFIGURED}; a handshake that
 * failed stays {@code HANDSHAKING} (Mbed TLS reports the failure again). The native memory's
 * lifetime is the {@link Handle}'s business, not this state's: {@code CLOSED} only ends the
 * lifecycle, while a call still in flight keeps the memory allocated.
 *
 * <p><b>Locks.</b> {@link #steps} serialises the configuration steps and the handshake (the
 * native side takes no lock for the configuration steps, and one handshake runs at a time);
 * reads and writes never take it. The state is volatile, read without a lock by every call,
 * and changed under this object's monitor (held only for the check and the change), so that a
 * transition is never lost to another. Order: {@code steps}, then this, then the native
 * context's lock; native code calls back into no Java that takes either.
 */
final class Lifecycle {
    /** Where a context is in its life. */
    enum State {
        /** {@code mbedtls_ssl_init}: nothing but {@code setup} yet. */
        NEW,
        /** {@code mbedtls_ssl_setup} done: the configuration steps. */
        SET_UP,
        /** A bio given as well: the configuration steps, and the handshake. */
        CONFIGURED,
        /** The handshake has started (or failed): no more configuration. */
        HANDSHAKING,
        /** The handshake is done: reads, writes, close_notify. */
        OPEN,
        /** Open, but a write timed out: how much of it went out is unknown, so no more writes. */
        WRITE_TIMED_OUT,
        /**
         * {@code mbedtls_ssl_context_load} failed, and Mbed TLS freed the context when it did
         * (its configuration pointer is gone): nothing but {@code close()} is safe.
         */
        FREED_BY_LOAD,
        /** Closed by its owner. */
        CLOSED
    }

    /** What the context speaks TLS over. */
    enum Bio {
        NONE, SOCKET, MEMORY, DATAGRAM
    }

    /** Serialises the configuration steps and the handshake (see the class comment). */
    final Object steps = new Object();
    private final Handle handle;
    private volatile State state = State.NEW; // changed under this; read without it (reads and writes check it)
    private volatile Bio bio = Bio.NONE; // written under steps
    private volatile boolean verifiesPeer; // written under steps: the config verifies the peer's certificate
    private volatile boolean hostnameGiven; // written under steps: setHostname or skipHostnameVerification

    Lifecycle(Handle handle) {
        this.handle = handle;
    }

    State state() {
        return state;
    }

    /**
     * Moves to {@code next}; a transition the table above does not have is a bug of this package.
     * A closed lifecycle stays closed: a handshake finishing after another thread's close does
     * not reopen it.
     */
    synchronized void transitionTo(State next) {
        if (state == State.CLOSED) {
            return;
        }
        if (!allowed(state, next) && !(bio == Bio.DATAGRAM && allowedForDatagrams(state, next))) {
            throw new IllegalStateException("SslContext: no transition from " + state + " to " + next);
        }
        state = next;
    }

    private static boolean allowed(State from, State to) {
        switch (to) {
            case SET_UP:
                return from == State.NEW;
            case CONFIGURED:
                return from == State.SET_UP || from == State.CONFIGURED;
            case HANDSHAKING:
                return from == State.CONFIGURED || from == State.HANDSHAKING;
            case OPEN:
                return from == State.HANDSHAKING;
            case WRITE_TIMED_OUT:
                return from == State.OPEN || from == State.WRITE_TIMED_OUT;
            case CLOSED:
                return true;
            default:
                return false;
        }
    }

    /**
     * What only a DTLS context may do besides: start over before a handshake
     * ({@code mbedtls_ssl_session_reset}, and {@code mbedtls_ssl_context_save}, which resets),
     * become open without one ({@code mbedtls_ssl_context_load}), and handshake again when the
     * client starts a new handshake from the same address.
     */
    private static boolean allowedForDatagrams(State from, State to) {
        switch (to) {
            case CONFIGURED:
                return from == State.HANDSHAKING || from == State.OPEN || from == State.WRITE_TIMED_OUT;
            case OPEN:
                return from == State.CONFIGURED;
            case HANDSHAKING:
                return from == State.OPEN;
            case FREED_BY_LOAD:
                return from == State.CONFIGURED;
            default:
                return false;
        }
    }

    /**
     * A socket context starts over ({@code mbedtls_ssl_session_reset}): back to {@code SET_UP}
     * without a bio, so that the next connection's {@code setBio} is required. Refused unless a
     * bio was given, and while another call holds a reference ({@code references}: the owner's
     * and the caller's): a read waiting for the socket would otherwise go on, after the reset,
     * on the next connection. The state changes first, so a call that starts meanwhile is
     * refused by its own check; one that started before is seen in the count, and the state goes
     * back (that call may have been refused in between: it raced a misuse).
     */
    void resetForNextConnection(int references) {
        State before;
        synchronized (this) {
            before = state;
            if (before != State.CONFIGURED && before != State.HANDSHAKING && before != State.OPEN
                    && before != State.WRITE_TIMED_OUT) {
                throw new IllegalStateException("SslContext.sessionReset() " + (before == State.CLOSED
                        ? "after close()" : "before setBio(net): there is no connection to reset"));
            }
            state = State.SET_UP;
            bio = Bio.NONE;
        }
        if (handle.usedBeyond(references)) {
            synchronized (this) {
                if (state == State.SET_UP) {
                    state = before;
                    bio = Bio.SOCKET;
                }
            }
            throw new IllegalStateException("SslContext.sessionReset() while another thread reads or writes: "
                    + "reset a connection only when no call on it is in flight");
        }
    }

    /** {@code mbedtls_ssl_setup} succeeded with a config that verifies the peer or not. */
    void setUp(boolean verifiesPeer) {
        this.verifiesPeer = verifiesPeer;
        transitionTo(State.SET_UP);
    }

    /** A bio was attached. */
    void configured(Bio bio) {
        this.bio = bio;
        transitionTo(State.CONFIGURED);
    }

    void hostnameGiven() {
        hostnameGiven = true;
    }

    /** True once the handshake is done (reads and writes may go on; close_notify has something to end). */
    boolean isOpen() {
        State s = state();
        return s == State.OPEN || s == State.WRITE_TIMED_OUT;
    }

    boolean writeTimedOut() {
        return state() == State.WRITE_TIMED_OUT;
    }

    // --- The checks, with their messages ------------------------------------------------------------

    /**
     * Throws unless {@code setup} has run and the context is still there: every call that
     * reaches Mbed TLS's context passes here or through {@link #isOpen}. {@code CLOSED} is
     * refused too: a call that took its reference just before another thread's {@code close()}
     * would otherwise go on, and on a context that was never set up Mbed TLS has no
     * configuration to read.
     */
    void requireSetUp(String method) {
        State s = state();
        if (s == State.NEW) {
            throw new IllegalStateException(method + "() before setup(config): call sslContext.setup(config) first");
        }
        if (s == State.CLOSED) {
            throw new IllegalStateException("SslContext was closed during " + method + "()");
        }
        if (s == State.FREED_BY_LOAD) {
            throw new IllegalStateException(method + "() after a failed DatagramBio.load(): Mbed TLS freed the "
                    + "context when the load failed; close it and set up a new one");
        }
    }

    /** Throws unless configuration is still possible: set up, no handshake yet. */
    void requireConfigurable(String method) {
        requireSetUp(method);
        State s = state();
        if (s != State.SET_UP && s != State.CONFIGURED) {
            throw new IllegalStateException(method + "() after handshake(): call it before the handshake");
        }
    }

    /** Throws unless the context speaks over a socket ({@code setBio}). */
    void requireSocket(String method) {
        requireSetUp(method);
        Bio b = bio;
        if (b == Bio.MEMORY) {
            throw new IllegalStateException(method + "() on a memory bio: use the MemoryBio's methods");
        }
        if (b == Bio.DATAGRAM) {
            throw new IllegalStateException(method + "() on a datagram bio: use the DatagramBio's methods");
        }
        if (b != Bio.SOCKET) {
            throw new IllegalStateException(method + "() before setBio(net): call sslContext.setBio(net) first");
        }
    }

    /** Throws unless the context speaks over memory ({@code setMemoryBio}). */
    void requireMemory(String method) {
        requireSetUp(method);
        if (bio != Bio.MEMORY) {
            throw new IllegalStateException(method + "() on an SslContext without a memory bio: "
                    + "call sslContext.setMemoryBio() first");
        }
    }

    /** Throws unless the context speaks DTLS over datagrams ({@code setDatagramBio}). */
    void requireDatagram(String method) {
        requireSetUp(method);
        if (bio != Bio.DATAGRAM) {
            throw new IllegalStateException(method + "() on an SslContext without a datagram bio: "
                    + "call sslContext.setDatagramBio() first");
        }
    }

    /**
     * The binding's rule on every Mbed TLS version (3.6.3+ has the same rule built in): a
     * certificate is not verified without a name to check, unless skipped by name.
     */
    void requireHostnameRule() {
        if (verifiesPeer && !hostnameGiven) {
            throw new IllegalStateException("the server certificate would be verified without checking its name: "
                    + "call sslContext.setHostname(\"server.example\") before handshake(), or "
                    + "sslContext.skipHostnameVerification() to verify the chain only");
        }
    }

    // --- References to the native context for a call ---------------------------------------------------

    /**
     * A reference for a configuration step (the caller holds {@link #steps}): set up, before the
     * handshake. The caller releases it in a {@code finally} (written out at each step rather than
     * passed a lambda: these run at every connection, and on a program's first one).
     */
    long acquireConfigurable(String method) {
        long self = handle.acquire();
        try {
            requireConfigurable(method);
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    /**
     * A reference for a socket read or write once the handshake is done. The state is checked
     * after the reference is taken: a {@code sessionReset} changes the state before it counts the
     * references, so one of the two always sees the other.
     */
    long acquireOpen(String method) {
        long self = handle.acquire();
        if (!isOpen()) {
            handle.release();
            throw new IllegalStateException(handle.isClosed() ? "SslContext was closed during " + method
                    : "SslContext." + method + "() during sessionReset(): the connection was reset");
        }
        return self;
    }

    /** A reference for a memory bio call; {@code open}: only once the handshake is done. */
    long acquireMemory(String method, boolean open) {
        return acquireBio(Bio.MEMORY, method, open, "0");
    }

    /** A reference for a datagram bio call; {@code open}: only once the handshake is done. */
    long acquireDatagram(String method, boolean open) {
        return acquireBio(Bio.DATAGRAM, method, open, "DatagramBio.OK");
    }

    /** A reference for a call of a memory or datagram bio, whose handshake is done when it returns {@code done}. */
    private long acquireBio(Bio kind, String method, boolean open, String done) {
        long self = handle.acquire();
        try {
            if (kind == Bio.MEMORY) {
                requireMemory(method);
            } else {
                requireDatagram(method);
            }
            if (open && !isOpen()) {
                throw new IllegalStateException(method + "() before the handshake is done: call "
                        + "handshake(in, out) until it returns " + done);
            }
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    /** A reference for a datagram bio step that belongs before the handshake. */
    long acquireDatagramConfigurable(String method) {
        long self = acquireDatagram(method, false);
        try {
            requireConfigurable(method);
            return self;
        } catch (RuntimeException e) {
            handle.release();
            throw e;
        }
    }

    void release() {
        handle.release();
    }

    /** A failure of a call that another thread's {@code close()} interrupted is reported as such. */
    RuntimeException closedDuring(String step, RuntimeException failure) {
        if (handle.isClosed()) {
            IllegalStateException e = new IllegalStateException("SslContext was closed during " + step);
            e.initCause(failure);
            return e;
        }
        return failure;
    }
}
