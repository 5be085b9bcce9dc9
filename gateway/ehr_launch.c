/* ehr_launch.c - the launch URL and `fhirgate launch` (see ehr_launch.h). */
#include "ehr_launch.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../fhir/store_sqlite.h"
#include "cli.h"
#include "cmd_client.h"

#define LAUNCH_REFUSED 4 /* exit code: the user may not open that record */

static enum fg_status copy_id(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        return FG_EINVAL;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return FG_OK;
}

enum fg_status fg_ehr_launch_url(struct smart_authdb *db, const struct smart_client *cl,
                                 int64_t account_id, const char *patient_id,
                                 const char *encounter_id, const char *fhir_context,
                                 const char *iss, struct fg_buf *out)
{
    struct smart_launch l;
    char id[SMART_TOKEN_SIZE];
    memset(&l, 0, sizeof l);
    if (!cl->launch_uri || !cl->launch_uri[0])
        return FG_ENOTFOUND;
    enum fg_status st = copy_id(l.client_id, sizeof l.client_id, cl->client_id);
    if (st == FG_OK)
        st = copy_id(l.patient_id, sizeof l.patient_id, patient_id);
    if (st == FG_OK)
        st = copy_id(l.encounter_id, sizeof l.encounter_id, encounter_id);
    if (st == FG_OK)
        st = copy_id(l.fhir_context, sizeof l.fhir_context, fhir_context);
    l.account_id = account_id;
    if (st == FG_OK)
        st = smart_authdb_launch_create(db, &l, id);
    if (st != FG_OK)
        return st;
    st = fg_buf_append_c(out, cl->launch_uri);
    if (st == FG_OK)
        st = fg_buf_append_c(out, strchr(cl->launch_uri, '?') ? "&iss=" : "?iss=");
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(out, fg_str_c(iss));
    if (st == FG_OK)
        st = fg_buf_append_c(out, "&launch=");
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(out, fg_str_c(id));
    OPENSSL_cleanse(id, sizeof id);
    return st;
}

enum fg_status fg_ehr_launch_may_open(struct smart_authdb *db, struct fg_pool *pool,
                                      const struct fg_portal_env *env, int64_t account_id,
                                      const char *patient_id)
{
    struct smart_account acc;
    if (!patient_id || !patient_id[0])
        return FG_OK;
    if (smart_authdb_account_get_by_id(db, account_id, &acc) != FG_OK)
        return FG_ENOTFOUND;
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    if (acc.practitioner_id[0])
        return FG_OK;
    return fg_portal_view_env(env, db, pool, account_id, fg_str_c(patient_id)) != SMART_VIEW_NONE
               ? FG_OK
               : FG_EFORBIDDEN;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate launch --client ID --user NAME [--patient ID] [--encounter ID]\n"
            "           [--context Type/id]... [--base-url URL]\n"
            "Starts an EHR launch of the app for the user (a practitioner, or a portal user\n"
            "for a patient they may act for) and prints the URL to open:\n"
            "the app's launch URI with ?iss=<FHIR base>&launch=<id>. The launch is single\n"
            "use and expires after five minutes; the user still signs in and consents.\n"
            "--context: a further resource in context (up to 4; not Patient or Encounter),\n"
            "sent to the app as fhirContext in the token response.\n"
            "A portal user may only be launched for a record they may open (their own,\n"
            "or one they act for under the portal rules; the record store of --db is\n"
            "read, not in upstream mode): otherwise exit 4.\n");
}

struct launch_opts {
    const char *client, *user, *patient, *encounter;
    char context[SMART_MAX_FHIR_CONTEXT + 1]; /* the --context values, space-separated */
};

/* Appends one --context value to o->context. */
static int add_context(struct launch_opts *o, const char *ref)
{
    size_t have = strlen(o->context), n = strlen(ref);
    if (!ref[0] || strchr(ref, ' ') || have + (have > 0) + n > SMART_MAX_FHIR_CONTEXT) {
        fprintf(stderr, "fhirgate launch: --context wants Type/id (at most %d)\n",
                SMART_MAX_FHIR_CONTEXT_REFS);
        return FG_CLI_USAGE;
    }
    if (have)
        o->context[have++] = ' ';
    memcpy(o->context + have, ref, n + 1);
    return 0;
}

static int parse(struct fg_cmd_auth *c, struct launch_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < c->n_rest; i++) {
        const char *a = c->rest[i];
        if (strcmp(a, "--context") == 0 && i + 1 < c->n_rest) {
            if (add_context(o, c->rest[++i]) != 0)
                return FG_CLI_USAGE;
            continue;
        }
        const char **slot = strcmp(a, "--client") == 0      ? &o->client
                            : strcmp(a, "--user") == 0      ? &o->user
                            : strcmp(a, "--patient") == 0   ? &o->patient
                            : strcmp(a, "--encounter") == 0 ? &o->encounter
                                                            : NULL;
        if (!slot || i + 1 >= c->n_rest) {
            fprintf(stderr, "fhirgate launch: unexpected \"%s\"\n", a);
            return FG_CLI_USAGE;
        }
        *slot = c->rest[++i];
    }
    if (!o->client || !o->user || (o->encounter && !o->patient)) {
        fprintf(stderr, "fhirgate launch: --client and --user are required "
                        "(and --encounter needs --patient)\n");
        return FG_CLI_USAGE;
    }
    return 0;
}

/* fg_ehr_launch_may_open with the store of --db: 0, LAUNCH_REFUSED or 1. */
static int check_access(struct fg_cmd_auth *c, const struct smart_account *acc, const char *patient)
{
    if (!patient || acc->practitioner_id[0])
        return 0; /* no record to check, or a practitioner (no store needed) */
    if (c->cfg.upstream[0]) {
        fprintf(stderr, "fhirgate launch: a portal user's launch is checked against the record "
                        "store, which this command cannot read in upstream mode; use the "
                        "linked-apps page (/auth/apps)\n");
        return 1;
    }
    struct stat sb;
    if (stat(c->cfg.db, &sb) != 0) { /* opening would create an empty store */
        fprintf(stderr, "fhirgate launch: no record store at %s (give --db)\n", c->cfg.db);
        return 1;
    }
    struct fhir_store *store = NULL;
    struct fg_error err;
    fg_error_clear(&err);
    struct fhir_store_sqlite_options sopt = {.connections = 1, .base_url = c->cfg.base_url};
    if (fhir_store_sqlite_open(c->cfg.db, &c->clock, &sopt, &store, &err) != FG_OK) {
        fprintf(stderr, "fhirgate launch: cannot open store %s: %s\n", c->cfg.db, err.diagnostics);
        return 1;
    }
    struct fg_pool *pool = fg_pool_new();
    struct fg_portal_env env = {&c->cfg, fg_clock_now_us(&c->clock), store, NULL};
    enum fg_status st = pool ? fg_ehr_launch_may_open(c->db, pool, &env, acc->id, patient) : FG_ENOMEM;
    fg_pool_free(&pool);
    fhir_store_close(&store);
    if (st == FG_EFORBIDDEN)
        fprintf(stderr, "fhirgate launch: user \"%s\" may not open patient \"%s\" (not their "
                        "own record nor one they act for under the portal rules)\n",
                acc->username, patient);
    else if (st != FG_OK)
        fprintf(stderr, "fhirgate launch: %s\n", fg_status_name(st));
    return st == FG_OK ? 0 : st == FG_EFORBIDDEN ? LAUNCH_REFUSED : 1;
}

static int run(struct fg_cmd_auth *c, const struct launch_opts *o)
{
    struct smart_client cl;
    struct smart_account acc;
    if (smart_authdb_client_get(c->db, fg_str_c(o->client), &cl) != FG_OK) {
        fprintf(stderr, "fhirgate launch: no client \"%s\"\n", o->client);
        return 1;
    }
    int rc = 0;
    memset(&acc, 0, sizeof acc);
    if (smart_authdb_account_get(c->db, fg_str_c(o->user), &acc) != FG_OK) {
        fprintf(stderr, "fhirgate launch: no user \"%s\"\n", o->user);
        rc = 1;
    }
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    if (rc == 0)
        rc = check_access(c, &acc, o->patient);
    struct fg_buf url;
    fg_buf_init(&url, 8192);
    enum fg_status st = rc == 0 ? fg_ehr_launch_url(c->db, &cl, acc.id, o->patient, o->encounter,
                                                    o->context, c->cfg.base_url, &url)
                                : FG_OK;
    if (rc == 0 && st == FG_ENOTFOUND) {
        fprintf(stderr, "fhirgate launch: the client has no launch URI (client add --launch-uri)\n");
        rc = 1;
    } else if (rc == 0 && st == FG_EINVAL) {
        fprintf(stderr, "fhirgate launch: --patient and --encounter want FHIR ids, --context "
                        "Type/id (not Patient or Encounter, no repeats)\n");
        rc = FG_CLI_USAGE;
    } else if (rc == 0 && st != FG_OK) {
        fprintf(stderr, "fhirgate launch: %s\n", fg_status_name(st));
        rc = 1;
    }
    if (rc == 0)
        printf("%.*s\n", (int)url.len, url.data);
    OPENSSL_cleanse(url.data, url.len);
    fg_buf_cleanup(&url);
    smart_client_cleanup(&cl);
    return rc;
}

int fg_cmd_launch(int argc, char **argv)
{
    if (fg_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    struct fg_cmd_auth c;
    int rc = fg_cmd_auth_open("launch", argc, argv, &c);
    struct launch_opts o;
    if (rc == 0)
        rc = parse(&c, &o);
    if (rc == FG_CLI_USAGE)
        usage(stderr);
    if (rc == 0)
        rc = run(&c, &o);
    fg_cmd_auth_close(&c);
    return rc;
}
