# Quick start (as root on a fresh Debian 12):  make demo   |   make test
# Every target installs what it needs first (scripts/install-deps.sh is idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

# ASAN=1: every target works on the AddressSanitizer + UBSan build instead
# (`make ASAN=1 test` runs the whole suite there).
ifeq ($(ASAN),1)
BUILD      := $(ASAN_BUILD)
CMAKE_ARGS += -DPCN_SANITIZE=ON
endif

.PHONY: all deps build build-asan test test-unit test-asan test-fuzz demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(if $(filter 1,$(ASAN)),Debug,RelWithDebInfo) -DPCN_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build of the unit tests.
build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPCN_SANITIZE=ON -DPCN_WERROR=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests

# Every test: the normal build's whole suite, then the unit tests again under ASAN/UBSan.
test: build build-asan
	@ctest --test-dir $(BUILD) --output-on-failure --timeout 600
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure --timeout 600
	@$(MAKE) --no-print-directory test-fuzz

# The libFuzzer target of request parsing and validation (tests/fuzz/), built with clang and
# the sanitizers in $(FUZZ_BUILD), run for $(FUZZ_SECONDS) s from the seed corpus (and what
# earlier runs found, kept in $(FUZZ_BUILD)/corpus); a finding fails. Without libFuzzer it
# says so and skips. Longer by hand: make test-fuzz FUZZ_SECONDS=600
test-fuzz: deps
	@if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' | \
	    clang++ -x c++ -fsanitize=fuzzer - -o /dev/null >/dev/null 2>&1; then \
	  echo "test-fuzz: SKIPPED: clang++ cannot build a libFuzzer target (Debian: install clang and libclang-rt-dev)"; \
	else \
	  cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	    "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DPCN_SANITIZE=ON -DPCN_FUZZ=ON >/dev/null || exit 1; \
	  cmake --build $(FUZZ_BUILD) -j $(JOBS) --target request_fuzzer || exit 1; \
	  mkdir -p $(FUZZ_BUILD)/corpus; \
	  echo "test-fuzz: request_fuzzer for $(FUZZ_SECONDS) s"; \
	  if ! $(FUZZ_BUILD)/tests/fuzz/request_fuzzer -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/request.dict \
	      -artifact_prefix=$(FUZZ_BUILD)/ -print_final_stats=1 $(FUZZ_BUILD)/corpus tests/fuzz/corpus 2>$(FUZZ_BUILD)/fuzz.log; then \
	    tail -n 60 $(FUZZ_BUILD)/fuzz.log; \
	    echo "test-fuzz: FAILED: the input is in $(FUZZ_BUILD)/crash-* (or leak-*, timeout-*); full log $(FUZZ_BUILD)/fuzz.log"; \
	    exit 1; \
	  fi; \
	  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added)" $(FUZZ_BUILD)/fuzz.log; \
	fi

test-unit: build
	@ctest --test-dir $(BUILD) -L unit --output-on-failure

demo: build
	@scripts/demo.sh $(BUILD)

bench: build
	@$(BUILD)/bench/pcn-bench all --json bench/results/$(shell date +%Y-%m-%d)-all.json

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
