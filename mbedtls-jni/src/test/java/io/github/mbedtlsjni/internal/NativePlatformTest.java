package io.github.mbedtlsjni.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mbedtlsjni.mbedtls.MbedTls;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * How the loader names the JVM's platform (the natives/ directory it looks in). The rules get
 * the facts of JVMs this machine does not run (soft-float, musl, big-endian, other systems) as
 * ELF headers and properties; the emulated runs (scripts/test-emulated) check the real arm64,
 * armhf and armel JVMs.
 */
class NativePlatformTest {
    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;
    private static final int EM_ARM = 40;
    private static final int ARM_EABI5 = 0x05000000;

    private static NativePlatform linux(String arch, boolean bigEndian, NativePlatform.Elf exe) {
        return NativePlatform.detect("Linux", arch, "", bigEndian, exe);
    }

    private static NativePlatform.Elf elf(int machine, int flags, String interp) {
        return new NativePlatform.Elf(machine, flags, interp);
    }

    @Test
    void debiansThreeGlibcPlatformsGetNativeLibLoadersDirectoryNames() {
        assertEquals("linux_64", linux("amd64", false, elf(EM_X86_64, 0, "/lib64/ld-linux-x86-64.so.2")).dir);
        assertEquals("linux_arm64", linux("aarch64", false, elf(EM_AARCH64, 0, "/lib/ld-linux-aarch64.so.1")).dir);
        NativePlatform armhf = linux("arm", false, elf(EM_ARM, ARM_EABI5 | 0x400, "/lib/ld-linux-armhf.so.3"));
        assertEquals("linux_arm", armhf.dir);
        assertTrue(armhf.description.contains("hard-float"), armhf.description);
    }

    @Test
    void aSoftFloatArmJvmIsNotTakenForArmhf() {
        NativePlatform armel = linux("arm", false, elf(EM_ARM, ARM_EABI5 | 0x200, "/lib/ld-linux.so.3"));
        assertEquals("linux_armel", armel.dir);
        assertTrue(armel.description.contains("soft-float (armel)"), armel.description);
        // No float flag in the header: the program interpreter still tells.
        assertEquals("linux_armel", linux("arm", false, elf(EM_ARM, ARM_EABI5, "/lib/ld-linux.so.3")).dir);
        assertEquals("linux_arm", linux("arm", false, elf(EM_ARM, ARM_EABI5, "/lib/ld-linux-armhf.so.3")).dir);
        // sun.arch.abi, where the executable cannot be read.
        assertEquals("linux_armel", NativePlatform.detect("Linux", "arm", "gnueabi", false, null).dir);
        assertEquals("linux_arm", NativePlatform.detect("Linux", "arm", "gnueabihf", false, null).dir);
    }

    @Test
    void anArmJvmWhoseFloatAbiCannotBeToldGetsNoDirectoryAtAll() {
        NativePlatform unknown = NativePlatform.detect("Linux", "arm", "", false, null);
        assertNull(unknown.dir, "never guess between two ABIs");
        assertTrue(unknown.description.contains("float ABI unknown"), unknown.description);
    }

    @Test
    void muslAndUclibcAreNamedApartFromGlibc() {
        NativePlatform musl = linux("amd64", false, elf(EM_X86_64, 0, "/lib/ld-musl-x86_64.so.1"));
        assertEquals("linux_64_musl", musl.dir);
        assertTrue(musl.description.contains("musl"), musl.description);
        assertEquals("linux_arm64_musl", linux("aarch64", false, elf(EM_AARCH64, 0, "/lib/ld-musl-aarch64.so.1")).dir);
        assertEquals("linux_arm_musl", linux("arm", false, elf(EM_ARM, ARM_EABI5 | 0x400, "/lib/ld-musl-armhf.so.1")).dir);
        assertEquals("linux_arm_uclibc", linux("arm", false, elf(EM_ARM, ARM_EABI5 | 0x400, "/lib/ld-uClibc.so.0")).dir);
    }

    @Test
    void bigEndianIsNamedUnlessTheProcessorNameSaysIt() {
        assertEquals("linux_arm64_be", linux("aarch64", true, elf(EM_AARCH64, 0, "/lib/ld-linux-aarch64_be.so.1")).dir);
        assertEquals("linux_s390x", linux("s390x", true, elf(22, 0, "/lib/ld64.so.1")).dir);
        assertEquals("linux_ppc64le", linux("ppc64le", false, elf(21, 0, "/lib64/ld64.so.2")).dir);
    }

    @Test
    void otherSystemsAreNamedByTheirSystem() {
        assertEquals("osx_arm64", NativePlatform.detect("Mac OS X", "aarch64", "", false, null).dir);
        assertEquals("windows_64", NativePlatform.detect("Windows 11", "amd64", "", false, null).dir);
        assertEquals("freebsd_64", NativePlatform.detect("FreeBSD", "amd64", "", false, null).dir);
    }

    @Test
    void thisJvmsOwnExecutableIsReadAndMatchesTheLibraryThatLoaded() {
        NativePlatform.Elf exe = NativePlatform.Elf.read(Path.of("/proc/self/exe"));
        assertNotNull(exe, "/proc/self/exe is readable as ELF");
        assertNotNull(exe.interpreter, "the java launcher has a program interpreter");
        NativePlatform here = NativePlatform.current();
        assertEquals(here.dir, MbedTls.platform(), "the loaded library was built for the platform detected: " + here.description);
    }
}
