# The oldest glibc the library must load on: 2.17 on every architecture (docs/platforms.md).
# For the pinned builds (BuildMbedTLS.cmake): Mbed TLS's mbedtls_platform_zeroize comes from
# native/glibc_compat.c instead of explicit_bzero (MBEDTLS_PLATFORM_ZEROIZE_ALT), and on glibc
# targets whose __xstat is known, stat() is wrapped onto it (and fcntl on 32-bit ARM). GlibcFloorTest reads the symbol
# versions of every native and fails on anything newer than GLIBC_2.17.
# Sets MJ_COMPAT_LIBRARY, to link after the Mbed TLS archives.
add_compile_definitions(MBEDTLS_PLATFORM_ZEROIZE_ALT=)
add_library(mjcompat STATIC "${CMAKE_CURRENT_LIST_DIR}/../native/glibc_compat.c")
target_compile_options(mjcompat PRIVATE -Wall -Wextra)
# Not in the sanitized build (MJ_SANITIZE, scripts/sanitize): that library is never shipped and
# only loads into a JVM with the sanitizer runtimes preloaded, and libasan (which needs a far newer
# glibc than 2.17 itself) defines stat and __xstat as interceptors. Linked against that definition,
# --wrap=stat makes ld 2.40 leave an R_X86_64_NONE relocation in .rela.plt, which the dynamic loader
# refuses ("unexpected PLT reloc type 0x00"); and a stat() routed to __xstat would bypass ASan's
# check of the struct it fills anyway. So the sanitized build calls glibc's stat() directly.
set(MJ_GLIBC_WRAPS ON)
if(MJ_SANITIZE)
  set(MJ_GLIBC_WRAPS OFF)
endif()
if(MJ_GLIBC_WRAPS AND MJ_LIBC_GLIBC AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|amd64|aarch64|arm.*|i.86)$")
  target_compile_definitions(mjcompat PRIVATE MJ_WRAP_STAT)
  target_link_options(mjcompat INTERFACE "-Wl,--wrap=stat")
endif()
if(MJ_GLIBC_WRAPS AND MJ_LIBC_GLIBC AND CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  target_compile_definitions(mjcompat PRIVATE MJ_WRAP_FCNTL)
  target_link_options(mjcompat INTERFACE "-Wl,--wrap=fcntl")
endif()
set(MJ_COMPAT_LIBRARY mjcompat)
