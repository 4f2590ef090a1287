/*
 * What keeps every native of the jar loadable on glibc 2.17 (docs/platforms.md): glibc itself
 * is linked dynamically, so each symbol the library takes from it must exist in that old a
 * version. Two calls of Mbed TLS need newer ones with today's glibc headers:
 *
 *  - explicit_bzero (GLIBC_2.25), which Mbed TLS picks for mbedtls_platform_zeroize when the
 *    headers are glibc >= 2.25. The build sets MBEDTLS_PLATFORM_ZEROIZE_ALT (Mbed TLS's own
 *    option for this) and the implementation is here.
 *  - stat (GLIBC_2.33: a real function since then; before, an inline around __xstat), used by
 *    mbedtls_x509_crt_parse_path. The link wraps it (-Wl,--wrap=stat) into __wrap_stat below,
 *    which calls __xstat, the entry point every glibc since the architecture's first release
 *    exports, at that first version.
 *  - fcntl on 32-bit ARM (GLIBC_2.28, where glibc gave the 32-bit fcntl a new version for its
 *    64-bit file offsets variant), used by mbedtls_net_set_(non)block and the glue: wrapped the
 *    same way onto fcntl@GLIBC_2.4, which is the same call for the commands used (F_GETFL,
 *    F_SETFL, F_GETFD, F_SETFD: no struct flock).
 *
 * Linked into the library and every C program built on the same Mbed TLS archives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* As Mbed TLS's own fallback: a call through a volatile pointer cannot be proven dead, and the
 * empty asm that reads the buffer keeps a store-elimination pass from dropping it either. */
static void *(*const volatile mj_memset)(void *, int, size_t) = memset;

void mbedtls_platform_zeroize(void *buf, size_t len)
{
    if (len > 0) {
        mj_memset(buf, 0, len);
        __asm__ __volatile__("" : : "r"(buf) : "memory");
    }
}

#if defined(MJ_WRAP_STAT)
/* __xstat's version argument (_STAT_VER, gone from glibc's headers since 2.33) and symbol
 * version, per architecture: the struct stat filled is the one <sys/stat.h> declares. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define MJ_STAT_VER 1
#define MJ_XSTAT_SYMVER "__xstat@GLIBC_2.2.5"
#elif defined(__aarch64__)
#define MJ_STAT_VER 0
#define MJ_XSTAT_SYMVER "__xstat@GLIBC_2.17"
#elif defined(__arm__)
#define MJ_STAT_VER 3
#define MJ_XSTAT_SYMVER "__xstat@GLIBC_2.4"
#elif defined(__i386__)
#define MJ_STAT_VER 3
#define MJ_XSTAT_SYMVER "__xstat@GLIBC_2.0"
#else
#error "MJ_WRAP_STAT: no known __xstat for this architecture (cmake/GlibcFloor.cmake enables it per architecture)"
#endif

extern int mj_xstat(int ver, const char *path, struct stat *buf);
__asm__(".symver mj_xstat," MJ_XSTAT_SYMVER);

int __wrap_stat(const char *path, struct stat *buf);

int __wrap_stat(const char *path, struct stat *buf)
{
    return mj_xstat(MJ_STAT_VER, path, buf);
}
#endif

#if defined(MJ_WRAP_FCNTL)
#if defined(__arm__)
#define MJ_FCNTL_SYMVER "fcntl@GLIBC_2.4"
#else
#error "MJ_WRAP_FCNTL: only 32-bit ARM needs it (cmake/GlibcFloor.cmake)"
#endif

extern int mj_fcntl(int fd, int cmd, ...);
__asm__(".symver mj_fcntl," MJ_FCNTL_SYMVER);

int __wrap_fcntl(int fd, int cmd, ...);

int __wrap_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    void *arg;
    /* The third argument is an int or a pointer: one register either way on 32-bit ARM, passed on
     * as glibc's own fcntl reads it. */
    va_start(ap, cmd);
    arg = va_arg(ap, void *);
    va_end(ap);
    return mj_fcntl(fd, cmd, arg);
}
#endif
