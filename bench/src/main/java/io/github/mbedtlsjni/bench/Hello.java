package io.github.mbedtlsjni.bench;

/** The baseline of the cold-start and RSS comparison: a Java hello-world on the same JVM and class path. */
public final class Hello {
    private Hello() {}

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
