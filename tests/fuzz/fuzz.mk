# tests/fuzz/fuzz.mk - libFuzzer targets (house style rule 19).
#
#   make fuzz                      build every tests/fuzz/<name>_fuzz.c into build-fuzz/<name>_fuzz
#   make fuzz FUZZ_SECONDS=60      ... then fuzz each target for 60 s (new inputs go to
#                                  build-fuzz/corpus/<name>/, crashes to build-fuzz/artifacts/)
#   make -f tests/fuzz/fuzz.mk build-fuzz/str_fuzz     one target
#
# The library sources are compiled with -fsanitize=fuzzer-no-link (coverage
# instrumentation, no main) plus ASan and UBSan; each target is linked with
# -fsanitize=fuzzer, which supplies libFuzzer's main. Warning flags, source
# directories and pkg-config packages are read from the root Makefile, so
# there is one list of each. See tests/fuzz/README.md.

ROOT_MK := Makefile
root_var = $(strip $(shell sed -n 's/^$(1) := //p' $(ROOT_MK)))
PKGS := $(call root_var,PKGS)
WARN := $(call root_var,WARN)
SRC_DIRS := $(call root_var,SRC_DIRS)
MAIN_SRC := $(call root_var,MAIN_SRC)
ifeq ($(or $(PKGS),$(WARN),$(SRC_DIRS),$(MAIN_SRC)),)
$(error tests/fuzz/fuzz.mk: run from the repository root (cannot read PKGS/WARN/SRC_DIRS from $(ROOT_MK)))
endif

FUZZ_CC ?= clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?=
FUZZ_SAN := address,undefined
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g \
               -fno-omit-frame-pointer -fno-sanitize-recover=all \
               $(PKG_CFLAGS) -I.
LDLIBS := $(PKG_LIBS) -lpthread -lm

LIB_SRCS := $(filter-out $(MAIN_SRC),$(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
LIB := $(FUZZ_BUILD)/libfhirgate-fuzz.a

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%_fuzz.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%_fuzz)

.PHONY: fuzz-all fuzz-lib fuzz-run fuzz-list
.DEFAULT_GOAL := fuzz-all

ifneq ($(strip $(FUZZ_SECONDS)),)
fuzz-all: fuzz-run
else
fuzz-all: $(FUZZ_BINS)
endif

fuzz-lib: $(LIB)

fuzz-list:
	@echo $(FUZZ_NAMES)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# Targets get -Wno-missing-prototypes like unit tests: the entry point and
# any statics reached by #include-ing a .c are not declared in a header.
$(FUZZ_BUILD)/%_fuzz: tests/fuzz/%_fuzz.c $(wildcard tests/fuzz/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer,$(FUZZ_SAN) \
	    -o $@ $< $(LIB) $(LDLIBS)

# Fuzz every target for FUZZ_SECONDS each. The first corpus directory is the
# writable one (build-fuzz/corpus/<name>); the committed seeds are read only.
# A crash leaves its input in build-fuzz/artifacts/<name>-crash-*; the other
# targets still run, and the run fails at the end naming the crashed ones.
fuzz-run: $(FUZZ_BINS)
	@failed=; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/artifacts; \
	    dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	    seeds=; [ -d tests/fuzz/corpus/$$n ] && seeds=tests/fuzz/corpus/$$n; \
	    echo "== fuzzing $$n for $(FUZZ_SECONDS) s"; \
	    $(FUZZ_BUILD)/$${n}_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 $$dict \
	        -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- \
	        $(FUZZ_BUILD)/corpus/$$n $$seeds || failed="$$failed $$n"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (see $(FUZZ_BUILD)/artifacts/)"; exit 1; fi; \
	echo "fuzz: no crashes"

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
