package io.github.mbedtlsjni.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The platform this JVM runs on, named as the jar's {@code natives/<dir>/} directories are
 * (cmake/NativePlatform.cmake names a build's directory by the same rules): {@code linux_64},
 * {@code linux_arm64}, {@code linux_arm} (hard-float), {@code linux_armel} (soft-float), a
 * {@code _be} suffix for big-endian, {@code _musl} / {@code _uclibc} for C libraries other than
 * glibc.
 *
 * <p>{@code os.name} and {@code os.arch} do not tell the ABI: an armel (soft-float) JVM and an
 * armhf one both say {@code arm}, and a musl JVM says what a glibc one says. What does tell it
 * is the JVM's own executable, {@code /proc/self/exe}: its ELF header's flags (ARM's
 * {@code EF_ARM_ABI_FLOAT_HARD}/{@code _SOFT}) and its program interpreter
 * ({@code /lib/ld-linux-armhf.so.3}, {@code /lib/ld-musl-x86_64.so.1}, ...), read here without
 * loading anything. {@code sun.arch.abi} (set by some ARM JDKs) is the fallback.
 */
public final class NativePlatform {
    /** The natives/ directory name, or null when the ABI could not be determined. */
    final String dir;
    /** What was detected, for messages: e.g. {@code Linux arm, soft-float (armel), glibc}. */
    final String description;

    private NativePlatform(String dir, String description) {
        this.dir = dir;
        this.description = description;
    }

    private static final int EM_ARM = 40;
    private static final int EF_ARM_ABI_FLOAT_SOFT = 0x200;
    private static final int EF_ARM_ABI_FLOAT_HARD = 0x400;

    /** The platform of this JVM. */
    public static NativePlatform current() {
        String os = System.getProperty("os.name", "");
        Elf exe = os.startsWith("Linux") ? Elf.read(Path.of("/proc/self/exe")) : null;
        return detect(os, System.getProperty("os.arch", ""), System.getProperty("sun.arch.abi", ""),
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN, exe);
    }

    /** The rules, apart from where the facts come from (NativePlatformTest feeds them directly). */
    public static NativePlatform detect(String osName, String osArch, String sunArchAbi, boolean bigEndian, Elf exe) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        String os;
        if (osName.startsWith("Linux")) {
            os = "linux";
        } else if (osName.startsWith("Mac") || osName.startsWith("Darwin")) {
            os = "osx";
        } else if (osName.startsWith("Windows")) {
            os = "windows";
        } else {
            os = osName.toLowerCase(Locale.ROOT).split("[^a-z0-9]", 2)[0];
        }
        StringBuilder what = new StringBuilder(osName).append(' ').append(osArch);
        String cpu;
        boolean impliesBigEndian = false;
        switch (arch) {
            case "amd64":
            case "x86_64":
                cpu = "64";
                break;
            case "x86":
            case "i386":
            case "i486":
            case "i586":
            case "i686":
                cpu = "32";
                break;
            case "aarch64":
            case "arm64":
                cpu = "arm64";
                break;
            case "s390x":
            case "ppc64":
            case "ppc":
            case "sparcv9":
                cpu = arch;
                impliesBigEndian = true;
                break;
            default:
                cpu = arch.startsWith("arm") ? "arm" : arch.replaceAll("[^a-z0-9]", "");
        }
        if (cpu.equals("arm")) {
            Boolean hard = armHardFloat(exe, sunArchAbi);
            if (hard == null) {
                what.append(", float ABI unknown (neither /proc/self/exe nor sun.arch.abi tell hard-float from soft-float)");
                return new NativePlatform(null, what.toString());
            }
            cpu = hard ? "arm" : "armel";
            what.append(hard ? ", hard-float (armhf)" : ", soft-float (armel)");
        }
        StringBuilder dir = new StringBuilder(os).append('_').append(cpu);
        if (bigEndian && !impliesBigEndian) {
            dir.append("_be");
        }
        what.append(bigEndian ? ", big-endian" : ", little-endian");
        if (os.equals("linux")) {
            String libc = libc(exe);
            if (libc == null) {
                what.append(", C library not detected (assuming glibc)");
            } else {
                what.append(", ").append(libc);
                if (!libc.equals("glibc")) {
                    dir.append('_').append(libc.toLowerCase(Locale.ROOT));
                }
            }
        }
        return new NativePlatform(dir.toString(), what.toString());
    }

    /** TRUE for hard-float, FALSE for soft-float, null if nothing says. */
    private static Boolean armHardFloat(Elf exe, String sunArchAbi) {
        if (exe != null && exe.machine == EM_ARM) {
            if ((exe.flags & EF_ARM_ABI_FLOAT_HARD) != 0) {
                return Boolean.TRUE;
            }
            if ((exe.flags & EF_ARM_ABI_FLOAT_SOFT) != 0) {
                return Boolean.FALSE;
            }
            if (exe.interpreter != null && exe.interpreter.contains("armhf")) {
                return Boolean.TRUE;
            }
            if (exe.interpreter != null && exe.interpreter.endsWith("/ld-linux.so.3")) {
                return Boolean.FALSE;
            }
        }
        if (sunArchAbi.contains("gnueabihf")) {
            return Boolean.TRUE;
        }
        if (sunArchAbi.contains("gnueabi")) {
            return Boolean.FALSE;
        }
        return null;
    }

    /** glibc, musl, uClibc, bionic, or null if the program interpreter is unknown. */
    private static String libc(Elf exe) {
        String interp = exe == null ? null : exe.interpreter;
        if (interp == null) {
            return null;
        }
        if (interp.contains("ld-musl")) {
            return "musl";
        }
        if (interp.contains("uClibc")) {
            return "uClibc";
        }
        if (interp.startsWith("/system/")) {
            return "bionic";
        }
        if (interp.contains("/ld-linux") || interp.contains("/ld64.so") || interp.contains("/ld.so")) {
            return "glibc";
        }
        return null;
    }

    /** What a natives/ directory name stands for, for messages: {@code linux_arm} → Linux armhf ... */
    public static String describeDir(String dir) {
        switch (dir) {
            case "linux_64":
                return "Linux x86-64, glibc";
            case "linux_32":
                return "Linux x86, glibc";
            case "linux_arm64":
                return "Linux aarch64, glibc";
            case "linux_arm":
                return "Linux armhf: ARMv7, hard-float, glibc";
            case "linux_armel":
                return "Linux armel: soft-float, glibc";
            default:
                return dir;
        }
    }

    /** The parts of an ELF file's header the rules need. */
    static final class Elf {
        final int machine;
        final int flags;
        /** PT_INTERP: the program interpreter (dynamic loader), or null. */
        final String interpreter;

        Elf(int machine, int flags, String interpreter) {
            this.machine = machine;
            this.flags = flags;
            this.interpreter = interpreter;
        }

        /**
         * The header of FILE, or null if it is not readable as ELF. Read with RandomAccessFile,
         * which the JVM has loaded already (its jar reader uses it), rather than a FileChannel,
         * whose classes a program's first connection would otherwise load for these few bytes.
         */
        static Elf read(Path file) {
            try (RandomAccessFile ch = new RandomAccessFile(file.toFile(), "r")) {
                return parse(ch);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static Elf parse(RandomAccessFile ch) throws IOException {
            ByteBuffer ident = read(ch, 0, 64);
            if (ident.remaining() < 52 || ident.getInt(0) != 0x7F454C46) { // "\177ELF", read big-endian
                return null;
            }
            boolean is64 = ident.get(4) == 2;
            ident.order(ident.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int machine = ident.getShort(18) & 0xFFFF;
            long phoff = is64 ? ident.getLong(32) : ident.getInt(28) & 0xFFFFFFFFL;
            int flags = ident.getInt(is64 ? 48 : 36);
            int phentsize = ident.getShort(is64 ? 54 : 42) & 0xFFFF;
            int phnum = ident.getShort(is64 ? 56 : 44) & 0xFFFF;
            String interp = null;
            if (phentsize > 0 && phnum > 0 && phnum < 256) {
                ByteBuffer ph = read(ch, phoff, phentsize * phnum).order(ident.order());
                for (int i = 0; i < phnum && interp == null; i++) {
                    int base = i * phentsize;
                    if (ph.getInt(base) == 3) { // PT_INTERP
                        long off = is64 ? ph.getLong(base + 8) : ph.getInt(base + 4) & 0xFFFFFFFFL;
                        long size = is64 ? ph.getLong(base + 32) : ph.getInt(base + 16) & 0xFFFFFFFFL;
                        if (size > 0 && size < 4096) {
                            ByteBuffer s = read(ch, off, (int) size);
                            byte[] bytes = new byte[s.remaining()];
                            s.get(bytes);
                            int end = 0;
                            while (end < bytes.length && bytes[end] != 0) {
                                end++;
                            }
                            interp = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
                        }
                    }
                }
            }
            return new Elf(machine, flags, interp);
        }

        private static ByteBuffer read(RandomAccessFile ch, long position, int length) throws IOException {
            byte[] buf = new byte[length];
            int got = 0;
            ch.seek(position);
            for (int n; got < length && (n = ch.read(buf, got, length - got)) > 0; ) {
                got += n; // until full or end of file
            }
            return ByteBuffer.wrap(buf, 0, got);
        }
    }
}
