/* cmd_import.c - `fhirgate import` (see cmd_import.h). */
#include "cmd_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../fhir/store_sqlite.h"
#include "../import/imp_ingest.h"
#include "cli.h"

#define IMPORT_DEFAULT_DB "var/fhirgate.db"
#define IMPORT_MAX_FILES 256

struct import_opts {
    const char *db;
    const char *now;
    const char *patient;
    enum imp_format fmt;
    size_t batch;
    uint64_t test_fail_write;
    bool json;
    const char *files[IMPORT_MAX_FILES];
    size_t n_files;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate import apple-health --patient ID [options] FILE...\n"
            "       fhirgate import google-fit --patient ID [options] FILE...\n"
            "Imports wearable exports as patient-supplied US Core Observations:\n"
            "  apple-health  export.zip or export.xml (Apple Health)\n"
            "  google-fit    Google Takeout Fit \"All Data\" JSON files and the\n"
            "                \"Daily activity metrics.csv\" (recognised by content)\n"
            "Each file is checked whole before anything is written, then written in one\n"
            "transaction: a file that fails leaves nothing behind; a re-import adds nothing.\n"
            "options:\n"
            "  --patient ID   the Patient the data belongs to (must exist in the store)\n"
            "  --db PATH      SQLite file (env FHIRGATE_DB; default " IMPORT_DEFAULT_DB ")\n"
            "  --now DATE     pin the clock (env FHIRGATE_NOW; tests)\n"
            "  --batch N      Observations per transaction (default %d)\n"
            "  --json         print the summary as one JSON object per file\n"
            "  --test-fail-write N  TESTING ONLY: the Nth store write of each file fails\n",
            IMP_STORE_BATCH);
}

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "fhirgate import: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    return FG_CLI_USAGE;
}

static int parse_args(int argc, char **argv, struct import_opts *o)
{
    const char *env_db = getenv("FHIRGATE_DB"), *env_now = getenv("FHIRGATE_NOW");
    memset(o, 0, sizeof *o);
    o->db = env_db && env_db[0] ? env_db : IMPORT_DEFAULT_DB;
    o->now = env_now && env_now[0] ? env_now : NULL;
    if (argc < 2)
        return bad("which export? apple-health or google-fit", NULL);
    if (strcmp(argv[1], "apple-health") == 0)
        o->fmt = IMP_FMT_APPLE;
    else if (strcmp(argv[1], "google-fit") == 0)
        o->fmt = IMP_FMT_GOOGLE;
    else
        return bad("unknown export kind (apple-health or google-fit):", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->n_files == IMPORT_MAX_FILES)
                return bad("too many files", NULL);
            o->files[o->n_files++] = a;
            continue;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0')
            return bad("this option needs a value:", a);
        const char *v = argv[++i];
        if (strcmp(a, "--patient") == 0) {
            o->patient = v;
        } else if (strcmp(a, "--db") == 0) {
            o->db = v;
        } else if (strcmp(a, "--now") == 0) {
            o->now = v;
        } else if (strcmp(a, "--batch") == 0) {
            int64_t n;
            if (fg_parse_i64(fg_str_c(v), 1, 9999, &n) != FG_OK)
                return bad("--batch wants 1..9999, got", v);
            o->batch = (size_t)n;
        } else if (strcmp(a, "--test-fail-write") == 0) {
            int64_t n;
            if (fg_parse_i64(fg_str_c(v), 1, INT64_MAX, &n) != FG_OK)
                return bad("--test-fail-write wants a positive number, got", v);
            o->test_fail_write = (uint64_t)n;
        } else {
            return bad("unknown option", a);
        }
    }
    if (!o->patient || !fg_is_fhir_id(fg_str_c(o->patient)))
        return bad("--patient ID is required (a FHIR id)", NULL);
    if (o->n_files == 0)
        return bad("no FILE to import", NULL);
    return 0;
}

/* ---- progress bar (stderr, terminals only) ---- */

struct progress {
    const char *file;
    int pass; /* 1 check, 2 write */
    uint64_t last;
    int last_pct;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct progress *p = ctx;
    if (done < p->last)
        p->pass = 2;
    p->last = done;
    int pct = total ? (int)(done * 100 / total) : 0;
    if (pct == p->last_pct || total == 0)
        return;
    p->last_pct = pct;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s %s [%s] %3d%%", p->pass == 1 ? "checking" : "importing", p->file, bar,
            pct);
    fflush(stderr);
}

/* ---- summary ---- */

static void print_counts_json(const struct imp_report *r)
{
    bool first = true;
    printf("\"by_code\":{");
    for (int i = 0; i < IMP_M_COUNT; i++) {
        if (!r->per_measure[i])
            continue;
        printf("%s\"%s\":%llu", first ? "" : ",", imp_map_measure((enum imp_measure_id)i)->loinc,
               (unsigned long long)r->per_measure[i]);
        first = false;
    }
    printf("},\"skipped\":[");
    for (size_t i = 0; i < r->nskips; i++) {
        cJSON *t = cJSON_CreateString(r->skips[i].type);
        char *tj = t ? cJSON_PrintUnformatted(t) : NULL;
        printf("%s{\"type\":%s,\"reason\":\"%s\",\"count\":%llu}", i ? "," : "",
               tj ? tj : "\"\"", r->skips[i].reason, (unsigned long long)r->skips[i].count);
        cJSON_free(tj);
        cJSON_Delete(t);
    }
    printf("]");
}

static void print_summary(const struct import_opts *o, const char *file, enum fg_status rc,
                          const struct imp_report *r, const struct imp_store_counts *c,
                          const struct fg_error *err)
{
    if (o->json) {
        cJSON *f = cJSON_CreateString(file);
        cJSON *e = cJSON_CreateString(rc == FG_OK ? "" : err->diagnostics);
        char *fj = f ? cJSON_PrintUnformatted(f) : NULL, *ej = e ? cJSON_PrintUnformatted(e) : NULL;
        printf("{\"file\":%s,\"ok\":%s,\"error\":%s,\"read\":%llu,\"created\":%llu,"
               "\"replaced\":%llu,\"already_present\":%llu,\"batches\":%llu,",
               fj ? fj : "\"\"", rc == FG_OK ? "true" : "false", ej ? ej : "\"\"",
               (unsigned long long)(r->emitted + r->skipped), (unsigned long long)c->created,
               (unsigned long long)c->replaced, (unsigned long long)c->existing,
               (unsigned long long)c->batches);
        print_counts_json(r);
        printf("}\n");
        cJSON_free(fj);
        cJSON_free(ej);
        cJSON_Delete(f);
        cJSON_Delete(e);
        return;
    }
    printf("%s: %llu records read: %llu created, %llu replaced, %llu already present, "
           "%llu skipped (%llu transactions)\n",
           file, (unsigned long long)(r->emitted + r->skipped), (unsigned long long)c->created,
           (unsigned long long)c->replaced, (unsigned long long)c->existing,
           (unsigned long long)r->skipped, (unsigned long long)c->batches);
    for (int i = 0; i < IMP_M_COUNT; i++)
        if (r->per_measure[i])
            printf("  %-9s %-40s %llu\n", imp_map_measure((enum imp_measure_id)i)->loinc,
                   imp_map_measure((enum imp_measure_id)i)->display,
                   (unsigned long long)r->per_measure[i]);
    for (size_t i = 0; i < r->nskips; i++)
        printf("  skipped %s: %llu (%s)\n", r->skips[i].type,
               (unsigned long long)r->skips[i].count, r->skips[i].reason);
    if (r->skips_other)
        printf("  skipped, other types: %llu\n", (unsigned long long)r->skips_other);
    if (rc != FG_OK)
        printf("  FAILED: %s%s%s\n", err->diagnostics, err->expression[0] ? " at " : "",
               err->expression);
}

static enum fg_status check_patient(struct fhir_store *store, const char *patient,
                                    struct fg_error *err)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_resource res;
    if (!pool)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    enum fg_status rc =
        fhir_store_read(store, pool, fg_str_c("Patient"), fg_str_c(patient), &res, err);
    fg_pool_free(&pool);
    if (rc == FG_ENOTFOUND || rc == FG_EGONE) {
        fg_error_clear(err);
        return fg_error_set(err, FG_ENOTFOUND, "patient", "there is no Patient/%s in the store",
                            patient);
    }
    return rc;
}

static const struct imp_agent agent_apple = {"Apple Health export (fhirgate import)", NULL};
static const struct imp_agent agent_google = {"Google Fit export (fhirgate import)", NULL};

static int run_files(const struct import_opts *o, struct fhir_store *store,
                     const struct fg_clock *clock)
{
    struct progress prog = {0};
    struct imp_ingest in = {
        .store = store,
        .agent = o->fmt == IMP_FMT_APPLE ? &agent_apple : &agent_google,
        .opts = {.patient = fg_str_c(o->patient), .issued_us = fg_clock_now_us(clock)},
        .batch = o->batch,
        .test_fail_write = o->test_fail_write,
    };
    if (isatty(STDERR_FILENO)) {
        in.opts.progress = on_progress;
        in.opts.progress_ctx = &prog;
    }
    int exit_code = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        struct imp_report r;
        struct imp_store_counts c;
        struct fg_error err;
        fg_error_clear(&err);
        prog = (struct progress){.file = o->files[i], .pass = 1, .last_pct = -1};
        enum fg_status rc = imp_ingest_file(&in, o->files[i], o->fmt, &r, &c, &err);
        if (in.opts.progress)
            fprintf(stderr, "\r\033[K");
        print_summary(o, o->files[i], rc, &r, &c, &err);
        if (rc != FG_OK)
            exit_code = 1;
    }
    return exit_code;
}

int fg_cmd_import(int argc, char **argv)
{
    struct import_opts o;
    struct fg_clock clock = {0};
    struct fg_error err;
    struct fhir_store *store = NULL;
    if (fg_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.now && fg_clock_pin(&clock, fg_str_c(o.now)) != FG_OK)
        return bad("--now wants YYYY-MM-DD or an instant, got", o.now);
    fg_error_clear(&err);
    struct fhir_store_sqlite_options sopt = {.connections = 1, .low_memory = true};
    if (fhir_store_sqlite_open(o.db, &clock, &sopt, &store, &err) != FG_OK) {
        fprintf(stderr, "fhirgate import: cannot open store %s: %s\n", o.db, err.diagnostics);
        return 1;
    }
    if (check_patient(store, o.patient, &err) != FG_OK) {
        fprintf(stderr, "fhirgate import: %s\n", err.diagnostics);
        rc = 1;
    } else {
        rc = run_files(&o, store, &clock);
    }
    fhir_store_close(&store);
    return rc;
}
