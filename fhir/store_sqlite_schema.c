/* store_sqlite_schema.c - the SQLite store's schema, its migrations and the
 * reindex that follows a change of the search-parameter table.
 *
 * The schema version lives in PRAGMA user_version; migrations[k] takes the
 * database from version k to k + 1 and runs in the same transaction as the
 * version bump, so an interrupted migration leaves the old version.
 *
 * Tables
 *   res(rid, type, id, version, last_updated, deleted, json, pat)
 *       the current version of each (type, id); rid never changes for a
 *       (type, id), so paging keysets and index rows stay attached to it.
 *       A delete keeps the row with deleted = 1 and json NULL. pat repeats
 *       the row's res_compartment as a sorted comma-separated list ('' =
 *       none; NULL when it cannot be listed, see sq_bind_pat): a read by
 *       id takes its compartment from the row, one b-tree probe less.
 *   res_history(type, id, version, ...) the superseded versions only (the
 *       current one is in res), so a create writes its JSON once.
 *   idx_token/string/date/number/quantity/ref/uri: search index rows of the
 *       current non-deleted version, one per extracted value, keyed by the
 *       parameter's table id. token, string, uri and ref are WITHOUT ROWID
 *       tables clustered for lookups by value (they can drive a search),
 *       plus an index (rid, param) for EXISTS checks, sorting and deletes.
 *       number and quantity never drive (a range on a value rarely
 *       narrows well), so they are clustered by (rid, param) only: one
 *       b-tree insert per value instead of two (the write rate matters).
 *       date is clustered patient-first, (pat, param, hi, lo, rid), one
 *       row per compartment patient ('' when none), plus (rid, param):
 *       within one patient a date range does narrow well (the US Core
 *       "patient=X&date=ge..." reads only its own rows). Its column via
 *       has a bit per reference parameter of the resource that names
 *       Patient/pat (sq_ref_bit), so the reference is tested on the row.
 *   res_compartment(rid, patient): the patients whose compartment holds the
 *       resource (kept through a delete: history reads need them).
 *   meta(key, value): the search-parameter table's checksum and the cursor
 *       MAC key.
 * Token codes compare case-insensitively (COLLATE NOCASE on the column and
 * its index): a client sending "Vital-Signs" finds "vital-signs".
 *
 * Reindex: when the checksum of the compiled search-parameter table differs
 * from the one stored, every index row is rebuilt from res.json at open,
 * in one transaction.
 */
#include "store_sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/rand.h>

#include "../core/fg_mem.h"
#include "searchparam.h"

/* Migration v -> v + 1, each ending by setting user_version to v + 1. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE res(rid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL,"
    " json TEXT, UNIQUE(type, id));"
    "CREATE INDEX res_type_lu ON res(type, last_updated);"
    "CREATE TABLE res_history(type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " last_updated INTEGER NOT NULL, deleted INTEGER NOT NULL, json TEXT,"
    " PRIMARY KEY(type, id, version)) WITHOUT ROWID;"
    "CREATE INDEX res_history_lu ON res_history(type, last_updated);"
    "CREATE TABLE idx_token(param INTEGER NOT NULL, code TEXT NOT NULL COLLATE NOCASE,"
    " system TEXT NOT NULL, rid INTEGER NOT NULL, text TEXT,"
    " PRIMARY KEY(param, code, system, rid)) WITHOUT ROWID;"
    "CREATE INDEX idx_token_rid ON idx_token(rid, param);"
    "CREATE TABLE idx_string(param INTEGER NOT NULL, value TEXT NOT NULL, rid INTEGER NOT NULL,"
    " raw TEXT NOT NULL, PRIMARY KEY(param, value, rid, raw)) WITHOUT ROWID;"
    "CREATE INDEX idx_string_rid ON idx_string(rid, param);"
    "CREATE TABLE idx_date(param INTEGER NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,"
    " rid INTEGER NOT NULL, PRIMARY KEY(rid, param, lo, hi)) WITHOUT ROWID;"
    "CREATE TABLE idx_number(param INTEGER NOT NULL, value REAL NOT NULL, rid INTEGER NOT NULL,"
    " PRIMARY KEY(rid, param, value)) WITHOUT ROWID;"
    "CREATE TABLE idx_quantity(param INTEGER NOT NULL, value REAL NOT NULL,"
    " system TEXT NOT NULL, code TEXT NOT NULL, rid INTEGER NOT NULL,"
    " PRIMARY KEY(rid, param, value, system, code)) WITHOUT ROWID;"
    "CREATE TABLE idx_ref(param INTEGER NOT NULL, tid TEXT NOT NULL, ttype TEXT NOT NULL,"
    " url TEXT NOT NULL, rid INTEGER NOT NULL,"
    " PRIMARY KEY(param, tid, ttype, url, rid)) WITHOUT ROWID;"
    "CREATE INDEX idx_ref_rid ON idx_ref(rid, param);"
    "CREATE TABLE idx_uri(param INTEGER NOT NULL, value TEXT NOT NULL, rid INTEGER NOT NULL,"
    " PRIMARY KEY(param, value, rid)) WITHOUT ROWID;"
    "CREATE INDEX idx_uri_rid ON idx_uri(rid, param);"
    "CREATE TABLE res_compartment(rid INTEGER NOT NULL, patient TEXT NOT NULL,"
    " PRIMARY KEY(rid, patient)) WITHOUT ROWID;"
    "CREATE INDEX res_compartment_patient ON res_compartment(patient, rid);"
    "PRAGMA user_version = 1;",
    /* 1 -> 2: date rows patient-first, one per patient (compartment, plus
     * references rebased from our own URL): a patient's dates in a range
     * are one b-tree range scan, so "patient=X&date=ge..." reads only the
     * rows it returns. Forgetting the checksum makes the open reindex
     * every resource into the new layout. */
    "DROP TABLE idx_date;"
    "CREATE TABLE idx_date(pat TEXT NOT NULL, param INTEGER NOT NULL, hi INTEGER NOT NULL,"
    " lo INTEGER NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY(pat, param, hi, lo, rid))"
    " WITHOUT ROWID;"
    "CREATE INDEX idx_date_rid ON idx_date(rid, param);"
    "DELETE FROM meta WHERE key = 'searchparam_checksum';"
    "PRAGMA user_version = 2;",
    /* 2 -> 3: each date row says which reference parameters of its
     * resource name the row's patient (via, a bit per parameter: see
     * sq_ref_bit), so "patient=X&date=..." tests the reference on the
     * date row itself instead of probing idx_ref once per candidate. The
     * reindex at open (every index row is rewritten) fills it. */
    "ALTER TABLE idx_date ADD COLUMN via INTEGER NOT NULL DEFAULT 0;"
    "DELETE FROM meta WHERE key = 'searchparam_checksum';"
    "PRAGMA user_version = 3;",
    /* 3 -> 4: res.pat, the row's compartment as a list (sq_bind_pat), so a
     * read by id needs no res_compartment probe; filled here from
     * res_compartment (one rewrite of every row), NULL where the list could
     * not be split back (then the read joins res_compartment). */
    "ALTER TABLE res ADD COLUMN pat TEXT;"
    "UPDATE res SET pat = CASE"
    " WHEN EXISTS(SELECT 1 FROM res_compartment c WHERE c.rid = res.rid"
    "  AND (patient = '' OR instr(patient, ',') > 0)) THEN NULL"
    " WHEN (SELECT count(*) FROM res_compartment c WHERE c.rid = res.rid) > 16 THEN NULL"
    " ELSE coalesce((SELECT group_concat(patient, ',') FROM (SELECT patient FROM"
    "  res_compartment c WHERE c.rid = res.rid ORDER BY patient)), '') END;"
    "UPDATE res SET pat = NULL WHERE length(pat) > 511;"
    "PRAGMA user_version = 4;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* Sixteen rows of a multi-row VALUES list (anonymous '?' number in order). */
#define ROWS2(r) " " r ", " r
#define ROWS4(r) ROWS2(r) "," ROWS2(r)
#define ROWS8(r) ROWS4(r) "," ROWS4(r)
#define ROWS16(r) ROWS8(r) "," ROWS8(r)
_Static_assert(SQ_INS_MANY == 16, "ROWS16 writes SQ_INS_MANY rows");

static const char *const fixed_sql[SQ_STMT_COUNT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_CUR_GET] = "SELECT rid, version, deleted FROM res WHERE type = ?1 AND id = ?2",
    [SQ_RES_INS] = "INSERT INTO res(type, id, version, last_updated, deleted, json, pat)"
                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* A delete keeps the compartment rows, so it keeps pat too. */
    [SQ_RES_UPD] = "UPDATE res SET version = ?2, last_updated = ?3, deleted = ?4, json = ?5,"
                   " pat = CASE WHEN ?4 THEN pat ELSE ?6 END WHERE rid = ?1",
    [SQ_HIST_MOVE] = "INSERT INTO res_history(type, id, version, last_updated, deleted, json)"
                     " SELECT type, id, version, last_updated, deleted, json FROM res"
                     " WHERE rid = ?1",
    [SQ_DEL_TOKEN] = "DELETE FROM idx_token WHERE rid = ?1",
    [SQ_DEL_STRING] = "DELETE FROM idx_string WHERE rid = ?1",
    [SQ_DEL_DATE] = "DELETE FROM idx_date WHERE rid = ?1",
    [SQ_DEL_NUMBER] = "DELETE FROM idx_number WHERE rid = ?1",
    [SQ_DEL_QUANTITY] = "DELETE FROM idx_quantity WHERE rid = ?1",
    [SQ_DEL_REF] = "DELETE FROM idx_ref WHERE rid = ?1",
    [SQ_DEL_URI] = "DELETE FROM idx_uri WHERE rid = ?1",
    [SQ_DEL_COMP] = "DELETE FROM res_compartment WHERE rid = ?1",
    [SQ_INS_TOKEN] = "INSERT OR IGNORE INTO idx_token(param, code, system, rid, text)"
                     " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_INS_STRING] = "INSERT OR IGNORE INTO idx_string(param, value, rid, raw)"
                      " VALUES(?1, ?2, ?3, ?4)",
    [SQ_INS_DATE] = "INSERT OR IGNORE INTO idx_date(param, lo, hi, rid, pat, via)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_INS_NUMBER] = "INSERT OR IGNORE INTO idx_number(param, value, rid) VALUES(?1, ?2, ?3)",
    [SQ_INS_QUANTITY] = "INSERT OR IGNORE INTO idx_quantity(param, value, system, code, rid)"
                        " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_INS_REF] = "INSERT OR IGNORE INTO idx_ref(param, tid, ttype, url, rid)"
                   " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_INS_URI] = "INSERT OR IGNORE INTO idx_uri(param, value, rid) VALUES(?1, ?2, ?3)",
    [SQ_INS_COMP] = "INSERT OR IGNORE INTO res_compartment(rid, patient) VALUES(?1, ?2)",
    /* The same with SQ_INS_MANY (16) rows, numbered in order. */
    [SQ_INSN_TOKEN] = "INSERT OR IGNORE INTO idx_token(param, code, system, rid, text) VALUES"
                      ROWS16("(?, ?, ?, ?, ?)"),
    [SQ_INSN_STRING] = "INSERT OR IGNORE INTO idx_string(param, value, rid, raw) VALUES"
                       ROWS16("(?, ?, ?, ?)"),
    [SQ_INSN_DATE] = "INSERT OR IGNORE INTO idx_date(param, lo, hi, rid, pat, via) VALUES"
                     ROWS16("(?, ?, ?, ?, ?, ?)"),
    [SQ_INSN_NUMBER] = "INSERT OR IGNORE INTO idx_number(param, value, rid) VALUES"
                       ROWS16("(?, ?, ?)"),
    [SQ_INSN_QUANTITY] = "INSERT OR IGNORE INTO idx_quantity(param, value, system, code, rid)"
                         " VALUES" ROWS16("(?, ?, ?, ?, ?)"),
    [SQ_INSN_REF] = "INSERT OR IGNORE INTO idx_ref(param, tid, ttype, url, rid) VALUES"
                    ROWS16("(?, ?, ?, ?, ?)"),
    [SQ_INSN_URI] = "INSERT OR IGNORE INTO idx_uri(param, value, rid) VALUES" ROWS16("(?, ?, ?)"),
    [SQ_INSN_COMP] = "INSERT OR IGNORE INTO res_compartment(rid, patient) VALUES"
                     ROWS16("(?, ?)"),
    /* The current row with its compartment patients in one statement (one
     * read transaction, one snapshot): one result row per patient, the res
     * columns repeated; patient is NULL when the compartment is empty. */
    [SQ_READ] = "SELECT r.rid, r.version, r.last_updated, r.deleted, r.json, c.patient"
                " FROM res r LEFT JOIN res_compartment c ON c.rid = r.rid"
                " WHERE r.type = ?1 AND r.id = ?2",
    /* The row alone, with pat: the read when pat is not NULL. */
    [SQ_READ_PAT] = "SELECT rid, version, last_updated, deleted, json, pat FROM res"
                    " WHERE type = ?1 AND id = ?2",
    [SQ_PAT_SET] = "UPDATE res SET pat = ?2 WHERE rid = ?1",
    [SQ_VREAD_HIST] = "SELECT last_updated, deleted, json FROM res_history"
                      " WHERE type = ?1 AND id = ?2 AND version = ?3",
    [SQ_COMP_GET] = "SELECT patient FROM res_compartment WHERE rid = ?1",
    [SQ_COMP_BY_ID] = "SELECT rid FROM res WHERE type = ?1 AND id = ?2",
    [SQ_MAX_RID] = "SELECT coalesce(max(rid), 0) FROM res",
    [SQ_HIST_INST_COUNT] = "SELECT (SELECT count(*) FROM res WHERE type = ?1 AND id = ?2"
                           " AND last_updated >= ?3) + (SELECT count(*) FROM res_history"
                           " WHERE type = ?1 AND id = ?2 AND last_updated >= ?3)",
    /* System history: ?1 (the type) is bound but unused, so the binds match the type form. */
    [SQ_HIST_ALL_COUNT] = "SELECT (SELECT count(*) FROM res WHERE last_updated >= ?2)"
                          " + (SELECT count(*) FROM res_history"
                          " WHERE last_updated >= ?2)",
    [SQ_HIST_TYPE_COUNT] = "SELECT (SELECT count(*) FROM res WHERE type = ?1"
                           " AND last_updated >= ?2) + (SELECT count(*) FROM res_history"
                           " WHERE type = ?1 AND last_updated >= ?2)",
    [SQ_READ_RID] = "SELECT type, id, version, last_updated, deleted, json FROM res"
                    " WHERE rid = ?1",
    [SQ_BEGIN_READ] = "BEGIN",
};

enum fg_status sq_prepare_all(struct sq_conn *c, struct fg_error *err)
{
    for (int k = 0; k < SQ_STMT_COUNT; k++) {
        if (!c->st[k] && sqlite3_prepare_v3(c->db, fixed_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &c->st[k],
                               NULL) != SQLITE_OK)
            return sq_fail(c, err, fixed_sql[k]);
    }
    return FG_OK;
}

void sq_searchparam_checksum(char out[17])
{
    /* FNV-1a over every field that decides what gets indexed and how. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < fhir_searchparams_count; i++) {
        const struct fhir_searchparam *p = &fhir_searchparams[i];
        const char *fields[] = {p->resource, p->code, p->paths, p->targets};
        for (size_t f = 0; f < 4; f++) {
            for (const char *q = fields[f]; q && *q; q++)
                h = (h ^ (unsigned char)*q) * 1099511628211ULL;
            h = (h ^ 0xff) * 1099511628211ULL;
        }
        h = (h ^ (uint64_t)p->type) * 1099511628211ULL;
        h = (h ^ (uint64_t)(unsigned)p->id) * 1099511628211ULL;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        out[i] = hex[(h >> (60 - 4 * i)) & 0xf];
    out[16] = '\0';
}

static enum fg_status exec_sql(struct sq_conn *c, const char *sql, struct fg_error *err)
{
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(c, err, "schema");
    return FG_OK;
}

static enum fg_status user_version(struct sq_conn *c, int *v, struct fg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sq_fail(c, err, "user_version");
    int rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? FG_OK : sq_fail(c, err, "user_version");
}

static enum fg_status migrate(struct sq_conn *c, struct fg_error *err)
{
    int v = 0;
    enum fg_status rc = user_version(c, &v, err);
    if (rc != FG_OK)
        return rc;
    if (v > SCHEMA_VERSION)
        return fg_error_set(err, FG_EIO, NULL,
                            "The store has schema version %d; this build knows up to %d", v,
                            SCHEMA_VERSION);
    /* Each migration ends by setting its version (PRAGMA takes no
     * parameters: the number is part of the fixed text). */
    for (; v < SCHEMA_VERSION && rc == FG_OK; v++) {
        rc = exec_sql(c, "BEGIN IMMEDIATE", err);
        if (rc != FG_OK)
            return rc;
        rc = exec_sql(c, migrations[v], err);
        if (rc == FG_OK)
            rc = exec_sql(c, "COMMIT", err);
        if (rc != FG_OK)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

static enum fg_status meta_get(struct sq_conn *c, const char *key, void *buf, size_t cap,
                               size_t *len, struct fg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return sq_fail(c, err, "meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *len = 0;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (p && n <= cap) {
            memcpy(buf, p, n);
            *len = n;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? FG_OK : sq_fail(c, err, "meta");
}

static enum fg_status meta_put(struct sq_conn *c, const char *key, const void *val, size_t len,
                               struct fg_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
                           &st, NULL) != SQLITE_OK)
        return sq_fail(c, err, "meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? FG_OK : sq_fail(c, err, "meta");
}

/* res.pat of rid for a compartment of n patients (sq_bind_pat). */
static enum fg_status set_pat(struct sq_conn *c, int64_t rid, const struct fg_str *pats, size_t n,
                              struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_PAT_SET);
    sqlite3_bind_int64(st, 1, rid);
    sq_bind_pat(st, 2, pats, n);
    return sq_exec(c, st, err);
}

/* Rebuilds the index rows of one resource from its stored JSON. */
static enum fg_status reindex_one(const struct sq_store *s, struct sq_conn *c, int64_t rid,
                                  struct fg_str type,
                                  const char *json, struct fg_error *err)
{
    enum fg_status rc = FG_ENOMEM;
    struct fg_pool *pool = fg_pool_new();
    cJSON *doc = cJSON_Parse(json);
    struct fhir_index_entry *e = NULL;
    struct fg_str *pats = NULL;
    size_t n = 0, n_pats = 0;
    if (!pool)
        goto out;
    if (!doc) {
        /* unparseable rows stay unindexed (reads still serve them) and
         * have no compartment rows: pat NULL joins to none */
        rc = set_pat(c, rid, NULL, 2, err);
        goto out;
    }
    if (fhir_index_extract(pool, doc, type, &e, &n) != FG_OK ||
        fhir_compartment_patients(pool, doc, type, &pats, &n_pats) != FG_OK)
        goto out;
    sq_index_rebase(s, e, n);
    const struct fg_str *dpats = NULL;
    size_t n_dpats = 0;
    if (sq_date_patients(pool, type, e, n, pats, n_pats, &dpats, &n_dpats) != FG_OK)
        goto out;
    struct sq_index_job job = {rid, e, n, pats, n_pats, dpats, n_dpats};
    rc = sq_index_insert_batch(c, pool, &job, 1, err);
    if (rc == FG_OK)
        rc = set_pat(c, rid, pats, n_pats, err);
out:
    if (rc == FG_ENOMEM)
        fg_error_set(err, FG_ENOMEM, NULL, "Out of memory during reindex");
    cJSON_Delete(doc);
    fg_pool_free(&pool);
    return rc;
}

static enum fg_status reindex_all(const struct sq_store *s, struct sq_conn *c,
                                  struct fg_error *err)
{
    enum fg_status rc = exec_sql(c,
                                 "DELETE FROM idx_token; DELETE FROM idx_string;"
                                 "DELETE FROM idx_date; DELETE FROM idx_number;"
                                 "DELETE FROM idx_quantity; DELETE FROM idx_ref;"
                                 "DELETE FROM idx_uri; DELETE FROM res_compartment;"
                                 /* deleted rows lose their compartment rows */
                                 "UPDATE res SET pat = NULL WHERE json IS NULL;",
                                 err);
    if (rc != FG_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT rid, type, json FROM res WHERE json IS NOT NULL", -1,
                           &st, NULL) != SQLITE_OK)
        return sq_fail(c, err, "reindex");
    int step;
    while (rc == FG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 1);
        const char *json = (const char *)sqlite3_column_text(st, 2);
        rc = reindex_one(s, c, sqlite3_column_int64(st, 0), fg_str_c(type), json, err);
    }
    if (rc == FG_OK && step != SQLITE_DONE)
        rc = sq_fail(c, err, "reindex");
    sqlite3_finalize(st);
    return rc;
}

/* Loads (or creates) the cursor MAC key, and reindexes when the search
 * parameter table changed, in one transaction. */
static enum fg_status keys_and_reindex(struct sq_store *s, struct sq_conn *c,
                                       struct fg_error *err)
{
    char sum[17], old[17] = {0};
    size_t len = 0;
    sq_searchparam_checksum(sum);
    enum fg_status rc = exec_sql(c, "BEGIN IMMEDIATE", err);
    if (rc != FG_OK)
        return rc;
    rc = meta_get(c, "cursor_key", s->cursor_key, sizeof s->cursor_key, &len, err);
    if (rc == FG_OK && len != sizeof s->cursor_key) {
        if (RAND_bytes(s->cursor_key, sizeof s->cursor_key) != 1)
            rc = fg_error_set(err, FG_EIO, NULL, "No randomness for the cursor key");
        if (rc == FG_OK)
            rc = meta_put(c, "cursor_key", s->cursor_key, sizeof s->cursor_key, err);
    }
    if (rc == FG_OK)
        rc = meta_get(c, "searchparam_checksum", old, sizeof old - 1, &len, err);
    if (rc == FG_OK && (len != 16 || memcmp(old, sum, 16) != 0)) {
        rc = sq_prepare_all(c, err);
        if (rc == FG_OK)
            rc = reindex_all(s, c, err);
        if (rc == FG_OK)
            rc = meta_put(c, "searchparam_checksum", sum, 16, err);
    }
    if (rc == FG_OK)
        rc = exec_sql(c, "COMMIT", err);
    else
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

enum fg_status sq_schema_open(struct sq_store *s, struct sq_conn *c, struct fg_error *err)
{
    enum fg_status rc = migrate(c, err);
    if (rc == FG_OK)
        rc = keys_and_reindex(s, c, err);
    return rc;
}
