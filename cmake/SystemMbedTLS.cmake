# Uses the Mbed TLS installed on the system (-Dmbedtls.system=true), e.g. Debian's
# libmbedtls-dev: its headers, its configuration and its shared libraries. Nothing is fetched
# or built. The glue compiles with the system's own config (no user config file): the struct
# layouts must match the libraries'.
#
# Input: MBEDTLS_VERSION (empty: any; otherwise the installed version must be that one),
#        MBEDTLS_SYSTEM_PREFIX (optional: where to look first, e.g. /opt/mbedtls).
# Sets:  MBEDTLS_VERSION (the installed one), MBEDTLS_SOURCE_DIR (its include directory),
#        MBEDTLS_SOURCE_KIND=system, MBEDTLS_CONFIG_DESCRIPTION, MBEDTLS_LIBRARIES.

if(MBEDTLS_USER_CONFIG)
  message(FATAL_ERROR "Mbed TLS: -Dmbedtls.config cannot be combined with -Dmbedtls.system=true: "
    "the system's libraries were built with the system's configuration, and the glue must use that same one")
endif()
if(MBEDTLS_SOURCE)
  message(FATAL_ERROR "Mbed TLS: -Dmbedtls.source and -Dmbedtls.system=true exclude each other")
endif()

set(_hints "")
if(MBEDTLS_SYSTEM_PREFIX)
  set(_hints HINTS "${MBEDTLS_SYSTEM_PREFIX}")
endif()
find_path(MBEDTLS_SYSTEM_INCLUDE_DIR mbedtls/ssl.h ${_hints} PATH_SUFFIXES include)
if(NOT MBEDTLS_SYSTEM_INCLUDE_DIR)
  message(FATAL_ERROR "Mbed TLS: -Dmbedtls.system=true but no mbedtls/ssl.h was found. "
    "Install the development package (Debian/Ubuntu: apt-get install libmbedtls-dev), "
    "or build from source without -Dmbedtls.system")
endif()

# The version, from the headers (3.x: build_info.h; 2.28: version.h).
set(_version "")
foreach(h mbedtls/build_info.h mbedtls/version.h)
  if(EXISTS "${MBEDTLS_SYSTEM_INCLUDE_DIR}/${h}")
    file(STRINGS "${MBEDTLS_SYSTEM_INCLUDE_DIR}/${h}" _line REGEX "^#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"")
    if(_line MATCHES "\"([0-9]+\\.[0-9]+\\.[0-9]+)\"")
      set(_version "${CMAKE_MATCH_1}")
      break()
    endif()
  endif()
endforeach()
if(NOT _version)
  message(FATAL_ERROR "Mbed TLS: no MBEDTLS_VERSION_STRING in ${MBEDTLS_SYSTEM_INCLUDE_DIR}/mbedtls/{build_info,version}.h")
endif()
if(MBEDTLS_VERSION AND NOT MBEDTLS_VERSION STREQUAL _version)
  message(FATAL_ERROR "Mbed TLS: -Dmbedtls.version=${MBEDTLS_VERSION} was asked for, but the system has "
    "Mbed TLS ${_version} (${MBEDTLS_SYSTEM_INCLUDE_DIR}); drop -Dmbedtls.version to take the installed one")
endif()

# The shared libraries: a static archive from the system is usually not position-independent.
set(MBEDTLS_LIBRARIES "")
foreach(lib mbedtls mbedx509 mbedcrypto)
  find_library(MBEDTLS_SYSTEM_LIB_${lib} NAMES "${CMAKE_SHARED_LIBRARY_PREFIX}${lib}${CMAKE_SHARED_LIBRARY_SUFFIX}"
    ${_hints} PATH_SUFFIXES lib)
  if(NOT MBEDTLS_SYSTEM_LIB_${lib})
    message(FATAL_ERROR "Mbed TLS: -Dmbedtls.system=true but the shared library ${lib} was not found "
      "(Debian/Ubuntu: apt-get install libmbedtls-dev)")
  endif()
  list(APPEND MBEDTLS_LIBRARIES "${MBEDTLS_SYSTEM_LIB_${lib}}")
endforeach()

include_directories(BEFORE SYSTEM "${MBEDTLS_SYSTEM_INCLUDE_DIR}")
# Tells the glue that Mbed TLS is a shared library (see net_context.c).
add_compile_definitions(MJ_MBEDTLS_SHARED=1)

set(MBEDTLS_VERSION "${_version}")
set(MBEDTLS_SOURCE_DIR "${MBEDTLS_SYSTEM_INCLUDE_DIR}")
set(MBEDTLS_SOURCE_KIND "system")
if(EXISTS "${MBEDTLS_SYSTEM_INCLUDE_DIR}/mbedtls/mbedtls_config.h")
  set(MBEDTLS_CONFIG_DESCRIPTION "system config ${MBEDTLS_SYSTEM_INCLUDE_DIR}/mbedtls/mbedtls_config.h")
else()
  set(MBEDTLS_CONFIG_DESCRIPTION "system config ${MBEDTLS_SYSTEM_INCLUDE_DIR}/mbedtls/config.h")
endif()
message(STATUS "Mbed TLS: using the system's Mbed TLS ${_version}: ${MBEDTLS_LIBRARIES}")
