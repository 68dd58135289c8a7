# spikefield build. `make demo`, `make test`, `make validate`, `make bench`,
# `make install PREFIX=/usr/local [DESTDIR=...]`.
# Every target first makes sure the Debian packages are installed.
CC      ?= gcc
# `make MPI=1`: the library and command with MPI (Debian's OpenMPI, through
# mpicc) in build-mpi/; docs/scaling.md. The default build needs no MPI.
ifeq ($(MPI),1)
CC      := mpicc
BUILD   ?= build-mpi
MPI_DEFS := -DSF_MPI
endif
BUILD   ?= build
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
# The Python package goes to the site directory of PYTHON under PREFIX
# (Debian's python3 reads /usr/local/lib/python3.X/dist-packages and
# /usr/lib/python3.X/dist-packages); the PyNN backend into the pyNN package
# of PYTHON when PREFIX is /usr or /usr/local (pyNN is a regular package, so
# its backends must live in its folder), else into PYTHONDIR/pyNN.
PYTHON  ?= /usr/bin/python3
PYVER   := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYTHONDIR ?= $(PREFIX)/lib/python$(PYVER)/dist-packages
PYNNDIR ?= $(if $(filter /usr /usr/local,$(PREFIX)),$(shell $(PYTHON) -c 'import os, pyNN; print(os.path.dirname(pyNN.__file__))' 2>/dev/null),$(PYTHONDIR)/pyNN)
# The library's version, read from SF_VERSION_* in core.h (the one place it
# is written); the SONAME carries the major number.
VERSION := $(shell sed -n 's/^\#define SF_VERSION_STRING "\(.*\)"/\1/p' include/spikefield/core.h)
SOMAJOR := $(shell sed -n 's/^\#define SF_VERSION_MAJOR //p' include/spikefield/core.h)
PKGS    := gsl fftw3 hdf5 libfyaml libcerf lapacke openblas
OPT     ?= -O3 $(shell grep -q avx2 /proc/cpuinfo && echo -march=x86-64-v3 || echo -march=x86-64-v2) -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror=incompatible-pointer-types -Werror=implicit-function-declaration -Wno-unused-parameter -Wno-format-truncation
CFLAGS  += -std=c11 -D_GNU_SOURCE $(MPI_DEFS) $(OPT) $(WARN) -fopenmp -fPIC \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# GSL's pkg-config names its reference CBLAS (-lgslcblas) before OpenBLAS,
# which would then supply every cblas_* symbol at reference speed (5 GFLOP/s
# sgemm instead of about 80 here): leave it out, so that GSL and our own
# calls both use OpenBLAS's CBLAS (docs/ARCHITECTURE.md, "Dependencies").
LDLIBS  += $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null)) -ldsdp -lcerf -lm -lpthread
LDFLAGS += -fopenmp
# Include paths and defines per kind of object: the library sees its private
# headers (-Isrc) and exports only what SF_API marks; tests and benchmarks
# see the private headers too; the CLI sees the public headers alone.
INC      = -Iinclude -Isrc
LIB_DEFS := -DSF_BUILDING_LIBRARY -fvisibility=hidden


MODULES := core model neurons synapses network engine analysis theory compare lattice learning plasticity
LIB_SRC := $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c src/$(m)/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
SONAME  := libspikefield.so.$(SOMAJOR)
SHLIB   := $(BUILD)/libspikefield.so.$(VERSION)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
VAL_SRC := $(wildcard tests/validation/val_*.c)
VAL_BIN := $(VAL_SRC:tests/validation/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: FORCE all deps demo test test-mpi bench-mpi unit cli-tests python-tests asan validate bench docs clean install uninstall fuzz

all: deps $(BUILD)/spikefield $(BUILD)/libspikefield.so

deps:
	@sh scripts/install-deps.sh

$(LIB_OBJ): DEFS := $(LIB_DEFS)
# The git commit, for provenance (sf_version_commit): version.o alone sees
# it and is rebuilt when it changes (commit.stamp changes only then).
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
ifneq ($(GIT_COMMIT),)
GIT_COMMIT := $(GIT_COMMIT)$(shell git diff --quiet HEAD -- 2>/dev/null || echo +dirty)
endif
$(BUILD)/commit.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
$(BUILD)/src/core/version.o: $(BUILD)/commit.stamp
$(BUILD)/src/core/version.o: DEFS := $(LIB_DEFS) -DSF_GIT_COMMIT='"$(GIT_COMMIT)"'
FORCE:
# with make -j nothing compiles before the packages are there
$(LIB_OBJ) $(CLI_OBJ): | deps
# the command is a client of the library: public headers alone
$(CLI_OBJ): INC := -Iinclude

# One short line per step (`make V=1` prints the whole commands).
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

$(BUILD)/%.o: %.c $(wildcard include/spikefield/*.h) $(wildcard src/*/*.h src/*/*/*.h)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) $(DEFS) $(INC) -c $< -o $@

$(BUILD)/libspikefield.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

# The shared library with its SONAME and the two links a system has:
# libspikefield.so.0 (run time) and libspikefield.so (linking).
$(SHLIB): $(LIB_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -o $@ $^ $(LDLIBS)

$(BUILD)/libspikefield.so: $(SHLIB)
	@ln -sf $(notdir $(SHLIB)) $(BUILD)/$(SONAME)
	@ln -sf $(SONAME) $@


$(BUILD)/spikefield: $(CLI_OBJ) $(BUILD)/libspikefield.a
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libspikefield.a $(LDLIBS)

# spatial (issue 14): the Lambert W test checks against Arb's acb_lambertw.
$(BUILD)/tests/test_spatial_theory: LDLIBS += -lflint-arb -lflint
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(INC) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS) -lcmocka

# The fuzz target replayed over the corpus (tests/fuzz/), a test like the others.
$(BUILD)/tests/test_fuzz_corpus: tests/fuzz/run_corpus.c tests/fuzz/fuzz_model.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -Iinclude $(LDFLAGS) -o $@ tests/fuzz/run_corpus.c tests/fuzz/fuzz_model.c \
	    $(BUILD)/libspikefield.a $(LDLIBS)

# libFuzzer on the model parser and the network estimate, with ASan+UBSan:
# `make fuzz FUZZ_SECONDS=600`. Findings land in build-fuzz/crash-*; copy each
# into tests/fuzz/corpus/ (with the fix) so `make test` replays it.
FUZZ_SECONDS ?= 60
SAN_FLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined
fuzz: deps
	@command -v clang >/dev/null || apt-get install -y clang libomp-dev
	@$(MAKE) --no-print-directory CC=clang BUILD=build-fuzz \
	    OPT="-O1 -g -Wno-unknown-warning-option -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(SAN_FLAGS)" \
	    LDFLAGS="-fopenmp -fsanitize=fuzzer $(SAN_FLAGS)" build-fuzz/fuzz_model
	@mkdir -p build-fuzz/corpus
	@cp tests/fuzz/corpus/* tests/cli/bad/*.yaml examples/*.yaml build-fuzz/corpus/
	build-fuzz/fuzz_model -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/model.dict \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/ build-fuzz/corpus

$(BUILD)/fuzz_model: tests/fuzz/fuzz_model.c $(BUILD)/libspikefield.a
	$(Q)$(CC) $(CFLAGS) -Iinclude $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS)

# the network both dmft validations run
$(BUILD)/tests/val_dmft $(BUILD)/tests/val_dmft_mean: tests/validation/val_dmft_net.h
$(BUILD)/tests/val_%: tests/validation/val_%.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(INC) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS) -lcmocka

$(BUILD)/bench/%: bench/%.c bench/bench_util.h $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(INC) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS)

demo: all
	$(BUILD)/spikefield run examples/brunel.yaml --out out/brunel

# The whole test suite: unit tests, the same under ASan+UBSan, CLI tests,
# Python tests. Prints one closing line "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(BUILD)/tests/test_fuzz_corpus
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    OPT="-O1 -g -fno-omit-frame-pointer $(SAN_FLAGS)" \
	    LDFLAGS="-fopenmp $(SAN_FLAGS)" build-asan/spikefield \
	    $(UNIT_BIN:$(BUILD)/%=build-asan/%) build-asan/tests/test_fuzz_corpus
	@sh tests/run_all.sh $(BUILD) build-asan

# MPI (not part of `make test`): the MPI build under mpirun -np 1/2/3 gives
# the spikes of the default build (tests/mpi/test_mpi.sh); `make bench-mpi`
# prints memory and time per process count (bench/mpi/run.sh).
test-mpi: all
	@$(MAKE) --no-print-directory MPI=1 all
	@sh tests/mpi/test_mpi.sh build-mpi/spikefield build/spikefield

bench-mpi:
	@$(MAKE) --no-print-directory MPI=1 all build-mpi/bench/mpi_scaling
	@sh bench/mpi/run.sh build-mpi

$(BUILD)/bench/mpi_scaling: bench/mpi/mpi_scaling.c $(BUILD)/libspikefield.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(INC) $(LDFLAGS) -o $@ $< $(BUILD)/libspikefield.a $(LDLIBS)

unit: all $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

validate: all $(VAL_BIN)
	@sh tests/run_validation.sh $(BUILD)

bench: all $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

docs: all
	$(BUILD)/spikefield models --markdown > docs/models.md

# Installs under $(DESTDIR)$(PREFIX): lib/libspikefield.so.$(VERSION) with its
# links, lib/libspikefield.a, include/spikefield/*.h, lib/pkgconfig/spikefield.pc,
# bin/spikefield, the Python package in $(PYTHONDIR)/spikefield (with
# _install.py naming LIBDIR, where the package finds the library) and the
# PyNN backend in $(PYNNDIR)/spikefield. The .pc file (from scripts/spikefield.pc.in; the static case
# needs the dependencies, hence Requires.private and Libs.private) names
# PREFIX, not DESTDIR: DESTDIR is a staging root for packaging.
install: all $(BUILD)/libspikefield.a
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/spikefield $(DESTDIR)$(BINDIR)
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libspikefield.so
	install -m 644 $(BUILD)/libspikefield.a $(DESTDIR)$(LIBDIR)/
	install -m 644 include/spikefield/*.h $(DESTDIR)$(INCLUDEDIR)/spikefield/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|; s|@REQUIRES@|$(PKGS)|' scripts/spikefield.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/spikefield.pc
	install -m 755 $(BUILD)/spikefield $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(PYTHONDIR)/spikefield
	install -m 644 python/spikefield/*.py $(DESTDIR)$(PYTHONDIR)/spikefield/
	printf '# written by make install\nLIBDIR = "%s"\n' '$(LIBDIR)' > $(DESTDIR)$(PYTHONDIR)/spikefield/_install.py
	@if [ -n "$(PYNNDIR)" ]; then \
	    install -d $(DESTDIR)$(PYNNDIR)/spikefield && \
	    install -m 644 python/pyNN/spikefield/*.py $(DESTDIR)$(PYNNDIR)/spikefield/ && \
	    echo "installed pyNN.spikefield in $(DESTDIR)$(PYNNDIR)/spikefield"; \
	else echo "pyNN is not installed for $(PYTHON): pyNN.spikefield skipped"; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libspikefield.so* $(DESTDIR)$(LIBDIR)/libspikefield.a
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/spikefield.pc $(DESTDIR)$(BINDIR)/spikefield
	rm -rf $(DESTDIR)$(INCLUDEDIR)/spikefield $(DESTDIR)$(PYTHONDIR)/spikefield
	[ -z "$(PYNNDIR)" ] || rm -rf $(DESTDIR)$(PYNNDIR)/spikefield

clean:
	rm -rf build build-asan build-fuzz out
