#!/bin/sh
# plugins.install: the vendor's path from an installed lpconform (issue 3 §8).
#   install_test.sh BUILD_DIR SOURCE_DIR
# Installs BUILD_DIR into a temporary prefix, builds impls/plugin/examples/minimal against it with
# CMake (find_package) and with plain cc + pkg-config, and runs the installed lpconform on each;
# runs the example's ctest (lpconform_add_conformance_test), checks the man page and completion,
# and runs the installed tree again after moving it elsewhere.
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

# 3. The vendor's ctest, added by lpconform_add_conformance_test() (the installed package's helper):
# passes, and wrote its report set where the helper says.
(cd "$prefix/example" && ctest --output-on-failure >"$prefix/ctest.log") || { cat "$prefix/ctest.log"; exit 1; }
grep -q "100% tests passed, 0 tests failed out of 1" "$prefix/ctest.log" || { cat "$prefix/ctest.log"; exit 1; }
test -s "$prefix/example/lpconform/minimal.ocp-ofp8/report.json"
# A profile the plugin cannot pass fails that ctest: the helper keeps lpconform's exit status.
mkdir "$prefix/example-fail"
sed 's/"ocp-ofp8-1[.]0"/"ocp-mx-1.0"/; s|lpconform/minimal[.]ocp-ofp8|lpconform/minimal.ocp-mx|' "$prefix/example/CTestTestfile.cmake" >"$prefix/example-fail/CTestTestfile.cmake"
grep -q '"ocp-mx-1.0"' "$prefix/example-fail/CTestTestfile.cmake"
if (cd "$prefix/example-fail" && ctest >"$prefix/ctest-fail.log" 2>&1); then echo "a failing profile passed the vendor's ctest"; exit 1; fi
grep -q "0% tests passed, 1 tests failed out of 1" "$prefix/ctest-fail.log"

# 4. The man page, the bash completion and the licence are installed; the completion knows the commands.
test -s "$prefix/usr/share/bash-completion/completions/lpconform"
test -s "$prefix/usr/share/doc/lpconform/LICENSE"
if command -v help2man >/dev/null; then
  grep -q '^\.TH LPCONFORM "1"' "$prefix/usr/share/man/man1/lpconform.1"
  grep -q 'lpconform report html' "$prefix/usr/share/man/man1/lpconform.1"
fi
bash -c '. "$1/usr/share/bash-completion/completions/lpconform"; COMP_WORDS=(lpconform report h); COMP_CWORD=2; _lpconform; [ "${COMPREPLY[*]}" = "html" ]' _ "$prefix" ||
  { echo "completion of 'lpconform report h' is not 'html'"; exit 1; }

# 5. Relocatable: the installed tree moved elsewhere still runs (profiles are in the binary, the
# worker is found beside it), plugins included.
mv "$prefix/usr" "$prefix/moved"
"$prefix/moved/bin/lpconform" run --impl "plugin:$prefix/moved/lib/lpconform/liblpconform_fast_plugin.so" --profile ocp-ofp8-1.0 \
  --out "$prefix/report-moved" | tail -1
test -s "$prefix/report-moved/report.json"
echo "install-test-passed"
