# lpconform — the two commands of the README's quick start, and a few more.
#   make run    install missing packages, configure, build, run the default conformance profile
#               against the bundled implementations, print the summary, write reports/out/
#   make test   same set-up, then the quick test tier (ctest -L quick)
# Both are idempotent and quick when nothing changed.

BUILD   ?= build
JOBS    ?= $(shell nproc)
PROFILE ?= lpconform-formats
IMPLS   ?= fast
OUT     ?= reports/out
LPC      = $(BUILD)/bin/lpconform

.PHONY: all setup configure build run test exhaustive bench clean
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
	  $(LPC) run --impl $$impl --profile $(PROFILE) --out $(OUT)/$$impl || status=$$?; \
	done; exit $$status

test: build
	cd $(BUILD) && ctest -L quick -j$(JOBS) --output-on-failure

exhaustive: build
	cd $(BUILD) && ctest -L exhaustive --output-on-failure

bench: build
	$(BUILD)/bin/lpconform_bench --benchmark_counters_tabular=true

clean:
	rm -rf $(BUILD) $(OUT)
