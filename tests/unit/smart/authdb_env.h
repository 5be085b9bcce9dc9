/* authdb_env.h - shared fixtures of the authdb unit tests: a temporary
 * database with a pinned clock, and grants and tokens made on demand. */
#ifndef SMART_AUTHDB_ENV_H
#define SMART_AUTHDB_ENV_H

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fg_clock.h"
#include "smart/authdb.h"
#include "smart/authdb_grants.h"
#include "smart/token.h"

#define T0 1800000000LL

struct env {
    char dir[64];
    char path[128];
    struct fg_clock clock;
    struct smart_authdb *db;
};

static inline void set_now(struct env *e, int64_t s)
{
    e->clock.pinned_us = s * 1000000;
}

static inline void env_open(struct env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/fg-authdb-XXXXXX");
    CHECK(mkdtemp(e->dir) != NULL);
    snprintf(e->path, sizeof e->path, "%s/auth.db", e->dir);
    set_now(e, T0);
    struct fg_error err;
    fg_error_clear(&err);
    e->db = NULL;
    CHECK_INT(smart_authdb_open(e->path, &e->clock, NULL, &e->db, &err), FG_OK);
    if (!e->db)
        fprintf(stderr, "  open: %s\n", err.diagnostics);
}

static inline void env_close(struct env *e)
{
    smart_authdb_close(&e->db);
    CHECK(e->db == NULL);
    char p[160];
    static const char *suffix[] = {"", "-wal", "-shm", "-epoch"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", e->path, suffix[i]);
        unlink(p);
    }
    rmdir(e->dir);
}

/* Closes e->db, runs sql on the file directly (e.g. undoing later schema
 * versions to make an older file), then opens it again (migrating it). */
static inline void env_reopen_after(struct env *e, const char *sql)
{
    smart_authdb_close(&e->db);
    sqlite3 *raw = NULL;
    CHECK(sqlite3_open(e->path, &raw) == SQLITE_OK);
    char *msg = NULL;
    CHECK(sqlite3_exec(raw, sql, NULL, NULL, &msg) == SQLITE_OK);
    if (msg)
        fprintf(stderr, "  sql: %s\n", msg);
    sqlite3_free(msg);
    sqlite3_close(raw);
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(smart_authdb_open(e->path, &e->clock, NULL, &e->db, &err), FG_OK);
    if (!e->db)
        fprintf(stderr, "  open: %s\n", err.diagnostics);
}

/* A grant for client/patient with the given scopes; returns its id in id. */
static inline void add_grant(struct smart_authdb *db, const char *client, const char *patient,
                      int64_t account, char id[SMART_GRANT_ID_SIZE])
{
    struct smart_grant g;
    memset(&g, 0, sizeof g);
    snprintf(g.client_id, sizeof g.client_id, "%s", client);
    snprintf(g.patient_id, sizeof g.patient_id, "%s", patient);
    g.account_id = account;
    g.scopes = strdup("launch/patient patient/*.rs");
    CHECK_INT(smart_authdb_grant_add(db, &g), FG_OK);
    CHECK_INT(strlen(g.id), SMART_GRANT_ID_SIZE - 1);
    memcpy(id, g.id, SMART_GRANT_ID_SIZE);
    free(g.scopes);
}

/* Issues a token of kind under grant; returns the token's digest. */
static inline void add_token(struct smart_authdb *db, const char *grant, enum smart_token_kind kind,
                      int64_t expires_at, const char *parent, char digest[SMART_DIGEST_SIZE])
{
    char tok[SMART_TOKEN_SIZE];
    CHECK_INT(smart_token_new(tok), FG_OK);
    struct smart_token_row t;
    memset(&t, 0, sizeof t);
    smart_token_digest(fg_str_c(tok), t.digest);
    snprintf(t.grant_id, sizeof t.grant_id, "%s", grant);
    t.kind = kind;
    t.scopes = "patient/Observation.rs";
    t.expires_at = expires_at;
    if (parent)
        snprintf(t.parent_digest, sizeof t.parent_digest, "%s", parent);
    CHECK_INT(smart_authdb_token_add(db, &t), FG_OK);
    memcpy(digest, t.digest, SMART_DIGEST_SIZE);
}

static inline bool token_active(struct smart_authdb *db, const char *digest)
{
    struct smart_token_info info;
    enum fg_status st = smart_authdb_token_lookup(db, fg_str_c(digest), &info);
    CHECK_INT(st, FG_OK);
    bool active = st == FG_OK && info.active;
    smart_token_info_cleanup(&info);
    return active;
}

#endif
