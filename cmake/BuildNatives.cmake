# Builds the native library for each requested platform into the one natives/ tree of the jar
# (cmake -P; the library's pom runs it in process-classes). Each platform has its own CMake build
# directory; each configure + build is incremental, so an unchanged rebuild compiles nothing.
#
#   MJ_TARGETS     host (default), all (linux_64, linux_arm64, linux_arm), or a list of these
#                  names separated by commas; the host's own platform is always built, natively,
#                  the others with cmake/toolchain-<name>.cmake (Debian's cross compilers)
#   MJ_TOOLCHAIN   a CMake toolchain file of your own (Yocto, Buildroot, musl ...): one more
#                  platform, whose natives/ directory CMake computes (cmake/NativePlatform.cmake)
#   MJ_BUILD_DIR   the host build directory; the others are MJ_BUILD_DIR-<name>
#   MJ_OUTPUT_DIR  the natives/ tree; directories of platforms not built now are removed, so a
#                  jar never mixes libraries of two builds
#   and the Mbed TLS settings, passed on to native/CMakeLists.txt unchanged (MJ_FORWARD below).
cmake_minimum_required(VERSION 3.16)

set(MJ_FORWARD JAVA_HOME JNI_HEADERS_DIR MBEDTLS_VERSION MBEDTLS_SOURCE MBEDTLS_SHA256 MBEDTLS_USER_CONFIG
  MBEDTLS_CACHE_DIR MBEDTLS_SYSTEM MBEDTLS_PROFILE MBEDTLS_SSL_IN_CONTENT_LEN MBEDTLS_SSL_OUT_CONTENT_LEN)
set(MJ_ALL_TARGETS linux_64 linux_arm64 linux_arm)
get_filename_component(_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

foreach(v MJ_BUILD_DIR MJ_OUTPUT_DIR JAVA_HOME JNI_HEADERS_DIR)
  if(NOT ${v})
    message(FATAL_ERROR "BuildNatives.cmake: -D${v}=... is required")
  endif()
endforeach()

# The host's platform name, as the jar names it.
execute_process(COMMAND uname -m OUTPUT_VARIABLE _m OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_m MATCHES "^(x86_64|amd64)$")
  set(_host linux_64)
elseif(_m MATCHES "^(aarch64|arm64)$")
  set(_host linux_arm64)
elseif(_m MATCHES "^arm")
  set(_host linux_arm)
else()
  set(_host "host")
endif()

# The host's platform is always built: the tests run on it.
if(NOT MJ_TARGETS OR MJ_TARGETS STREQUAL "host")
  set(_targets "${_host}")
elseif(MJ_TARGETS STREQUAL "all")
  set(_targets "${_host}" ${MJ_ALL_TARGETS})
else()
  string(REPLACE "," ";" _targets "${_host},${MJ_TARGETS}")
endif()
list(JOIN MJ_ALL_TARGETS ", " _all_text)
foreach(t IN LISTS _targets)
  if(NOT t STREQUAL _host AND NOT t IN_LIST MJ_ALL_TARGETS)
    message(FATAL_ERROR "-Dmbedtls.targets: unknown platform '${t}'; use host, all, or some of "
      "${_all_text} separated by commas (any other target: -Dmbedtls.toolchain=FILE)")
  endif()
endforeach()
list(REMOVE_DUPLICATES _targets)
if(MBEDTLS_SYSTEM AND (NOT _targets STREQUAL _host OR MJ_TOOLCHAIN))
  message(FATAL_ERROR "-Dmbedtls.system=true links the libraries of this machine: it builds for the host only "
    "(leave out -Dmbedtls.targets and -Dmbedtls.toolchain)")
endif()

set(_args)
foreach(v IN LISTS MJ_FORWARD)
  list(APPEND _args "-D${v}=${${v}}")
endforeach()

# build(NAME DIR [TOOLCHAIN])
function(_mj_build name dir toolchain)
  set(extra)
  if(toolchain)
    list(APPEND extra "-DCMAKE_TOOLCHAIN_FILE=${toolchain}")
  endif()
  message(STATUS "mbedtls-jni: native library for ${name} in ${dir}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${_root}/native" -B "${dir}" -DCMAKE_BUILD_TYPE=Release
      "-DJNI_OUTPUT_DIR=${MJ_OUTPUT_DIR}" ${_args} ${extra}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mbedtls-jni: configuring the native build for ${name} failed (see above)")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${dir}" --parallel 2 RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mbedtls-jni: the native build for ${name} failed (see above)")
  endif()
  # The directory under natives/ that this build filled (NATIVE_PLATFORM_DIR in its cache).
  file(STRINGS "${dir}/CMakeCache.txt" line REGEX "^MJ_NATIVE_PLATFORM_DIR:")
  string(REGEX REPLACE "^[^=]*=" "" line "${line}")
  set(_built_dir "${line}" PARENT_SCOPE)
endfunction()

set(_filled)
foreach(t IN LISTS _targets)
  if(t STREQUAL _host)
    _mj_build("${t} (this machine)" "${MJ_BUILD_DIR}" "")
  else()
    _mj_build("${t}" "${MJ_BUILD_DIR}-${t}" "${_root}/cmake/toolchain-${t}.cmake")
  endif()
  list(APPEND _filled "${_built_dir}")
endforeach()
if(MJ_TOOLCHAIN)
  get_filename_component(_tc "${MJ_TOOLCHAIN}" ABSOLUTE)
  if(NOT EXISTS "${_tc}")
    message(FATAL_ERROR "-Dmbedtls.toolchain=${_tc} does not exist")
  endif()
  get_filename_component(_name "${_tc}" NAME_WE)
  _mj_build("${_name} (${_tc})" "${MJ_BUILD_DIR}-${_name}" "${_tc}")
  if(_built_dir IN_LIST _filled)
    message(FATAL_ERROR "-Dmbedtls.toolchain=${_tc} builds for natives/${_built_dir}/, which another build of "
      "this run fills already; give its build -DMJ_PLATFORM_DIR=... in the toolchain file, or leave that target out")
  endif()
  list(APPEND _filled "${_built_dir}")
endif()

# Only what was built now goes into the jar.
file(GLOB _present LIST_DIRECTORIES true RELATIVE "${MJ_OUTPUT_DIR}" "${MJ_OUTPUT_DIR}/*")
foreach(d IN LISTS _present)
  if(IS_DIRECTORY "${MJ_OUTPUT_DIR}/${d}" AND NOT d IN_LIST _filled)
    message(STATUS "mbedtls-jni: removing natives/${d}/ (not part of this build)")
    file(REMOVE_RECURSE "${MJ_OUTPUT_DIR}/${d}")
  endif()
endforeach()
# The index the Java loader names in its error for a platform the jar lacks.
list(JOIN _filled "\n" _index)
file(WRITE "${MJ_OUTPUT_DIR}/platforms.txt.new" "${_index}\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${MJ_OUTPUT_DIR}/platforms.txt.new" "${MJ_OUTPUT_DIR}/platforms.txt")
file(REMOVE "${MJ_OUTPUT_DIR}/platforms.txt.new")
list(JOIN _filled " " _list)
message(STATUS "mbedtls-jni: natives/ holds ${_list}")
