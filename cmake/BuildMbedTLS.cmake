# Builds Mbed TLS from MBEDTLS_SOURCE_DIR as static, position-independent libraries
# (no programs, no tests), with the configuration that every target of this build shares:
#   - MBEDTLS_USER_CONFIG (-Dmbedtls.config=FILE): a full config header replacing Mbed TLS's;
#   - otherwise Mbed TLS's default config plus native/mbedtls_jni_config.h, or with
#     MBEDTLS_PROFILE=fast (-Dmbedtls.profile=fast) plus native/mbedtls_jni_config_fast.h.
# The glue and any harness must see the same config as the archives (struct layouts
# depend on it), so the definition is added for the whole directory tree.

set(MBEDTLS_PROFILE "default" CACHE STRING "Mbed TLS tuning: default, or fast (native/mbedtls_jni_config_fast.h)")
set_property(CACHE MBEDTLS_PROFILE PROPERTY STRINGS default fast)
if(NOT MBEDTLS_PROFILE MATCHES "^(default|fast)$")
  message(FATAL_ERROR "MBEDTLS_PROFILE='${MBEDTLS_PROFILE}': use default or fast")
endif()
if(MBEDTLS_USER_CONFIG AND MBEDTLS_PROFILE STREQUAL "fast")
  message(FATAL_ERROR "-Dmbedtls.profile=fast adds to the project's config; with -Dmbedtls.config=FILE put the options in FILE")
endif()

if(MBEDTLS_USER_CONFIG)
  get_filename_component(_cfg "${MBEDTLS_USER_CONFIG}" ABSOLUTE)
  if(NOT EXISTS "${_cfg}")
    message(FATAL_ERROR "Mbed TLS: -Dmbedtls.config=${_cfg} does not exist")
  endif()
  add_compile_definitions("MBEDTLS_CONFIG_FILE=\"${_cfg}\"")
  set(MBEDTLS_CONFIG_DESCRIPTION "user config ${_cfg}")
elseif(MBEDTLS_PROFILE STREQUAL "fast")
  add_compile_definitions("MBEDTLS_USER_CONFIG_FILE=\"${CMAKE_CURRENT_SOURCE_DIR}/mbedtls_jni_config_fast.h\"")
  set(MBEDTLS_CONFIG_DESCRIPTION "default + native/mbedtls_jni_config.h + fast profile")
else()
  add_compile_definitions("MBEDTLS_USER_CONFIG_FILE=\"${CMAKE_CURRENT_SOURCE_DIR}/mbedtls_jni_config.h\"")
  set(MBEDTLS_CONFIG_DESCRIPTION "default + native/mbedtls_jni_config.h")
endif()
# The fast profile (native/mbedtls_jni_config_fast.h): AES-NI/PCLMUL through intrinsics, which GCC
# compiles only with these flags; they enable no other instructions, and Mbed TLS still checks the
# CPU at run time.
if(MBEDTLS_PROFILE STREQUAL "fast" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  add_compile_options(-maes -mpclmul)
endif()

# Record buffers: each connection holds an input and an output buffer of (content length + ~0.3
# KiB), 16 KiB each by default (docs/performance.md). Smaller ones for embedded users: the output
# side is always safe (longer writes go out in several records); an input buffer below 16384 needs
# a server that honours the max_fragment_length extension, which the binding then requests
# (TLS 1.2; native/ssl_config.c). Empty: Mbed TLS's default.
set(MBEDTLS_SSL_IN_CONTENT_LEN "" CACHE STRING "Mbed TLS input record buffer (content bytes), empty = 16384")
set(MBEDTLS_SSL_OUT_CONTENT_LEN "" CACHE STRING "Mbed TLS output record buffer (content bytes), empty = 16384")
foreach(_len MBEDTLS_SSL_IN_CONTENT_LEN MBEDTLS_SSL_OUT_CONTENT_LEN)
  if(${_len})
    if(NOT ${_len} MATCHES "^[0-9]+$" OR ${_len} LESS 512 OR ${_len} GREATER 16384)
      message(FATAL_ERROR "${_len}='${${_len}}': a number of bytes from 512 to 16384")
    endif()
    add_compile_definitions("${_len}=${${_len}}")
    string(APPEND MBEDTLS_CONFIG_DESCRIPTION ", ${_len}=${${_len}}")
  endif()
endforeach()

set(CMAKE_POSITION_INDEPENDENT_CODE ON)

# Section GC in the final shared library needs every function in its own section.
add_compile_options(-ffunction-sections -fdata-sections)

# No symbol newer than glibc 2.17 (MBEDTLS_PLATFORM_ZEROIZE_ALT, the stat wrapper).
include(GlibcFloor)

include(AddMbedTLS)
add_mbedtls_static_libraries()
set(MBEDTLS_LIBRARIES mbedtls mbedx509 mbedcrypto ${MJ_COMPAT_LIBRARY})
