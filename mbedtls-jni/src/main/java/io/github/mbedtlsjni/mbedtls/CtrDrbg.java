package io.github.mbedtlsjni.mbedtls;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The CTR-DRBG random number generator, {@code mbedtls_ctr_drbg_context}.
 *
 * <p>{@code new CtrDrbg()} is {@code mbedtls_ctr_drbg_init}; {@link #seed} is
 * {@code mbedtls_ctr_drbg_seed}; {@link #close()} is {@code mbedtls_ctr_drbg_free}. It keeps the
 * {@link Entropy} it was seeded from allocated; an {@link SslConfig} using it keeps it allocated.
 * With {@code MBEDTLS_THREADING_C} (the project's build) one DRBG may serve many threads.
 */
public final class CtrDrbg extends NativeResource {
    private static final Type TYPE = new Type("CtrDrbg") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    private boolean seeded; // guarded by this

    /** {@code mbedtls_ctr_drbg_init}. */
    public CtrDrbg() {
        super(TYPE);
    }

    /**
     * {@code mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, personalization)}.
     *
     * @param entropy the entropy source, kept allocated for the life of this DRBG
     * @param personalization device-specific bytes mixed into the seed (may be empty)
     * @throws IllegalStateException if already seeded, or either object is closed
     * @throws MbedTlsException if Mbed TLS fails
     */
    public synchronized void seed(Entropy entropy, byte[] personalization) {
        Objects.requireNonNull(entropy, "entropy");
        Objects.requireNonNull(personalization, "personalization");
        if (seeded) {
            throw new IllegalStateException("CtrDrbg is already seeded");
        }
        long self = handle.acquire();
        try {
            long e = entropy.handle.acquire();
            try {
                nSeed(self, e, personalization);
            } catch (RuntimeException ex) {
                entropy.handle.release();
                throw ex;
            }
            handle.setDependency(0, entropy.handle);
            seeded = true;
        } finally {
            handle.release();
        }
    }

    /** {@link #seed(Entropy, byte[])} with a UTF-8 personalization string, as in the guide. */
    public void seed(Entropy entropy, String personalization) {
        seed(entropy, Objects.requireNonNull(personalization, "personalization").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Fills {@code out} with random bytes ({@code mbedtls_ctr_drbg_random}).
     *
     * @throws IllegalStateException if not seeded or closed
     */
    public void random(byte[] out) {
        Objects.requireNonNull(out, "out");
        synchronized (this) {
            if (!seeded) {
                throw new IllegalStateException("CtrDrbg is not seeded: call seed(entropy, personalization) first");
            }
        }
        long self = handle.acquire();
        try {
            nRandom(self, out);
        } finally {
            handle.release();
        }
    }

    /** Throws the one message for an unseeded DRBG given to a step that draws from it. */
    void requireSeeded() {
        if (!isSeeded()) {
            throw new IllegalStateException("CtrDrbg is not seeded: call drbg.seed(entropy, personalization) first");
        }
    }

    synchronized boolean isSeeded() {
        return seeded;
    }

    private static native long nInit();

    private static native void nFree(long drbg);

    private static native void nSeed(long drbg, long entropy, byte[] personalization);

    private static native void nRandom(long drbg, byte[] out);
}
