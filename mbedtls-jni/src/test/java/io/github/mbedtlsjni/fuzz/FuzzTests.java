package io.github.mbedtlsjni.fuzz;

/**
 * How the Jazzer fuzz tests of this package run.
 *
 * <ul>
 *   <li>They run in the {@code fuzz} execution of maven-surefire-plugin (pom.xml), not with the
 *       other tests: one JVM per class, since Jazzer fuzzes one test per JVM and its agent would
 *       otherwise stay in a shared JVM.
 *   <li><b>Replay</b> (always): each {@code @FuzzTest} first runs every file of its inputs
 *       directory, {@code src/test/resources/io/github/mbedtlsjni/fuzz/<Class>Inputs/<method>/}:
 *       hand-made seeds and every crash ever found (Jazzer writes new crashing inputs there),
 *       plus the certificates, CRLs and keys that {@link FuzzSeeds} generates at test time (no
 *       certificate or key files are kept in the repository).
 *   <li><b>Short fuzzing run</b> (every {@code mvn verify}, CI's first run): then it fuzzes for
 *       {@link #CI_DURATION} ({@code JAZZER_FUZZ=1}). {@code -Dfuzz=false} keeps the replay only
 *       (CI's runs on other Mbed TLS builds). The generated corpus goes to {@code .cifuzz-corpus/}
 *       (not committed).
 *   <li><b>Long runs</b>: {@code scripts/fuzz java SECONDS [Class]} (the same, longer), and
 *       {@code scripts/fuzz native SECONDS} for the libFuzzer harnesses in C ({@code native/fuzz/}),
 *       which see Mbed TLS's own code coverage: Jazzer instruments Java only, so through JNI it
 *       mutates blindly as far as the C parser is concerned.
 * </ul>
 */
final class FuzzTests {
    /** Fuzzing time per test in CI's short run ({@code scripts/fuzz} overrides it). */
    static final String CI_DURATION = "20s";

    private FuzzTests() {}
}
