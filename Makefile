# Quick start (as root on a fresh Debian 12):  make demo   |   make test
# Every target installs what it needs first (scripts/install-deps.sh is idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

# ASAN=1: every target works on the AddressSanitizer + UBSan build instead
# (`make ASAN=1 test` runs the whole suite there).
ifeq ($(ASAN),1)
BUILD      := $(ASAN_BUILD)
CMAKE_ARGS += -DPCN_SANITIZE=ON
endif

.PHONY: all deps build build-asan test test-unit test-asan demo bench clean

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

test-unit: build
	@ctest --test-dir $(BUILD) -L unit --output-on-failure

demo: build
	@scripts/demo.sh $(BUILD)

bench: build
	@$(BUILD)/bench/pcn-bench all --json bench/results/$(shell date +%Y-%m-%d)-all.json

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
