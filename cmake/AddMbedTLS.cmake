# add_mbedtls_static_libraries(): adds the Mbed TLS tree MBEDTLS_SOURCE_DIR (see FetchMbedTLS) as a
# subproject that builds only its three static libraries (mbedtls, mbedx509, mbedcrypto): no
# programs, no tests, no generated files, no install rules, warnings not fatal (a user's config
# may trip them). Compile definitions and options set before the call (the config header,
# sanitizers, section flags) apply to it as to the caller's own targets.
macro(add_mbedtls_static_libraries)
  set(ENABLE_PROGRAMS OFF CACHE BOOL "" FORCE)
  set(ENABLE_TESTING OFF CACHE BOOL "" FORCE)
  set(GEN_FILES OFF CACHE BOOL "" FORCE)
  set(USE_STATIC_MBEDTLS_LIBRARY ON CACHE BOOL "" FORCE)
  set(USE_SHARED_MBEDTLS_LIBRARY OFF CACHE BOOL "" FORCE)
  set(MBEDTLS_FATAL_WARNINGS OFF CACHE BOOL "" FORCE)
  set(DISABLE_PACKAGE_CONFIG_AND_INSTALL ON CACHE BOOL "" FORCE)
  set(INSTALL_MBEDTLS_HEADERS OFF CACHE BOOL "" FORCE)
  add_subdirectory("${MBEDTLS_SOURCE_DIR}" mbedtls EXCLUDE_FROM_ALL)
endmacro()
