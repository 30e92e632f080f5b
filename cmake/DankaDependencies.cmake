# Finds Danka's dependencies and decides whether the CUDA kernels are compiled (DANKA_CUDA_ENABLED).

# --- LibTorch (from the PyPI torch wheel: -DCMAKE_PREFIX_PATH=$(python -c 'import torch;
#     print(torch.utils.cmake_prefix_path)')). Danka's kernels are built for Ampere (A100), Ada (RTX 4090)
#     and Hopper (H100), with PTX for newer cards; torch's CMake reads the list from TORCH_CUDA_ARCH_LIST.
set(DANKA_CUDA_ARCHS "8.0;8.9;9.0+PTX" CACHE STRING "CUDA architectures for Danka's kernels (torch syntax)")
if(NOT DEFINED TORCH_CUDA_ARCH_LIST)
    set(TORCH_CUDA_ARCH_LIST "${DANKA_CUDA_ARCHS}")
endif()
if(NOT DANKA_CUDA STREQUAL "OFF" AND NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
# Torch sets the architectures itself (-gencode from TORCH_CUDA_ARCH_LIST) and warns when CMake has already
# initialised CMAKE_CUDA_ARCHITECTURES, which policy CMP0104 NEW does on enable_language(CUDA).
cmake_policy(SET CMP0104 OLD)
# One CUDA runtime in the process, shared with LibTorch (CMake's default would link cudart statically).
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
find_package(Torch REQUIRED)
# libtorch_cuda finds its CUDA libraries (the wheel's nvidia/*/lib) through its RPATH at run time; the linker
# must resolve them there too, not in an older system copy (a CUDA toolkit may ship its own NCCL on the
# ld.so.conf path, missing symbols this LibTorch needs).
file(GLOB _danka_nvidia_libdirs LIST_DIRECTORIES true "${TORCH_INSTALL_PREFIX}/../nvidia/*/lib")
foreach(_dir IN LISTS _danka_nvidia_libdirs)
    add_link_options("LINKER:-rpath-link,${_dir}")
endforeach()
if(NOT DEFINED Torch_VERSION)
    set(Torch_VERSION "${TORCH_VERSION}")
endif()

# LibTorch 2.14 and later refuse C++17 in their headers; Danka's code is C++17 and also compiles as C++20,
# so a build against such a torch (for example a GPU server's own) switches the standard instead of failing.
if(Torch_VERSION VERSION_GREATER_EQUAL 2.14)
    message(STATUS "LibTorch ${Torch_VERSION} requires C++20: compiling Danka as C++20")
    set(CMAKE_CXX_STANDARD 20)
endif()

# --- CUDA: AUTO means "when LibTorch has CUDA and nvcc works". The binaries still start without a driver:
#     nothing links libcuda (tests/packaging checks the ELF NEEDED list).
set(DANKA_CUDA_ENABLED OFF)
set(_torch_has_cuda OFF)
if(TARGET torch_cuda)
    set(_torch_has_cuda ON)
endif()
if(DANKA_CUDA STREQUAL "ON" OR DANKA_CUDA STREQUAL "AUTO")
    if(_torch_has_cuda AND CMAKE_CUDA_COMPILER)
        enable_language(CUDA)
        set(DANKA_CUDA_ENABLED ON)
    elseif(DANKA_CUDA STREQUAL "ON")
        message(FATAL_ERROR "DANKA_CUDA=ON but the LibTorch found (${Torch_DIR}) has no CUDA or nvcc is missing")
    endif()
elseif(NOT DANKA_CUDA STREQUAL "OFF")
    message(FATAL_ERROR "DANKA_CUDA must be AUTO, ON or OFF, got '${DANKA_CUDA}'")
endif()

# --- Small libraries (Debian packages; on a GPU server they can come from extracted .deb files).
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CLI11 2.1 CONFIG REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SentencePiece REQUIRED IMPORTED_TARGET sentencepiece)   # tokenizer training and encoding
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)                   # NFKC, character properties

# --- Qt: the studio needs Widgets + Charts; the tests need only Core + Test.
set(_qt_components)
if(DANKA_BUILD_GUI)
    list(APPEND _qt_components Core Gui Widgets Charts Concurrent LinguistTools)
endif()
if(DANKA_BUILD_TESTS)
    list(APPEND _qt_components Core Test)
endif()
if(_qt_components)
    list(REMOVE_DUPLICATES _qt_components)
    find_package(Qt6 6.4 REQUIRED COMPONENTS ${_qt_components})
endif()
