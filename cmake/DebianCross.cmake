# The part every Debian cross toolchain file shares (toolchain-linux_*.cmake): the compiler from
# Debian's gcc-<triplet> package, its sysroot /usr/<triplet> (libc6-dev-<arch>-cross), and the
# target's CPU floor. The including file sets MJ_CROSS_TRIPLET, MJ_CROSS_PACKAGE,
# CMAKE_SYSTEM_PROCESSOR and MJ_CPU_FLAGS first.
set(CMAKE_SYSTEM_NAME Linux)

find_program(MJ_CROSS_CC NAMES "${MJ_CROSS_TRIPLET}-gcc")
if(NOT MJ_CROSS_CC)
  message(FATAL_ERROR "The cross compiler ${MJ_CROSS_TRIPLET}-gcc is not installed. "
    "On Debian: apt-get install ${MJ_CROSS_PACKAGE} (it brings the C library headers of the target too)")
endif()
set(CMAKE_C_COMPILER "${MJ_CROSS_CC}")
# The CPU floor is stated, not left to the compiler's default, so that docs/platforms.md's
# table stays true whatever the toolchain was configured with.
set(CMAKE_C_FLAGS_INIT "${MJ_CPU_FLAGS}")

set(CMAKE_FIND_ROOT_PATH "/usr/${MJ_CROSS_TRIPLET}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
