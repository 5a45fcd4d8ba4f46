# tests/fuzz/fuzz.mk — the libFuzzer targets (SPEC §12 "Fuzzing"), included by the
# Makefile. Targets, corpora and how to reproduce a crash: tests/fuzz/README.md.
#
#   make fuzz                      build, then run every target FUZZ_SECONDS (60) seconds,
#                                  one after another; fails when any target finds a crash
#   make fuzz FUZZ_SECONDS=15 FUZZ_TARGETS="fuzz_sqlsplit fuzz_envfile"
#   make fuzz-build                only build build/fuzz/<target>
#
# Everything goes to build/fuzz/: obj/ (the project's library objects, instrumented),
# <target> (the binaries), corpus/<target>/ (a scratch copy of the committed seeds that
# the run may grow), artifacts/<target>/ (crash, leak and timeout inputs), logs/.
# Built with clang only: libFuzzer is clang's (Debian: clang-14 and libclang-rt-14-dev).

ifeq ($(origin FUZZ_CC),undefined)
FUZZ_CC      := $(shell command -v clang 2>/dev/null || command -v clang-14 2>/dev/null || echo clang)
endif
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# The Makefile's language, warning and -I/-D flags and libraries; no FORTIFY_SOURCE (it
# hides accesses from AddressSanitizer). Any UBSan report stops the run like a crash.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(CSTD) -O1 -g $(WARN) -MMD -MP -Isrc -DAPP_VERSION='"fuzz"' $(PKG_CFLAGS)

# Every library object of both binaries (not their main.c) in one archive: each target
# links only what it calls.
FUZZ_LIB_SRC := $(COMMON_SRC) $(WORKER_SRC) $(APP_SRC) $(DBTOOL_SRC)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_LIB     := $(FUZZ_DIR)/libawesome.a
FUZZ_SUPPORT := $(FUZZ_DIR)/obj/tests/fuzz/support.o
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_SUPPORT)
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SUPPORT) $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $< $(FUZZ_SUPPORT) $(FUZZ_LIB) \
	    $(PKG_LIBS) -lm -o $@
