#!/bin/sh
# plugins.install: the vendor's path from an installed lpconform (issue 3 §8).
#   install_test.sh BUILD_DIR SOURCE_DIR
# Installs BUILD_DIR into a temporary prefix, builds impls/plugin/examples/minimal against it with
# CMake (find_package) and with plain cc + pkg-config, and runs the installed lpconform on each.
set -eu
build=$1
source=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/lpconform-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
example="$source/impls/plugin/examples/minimal"

cmake --install "$build" --prefix "$prefix/usr" >/dev/null
for f in bin/lpconform bin/lpconform-worker include/lpconform/vendor.h; do
  test -e "$prefix/usr/$f" || { echo "not installed: $f"; exit 1; }
done

# 1. CMake: find_package(lpconform) -> lpconform::vendor_abi.
cmake -S "$example" -B "$prefix/example" -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/example" >/dev/null
"$prefix/usr/bin/lpconform" run --impl "plugin:$prefix/example/libminimal_plugin.so" --profile ocp-ofp8-1.0 \
  --out "$prefix/report-cmake" | tail -2

# 2. pkg-config, no CMake.
pc_dir=$(dirname "$(find "$prefix/usr" -name lpconform.pc)")
cflags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags lpconform)
# shellcheck disable=SC2086
cc -std=c99 -O2 -shared -fPIC $cflags "$example/minimal_plugin.c" -lm -o "$prefix/libminimal_pc.so"
"$prefix/usr/bin/lpconform" run --impl "plugin:$prefix/libminimal_pc.so" --profile ocp-ofp8-1.0 \
  --out "$prefix/report-pc" | tail -2
test -s "$prefix/report-pc/junit.xml"
echo "install-test-passed"
