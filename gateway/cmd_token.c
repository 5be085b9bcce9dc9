/* cmd_token.c - `fhirgate token issue` (see cmd_client.h): a token for
 * scripts and tests, issued exactly like the token endpoint would (grant,
 * access token, refresh token with offline_access/online_access, id_token
 * with openid fhirUser), for the scopes the client may be granted. */
#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../smart/authdb_accounts.h"
#include "../smart/authdb_clients.h"
#include "../smart/scope.h"
#include "auth.h"
#include "auth_issue.h"
#include "cli.h"
#include "cmd_client.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fhirgate token issue --client ID [--patient ID] [--user NAME] --scope \"...\"\n"
                 "Prints a token response (JSON) for the client, as the token endpoint would.\n"
                 "Scopes are narrowed to what the client may be granted. Config flags\n"
                 "(--auth-db, --base-url: the issuer) apply.\n");
}

struct token_opts {
    const char *client, *patient, *user, *scope;
};

static int parse(struct fg_cmd_auth *c, struct token_opts *o)
{
    if (c->n_rest < 1 || strcmp(c->rest[0], "issue") != 0)
        return FG_CLI_USAGE;
    for (int i = 1; i < c->n_rest; i += 2) {
        const char *a = c->rest[i];
        const char **slot = strcmp(a, "--client") == 0    ? &o->client
                            : strcmp(a, "--patient") == 0 ? &o->patient
                            : strcmp(a, "--user") == 0    ? &o->user
                            : strcmp(a, "--scope") == 0   ? &o->scope
                                                          : NULL;
        if (!slot || i + 1 >= c->n_rest) {
            fprintf(stderr, "fhirgate token: unexpected or incomplete \"%s\"\n", a);
            return FG_CLI_USAGE;
        }
        *slot = c->rest[i + 1];
    }
    if (!o->client || !o->scope) {
        fprintf(stderr, "fhirgate token issue: --client and --scope are required\n");
        return FG_CLI_USAGE;
    }
    return 0;
}

/* The granted scope string (in buf) of want within the client's scopes. */
static int narrow(const char *want, const char *allowed, struct fg_buf *buf)
{
    struct smart_scopes w, a, g;
    smart_scopes_init(&w);
    smart_scopes_init(&a);
    smart_scopes_init(&g);
    int rc = smart_scopes_parse(fg_str_c(want), &w, NULL) == FG_OK &&
                     smart_scopes_parse(fg_str_c(allowed ? allowed : ""), &a, NULL) == FG_OK &&
                     smart_scopes_intersect(&w, &a, &g) == FG_OK && g.n > 0 &&
                     smart_scopes_write(&g, buf) == FG_OK && fg_buf_append_char(buf, '\0') == FG_OK
                 ? 0
                 : 1;
    smart_scopes_cleanup(&w);
    smart_scopes_cleanup(&a);
    smart_scopes_cleanup(&g);
    return rc;
}

static int issue(struct fg_auth *auth, struct smart_authdb *db, const struct token_opts *o)
{
    struct smart_client cl;
    if (smart_authdb_client_get(db, fg_str_c(o->client), &cl) != FG_OK) {
        fprintf(stderr, "fhirgate token issue: no client \"%s\"\n", o->client);
        return 1;
    }
    struct smart_account acc;
    memset(&acc, 0, sizeof acc);
    if (o->user && smart_authdb_account_get(db, fg_str_c(o->user), &acc) != FG_OK) {
        fprintf(stderr, "fhirgate token issue: no user \"%s\"\n", o->user);
        smart_client_cleanup(&cl);
        return 1;
    }
    struct fg_buf scopes, out;
    fg_buf_init(&scopes, FG_MAX_SCOPE_BYTES * 2);
    fg_buf_init(&out, 64 * 1024);
    const char *patient = o->patient ? o->patient : acc.patient_id;
    struct fg_pool *pool = fg_pool_new();
    int rc = pool ? narrow(o->scope, cl.scopes, &scopes) : 1;
    if (rc != 0)
        fprintf(stderr, "fhirgate token issue: %s\n",
                pool ? "none of the scopes may be granted to this client" : "out of memory");
    struct fg_issue is = {
        .client_id = cl.client_id,
        .scopes = scopes.data,
        .patient_id = patient,
        .account_id = acc.id,
        .fhir_user = pool ? fg_auth_fhir_user(pool, acc.id, acc.practitioner_id, acc.patient_id,
                                              patient)
                          : NULL,
    };
    struct fg_error err;
    fg_error_clear(&err);
    if (rc == 0 && (smart_authdb_begin_write(db) != FG_OK || fg_auth_issue(auth, db, &is, &err) != FG_OK ||
                    smart_authdb_commit(db) != FG_OK)) {
        smart_authdb_rollback(db);
        fprintf(stderr, "fhirgate token issue: %s\n", err.diagnostics[0] ? err.diagnostics : "database error");
        rc = 1;
    }
    if (rc == 0 && fg_auth_token_response(&is, &out) != FG_OK) {
        fprintf(stderr, "fhirgate token issue: out of memory writing the token\n");
        rc = 1;
    }
    if (rc == 0 && (printf("%.*s\n", (int)out.len, out.data) < 0 || fflush(stdout) != 0)) {
        fprintf(stderr, "fhirgate token issue: cannot write the token to standard output\n");
        rc = 1;
    }
    fg_issue_cleanup(&is);
    fg_pool_free(&pool);
    fg_buf_cleanup(&scopes);
    fg_buf_cleanup(&out);
    smart_client_cleanup(&cl);
    return rc;
}

int fg_cmd_token(int argc, char **argv)
{
    if (fg_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    struct fg_cmd_auth c;
    int rc = fg_cmd_auth_open("token", argc, argv, &c);
    fg_cmd_auth_close(&c); /* the auth handle below opens its own connection */
    struct token_opts o = {0};
    if (rc == 0)
        rc = parse(&c, &o);
    if (rc == FG_CLI_USAGE)
        usage(stderr);
    if (rc != 0)
        return rc;
    struct fg_auth *auth = NULL;
    struct fg_error err;
    fg_error_clear(&err);
    if (fg_auth_open(c.cfg.auth_db, &c.clock, c.cfg.base_url, 1, &auth, &err) != FG_OK) {
        fprintf(stderr, "fhirgate token: cannot open auth database: %s\n", err.diagnostics);
        return 1;
    }
    struct smart_authdb *db = fg_auth_acquire(auth);
    rc = issue(auth, db, &o);
    fg_auth_release(auth, db);
    fg_auth_close(&auth);
    return rc;
}
