# Awesome API — build, run and test entry points.
#
#   make            build build/api-worker and build/dbtool
#   make deps       install the Debian packages the project needs (idempotent)
#   make run        deps + build + local stack (PostgreSQL, workers, nginx) on :8080
#   make stop       stop exactly what `make run` started
#   make test       unit tests (cmocka) + end-to-end tests (real PostgreSQL + nginx)
#   make lint       cppcheck + clang-tidy + clang-format check
#   make install    PREFIX=/usr/local DESTDIR=... (README "Deploying"); make uninstall
#   make bench      the benchmark of SPEC §10 (README "Performance and sizing")
#   SANITIZE=1      build (and test) with AddressSanitizer + UBSan into build/san/
#
# Sources are picked up by directory, so adding a .c file needs no Makefile edit:
#   src/common/  shared by both binaries      src/worker/  api-worker runtime + HTTP layer
#   src/app/     the example application      src/dbtool/  the migration tool

PKGS     := libpq libcjson fcgi libsystemd libxcrypt libcrypto
CC       ?= cc
OPT      ?= -O2
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wformat=2
# Hardening (SPEC §12): stack protector, FORTIFY_SOURCE (needs optimisation, which every
# build has), position-independent executables and full RELRO (GOT read-only after start).
HARDEN   := -fstack-protector-strong -fno-strict-aliasing -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
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
LDFLAGS  += $(SANFLAGS) $(HARDEN_LD)
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

# api-worker-test: the same worker with the test-only fault hooks (worker_loop.h) compiled
# in; only the e2e harness runs it, and only for tests that inject a fault.
BINS := $(BUILD)/api-worker $(BUILD)/api-worker-test $(BUILD)/dbtool

.PHONY: all deps run stop test unit e2e lint format clean install uninstall bench docs-assets
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Objects that embed APP_VERSION are rebuilt when the version changes (a new commit).
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(BUILD); echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
$(call obj,src/worker/main.c src/worker/master.c src/app/docs.c src/dbtool/cli.c): $(BUILD)/version.stamp
.PHONY: FORCE
FORCE:

$(BUILD)/api-worker: $(call obj,src/worker/main.c) $(WORKER_OBJ) $(APP_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/obj/faults/worker_loop.o: src/worker/worker_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DWORKER_FAULT_HOOKS -c $< -o $@

$(BUILD)/api-worker-test: $(call obj,src/worker/main.c) $(BUILD)/obj/faults/worker_loop.o \
                          $(filter-out %/worker_loop.o,$(WORKER_OBJ)) $(APP_OBJ) $(COMMON_OBJ)
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
	@$(MAKE) --no-print-directory all docs-assets
	@sh deploy/stack.sh start .run 8080

stop:
	@sh deploy/stack.sh stop .run

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

e2e: all docs-assets
	@BUILD_DIR=$(BUILD) /usr/bin/python3 tests/e2e/run.py $(E2E_ARGS)

test: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

# The npm packages (exactly as locked, into git-ignored node_modules/): Swagger UI and ReDoc
# that nginx serves at /docs and /redoc, and the e2e tests' OpenAPI validator and browser
# driver. Installed again only when a package-lock.json changes.
docs-assets: nginx/docs/node_modules/.package-lock.json \
              tests/e2e/browser/node_modules/.package-lock.json

%/node_modules/.package-lock.json: %/package.json %/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix $*; \
	else echo "docs-assets: npm not found (make deps): no /docs, browser tests skipped" >&2; fi

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

# make install [PREFIX=/usr/local] [DESTDIR=...]: binaries, revisions, systemd units, an
# example settings file and the nginx site (README "Deploying"). Configuration goes to /etc
# whatever PREFIX is (systemd and Debian's nginx read nothing else). The units, the
# settings file and the release script are rendered with the installed paths.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
PKGDATADIR ?= $(PREFIX)/share/awesome-api
SYSCONFDIR ?= /etc
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
UNITS      := awesome-api.socket awesome-api.service awesome-api-migrate.service
# The snippets the site includes, and the files nginx/awesome-api-docs.conf serves (from
# nginx/docs/ once `npm ci` ran there; installed when present).
SNIPPETS   := $(notdir $(wildcard nginx/awesome-api-*.conf))
DOCS_FILES := docs.html redoc.html swagger-initializer.js \
              node_modules/swagger-ui-dist/swagger-ui.css \
              node_modules/swagger-ui-dist/swagger-ui-bundle.js \
              node_modules/swagger-ui-dist/favicon-32x32.png \
              node_modules/redoc/bundles/redoc.standalone.js
CONFDIR     = $(DESTDIR)$(SYSCONFDIR)/awesome-api
RENDER      = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
                  -e 's|@PKGDATADIR@|$(PKGDATADIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
ENV_PATH    = $(SYSCONFDIR)/awesome-api/awesome-api.env
RENDER_RELEASE = sed -e 's|^DBTOOL=.*|DBTOOL=$${DBTOOL:-$(BINDIR)/dbtool}|' \
                     -e 's|^API_WORKER=.*|API_WORKER=$${API_WORKER:-$(SBINDIR)/api-worker}|' \
                     -e 's|^ENV_FILE=.*|ENV_FILE=$${ENV_FILE:-$(ENV_PATH)}|'

install: all
	@mkdir -p $(BUILD)/deploy
	for f in $(UNITS) awesome-api.env.example; do \
	    $(RENDER) deploy/$$f >$(BUILD)/deploy/$$f || exit 1; done
	$(RENDER_RELEASE) deploy/release.sh >$(BUILD)/deploy/release.sh
	sed -e 's|/etc/nginx/|$(SYSCONFDIR)/nginx/|g' \
	    -e 's|/usr/local/share/awesome-api|$(PKGDATADIR)|g' \
	    nginx/awesome-api.conf >$(BUILD)/deploy/awesome-api.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PKGDATADIR)/sql/versions \
	    $(DESTDIR)$(UNITDIR) $(CONFDIR) $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/snippets
	install -m 0755 $(BUILD)/api-worker $(DESTDIR)$(SBINDIR)/api-worker
	install -m 0755 $(BUILD)/dbtool $(DESTDIR)$(BINDIR)/dbtool
	install -m 0755 $(BUILD)/deploy/release.sh $(DESTDIR)$(SBINDIR)/awesome-api-release
	install -m 0644 sql/versions/*.sql $(DESTDIR)$(PKGDATADIR)/sql/versions/
	$(if $(wildcard sql/schema.sql),install -m 0644 sql/schema.sql $(DESTDIR)$(PKGDATADIR)/sql/)
	install -m 0644 $(addprefix $(BUILD)/deploy/,$(UNITS)) $(DESTDIR)$(UNITDIR)/
	install -m 0644 $(BUILD)/deploy/awesome-api.conf $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/
	install -m 0644 $(addprefix nginx/,$(SNIPPETS)) $(DESTDIR)$(SYSCONFDIR)/nginx/snippets/
	for f in $(DOCS_FILES); do \
	    if [ -e nginx/docs/$$f ]; then \
	        install -D -m 0644 nginx/docs/$$f $(DESTDIR)$(PKGDATADIR)/docs/$$f || exit 1; \
	    else echo "install: no nginx/docs/$$f (run npm ci there): /docs will answer 404"; fi; \
	done
	install -m 0644 $(BUILD)/deploy/awesome-api.env.example $(CONFDIR)/
	@# The live settings file is the admin's: created once, never overwritten.
	test -e $(CONFDIR)/awesome-api.env || \
	    install -m 0640 $(BUILD)/deploy/awesome-api.env.example $(CONFDIR)/awesome-api.env

# Removes what install put there; the settings file only while it is unchanged (it holds
# the admin's settings and password).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/api-worker $(DESTDIR)$(SBINDIR)/awesome-api-release \
	    $(DESTDIR)$(BINDIR)/dbtool $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS)) \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/awesome-api.conf \
	    $(addprefix $(DESTDIR)$(SYSCONFDIR)/nginx/snippets/,$(SNIPPETS)) \
	    $(addprefix $(DESTDIR)$(PKGDATADIR)/docs/,$(DOCS_FILES)) \
	    $(DESTDIR)$(PKGDATADIR)/sql/versions/*.sql $(DESTDIR)$(PKGDATADIR)/sql/schema.sql
	@for d in docs sql; do [ ! -d $(DESTDIR)$(PKGDATADIR)/$$d ] || \
	    find $(DESTDIR)$(PKGDATADIR)/$$d -depth -type d -empty -delete; done
	@rmdir $(DESTDIR)$(PKGDATADIR) 2>/dev/null || true
	if cmp -s $(CONFDIR)/awesome-api.env $(CONFDIR)/awesome-api.env.example; then \
	    rm -f $(CONFDIR)/awesome-api.env; \
	elif [ -e $(CONFDIR)/awesome-api.env ]; then \
	    echo "uninstall: keeping $(CONFDIR)/awesome-api.env (edited; remove it yourself)"; fi
	rm -f $(CONFDIR)/awesome-api.env.example
	@rmdir $(CONFDIR) 2>/dev/null || true

clean:
	rm -rf build

include tests/fuzz/fuzz.mk
-include $(shell find build -name '*.d' 2>/dev/null)
