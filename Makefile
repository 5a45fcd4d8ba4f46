# Awesome API — build, run and test entry points.
#
#   make            build build/api-worker and build/dbtool
#   make deps       install the Debian packages the project needs (idempotent)
#   make run        deps + build + local stack (PostgreSQL, workers, nginx) on :8080
#   make stop       stop exactly what `make run` started
#   make test       unit tests (cmocka) + end-to-end tests (real PostgreSQL + nginx)
#   make lint       cppcheck + clang-tidy + clang-format check
#   SANITIZE=1      build (and test) with AddressSanitizer + UBSan into build/san/
#
# Sources are picked up by directory, so adding a .c file needs no Makefile edit:
#   src/common/  shared by both binaries      src/worker/  api-worker runtime + HTTP layer
#   src/app/     the example application      src/dbtool/  the migration tool

PKGS     := libpq libcjson fcgi libsystemd libxcrypt
CC       ?= cc
OPT      ?= -O2
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wformat=2
HARDEN   := -fstack-protector-strong -fno-strict-aliasing
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SANITIZE),1)
BUILD    := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1 -g
else
BUILD    := build
SANFLAGS :=
endif

VERSION  := $(shell cat VERSION 2>/dev/null || git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
CFLAGS   += $(CSTD) $(OPT) -g $(WARN) $(HARDEN) $(SANFLAGS) -MMD -MP -Isrc \
            -DAPP_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   += $(PKG_LIBS) -lm

COMMON_SRC := $(wildcard src/common/*.c)
WORKER_SRC := $(filter-out src/worker/main.c,$(wildcard src/worker/*.c))
APP_SRC    := $(wildcard src/app/*.c)
DBTOOL_SRC := $(filter-out src/dbtool/main.c,$(wildcard src/dbtool/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
WORKER_OBJ := $(call obj,$(WORKER_SRC))
APP_OBJ    := $(call obj,$(APP_SRC))
DBTOOL_OBJ := $(call obj,$(DBTOOL_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

BINS := $(BUILD)/api-worker $(BUILD)/dbtool

.PHONY: all deps run stop test unit e2e lint format clean install uninstall bench
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/api-worker: $(call obj,src/worker/main.c) $(WORKER_OBJ) $(APP_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/dbtool: $(call obj,src/dbtool/main.c) $(DBTOOL_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Each unit test links against every library object; the linker keeps what it uses.
$(BUILD)/tests/%: tests/unit/%.c $(WORKER_OBJ) $(APP_OBJ) $(DBTOOL_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(WORKER_OBJ) $(APP_OBJ) $(DBTOOL_OBJ) $(COMMON_OBJ) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

deps:
	@sh deploy/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@sh deploy/stack.sh start .run 8080

stop:
	@sh deploy/stack.sh stop .run

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

e2e: all
	@BUILD_DIR=$(BUILD) /usr/bin/python3 tests/e2e/run.py $(E2E_ARGS)

test: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

bench:
	@sh tests/bench/run.sh

LINT_SRC := $(COMMON_SRC) $(WORKER_SRC) src/worker/main.c $(APP_SRC) $(DBTOOL_SRC) src/dbtool/main.c
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Isrc $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- $(CSTD) -Isrc $(PKG_CFLAGS) -DAPP_VERSION='"lint"'
	clang-format --dry-run --Werror $(LINT_SRC) $(wildcard src/*/*.h) $(UNIT_SRC)

format:
	clang-format -i $(LINT_SRC) $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
