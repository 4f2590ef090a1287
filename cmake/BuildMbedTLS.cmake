# Builds Mbed TLS from MBEDTLS_SOURCE_DIR as static, position-independent libraries
# (no programs, no tests), with the configuration that every target of this build shares:
#   - MBEDTLS_USER_CONFIG (-Dmbedtls.config=FILE): a full config header replacing Mbed TLS's;
#   - otherwise Mbed TLS's default config plus native/mbedtls_jni_config.h.
# The glue and any harness must see the same config as the archives (struct layouts
# depend on it), so the definition is added for the whole directory tree.

if(MBEDTLS_USER_CONFIG)
  get_filename_component(_cfg "${MBEDTLS_USER_CONFIG}" ABSOLUTE)
  if(NOT EXISTS "${_cfg}")
    message(FATAL_ERROR "Mbed TLS: -Dmbedtls.config=${_cfg} does not exist")
  endif()
  add_compile_definitions("MBEDTLS_CONFIG_FILE=\"${_cfg}\"")
  set(MBEDTLS_CONFIG_DESCRIPTION "user config ${_cfg}")
else()
  add_compile_definitions("MBEDTLS_USER_CONFIG_FILE=\"${CMAKE_CURRENT_SOURCE_DIR}/mbedtls_jni_config.h\"")
  set(MBEDTLS_CONFIG_DESCRIPTION "default + native/mbedtls_jni_config.h")
endif()

set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(ENABLE_PROGRAMS OFF CACHE BOOL "" FORCE)
set(ENABLE_TESTING OFF CACHE BOOL "" FORCE)
set(GEN_FILES OFF CACHE BOOL "" FORCE)
set(USE_STATIC_MBEDTLS_LIBRARY ON CACHE BOOL "" FORCE)
set(USE_SHARED_MBEDTLS_LIBRARY OFF CACHE BOOL "" FORCE)
set(MBEDTLS_FATAL_WARNINGS OFF CACHE BOOL "" FORCE)
set(DISABLE_PACKAGE_CONFIG_AND_INSTALL ON CACHE BOOL "" FORCE)
set(INSTALL_MBEDTLS_HEADERS OFF CACHE BOOL "" FORCE)

# Section GC in the final shared library needs every function in its own section.
add_compile_options(-ffunction-sections -fdata-sections)

add_subdirectory("${MBEDTLS_SOURCE_DIR}" mbedtls EXCLUDE_FROM_ALL)
set(MBEDTLS_LIBRARIES mbedtls mbedx509 mbedcrypto)
