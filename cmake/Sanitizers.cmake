# Sanitizer and fuzzing configurations, chosen at configure time and applied to every target of
# that build directory only (the flags go into this configuration's CMAKE_CXX_FLAGS, so nothing
# changes for a default build):
#   -DLPC_SANITIZE=ON   AddressSanitizer + UndefinedBehaviorSanitizer, any UB report fatal
#                       (`make test-sanitize`: g++, build-asan/, the quick tier).
#   -DLPC_FUZZ=ON       clang only: coverage instrumentation for libFuzzer everywhere, and fuzz/
#                       links its targets with LPC_FUZZING_ENGINE (`make fuzz`, fuzz/campaign,
#                       .clusterfuzzlite/build.sh which passes $LIB_FUZZING_ENGINE).
option(LPC_SANITIZE "Build with -fsanitize=address,undefined (fatal on the first report)" OFF)
option(LPC_FUZZ "Build the libFuzzer targets (clang): instrument every target, link fuzz/ with the engine" OFF)
set(LPC_FUZZING_ENGINE "-fsanitize=fuzzer" CACHE STRING "Link flags or library of the fuzzing engine ($LIB_FUZZING_ENGINE under OSS-Fuzz)")

if(LPC_SANITIZE)
  string(APPEND CMAKE_CXX_FLAGS " -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all")
  string(APPEND CMAKE_EXE_LINKER_FLAGS " -fsanitize=address,undefined")
endif()

if(LPC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LPC_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  # OSS-Fuzz / ClusterFuzzLite already put the instrumentation into CXXFLAGS.
  if(NOT CMAKE_CXX_FLAGS MATCHES "fuzzer-no-link")
    string(APPEND CMAKE_CXX_FLAGS " -fsanitize=fuzzer-no-link")
  endif()
  # Coverage feedback from the subjects and parsers, not from library code or the reference's
  # lookups. Neither make nor ccache reads the list's contents (ccache hashes the flag's text), so
  # the build uses a copy named by the contents' hash: editing the list reconfigures
  # (CMAKE_CONFIGURE_DEPENDS), changes the flag, and so rebuilds everything.
  set(lpc_ignorelist "${PROJECT_SOURCE_DIR}/fuzz/coverage-ignorelist.txt")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${lpc_ignorelist}")
  file(SHA1 "${lpc_ignorelist}" lpc_ignorelist_sha1)
  string(SUBSTRING "${lpc_ignorelist_sha1}" 0 12 lpc_ignorelist_sha1)
  set(lpc_ignorelist_copy "${PROJECT_BINARY_DIR}/coverage-ignorelist-${lpc_ignorelist_sha1}.txt")
  configure_file("${lpc_ignorelist}" "${lpc_ignorelist_copy}" COPYONLY)
  string(APPEND CMAKE_CXX_FLAGS " -fsanitize-coverage-ignorelist=${lpc_ignorelist_copy}")
endif()
