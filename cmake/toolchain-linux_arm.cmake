# Linux armhf (Debian's ABI: ARMv7-A, VFPv3-D16, hard-float, Thumb-2), glibc, with Debian's cross
# compiler (apt-get install gcc-arm-linux-gnueabihf). NEON is not assumed.
set(MJ_CROSS_TRIPLET arm-linux-gnueabihf)
set(MJ_CROSS_PACKAGE gcc-arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(MJ_CPU_FLAGS "-march=armv7-a+fp -mfloat-abi=hard -mthumb")
include("${CMAKE_CURRENT_LIST_DIR}/DebianCross.cmake")
