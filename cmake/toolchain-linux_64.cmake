# Linux x86-64, glibc, with Debian's cross compiler (apt-get install gcc-x86-64-linux-gnu): for
# building the x86-64 library on an ARM machine. CPU floor: baseline x86-64 (SSE2); AES-NI and
# PCLMULQDQ are detected by Mbed TLS at run time.
set(MJ_CROSS_TRIPLET x86_64-linux-gnu)
set(MJ_CROSS_PACKAGE gcc-x86-64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MJ_CPU_FLAGS "-march=x86-64")
include("${CMAKE_CURRENT_LIST_DIR}/DebianCross.cmake")
