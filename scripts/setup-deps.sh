#!/usr/bin/env bash
# Installs the Debian 12 packages lpconform builds with, if any is missing. Idempotent: when all
# are present it only checks (well under a second). Needs root or sudo for the install.
set -euo pipefail

packages=(
  g++ cmake make ccache          # toolchain (ccache is used when present)
  catch2                         # Catch2 2.13: test framework
  librapidcheck-dev              # RapidCheck: property tests (+ rapidcheck/catch.h)
  libboost-dev                   # Boost.Multiprecision: the exact reference
  libbenchmark-dev               # Google Benchmark
  libfccp-dev                    # fast-cpp-csv-parser: CSV input
  libcli11-dev                   # CLI11: the lpconform command line
  nlohmann-json3-dev             # JSON reports
  clang-14 libclang-rt-14-dev    # libFuzzer (fuzz/): the fuzz targets and their campaign
  python3                        # fuzz/campaign
  libgemmlowp-dev                # gemmlowp headers: external oracle for requantization (DOUBLE_ROUND)
  libxml2-utils                  # xmllint: the gating tests validate junit.xml against a schema
  python3-torch                  # PyTorch 1.13: the dataflow oracle tier (dataflows.torch_oracle; skips where absent)
  openmpi-bin libopenmpi-dev     # Open MPI 4.1: the gradient exchange's real engine (lpc_mpi_exchange; not built where absent)
  chromium                       # headless browser: reports.html_browser opens the HTML report (skips where absent)
  help2man                       # the man page lpconform.1, generated from --help at build time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 3; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
