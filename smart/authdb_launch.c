/* authdb_launch.c - EHR launch contexts (see authdb_launch.h). */
#include "authdb_launch.h"

#include <openssl/crypto.h>
#include <string.h>

#include "authdb_internal.h"

static bool id_ok(const char *s, size_t max, bool required)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0)
        return !required;
    return n <= max && fg_is_fhir_id(fg_str_n(s, n));
}

/* One "Type/id" of length n at s. */
static bool ref_ok(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    if (!slash || slash == s || slash - s > 64 || !(s[0] >= 'A' && s[0] <= 'Z'))
        return false;
    size_t tl = (size_t)(slash - s);
    for (size_t i = 1; i < tl; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
            return false;
    if ((tl == 7 && memcmp(s, "Patient", 7) == 0) || (tl == 9 && memcmp(s, "Encounter", 9) == 0))
        return false;
    return fg_is_fhir_id(fg_str_n(slash + 1, n - tl - 1));
}

bool smart_fhir_context_ok(const char *s)
{
    size_t total = strnlen(s, SMART_MAX_FHIR_CONTEXT + 1), n_refs = 0;
    if (total > SMART_MAX_FHIR_CONTEXT)
        return false;
    const char *refs[SMART_MAX_FHIR_CONTEXT_REFS];
    size_t lens[SMART_MAX_FHIR_CONTEXT_REFS];
    for (const char *p = s; *p;) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n_refs == SMART_MAX_FHIR_CONTEXT_REFS || !ref_ok(p, n) || (end && !end[1]))
            return false;
        for (size_t i = 0; i < n_refs; i++)
            if (lens[i] == n && memcmp(refs[i], p, n) == 0)
                return false;
        refs[n_refs] = p;
        lens[n_refs++] = n;
        p += n + (end != NULL);
    }
    return true;
}

enum fg_status smart_authdb_launch_create(struct smart_authdb *db, struct smart_launch *l,
                                          char id_out[SMART_TOKEN_SIZE])
{
    if (!l->client_id[0] || l->account_id <= 0 ||
        !id_ok(l->patient_id, SMART_MAX_PATIENT_ID, false) ||
        !id_ok(l->encounter_id, SMART_MAX_ENCOUNTER_ID, false) ||
        (l->encounter_id[0] && !l->patient_id[0]) || !smart_fhir_context_ok(l->fhir_context))
        return FG_EINVAL;
    char id[SMART_TOKEN_SIZE], digest[SMART_DIGEST_SIZE];
    enum fg_status st = smart_token_new(id);
    if (st != FG_OK)
        return st;
    smart_token_digest(fg_str_c(id), digest);
    l->created_at = authdb_now(db);
    l->expires_at = l->created_at + SMART_LAUNCH_LIFETIME_S;
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_LAUNCH_ADD,
                     "INSERT INTO launches(digest, client_id, account_id, patient_id,"
                     " encounter_id, created_at, expires_at, fhir_context)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &s);
    if (st == FG_OK &&
        (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_cstr(s, 2, l->client_id) ||
         !authdb_bind_i64(s, 3, l->account_id) || !authdb_bind_cstr(s, 4, l->patient_id) ||
         !authdb_bind_cstr(s, 5, l->encounter_id) || !authdb_bind_i64(s, 6, l->created_at) ||
         !authdb_bind_i64(s, 7, l->expires_at) || !authdb_bind_cstr(s, 8, l->fhir_context)))
        st = FG_ENOMEM;
    if (st == FG_OK)
        st = authdb_exec(s);
    if (st == FG_OK)
        memcpy(id_out, id, sizeof id);
    OPENSSL_cleanse(id, sizeof id);
    return st;
}

#define LAUNCH_COLUMNS                                                                           \
    "client_id, account_id, patient_id, encounter_id, created_at, expires_at, used_at,"          \
    " fhir_context"

static enum fg_status read_launch(sqlite3_stmt *s, struct smart_launch *out, int64_t *used_at)
{
    out->account_id = sqlite3_column_int64(s, 1);
    out->created_at = sqlite3_column_int64(s, 4);
    out->expires_at = sqlite3_column_int64(s, 5);
    *used_at = sqlite3_column_int64(s, 6);
    enum fg_status st = authdb_col_copy(s, 0, out->client_id, sizeof out->client_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 2, out->patient_id, sizeof out->patient_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 3, out->encounter_id, sizeof out->encounter_id);
    if (st == FG_OK)
        st = authdb_col_copy(s, 7, out->fhir_context, sizeof out->fhir_context);
    return st;
}

/* Why a launch could not be used: reads it whatever its state. */
static enum fg_status why_not(struct smart_authdb *db, const char *digest, struct fg_str client_id,
                              int64_t now)
{
    struct smart_launch l;
    int64_t used_at = 0;
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_LAUNCH_GET,
                                    "SELECT " LAUNCH_COLUMNS " FROM launches WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, digest))
        return FG_ENOMEM;
    memset(&l, 0, sizeof l);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = read_launch(s, &l, &used_at);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    authdb_done(s);
    if (st != FG_OK)
        return st;
    if (!fg_str_eq_c(client_id, l.client_id))
        return FG_EFORBIDDEN;
    if (used_at)
        return FG_ECONFLICT;
    return l.expires_at <= now ? FG_EGONE : FG_EIO;
}

enum fg_status smart_authdb_launch_consume(struct smart_authdb *db, struct fg_str id,
                                           struct fg_str client_id, struct smart_launch *out)
{
    memset(out, 0, sizeof *out);
    if (!smart_token_is_wellformed(id))
        return FG_ENOTFOUND;
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(id, digest);
    int64_t now = authdb_now(db), used_at = 0;
    sqlite3_stmt *s;
    /* UPDATE ... RETURNING: checking and marking are one step. */
    enum fg_status st = authdb_stmt(db, AUTHDB_LAUNCH_CONSUME,
                                    "UPDATE launches SET used_at = ?3 WHERE digest = ?1"
                                    " AND client_id = ?2 AND used_at = 0 AND expires_at > ?3"
                                    " RETURNING " LAUNCH_COLUMNS,
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_str(s, 2, client_id) ||
        !authdb_bind_i64(s, 3, now))
        return FG_ENOMEM;
    int rc = sqlite3_step(s);
    bool found = rc == SQLITE_ROW;
    if (found)
        st = read_launch(s, out, &used_at);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && st == FG_OK)
        st = authdb_step_error(rc);
    authdb_done(s);
    if (st == FG_OK && !found)
        st = why_not(db, digest, client_id, now);
    if (st != FG_OK)
        memset(out, 0, sizeof *out);
    return st;
}
