/* cmd_seed.c - `fhirgate seed`: opens the SQLite store and loads the fixtures
 * (gateway/seed.h). Settings: defaults < FHIRGATE_DB / FHIRGATE_NOW < options. */
#include "cmd_seed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../fhir/store_sqlite.h"
#include "../fhir/store_upstream.h"
#include "seed.h"

#define SEED_USAGE 2 /* FG_CLI_USAGE */
#define SEED_DEFAULT_DB "var/fhirgate.db"
#define SEED_DEFAULT_FIXTURES "fixtures"

struct seed_opts {
    const char *db;
    const char *fixtures;
    const char *now;
    const char *upstream; /* load into an upstream FHIR server instead (no auth) */
};

static void usage(FILE *out)
{
    fprintf(out, "usage: fhirgate seed [options]\n"
                 "Loads the synthetic patients (transaction Bundles under DIR) into the store;\n"
                 "loading again leaves unchanged resources as they are.\n"
                 "options:\n"
                 "  --db PATH        SQLite file (env FHIRGATE_DB; default " SEED_DEFAULT_DB ")\n"
                 "  --fixtures DIR   fixture directory (default " SEED_DEFAULT_FIXTURES ")\n"
                 "  --upstream URL   load into this FHIR server (upstream mode) instead\n"
                 "  --now DATE       load day, YYYY-MM-DD or an instant (env FHIRGATE_NOW;\n"
                 "                   default today, UTC); fixture dates are relative to it\n");
}

static int parse_args(int argc, char **argv, struct seed_opts *o)
{
    const char *env_db = getenv("FHIRGATE_DB"), *env_now = getenv("FHIRGATE_NOW");
    o->db = env_db && env_db[0] ? env_db : SEED_DEFAULT_DB;
    o->fixtures = SEED_DEFAULT_FIXTURES;
    o->now = env_now && env_now[0] ? env_now : NULL;
    o->upstream = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--db") == 0         ? &o->db
                            : strcmp(argv[i], "--fixtures") == 0 ? &o->fixtures
                            : strcmp(argv[i], "--now") == 0      ? &o->now
                            : strcmp(argv[i], "--upstream") == 0 ? &o->upstream
                                                                 : NULL;
        if (!slot) {
            fprintf(stderr, "fhirgate seed: unknown option \"%s\"\n", argv[i]);
            return SEED_USAGE;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0') {
            fprintf(stderr, "fhirgate seed: %s needs a value\n", argv[i]);
            return SEED_USAGE;
        }
        *slot = argv[++i];
    }
    return 0;
}

/* Creates the database's parent directory (one level, e.g. var/) if missing. */
static void make_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir)
        return;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        fprintf(stderr, "fhirgate seed: cannot create %s: %s\n", dir, strerror(errno));
}

int fg_cmd_seed(int argc, char **argv)
{
    struct seed_opts o;
    struct fg_clock clock = {0};
    struct fg_error err;
    struct fhir_store *store = NULL;
    struct fg_seed_report rep;
    int rc;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (o.now && fg_clock_pin(&clock, fg_str_c(o.now)) != FG_OK) {
        fprintf(stderr, "fhirgate seed: --now wants YYYY-MM-DD or an instant, got \"%s\"\n", o.now);
        return SEED_USAGE;
    }
    fg_error_clear(&err);
    struct fhir_store_sqlite_options sopt = {.connections = 1};
    struct fhir_store_upstream_options uopt = {.url = o.upstream};
    if (o.upstream)
        o.db = o.upstream;
    else
        make_parent_dir(o.db);
    if ((o.upstream ? fhir_store_upstream_open(&uopt, &clock, &store, &err)
                    : fhir_store_sqlite_open(o.db, &clock, &sopt, &store, &err)) != FG_OK) {
        fprintf(stderr, "fhirgate seed: cannot open store %s: %s\n", o.db, err.diagnostics);
        return 1;
    }
    rc = fg_seed_load(store, &clock, o.fixtures, &rep, &err) == FG_OK ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, "fhirgate seed: %s\n", err.diagnostics);
    char day[11];
    fg_clock_format_date(fg_clock_now_us(&clock), day);
    printf("seed: %zu files, %zu resources (%zu created, %zu updated, %zu unchanged) "
           "into %s, dates relative to %s%s\n",
           rep.files, rep.resources, rep.created, rep.updated, rep.unchanged, o.db, day,
           rc ? " (stopped at an error)" : "");
    fhir_store_close(&store);
    return rc;
}
