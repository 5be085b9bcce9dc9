/* imp_ingest.c - check pass, then write pass (see imp_ingest.h). */
#include "imp_ingest.h"

#include <stdio.h>
#include <string.h>

#include "imp_apple.h"
#include "imp_gfit.h"
#include "imp_ingest_fault.h"

const char *imp_format_name(enum imp_format fmt)
{
    switch (fmt) {
    case IMP_FMT_APPLE:
        return "apple-health";
    case IMP_FMT_GOOGLE:
        return "google-fit";
    case IMP_FMT_GFIT_JSON:
        return "google-fit-json";
    case IMP_FMT_GFIT_CSV:
        return "google-fit-csv";
    }
    return "unknown";
}

enum fg_status imp_ingest_sniff(const char *path, enum imp_format fmt, enum imp_format *out,
                                struct fg_error *err)
{
    unsigned char head[512];
    if (fmt != IMP_FMT_GOOGLE) {
        *out = fmt;
        return FG_OK;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return fg_error_set(err, FG_EIO, NULL, "the import file cannot be opened");
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    size_t i = n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    *out = i < n && head[i] == '{' ? IMP_FMT_GFIT_JSON : IMP_FMT_GFIT_CSV;
    return FG_OK;
}

static enum fg_status parse(enum imp_format fmt, const char *path, const struct imp_options *o,
                            imp_emit_fn emit, void *ctx, struct imp_report *r,
                            struct fg_error *err)
{
    switch (fmt) {
    case IMP_FMT_APPLE:
        return imp_apple_parse_file(path, o, emit, ctx, r, err);
    case IMP_FMT_GFIT_JSON:
        return imp_gfit_parse_file(path, o, emit, ctx, r, err);
    case IMP_FMT_GFIT_CSV:
        return imp_gfit_daily_csv_file(path, o, emit, ctx, r, err);
    case IMP_FMT_GOOGLE:
        break;
    }
    return fg_error_set(err, FG_EINVAL, NULL, "unknown import format");
}

struct admit_ctx {
    const struct imp_ingest *in;
    struct imp_store *sink;
    uint64_t refused;
};

/* Pass 2's receiver: the admit hook, then the store. */
static enum fg_status admit_emit(void *ctx, const struct imp_emit *e)
{
    struct admit_ctx *a = ctx;
    bool ok = true;
    enum fg_status rc = a->in->admit(a->in->admit_ctx, e->obs, &ok);
    if (rc != FG_OK)
        return rc;
    if (!ok) {
        a->refused++;
        return FG_OK;
    }
    return imp_store_emit(a->sink, e);
}

/* Pass 2 into store: parse, hand to imp_store (through the admit hook), flush. */
static enum fg_status write_pass(const struct imp_ingest *in, struct fhir_store *store,
                                 const char *path, enum imp_format fmt, struct imp_report *r,
                                 struct imp_store_counts *c, struct fg_error *err)
{
    struct imp_store *sink = NULL;
    enum fg_status rc = imp_store_new(store, in->opts.patient, in->agent, in->batch, &sink, err);
    if (rc != FG_OK)
        return rc;
    struct admit_ctx actx = {in, sink, 0};
    if (in->admit) /* pass 2: write */
        rc = parse(fmt, path, &in->opts, admit_emit, &actx, r, err);
    else
        rc = parse(fmt, path, &in->opts, imp_store_emit, sink, r, err);
    if (rc != FG_OK && imp_store_error(sink)->status != FG_OK) {
        /* The receiver stopped it: its reason, not the parser's "stopped" note. */
        *err = *imp_store_error(sink);
        rc = err->status;
    }
    if (rc == FG_OK)
        rc = imp_store_flush(sink, err);
    *c = *imp_store_counts(sink);
    c->refused = actx.refused;
    imp_store_free(&sink);
    return rc;
}

/* A store without a bulk transaction (upstream mode) commits batch by
 * batch: an import that fails midway says what stays. */
static void note_partial(const struct imp_store_counts *c, struct fg_error *err)
{
    char note[FG_ERROR_DIAG_MAX];
    int k = snprintf(note, sizeof note,
                     "%s. The import stopped there: each batch is its own transaction at the "
                     "upstream FHIR server; the %llu written before (%llu Observations) stay, "
                     "and whether part of the failed batch stays is the upstream's transaction "
                     "semantics. Importing the same file again adds only what is missing",
                     err->diagnostics, (unsigned long long)c->batches,
                     (unsigned long long)(c->created + c->replaced));
    if (k < 0)
        return;
    size_t n = (size_t)k < sizeof note ? (size_t)k : sizeof note - 1;
    memcpy(err->diagnostics, note, n);
    err->diagnostics[n] = '\0';
}

/* Pass 2 as one bulk transaction of the store: committed when it all went well, else rolled
 * back (and the counts say nothing stayed). */
static enum fg_status write_all_or_nothing(const struct imp_ingest *in, struct fhir_store *store,
                                           const char *path, enum imp_format fmt,
                                           struct imp_report *r, struct imp_store_counts *c,
                                           struct fg_error *err)
{
    enum fg_status rc = fhir_store_bulk_begin(store, err);
    bool bulk = rc == FG_OK;
    if (rc == FG_ENOTSUP) { /* upstream mode: batch by batch */
        fg_error_clear(err);
        rc = FG_OK;
    }
    if (rc == FG_OK)
        rc = write_pass(in, store, path, fmt, r, c, err);
    if (bulk && rc == FG_OK)
        rc = fhir_store_bulk_end(store, true, err);
    else if (bulk)
        fhir_store_bulk_end(store, false, NULL);
    if (bulk && rc != FG_OK)
        c->created = c->replaced = c->existing = c->batches = 0;
    else if (rc != FG_OK && rc != FG_ENOMEM)
        note_partial(c, err);
    return rc;
}

enum fg_status imp_ingest_file(const struct imp_ingest *in, const char *path,
                               enum imp_format fmt, struct imp_report *r,
                               struct imp_store_counts *c, struct fg_error *err)
{
    struct fhir_store *faulty = NULL;
    memset(c, 0, sizeof *c);
    imp_report_init(r);
    enum fg_status rc = imp_ingest_sniff(path, fmt, &fmt, err);
    struct imp_options check = in->opts;
    check.check_only = true;
    if (rc == FG_OK)
        rc = parse(fmt, path, &check, NULL, NULL, r, err); /* pass 1: check */
    if (rc == FG_OK && in->test_fail_write &&
        imp_ingest_fault_wrap(in->store, in->test_fail_write, &faulty) != FG_OK)
        rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    if (rc == FG_OK)
        rc = write_all_or_nothing(in, faulty ? faulty : in->store, path, fmt, r, c, err);
    fhir_store_close(&faulty);
    return rc;
}
