# spikefield build. `make demo`, `make test`, `make validate`, `make bench`.
# Every target first makes sure the Debian packages are installed.
CC      ?= gcc
BUILD   ?= build
PKGS    := gsl fftw3 hdf5 libfyaml libcerf lapacke openblas
OPT     ?= -O3 $(shell grep -q avx2 /proc/cpuinfo && echo -march=x86-64-v3 || echo -march=x86-64-v2) -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror=incompatible-pointer-types -Werror=implicit-function-declaration -Wno-unused-parameter -Wno-format-truncation
CFLAGS  += -std=c11 -D_GNU_SOURCE -DSF_BUILDING_LIBRARY $(OPT) $(WARN) -fopenmp -fPIC -Iinclude -Isrc \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcerf -lm -lpthread
LDFLAGS += -fopenmp

MODULES := core model neurons synapses network engine analysis theory compare
LIB_SRC := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c src/$(m)/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
VAL_SRC := $(wildcard tests/validation/val_*.c)
VAL_BIN := $(VAL_SRC:tests/validation/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps demo test unit cli-tests python-tests asan validate bench docs clean

all: deps $(BUILD)/spikefield $(BUILD)/libspikefield.so

deps:
	@sh scripts/install-deps.sh

$(BUILD)/%.o: %.c $(wildcard include/spikefield/*.h) $(wildcard src/*/*.h src/*/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libspikefield.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(BUILD)/libspikefield.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/spikefield: $(CLI_OBJ) $(BUILD)/libspikefield.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libspikefield.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS) -lcmocka

$(BUILD)/tests/val_%: tests/validation/val_%.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS) -lcmocka

$(BUILD)/bench/%: bench/%.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS)

demo: all
	$(BUILD)/spikefield run examples/brunel.yaml --out out/brunel

# The whole test suite: unit tests, the same under ASan+UBSan, CLI tests,
# Python tests. Prints one closing line "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fopenmp -fsanitize=address,undefined" build-asan/spikefield $(UNIT_BIN:$(BUILD)/%=build-asan/%)
	@sh tests/run_all.sh $(BUILD) build-asan

unit: all $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

validate: all $(VAL_BIN)
	@sh tests/run_validation.sh $(BUILD)

bench: all $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

docs: all
	$(BUILD)/spikefield models --markdown > docs/models.md

clean:
	rm -rf build build-asan out
