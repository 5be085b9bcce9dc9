/* authdb_keys.c - signing keys in the auth database. */
#include "authdb_keys.h"

#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

enum fg_status smart_authdb_key_save(struct smart_authdb *db, const struct smart_signing_key *key)
{
    char *json = NULL;
    enum fg_status st = smart_key_private_json(key, &json);
    if (st != FG_OK)
        return st;
    sqlite3_stmt *s;
    st = authdb_stmt(db, AUTHDB_KEY_SAVE,
                     "INSERT INTO signing_keys(kid, private_jwk, created_at, retire_at)"
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(kid) DO UPDATE"
                     " SET retire_at = excluded.retire_at",
                     &s);
    if (st == FG_OK) {
        if (!authdb_bind_cstr(s, 1, key->kid) || !authdb_bind_cstr(s, 2, json) ||
            !authdb_bind_i64(s, 3, key->created_at) || !authdb_bind_i64(s, 4, key->retire_at))
            st = FG_ENOMEM;
        else
            st = authdb_exec(s);
        sqlite3_clear_bindings(s); /* drop SQLite's copy of the private key text */
    }
    smart_key_free_json(&json);
    return st;
}

enum fg_status smart_authdb_keys_load(struct smart_authdb *db, struct smart_keyring *ring)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_KEY_LOAD,
                                    "SELECT private_jwk, created_at, retire_at FROM signing_keys"
                                    " ORDER BY created_at",
                                    &s);
    if (st != FG_OK)
        return st;
    while (st == FG_OK) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            st = authdb_step_error(rc);
            break;
        }
        struct smart_signing_key key;
        const char *json = (const char *)sqlite3_column_text(s, 0);
        st = smart_key_import(fg_str_n(json ? json : "", (size_t)sqlite3_column_bytes(s, 0)),
                              sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2), &key);
        if (st == FG_OK)
            st = smart_keyring_add(ring, &key);
    }
    authdb_done(s);
    if (st != FG_OK)
        smart_keyring_cleanup(ring);
    return st;
}

enum fg_status smart_authdb_keys_stamp(struct smart_authdb *db, struct smart_keys_stamp *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_KEY_STAMP,
                                    "SELECT count(*), coalesce(sum(created_at), 0),"
                                    " coalesce(sum(retire_at), 0) FROM signing_keys",
                                    &s);
    if (st != FG_OK)
        return st;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->n = sqlite3_column_int64(s, 0);
        out->created_sum = sqlite3_column_int64(s, 1);
        out->retire_sum = sqlite3_column_int64(s, 2);
    } else {
        st = authdb_step_error(rc);
    }
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_keys_ensure(struct smart_authdb *db, struct smart_keyring *ring)
{
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    st = smart_authdb_keys_load(db, ring);
    if (st == FG_OK && ring->n == 0) {
        const struct smart_signing_key *added = NULL;
        st = smart_keyring_rotate(ring, authdb_now(db), 0, &added);
        if (st == FG_OK)
            st = smart_authdb_key_save(db, added);
    }
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK) {
        smart_authdb_rollback(db);
        smart_keyring_cleanup(ring);
    }
    return st;
}

/* Deletes the rows of keys past their retire time (the ones rotate pruned). */
static enum fg_status delete_retired(struct smart_authdb *db)
{
    sqlite3_stmt *s;
    enum fg_status st = authdb_stmt(db, AUTHDB_KEY_DELETE,
                                    "DELETE FROM signing_keys WHERE retire_at != 0"
                                    " AND retire_at <= ?1",
                                    &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_i64(s, 1, authdb_now(db)))
        return FG_ENOMEM;
    return authdb_exec(s);
}

enum fg_status smart_authdb_keys_rotate(struct smart_authdb *db, struct smart_keyring *ring,
                                        int64_t retire_after_s)
{
    enum fg_status st = smart_authdb_begin_write(db);
    if (st != FG_OK)
        return st;
    const struct smart_signing_key *added = NULL;
    st = smart_keyring_rotate(ring, authdb_now(db), retire_after_s, &added);
    for (size_t i = 0; st == FG_OK && i < ring->n; i++)
        st = smart_authdb_key_save(db, &ring->keys[i]);
    if (st == FG_OK)
        st = delete_retired(db);
    if (st == FG_OK)
        st = smart_authdb_commit(db);
    if (st != FG_OK)
        smart_authdb_rollback(db);
    return st;
}
