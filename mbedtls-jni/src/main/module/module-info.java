/**
 * mbedtls-jni: the real Mbed TLS C library for Java, through JNI. The application API
 * ({@code io.github.mbedtlsjni}: {@code TlsClient}, {@code TlsConnection}), the thin classes, one
 * per Mbed TLS structure ({@code io.github.mbedtlsjni.mbedtls}), and the JSSE provider
 * ({@code io.github.mbedtlsjni.jsse}, found by {@link java.util.ServiceLoader} as a
 * {@link java.security.Provider}). The plumbing ({@code io.github.mbedtlsjni.internal}) is not
 * exported.
 *
 * <p>Compiled on its own into {@code META-INF/versions/11/} of a multi-release jar, so that the
 * library's tests, which run on the class path, never see a module descriptor. Two choices:
 *
 * <ul>
 *   <li>{@code requires org.scijava.nativelib}: native-lib-loader names its module in its
 *       manifest ({@code Automatic-Module-Name}), so the name does not depend on its jar's file
 *       name. It is a compile dependency of the library as of its pom; the library loads its
 *       native through it when SLF4J has a binding (see {@code internal.NativeLibrary}).
 *   <li>{@code open}: the native libraries are resources in {@code natives/<platform>/}, which a
 *       modular jar counts as packages of this module ({@code natives.linux_64}, ...). Both
 *       loaders find them with {@code ClassLoader.getResource}, which sees a named module's
 *       packages only when they are open to everyone; which platforms a jar carries depends on
 *       the build ({@code -Dmbedtls.targets}, {@code -Dmbedtls.toolchain}) and none exists when
 *       this descriptor is compiled, so they cannot be named in {@code opens} lines. Only the
 *       exported packages can be compiled against; {@code open} concerns reflection and
 *       resources at run time only.
 * </ul>
 */
@SuppressWarnings("requires-automatic")
open module io.github.mbedtlsjni {
    requires org.scijava.nativelib;

    exports io.github.mbedtlsjni;
    exports io.github.mbedtlsjni.mbedtls;
    exports io.github.mbedtlsjni.jsse;

    provides java.security.Provider with io.github.mbedtlsjni.jsse.MbedTlsProvider;
}
