/* authdb_origin_test.c - which Origin values count as registered: the
 * scheme, host and port of some client's redirect URI, nothing looser. */
#include "../test.h"

#include <string.h>

#include "smart/authdb_clients.h"

#include "authdb_env.h"

static void add_client(struct smart_authdb *db, const char *id, const char *uri1, const char *uri2)
{
    struct smart_client c;
    memset(&c, 0, sizeof c);
    snprintf(c.client_id, sizeof c.client_id, "%s", id);
    c.name = strdup("Origin app");
    c.type = SMART_CLIENT_PUBLIC;
    c.scopes = strdup("launch/patient patient/*.rs");
    c.redirect_uris[c.n_redirect_uris++] = strdup(uri1);
    if (uri2)
        c.redirect_uris[c.n_redirect_uris++] = strdup(uri2);
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_authdb_client_add(db, &c, &err), FG_OK);
    smart_client_cleanup(&c);
}

struct origin_row {
    const char *origin;
    bool ok; /* registered */
};

static void check_origins(struct smart_authdb *db, const struct origin_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool ok = !rows[i].ok;
        CHECK_INT(smart_authdb_origin_registered(db, fg_str_c(rows[i].origin), &ok), FG_OK);
        if (ok != rows[i].ok)
            fprintf(stderr, "  origin %s\n", rows[i].origin);
        CHECK_INT(ok, rows[i].ok);
    }
}

static void test_origin_table(void)
{
    struct env e;
    env_open(&e);
    add_client(e.db, "a", "https://App.Example/callback", "http://localhost:5173/cb?x=1");
    add_client(e.db, "b", "http://127.0.0.1:9000?next=1", NULL);
    add_client(e.db, "c", "https://bare.example", NULL);
    static const struct origin_row rows[] = {
        {"https://app.example", true},          /* host compared case-insensitively */
        {"https://APP.EXAMPLE", true},
        {"http://localhost:5173", true},
        {"http://127.0.0.1:9000", true},        /* redirect URI with a query, no path */
        {"https://bare.example", true},         /* the redirect URI is the origin */
        {"http://app.example", false},          /* another scheme */
        {"https://app.example:8443", false},    /* another port */
        {"https://app.exampl", false},          /* a prefix of the host */
        {"https://app.example.evil.example", false},
        {"http://localhost:517", false},
        {"http://localhost", false},
        {"http://127.0.0.1:90", false},
        {"https://bare.example.org", false},
        {"https://%", false},
        {"https://_pp.example", false},
    };
    check_origins(e.db, rows, sizeof rows / sizeof rows[0]);
    /* removing the client removes its origin */
    CHECK_INT(smart_authdb_client_delete(e.db, fg_str_c("c")), FG_OK);
    bool ok = true;
    CHECK_INT(smart_authdb_origin_registered(e.db, fg_str_c("https://bare.example"), &ok), FG_OK);
    CHECK_INT(ok, false);
    char huge[FG_MAX_ORIGIN_BYTES + 2];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    CHECK_INT(smart_authdb_origin_registered(e.db, fg_str_c(huge), &ok), FG_EINVAL);
    env_close(&e);
}

/* A version-6 file (no origin column) gets its redirect URIs' origins on open. */
static void test_origin_migration(void)
{
    struct env e;
    env_open(&e);
    add_client(e.db, "a", "https://App.Example/callback", "http://localhost:5173?x=1");
    add_client(e.db, "b", "https://bare.example", "https://frag.example#x");
    env_reopen_after(&e, "DROP INDEX client_redirect_uris_origin;"
                         "ALTER TABLE client_redirect_uris DROP COLUMN origin;"
                         "PRAGMA user_version = 6;");
    static const struct origin_row rows[] = {
        {"https://app.example", true},  {"http://localhost:5173", true},
        {"https://bare.example", true}, {"https://frag.example", true},
        {"https://app.exampl", false},  {"http://localhost", false},
    };
    check_origins(e.db, rows, sizeof rows / sizeof rows[0]);
    env_close(&e);
}

TEST_MAIN(test_origin_table, test_origin_migration)
