# fhirgate - one plain Makefile (house style rule 20).
#   make            build build/fhirgate
#   make run        install what is missing, build, seed var/fhirgate.db, serve :8080
#   make test       install what is missing, build normal + ASan/UBSan, run every test
#   make bench      wrk benchmarks (not part of make test)
#   make fuzz       build the libFuzzer targets (clang)
#   make SANITIZER=address,undefined   sanitizer build in build-san/

CC ?= cc
PKGS := libmicrohttpd libcjson openssl libcurl sqlite3 expat libzip cjose jansson liboauth2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) \
              $(PKG_CFLAGS) -I.
LDLIBS := $(PKG_LIBS) -lpthread -lm

ifdef SANITIZER
BUILD ?= build-san
ALL_CFLAGS += -fsanitize=$(SANITIZER) -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=$(SANITIZER)
else
BUILD ?= build
endif

SRC_DIRS := core fhir smart conformance import gateway
SRCS := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
MAIN_SRC := gateway/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libfhirgate.a
BIN := $(BUILD)/fhirgate

UNIT_SRCS := $(shell find tests/unit -name '*_test.c' 2>/dev/null | sort)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

.PHONY: all build unit test run deps deps-test bench bench-import bench-upstream fuzz clean check-style
all build: $(BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The demo app's files are compiled into demo.o (.incbin).
$(BUILD)/obj/gateway/demo.o: $(wildcard gateway/demo/*)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

unit: $(UNIT_BINS)
	@scripts/run-unit.sh $(BUILD)

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

test: deps-test
	@scripts/run-tests.sh

run: deps
	@$(MAKE) --no-print-directory build
	@scripts/run.sh

bench: deps-test
	@scripts/bench.sh
	@scripts/bench-import.sh
	@scripts/bench-conformance.sh

bench-import: build
	@scripts/bench-import.sh

bench-upstream: deps-test
	@BUILD=$(BUILD) scripts/bench-upstream.sh

fuzz:
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk

check-style:
	@scripts/check-style.sh

# The builds `make BUILD=x test` makes: x, x-san, x-fuzz (build, build-san, build-fuzz by default).
clean:
	rm -rf $(BUILD) $(BUILD)-san $(BUILD)-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
