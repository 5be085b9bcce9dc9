/* imp_run.h - what every wearable import shares: options, the emit callback, the report.
 *
 * An importer (imp_apple, imp_gfit) reads a file as a stream and, for each measurement it can
 * map, builds the Observation (imp_obs) and hands it to the caller's callback together with its
 * identifier; the callback decides what to do with it (conditional create in the store, count,
 * print). Nothing is kept between callbacks, so memory stays flat. What was not imported is
 * counted by type with the reason in the report.
 * Spec: ../shared/docs/wearables.md §4 (identifiers), issue 6 (summary).
 * @test tests/unit/import/apple_test.c, tests/unit/import/gfit_test.c
 */
#ifndef IMP_RUN_H
#define IMP_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "imp_map.h"
#include "imp_obs.h"

/* Limits of an import (house style rule 11; config keys in brackets). */
#define IMP_MAX_ZIP_UNCOMPRESSED (UINT64_C(8) << 30) /* [import_max_uncompressed] 8 GiB */
#define IMP_MAX_ZIP_RATIO 200u           /* [import_max_zip_ratio] export.xml zips ~20:1 */
#define IMP_MAX_ATTR_BYTES (64u * 1024u) /* attributes of one Record */
#define IMP_MAX_XML_TOKEN (16u << 20)    /* one unfinished XML tag held by expat */
#define IMP_MAX_BP_PENDING 100000u       /* top-level BP records held to the end of a file */
#define IMP_MAX_JSON_TOKEN (1u << 20)    /* one JSON string or number in a Takeout file */
#define IMP_MAX_JSON_DEPTH 32
#define IMP_MAX_CSV_LINE (64u * 1024u)
#define IMP_REPORT_SKIP_TYPES 32 /* distinct skipped types listed in a report */

/* One built Observation, handed to the callback. Everything is borrowed and valid only during
 * the call (copy or serialise what you keep). */
struct imp_emit {
    const cJSON *obs;              /* the Observation */
    const char *identifier_system; /* IMP_KEY_SYSTEM */
    const char *identifier_value;  /* "sha256:<hex>" */
    const struct imp_measure *measure;
    bool replace; /* daily aggregate: conditional update (a fuller re-import replaces it) */
    cJSON **take; /* may be NULL; a receiver that keeps obs may take it instead of copying:
                   * it then owns *take and sets *take = NULL */
};

/* Returns FG_OK to go on; any other status stops the import, which returns that status. */
typedef enum fg_status (*imp_emit_fn)(void *ctx, const struct imp_emit *e);

/* Progress: bytes consumed so far and the total (0 when unknown). */
typedef void (*imp_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct imp_options {
    struct fg_str patient;     /* FHIR id of the patient; borrowed */
    int64_t issued_us;         /* Observation.issued (from the server clock); 0 = leave out */
    uint64_t max_uncompressed; /* zip: 0 = IMP_MAX_ZIP_UNCOMPRESSED */
    uint32_t max_ratio;        /* zip: 0 = IMP_MAX_ZIP_RATIO */
    uint32_t max_xml_token;    /* XML: 0 = IMP_MAX_XML_TOKEN */
    bool check_only;           /* count and check records, build no Observation (emit unused) */
    imp_progress_fn progress;  /* may be NULL */
    void *progress_ctx;
};

struct imp_skip {
    char type[96];      /* source type, truncated */
    const char *reason; /* static */
    uint64_t count;
};

/* The summary of one import. Embedded; imp_report_init zeroes it. */
struct imp_report {
    uint64_t emitted;                  /* Observations handed to the callback */
    uint64_t per_measure[IMP_M_COUNT]; /* emitted, by measure */
    uint64_t skipped;                  /* records not imported (all reasons) */
    struct imp_skip skips[IMP_REPORT_SKIP_TYPES];
    size_t nskips;
    uint64_t skips_other; /* skipped records whose type did not fit in skips[] */
    uint64_t bytes;       /* input bytes consumed */
};

void imp_report_init(struct imp_report *r);

/* A byte stream an importer pulls from (a file, memory, a zip entry). read fills up to cap
 * bytes into buf and sets *got (0 = end of input); errors are described in err.
 * total is the size when known (for progress), else 0. */
struct imp_src {
    enum fg_status (*read)(struct imp_src *src, void *buf, size_t cap, size_t *got,
                           struct fg_error *err);
    uint64_t total;
    void *impl; /* borrowed by the reader */
};

/* A source over memory: borrows data and m (both must outlive src). */
struct imp_src_mem {
    const unsigned char *data;
    size_t len, pos;
};
void imp_src_from_mem(struct imp_src *src, struct imp_src_mem *m, const void *data, size_t len);

/* A source over a file opened here: FG_EIO (err filled, naming no path) when it cannot be
 * opened. Close with imp_src_file_close (safe on a never-opened or closed one). */
struct imp_src_file {
    FILE *f;
};
enum fg_status imp_src_file_open(struct imp_src *src, struct imp_src_file *sf, const char *path,
                                 struct fg_error *err);
void imp_src_file_close(struct imp_src_file *sf);

/* A parser over a byte source (imp_apple_parse_src, imp_gfit_parse_src, ...). */
typedef enum fg_status (*imp_parse_src_fn)(struct imp_src *src, const struct imp_options *opts,
                                           imp_emit_fn emit, void *ctx, struct imp_report *r,
                                           struct fg_error *err);

/* Runs parse over data[0..len) (borrowed). */
enum fg_status imp_run_mem(imp_parse_src_fn parse, const void *data, size_t len,
                           const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                           struct imp_report *r, struct fg_error *err);

/* Runs parse over the plain file at path; FG_EIO (r initialised, err filled)
 * when it cannot be opened. */
enum fg_status imp_run_file(imp_parse_src_fn parse, const char *path,
                            const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                            struct imp_report *r, struct fg_error *err);

/* Counts one skipped record of type with a static reason. */
void imp_report_skip(struct imp_report *r, struct fg_str type, const char *reason);

/* The number emitted for the measure whose LOINC code is loinc (0 when unknown). */
uint64_t imp_report_count(const struct imp_report *r, const char *loinc);

/* Builds m's Observation for opts->patient, calls emit and counts it in r.
 * Returns the builder's or the callback's status. Borrows everything. */
enum fg_status imp_run_emit(const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                            const struct imp_measurement *m, struct imp_report *r,
                            struct fg_error *err);

#endif
