package io.github.mbedtlsjni.mbedtls;

/**
 * The entropy (randomness source) context, {@code mbedtls_entropy_context}.
 *
 * <p>{@code new Entropy()} is {@code mbedtls_entropy_init}; {@link #close()} is
 * {@code mbedtls_entropy_free}. A {@link CtrDrbg} seeded from it keeps it allocated until that
 * DRBG is freed too.
 */
public final class Entropy extends NativeResource {
    private static final Type TYPE = new Type("Entropy") {
        @Override
        long allocate() {
            return nInit();
        }

        @Override
        void free(long pointer) {
            nFree(pointer);
        }
    };

    /** {@code mbedtls_entropy_init}. */
    public Entropy() {
        super(TYPE);
    }

    private static native long nInit();

    private static native void nFree(long entropy);
}
