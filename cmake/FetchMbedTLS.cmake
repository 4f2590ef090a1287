# Obtains the Mbed TLS source tree for MBEDTLS_VERSION, checked by SHA-256.
#
# Sources, in this order (the first that yields a tarball wins):
#   1. MBEDTLS_SOURCE: a tarball or an unpacked tree given by the user (-Dmbedtls.source=PATH)
#   2. the cache directory MBEDTLS_CACHE_DIR (filled by earlier builds)
#   3. the upstream release asset on GitHub
#   4. Debian's source package (`apt-get source --download-only`), whose .orig tarball is
#      byte-identical to the upstream asset; see scripts/fetch-mbedtls-debian
# MBEDTLS_FETCH_METHODS (default "cache;upstream;debian") limits 2-4, e.g. "cache" for a build
# that must not touch the network.
# A tarball is used only if its SHA-256 matches the pinned one (cmake/MbedTLSVersions.cmake)
# or MBEDTLS_SHA256. Sets MBEDTLS_SOURCE_DIR and MBEDTLS_SOURCE_KIND (pinned|user).

set(_mbedtls_scripts_dir "${CMAKE_CURRENT_LIST_DIR}/../scripts")

macro(mbedtls_known_version version suffix sha256 suite)
  set(MBEDTLS_KNOWN_${version}_SUFFIX "${suffix}")
  set(MBEDTLS_KNOWN_${version}_SHA256 "${sha256}")
  set(MBEDTLS_KNOWN_${version}_SUITE "${suite}")
  list(APPEND MBEDTLS_KNOWN_VERSIONS "${version}")
endmacro()
include("${CMAKE_CURRENT_LIST_DIR}/MbedTLSVersions.cmake")

function(_mbedtls_check_hash file expected out_ok)
  file(SHA256 "${file}" actual)
  if(actual STREQUAL expected)
    set(${out_ok} TRUE PARENT_SCOPE)
  else()
    set(${out_ok} FALSE PARENT_SCOPE)
    set(_mbedtls_last_actual "${actual}" PARENT_SCOPE)
  endif()
endfunction()

# Unpacks ARCHIVE into the build tree once per distinct SHA-256, so an unchanged
# second build neither re-extracts nor rebuilds Mbed TLS.
function(_mbedtls_unpack archive sha256 out_dir)
  set(dest "${CMAKE_BINARY_DIR}/mbedtls-src/${sha256}")
  if(NOT EXISTS "${dest}/.unpacked")
    file(REMOVE_RECURSE "${dest}")
    file(MAKE_DIRECTORY "${dest}")
    message(STATUS "Mbed TLS: unpacking ${archive}")
    file(ARCHIVE_EXTRACT INPUT "${archive}" DESTINATION "${dest}")
    file(TOUCH "${dest}/.unpacked")
  endif()
  file(GLOB top LIST_DIRECTORIES true "${dest}/*")
  list(FILTER top EXCLUDE REGEX "/\\.unpacked$")
  list(LENGTH top n)
  if(NOT n EQUAL 1 OR NOT EXISTS "${top}/include/mbedtls/ssl.h")
    message(FATAL_ERROR "Mbed TLS: ${archive} does not unpack to one Mbed TLS source tree (no include/mbedtls/ssl.h)")
  endif()
  set(${out_dir} "${top}" PARENT_SCOPE)
endfunction()

function(fetch_mbedtls)
  set(version "${MBEDTLS_VERSION}")
  set(expected "${MBEDTLS_SHA256}")
  set(suffix "tar.bz2")
  set(suite "")
  if(DEFINED MBEDTLS_KNOWN_${version}_SHA256)
    set(suffix "${MBEDTLS_KNOWN_${version}_SUFFIX}")
    set(suite "${MBEDTLS_KNOWN_${version}_SUITE}")
    if(expected AND NOT expected STREQUAL MBEDTLS_KNOWN_${version}_SHA256)
      message(FATAL_ERROR "Mbed TLS ${version}: -Dmbedtls.sha256=${expected} contradicts the pinned SHA-256 ${MBEDTLS_KNOWN_${version}_SHA256}")
    endif()
    set(expected "${MBEDTLS_KNOWN_${version}_SHA256}")
  endif()
  string(TOLOWER "${expected}" expected)

  # 1. A source given by the user.
  if(MBEDTLS_SOURCE)
    get_filename_component(src "${MBEDTLS_SOURCE}" ABSOLUTE)
    if(IS_DIRECTORY "${src}")
      if(NOT EXISTS "${src}/include/mbedtls/ssl.h")
        message(FATAL_ERROR "Mbed TLS: -Dmbedtls.source=${src} is a directory but not an Mbed TLS source tree (no include/mbedtls/ssl.h)")
      endif()
      message(STATUS "Mbed TLS: using the unpacked tree ${src} (not hash-checked: it is yours)")
      set(MBEDTLS_SOURCE_DIR "${src}" PARENT_SCOPE)
      set(MBEDTLS_SOURCE_KIND "user" PARENT_SCOPE)
      return()
    endif()
    if(NOT EXISTS "${src}")
      message(FATAL_ERROR "Mbed TLS: -Dmbedtls.source=${src} does not exist")
    endif()
    if(NOT expected)
      message(FATAL_ERROR "Mbed TLS ${version} is not in cmake/MbedTLSVersions.cmake: give its SHA-256 with -Dmbedtls.sha256=... along with -Dmbedtls.source=${src}")
    endif()
    _mbedtls_check_hash("${src}" "${expected}" ok)
    if(NOT ok)
      message(FATAL_ERROR "Mbed TLS: SHA-256 mismatch for ${src}\n  expected ${expected}\n  found    ${_mbedtls_last_actual}")
    endif()
    _mbedtls_unpack("${src}" "${expected}" dir)
    set(MBEDTLS_SOURCE_DIR "${dir}" PARENT_SCOPE)
    set(MBEDTLS_SOURCE_KIND "user" PARENT_SCOPE)
    return()
  endif()

  if(NOT expected)
    message(FATAL_ERROR "Mbed TLS ${version} is not a known version (known: ${MBEDTLS_KNOWN_VERSIONS}).\n"
      "Build it from a tarball you trust: -Dmbedtls.version=${version} -Dmbedtls.source=PATH -Dmbedtls.sha256=SHA256")
  endif()

  if(NOT DEFINED MBEDTLS_FETCH_METHODS)
    set(MBEDTLS_FETCH_METHODS cache upstream debian)
  endif()
  set(name "mbedtls-${version}.${suffix}")
  set(cached "${MBEDTLS_CACHE_DIR}/${name}")
  set(tried "")

  # 2. The cache.
  if(NOT "cache" IN_LIST MBEDTLS_FETCH_METHODS)
    list(APPEND tried "cache: not allowed by MBEDTLS_FETCH_METHODS")
  elseif(EXISTS "${cached}")
    _mbedtls_check_hash("${cached}" "${expected}" ok)
    if(ok)
      _mbedtls_unpack("${cached}" "${expected}" dir)
      set(MBEDTLS_SOURCE_DIR "${dir}" PARENT_SCOPE)
      set(MBEDTLS_SOURCE_KIND "pinned" PARENT_SCOPE)
      return()
    endif()
    message(WARNING "Mbed TLS: cached ${cached} has SHA-256 ${_mbedtls_last_actual}, expected ${expected}; ignoring it")
    list(APPEND tried "cache ${cached}: SHA-256 mismatch (found ${_mbedtls_last_actual})")
  else()
    list(APPEND tried "cache ${cached}: absent")
  endif()
  file(MAKE_DIRECTORY "${MBEDTLS_CACHE_DIR}")
  set(partial "${cached}.part")

  # 3. The upstream release asset.
  set(url "https://github.com/Mbed-TLS/mbedtls/releases/download/mbedtls-${version}/${name}")
  set(code -1)
  set(st "-1;not allowed by MBEDTLS_FETCH_METHODS")
  if("upstream" IN_LIST MBEDTLS_FETCH_METHODS)
    message(STATUS "Mbed TLS: trying ${url}")
    file(DOWNLOAD "${url}" "${partial}" STATUS st TIMEOUT 60 INACTIVITY_TIMEOUT 15)
    list(GET st 0 code)
  endif()
  if(code EQUAL 0)
    _mbedtls_check_hash("${partial}" "${expected}" ok)
    if(ok)
      file(RENAME "${partial}" "${cached}")
      _mbedtls_unpack("${cached}" "${expected}" dir)
      set(MBEDTLS_SOURCE_DIR "${dir}" PARENT_SCOPE)
      set(MBEDTLS_SOURCE_KIND "pinned" PARENT_SCOPE)
      return()
    endif()
    # Not used. Some pinned tarballs are not the upstream asset (2.28.3's is Debian's .orig, a
    # GitHub tag archive), so a mismatch here need not be an attack: the next source is tried,
    # and it is hash-checked too.
    message(WARNING "Mbed TLS: SHA-256 mismatch for ${url}\n  expected ${expected}\n  found    ${_mbedtls_last_actual}\n"
      "ignoring it")
    set(st "-1;SHA-256 mismatch (found ${_mbedtls_last_actual})")
  endif()
  list(GET st 1 why)
  list(APPEND tried "upstream ${url}: ${why}")
  file(REMOVE "${partial}")

  # 4. Debian's source package.
  if(NOT "debian" IN_LIST MBEDTLS_FETCH_METHODS)
    list(APPEND tried "Debian source package: not allowed by MBEDTLS_FETCH_METHODS")
  elseif(suite)
    message(STATUS "Mbed TLS: trying Debian's source package of ${version} (suite ${suite})")
    execute_process(
      COMMAND bash "${_mbedtls_scripts_dir}/fetch-mbedtls-debian" "${version}" "${suite}" "${partial}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc EQUAL 0 AND EXISTS "${partial}")
      _mbedtls_check_hash("${partial}" "${expected}" ok)
      if(ok)
        file(RENAME "${partial}" "${cached}")
        _mbedtls_unpack("${cached}" "${expected}" dir)
        set(MBEDTLS_SOURCE_DIR "${dir}" PARENT_SCOPE)
        set(MBEDTLS_SOURCE_KIND "pinned" PARENT_SCOPE)
        return()
      endif()
      file(REMOVE "${partial}")
      message(FATAL_ERROR "Mbed TLS: SHA-256 mismatch for Debian's orig tarball of ${version}\n  expected ${expected}\n  found    ${_mbedtls_last_actual}")
    endif()
    string(STRIP "${err}" err)
    list(APPEND tried "Debian source package (suite ${suite}): ${err}")
  else()
    list(APPEND tried "Debian source package: no suite known for ${version}")
  endif()

  string(REPLACE ";" "\n  - " tried_text "${tried}")
  message(FATAL_ERROR "Mbed TLS ${version}: no source could be obtained. Tried:\n  - ${tried_text}\n"
    "Provide the tarball by hand: download ${name} (SHA-256 ${expected}) and either\n"
    "  put it at ${cached}, or\n"
    "  build with -Dmbedtls.source=/path/to/${name}")
endfunction()
