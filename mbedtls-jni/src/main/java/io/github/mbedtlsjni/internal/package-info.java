/**
 * The library's plumbing, not its API: loading the native library for the platform
 * ({@code NativeLibrary}, {@code NativePlatform}), the constants the C side serves
 * ({@code NativeConstants}), checks of input files, and {@code ThinAccess}, through which the
 * application API and the JSSE provider reach what the thin classes keep package-private.
 * Public only so that the library's other packages can use it: the module does not export it,
 * and it may change in any release.
 */
package io.github.mbedtlsjni.internal;
