# lpconform — the two commands of the README's quick start, and a few more.
#   make run    install missing packages, configure, build, run the default conformance profile
#               against the bundled implementations, print the summary, write reports/out/
#               and the chip on its dataflow profile, then the HTML report reports/out/index.html
#   make test   same set-up, then the quick test tier (ctest -L quick)
#   make bench  Google Benchmark with BENCH_REPS repetitions: reports/out/bench/bench.json (commit in its
#               context), a copy in BENCH_HISTORY, the ratios to the memcpy peers printed
#   make bench-compare BASE=old.json   the last make bench against BASE (and compare.py's U test when
#               Debian's libbenchmark-tools and python3-scipy are installed)
# Both are idempotent and quick when nothing changed.

BUILD   ?= build
JOBS    ?= $(shell nproc)
PROFILE ?= lpconform-formats
# fast twice: in process, and as a plugin through the vendor C ABI and the out-of-process worker.
IMPLS   ?= fast plugin:$(BUILD)/lib/liblpconform_fast_plugin.so
OUT     ?= reports/out
LPC      = $(BUILD)/bin/lpconform

ASAN_BUILD   ?= build-asan
FUZZ_MINUTES ?= 1
FUZZ_PERF    ?= 20

.PHONY: all setup configure build run test exhaustive bench bench-compare clean test-sanitize fuzz
all: build

setup:
	@bash scripts/setup-deps.sh

$(BUILD)/CMakeCache.txt: | setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

configure: setup $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@status=0; for impl in $(IMPLS); do \
	  $(LPC) run --impl $$impl --profile $(PROFILE) --out $(OUT)/$${impl##*[:/]} || status=$$?; \
	done; \
	$(LPC) run --impl chip --profile lpconform-dataflows --out $(OUT)/chip || status=$$?; \
	bench=""; [ -f $(OUT)/bench/bench.json ] && bench="--bench $(OUT)/bench/bench.json"; \
	$(LPC) report html $(foreach impl,$(IMPLS),$(OUT)/$(lastword $(subst :, ,$(subst /, ,$(impl))))) $(OUT)/chip $$bench --out $(OUT)/index.html || status=$$?; \
	exit $$status

test: build
	cd $(BUILD) && ctest -L quick -j$(JOBS) --output-on-failure

# The quick tier (fuzz regressions included) built with g++ -fsanitize=address,undefined.
test-sanitize: setup
	@[ -f $(ASAN_BUILD)/CMakeCache.txt ] || cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Release -DLPC_SANITIZE=ON -DLPC_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	# Left out here, run by `make test` in the normal build: the plugin tests (the worker limits its
	# address space with RLIMIT_AS, which ASan's terabytes of shadow memory cannot live with, and the
	# memory-blow-up plugin needs that limit), and the two all-2^16 half-precision encode sweeps
	# (about 2 min each under ASan, over code paths the other format tests also drive), the
	# planted-bug catalogue (25 runs of the gate profile over code the other tests drive), the
	# chip's float presets against the rational hardware reference (3.5 min under ASan: Boost
	# rationals per MAC; chip.values.float-rounding keeps the float datapath under ASan) and the
	# per-case eval processes of gating.opvectors (1.8 min; gating.vectors keeps vector mode), and the
	# headless-browser test of the HTML report (label browser: chromium, not our code, would run there).
	cd $(ASAN_BUILD) && ctest -L quick -LE 'plugin|mutants|browser' -E '^(formats[.]encode[.](bfloat16|float16)|chip[.]values[.]float|gating[.]opvectors)$$' -j$(JOBS) --output-on-failure

# A fuzz campaign (fuzz/README.md): every target FUZZ_MINUTES under ASan+UBSan, then FUZZ_PERF
# seconds each without sanitizers for exec/s (0: skip that build); report in reports/out/fuzz/.
fuzz: setup
	fuzz/campaign --minutes $(FUZZ_MINUTES) --perf-seconds $(FUZZ_PERF) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

exhaustive: build
	cd $(BUILD) && ctest -L exhaustive --output-on-failure

BENCH_REPS    ?= 3
BENCH_FILTER  ?= .
BENCH_HISTORY ?= reports/history
bench: build
	@mkdir -p $(OUT)/bench $(BENCH_HISTORY)
	commit=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	$(BUILD)/bin/lpconform_bench --benchmark_counters_tabular=true --benchmark_filter='$(BENCH_FILTER)' \
	  --benchmark_repetitions=$(BENCH_REPS) --benchmark_display_aggregates_only=true \
	  --benchmark_out=$(OUT)/bench/bench.json --benchmark_out_format=json --benchmark_context=commit=$$commit && \
	cp $(OUT)/bench/bench.json $(BENCH_HISTORY)/bench-$$(date -u +%Y%m%dT%H%M%SZ)-$$commit.json
	$(LPC) bench compare $(OUT)/bench/bench.json

bench-compare: build
	@[ -n "$(BASE)" ] || { echo "usage: make bench-compare BASE=reports/history/bench-....json"; exit 2; }
	$(LPC) bench compare $(BASE) $(OUT)/bench/bench.json
	@if [ -f /usr/share/benchmark/compare.py ] && python3 -c "import scipy" 2>/dev/null; then python3 /usr/share/benchmark/compare.py benchmarks $(BASE) $(OUT)/bench/bench.json; fi

clean:
	rm -rf $(BUILD) $(OUT)
