/* store_sqlite_schema_test.c - schema version 3 of the SQLite store: the
 * via column of the date rows (which reference parameters name the row's
 * patient), its bits, and the upgrade of a version-2 store in place. */
#include "../test.h"

#include "store_test_util.h"

#include "fhir/store_sqlite_internal.h"

/* Rows of one resource type are contiguous in the table, so a reference
 * parameter's rank among its type's references is a bit of its own. */
static void test_ref_bits_unique(void)
{
    size_t bad = 0;
    for (size_t i = 1; i < fhir_searchparams_count; i++) {
        const char *r = fhir_searchparams[i].resource;
        if (strcmp(r, fhir_searchparams[i - 1].resource) == 0)
            continue;
        for (size_t k = 0; k + 1 < i; k++)
            bad += strcmp(fhir_searchparams[k].resource, r) == 0;
    }
    CHECK_INT(bad, 0);
    size_t refs = 0, clashes = 0;
    for (size_t i = 0; i < fhir_searchparams_count; i++) {
        const struct fhir_searchparam *a = &fhir_searchparams[i];
        int ba = sq_ref_bit(a);
        if (a->type != FHIR_PARAM_REFERENCE) {
            CHECK_INT(ba, -1);
            continue;
        }
        refs++;
        for (size_t k = i + 1; k < fhir_searchparams_count; k++) {
            const struct fhir_searchparam *b = &fhir_searchparams[k];
            if (b->type == FHIR_PARAM_REFERENCE && strcmp(a->resource, b->resource) == 0 &&
                ba >= 0 && ba == sq_ref_bit(b))
                clashes++;
        }
    }
    CHECK(refs > 100);
    CHECK_INT(clashes, 0);
    const struct fhir_searchparam *pat =
        fhir_searchparam_find(fg_str_c("Observation"), fg_str_c("patient"));
    const struct fhir_searchparam *subj =
        fhir_searchparam_find(fg_str_c("Observation"), fg_str_c("subject"));
    CHECK(pat && subj && sq_ref_bit(pat) >= 0 && sq_ref_bit(subj) >= 0);
    CHECK(pat && subj && sq_ref_bit(pat) != sq_ref_bit(subj));
    struct fhir_searchparam copy = *pat; /* not a row of the table */
    CHECK_INT(sq_ref_bit(&copy), -1);
}

static void put_observations(struct st_ctx *t)
{
    static const char *const obs[][2] = {
        /* subject a, performer b: in both compartments, the patient of a only */
        {"o1", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
               "\"subject\":{\"reference\":\"Patient/a\"},\"performer\":[{\"reference\":"
               "\"Patient/b\"}],\"effectiveDateTime\":\"2024-05-01\"}"},
        {"o2", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
               "\"subject\":{\"reference\":\"Patient/b\"},\"effectiveDateTime\":\"2024-06-01\"}"},
        /* an absolute URL on our base: filed under a by the rebase */
        {"o3", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
               "\"subject\":{\"reference\":\"" ST_BASE "/Patient/a\"},"
               "\"effectiveDateTime\":\"2024-07-01\"}"},
        /* in a's compartment as performer only; the subject is a Group */
        {"o4", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
               "\"subject\":{\"reference\":\"Group/g\"},\"performer\":[{\"reference\":"
               "\"Patient/a\"}],\"effectiveDateTime\":\"2024-08-01\"}"},
        {"o5", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
               "\"subject\":{\"reference\":\"Patient/a\"},\"effectiveDateTime\":\"2019-01-01\"}"},
    };
    for (size_t i = 0; i < sizeof obs / sizeof obs[0]; i++)
        CHECK_INT(st_put(t, "Observation", obs[i][0], obs[i][1]), FG_OK);
}

/* The reference searches that the patient-first date rows drive. */
static void check_answers(struct st_ctx *t)
{
    CHECK_INT(st_count(t, "Observation", "patient=a&date=ge2024-01-01"), 2);    /* o1 o3 */
    CHECK_INT(st_count(t, "Observation", "patient=b&date=ge2024-01-01"), 1);    /* o2 */
    CHECK_INT(st_count(t, "Observation", "patient=a,b&date=ge2024-01-01"), 3);  /* o1 o2 o3 */
    CHECK_INT(st_count(t, "Observation", "subject=Patient/a&date=ge2024"), 2); /* o1 o3 */
    CHECK_INT(st_count(t, "Observation", "performer=Patient/a&date=ge2024"), 1); /* o4 */
    CHECK_INT(st_count(t, "Observation", "performer=Patient/b&date=ge2024"), 1); /* o1 */
    CHECK_INT(st_count(t, "Observation", "patient=a&date=lt2024"), 1);          /* o5 */
    CHECK_INT(st_count(t, "Observation", "patient=c&date=ge2000"), 0);
    /* The same through the reference index alone (no date: no via). */
    CHECK_INT(st_count(t, "Observation", "patient=a"), 3);
}

static int64_t query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int exec_file(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* A version-2 store (date rows without via) upgrades on open: the new
 * layout, then a reindex fills via, and the answers stay the same. */
static void test_migrate_v2_via(void)
{
    struct st_ctx t;
    st_open(&t);
    put_observations(&t);
    check_answers(&t);
    fhir_store_close(&t.store);
    CHECK_INT(query_int(t.path, "SELECT count(*) FROM idx_date WHERE via != 0"), 6);
    CHECK_INT(exec_file(t.path,
                        "BEGIN;"
                        "CREATE TABLE old_date(pat TEXT NOT NULL, param INTEGER NOT NULL,"
                        " hi INTEGER NOT NULL, lo INTEGER NOT NULL, rid INTEGER NOT NULL,"
                        " PRIMARY KEY(pat, param, hi, lo, rid)) WITHOUT ROWID;"
                        "INSERT INTO old_date SELECT pat, param, hi, lo, rid FROM idx_date;"
                        "DROP TABLE idx_date; ALTER TABLE old_date RENAME TO idx_date;"
                        "CREATE INDEX idx_date_rid ON idx_date(rid, param);"
                        "ALTER TABLE res DROP COLUMN pat;"
                        "PRAGMA user_version = 2; COMMIT;"),
              SQLITE_OK);
    CHECK_INT(query_int(t.path, "SELECT user_version FROM pragma_user_version"), 2);
    st_reopen(&t);
    check_answers(&t);
    fhir_store_close(&t.store);
    CHECK_INT(query_int(t.path, "SELECT user_version FROM pragma_user_version"), 4);
    /* o1 under a (subject, patient) and b (performer), o2, o3, o4 (a as
     * performer), o5: each row names its patient through some reference. */
    CHECK_INT(query_int(t.path, "SELECT count(*) FROM idx_date WHERE via != 0"), 6);
    CHECK_INT(query_int(t.path, "SELECT count(*) FROM idx_date WHERE via = 0"), 0);
    /* The patient-first search tests the reference on the date row: with
     * the reference rows gone it still answers (and the plain reference
     * search, which needs them, no longer does). */
    CHECK_INT(exec_file(t.path, "DELETE FROM idx_ref"), SQLITE_OK);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Observation", "patient=a&date=ge2024-01-01"), 2);
    CHECK_INT(st_count(&t, "Observation", "patient=b&date=ge2024-01-01"), 1);
    CHECK_INT(st_count(&t, "Observation", "patient=a"), 0);
    st_close(&t);
}

/* The compartment of Observation/id as read, "a,b" (store order), "" for none. */
static const char *read_compartment(struct st_ctx *t, const char *id, enum fg_status want)
{
    struct fhir_resource res;
    CHECK_INT(fhir_store_read(t->store, t->pool, fg_str_c("Observation"), fg_str_c(id), &res,
                              &t->err),
              want);
    char *out = fg_pool_alloc(t->pool, 256);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < res.n_compartment && len + res.compartment[i].len + 2 < 256; i++) {
        if (len)
            out[len++] = ',';
        memcpy(out + len, res.compartment[i].ptr, res.compartment[i].len);
        len += res.compartment[i].len;
        out[len] = '\0';
    }
    return out;
}

static const char *pat_of(const char *path, const char *id)
{
    static char buf[64];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    snprintf(buf, sizeof buf, "(missing)");
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT pat FROM res WHERE type = 'Observation' AND id = ?1", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, sizeof buf, "%s",
                 sqlite3_column_type(st, 0) == SQLITE_NULL ? "NULL"
                                                           : (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

/* Version 4: res.pat lists the row's compartment, so a read needs no
 * res_compartment probe; the upgrade of a version-3 store fills it, and a
 * row without it (an id a list cannot hold) reads res_compartment. Reads
 * give the same compartments either way. */
static void test_pat_column(void)
{
    struct st_ctx t;
    st_open(&t);
    put_observations(&t);
    CHECK_INT(st_put(&t, "Observation", "o6",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"code\":{\"text\":\"x\"}}"),
              FG_OK);
    CHECK_STR(read_compartment(&t, "o1", FG_OK), "a,b");
    CHECK_STR(read_compartment(&t, "o2", FG_OK), "b");
    CHECK_STR(read_compartment(&t, "o4", FG_OK), "a");
    CHECK_STR(read_compartment(&t, "o6", FG_OK), "");
    /* "x,y" is no FHIR id: not in the compartment, so no list holds it */
    CHECK_INT(st_put(&t, "Observation", "o7",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/x,y\"},"
                     "\"performer\":[{\"reference\":\"Patient/a\"}]}"),
              FG_OK);
    CHECK_STR(read_compartment(&t, "o7", FG_OK), "a");
    fhir_store_close(&t.store);
    CHECK_STR(pat_of(t.path, "o1"), "a,b");
    CHECK_STR(pat_of(t.path, "o2"), "b");
    CHECK_STR(pat_of(t.path, "o6"), "");
    CHECK_STR(pat_of(t.path, "o7"), "a");
    /* back to version 3 (no pat column): the upgrade fills it from res_compartment */
    CHECK_INT(exec_file(t.path, "ALTER TABLE res DROP COLUMN pat; PRAGMA user_version = 3;"),
              SQLITE_OK);
    st_reopen(&t);
    CHECK_INT(query_int(t.path, "SELECT user_version FROM pragma_user_version"), 4);
    CHECK_INT(query_int(t.path, "SELECT count(*) FROM res WHERE pat IS NOT NULL"), 7);
    CHECK_STR(pat_of(t.path, "o1"), "a,b");
    CHECK_STR(pat_of(t.path, "o4"), "a");
    CHECK_STR(pat_of(t.path, "o6"), "");
    CHECK_STR(read_compartment(&t, "o7", FG_OK), "a");
    CHECK_STR(read_compartment(&t, "o1", FG_OK), "a,b");
    CHECK_STR(read_compartment(&t, "o2", FG_OK), "b");
    CHECK_STR(read_compartment(&t, "o6", FG_OK), "");
    /* the next write of a row sets pat; a delete keeps it (and the
     * compartment rows), an update to another patient moves it */
    CHECK_INT(st_put(&t, "Observation", "o2",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"code\":{\"text\":\"y\"},\"subject\":{\"reference\":\"Patient/c\"}}"),
              FG_OK);
    CHECK_STR(read_compartment(&t, "o2", FG_OK), "c");
    struct fhir_write_result wr;
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Observation", "o2", NULL, 0, NULL, &wr), FG_OK);
    CHECK_STR(read_compartment(&t, "o2", FG_EGONE), "c");
    fhir_store_close(&t.store);
    CHECK_STR(pat_of(t.path, "o2"), "c");
    CHECK_STR(pat_of(t.path, "o1"), "a,b");
    /* a reindex (stale checksum) rebuilds pat with the compartment rows;
     * a deleted row's compartment rows are not rebuilt, so neither is its pat */
    CHECK_INT(exec_file(t.path, "UPDATE meta SET value = 'stale'"
                                " WHERE key = 'searchparam_checksum';"
                                "UPDATE res SET pat = NULL;"),
              SQLITE_OK);
    st_reopen(&t);
    fhir_store_close(&t.store);
    CHECK_STR(pat_of(t.path, "o1"), "a,b");
    CHECK_STR(pat_of(t.path, "o4"), "a");
    CHECK_STR(pat_of(t.path, "o6"), "");
    CHECK_STR(pat_of(t.path, "o2"), "NULL");
    /* a row without pat reads its compartment rows */
    CHECK_INT(exec_file(t.path, "UPDATE res SET pat = NULL WHERE id = 'o1'"), SQLITE_OK);
    st_reopen(&t);
    CHECK_STR(read_compartment(&t, "o1", FG_OK), "a,b");
    CHECK_STR(read_compartment(&t, "o4", FG_OK), "a");
    CHECK_STR(read_compartment(&t, "o2", FG_EGONE), "");
    st_close(&t);
}

/* sq_bind_pat's list, read back through "SELECT ?1" ("NULL" for NULL). */
static const char *bound_pat(sqlite3 *db, const struct fg_str *pats, size_t n)
{
    static char buf[1024];
    sqlite3_stmt *st = NULL;
    snprintf(buf, sizeof buf, "(error)");
    if (sqlite3_prepare_v2(db, "SELECT ?1", -1, &st, NULL) == SQLITE_OK) {
        sq_bind_pat(st, 1, pats, n);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(buf, sizeof buf, "%s",
                     sqlite3_column_type(st, 0) == SQLITE_NULL
                         ? "NULL"
                         : (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

static void test_bind_pat(void)
{
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    struct fg_str two[] = {FG_STR_LIT("b"), FG_STR_LIT("a")};
    struct fg_str dup[] = {FG_STR_LIT("ab"), FG_STR_LIT("a"), FG_STR_LIT("ab"), FG_STR_LIT("a")};
    struct fg_str comma[] = {FG_STR_LIT("a"), FG_STR_LIT("x,y")};
    struct fg_str empty[] = {FG_STR_LIT("a"), FG_STR_LIT("")};
    CHECK_STR(bound_pat(db, NULL, 0), "");
    CHECK_STR(bound_pat(db, two, 1), "b");
    CHECK_STR(bound_pat(db, two, 2), "a,b");
    CHECK_STR(bound_pat(db, dup, 4), "a,ab");
    CHECK_STR(bound_pat(db, comma, 2), "NULL");
    CHECK_STR(bound_pat(db, empty, 2), "NULL");
    struct fg_str many[SQ_PAT_MAX_PATIENTS + 1];
    for (size_t i = 0; i < SQ_PAT_MAX_PATIENTS + 1; i++)
        many[i] = FG_STR_LIT("p");
    CHECK_STR(bound_pat(db, many, SQ_PAT_MAX_PATIENTS), "p");
    CHECK_STR(bound_pat(db, many, SQ_PAT_MAX_PATIENTS + 1), "NULL");
    static char id[4][200];
    struct fg_str longs[4];
    for (size_t i = 0; i < 4; i++) {
        memset(id[i], 'a' + (int)i, sizeof id[i]);
        longs[i] = fg_str_n(id[i], sizeof id[i]);
    }
    CHECK_INT(strlen(bound_pat(db, longs, 2)), 401);
    CHECK_STR(bound_pat(db, longs, 3), "NULL"); /* 602 bytes: past SQ_PAT_MAX_BYTES */
    sqlite3_close(db);
}

TEST_MAIN(test_ref_bits_unique, test_migrate_v2_via, test_pat_column, test_bind_pat)
