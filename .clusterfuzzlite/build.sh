#!/bin/bash -eu
# Builds every lpconform fuzz target into $OUT the OSS-Fuzz way: the binary, its seed corpus as
# <target>_seed_corpus.zip, <target>.dict and <target>.options. The target list comes from the
# build (fuzz/CMakeLists.txt writes it), never from a second list here.
#
# Under ClusterFuzzLite the base-builder sets every variable. Locally fuzz/campaign emulates it:
#   SRC=/work/main WORK=/work/main/build-fuzz OUT=/tmp/out CC=clang-14 CXX=clang++-14 \
#   CFLAGS= CXXFLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer .clusterfuzzlite/build.sh
# The shebang's -eu is lost when the script is run as `bash build.sh` (as fuzz/campaign does): a
# failed build must stop here, not leave stale or missing binaries in $OUT.
set -eu
repo="${LPC_SOURCE_DIR:-$SRC/lpconform}"
build="$WORK/lpconform-fuzz"
[ -n "${LPC_BUILD_DIR:-}" ] && build="$LPC_BUILD_DIR"

# Release optimizes; -O2 alone (no -DNDEBUG) keeps the assertions on while fuzzing.
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DLPC_FUZZ=ON -DLPC_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target lpc_fuzzers -j"$(nproc)"

mkdir -p "$OUT"
while read -r target; do
  [ -n "$target" ] || continue
  cp "$build/bin/$target" "$OUT/"
  rm -f "$OUT/${target}_seed_corpus.zip"
  (cd "$repo/fuzz/corpus/$target" && python3 -m zipfile -c "$OUT/${target}_seed_corpus.zip" ./*)
  cp "$repo/fuzz/dict/$target.dict" "$repo/fuzz/options/$target.options" "$OUT/"
done < "$build/fuzz/targets.txt"
