# Linux aarch64 (arm64), glibc, with Debian's cross compiler (apt-get install gcc-aarch64-linux-gnu).
# CPU floor: ARMv8-A; the AES/SHA crypto extensions are detected by Mbed TLS at run time.
#   cmake -S native -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-linux_arm64.cmake ...
set(MJ_CROSS_TRIPLET aarch64-linux-gnu)
set(MJ_CROSS_PACKAGE gcc-aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(MJ_CPU_FLAGS "-march=armv8-a")
include("${CMAKE_CURRENT_LIST_DIR}/DebianCross.cmake")
