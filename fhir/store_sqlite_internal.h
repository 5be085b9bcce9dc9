/* store_sqlite_internal.h - what the files of the SQLite store share.
 *
 * Not a public contract: store_sqlite.h is. The store is split by concept:
 *   store_sqlite.c         open, connection pool, ops table, read/vread
 *   store_sqlite_history.c history pages
 *   store_sqlite_schema.c  schema, migrations (PRAGMA user_version), reindex
 *   store_sqlite_index.c   writing the index rows of one resource
 *   store_sqlite_write.c   the write op (FHIR transaction semantics)
 *   store_sqlite_sql.c     SQL generation for search filters
 *   store_sqlite_plan.c    the patient-first date driver
 *   store_sqlite_sqlbuf.c  the SQL text + bind list builder it writes into
 *   store_sqlite_search.c  the search op: paging, sorting, total
 *   store_sqlite_cursor.c  the opaque, MAC-protected paging cursor
 *   store_sqlite_include.c _include / _revinclude
 * https://www.sqlite.org/lang.html
 */
#ifndef FHIR_STORE_SQLITE_INTERNAL_H
#define FHIR_STORE_SQLITE_INTERNAL_H

#include <pthread.h>

#include "../core/fg_epoch.h"
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "index.h"
#include "store_sqlite.h"

/* The fixed statements every connection prepares once (persistent). */
enum sq_stmt {
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_CUR_GET,
    SQ_RES_INS,
    SQ_RES_UPD,
    SQ_HIST_MOVE,
    SQ_DEL_TOKEN,
    SQ_DEL_STRING,
    SQ_DEL_DATE,
    SQ_DEL_NUMBER,
    SQ_DEL_QUANTITY,
    SQ_DEL_REF,
    SQ_DEL_URI,
    SQ_DEL_COMP,
    SQ_INS_TOKEN,
    SQ_INS_STRING,
    SQ_INS_DATE,
    SQ_INS_NUMBER,
    SQ_INS_QUANTITY,
    SQ_INS_REF,
    SQ_INS_URI,
    SQ_INS_COMP,
    SQ_INSN_TOKEN,      /* the SQ_INS_* statements with SQ_INS_MANY rows */
    SQ_INSN_STRING,
    SQ_INSN_DATE,
    SQ_INSN_NUMBER,
    SQ_INSN_QUANTITY,
    SQ_INSN_REF,
    SQ_INSN_URI,
    SQ_INSN_COMP,
    SQ_READ,
    SQ_READ_PAT,
    SQ_PAT_SET,
    SQ_VREAD_HIST,
    SQ_COMP_GET,
    SQ_COMP_BY_ID,
    SQ_MAX_RID,
    SQ_HIST_INST_COUNT,
    SQ_HIST_TYPE_COUNT,
    SQ_HIST_ALL_COUNT,
    SQ_READ_RID,
    SQ_BEGIN_READ,
    SQ_STMT_COUNT
};

/* Rows per multi-row index insert (SQ_INSN_*). */
#define SQ_INS_MANY 16

/* Dynamic (search) statements are cached per connection by SQL text: the
 * text holds only constant fragments and '?', so one shape, one entry. */
#define SQ_DYN_CACHE 32

struct sq_dyn {
    char *sql;          /* owned (fg_malloc) */
    size_t len;         /* strlen(sql) */
    sqlite3_stmt *st;   /* owned */
    uint64_t used;      /* LRU tick */
};

/* One pooled connection; used by one thread at a time. */
struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[SQ_STMT_COUNT];
    struct sq_dyn dyn[SQ_DYN_CACHE];
    uint64_t tick;
    bool busy;
    bool in_bulk;     /* holds the bulk transaction (store_sqlite_bulk.c): no BEGIN/COMMIT of its own */
    bool bulk_failed; /* a write inside it failed: it can only be rolled back */
    struct fg_buf json; /* scratch: a resource's text before its pool copy (store_sqlite_write.c) */
    /* A read transaction kept open between point reads (store_sqlite_pool.c):
     * begun when the change counter read held_epoch, at held_since_us. */
    bool held;
    uint64_t held_epoch;
    int64_t held_since_us;
};

struct sq_store {
    struct fhir_store base;           /* first: fhir_store_close casts back */
    pthread_mutex_t mu;               /* guards conns[].busy */
    pthread_cond_t cv;
    pthread_mutex_t write_mu;         /* one writer at a time, queued in-process */
    struct sq_conn *conns;
    size_t n_conns;
    char *base_url;                   /* owned copy or NULL */
    unsigned char cursor_key[32];     /* HMAC key for cursors, kept in table meta */
    struct fg_epoch changes;          /* "<path>-epoch": bumped after every committed write */
    /* The bulk transaction (fhir_store_bulk_begin), guarded by mu: its
     * connection (NULL = none) and the thread that owns it, which holds
     * write_mu until it ends. */
    struct sq_conn *bulk;
    pthread_t bulk_owner;
    /* Ends read transactions idle connections hold (store_sqlite_pool.c),
     * started with the first; guarded by mu. */
    pthread_t reaper;
    pthread_cond_t reaper_cv; /* CLOCK_MONOTONIC */
    bool reaper_started;
    bool stopping;
};

/* Connection pool (store_sqlite_pool.c): blocks until a connection is
 * free. The thread that owns the bulk transaction always gets its
 * connection (put is then a no-op). A connection from sq_conn_get has no
 * transaction open. */
struct sq_conn *sq_conn_get(struct sq_store *s);
void sq_conn_put(struct sq_store *s, struct sq_conn *c);

/* A connection for point reads (read, vread: statements that run in
 * autocommit), inside a read transaction that it keeps between requests
 * while nothing was committed since it began (the change counter, bumped
 * after every commit by every fhirgate process on this database) and for
 * at most SQ_HOLD_MAX_US: a read's file-lock and size system calls are
 * then paid once per change, not once per read. A commit is visible to
 * every read that starts after the commit's counter bump (writers bypassing
 * fhirgate: within SQ_HOLD_MAX_US). Idle connections' transactions are ended
 * within SQ_HOLD_MAX_US by a reaper thread, so none holds back the WAL's
 * checkpoints. Return it with sq_conn_put_reader; ok = false (a failed
 * read) ends the transaction. */
#define SQ_HOLD_MAX_US 100000
struct sq_conn *sq_conn_get_reader(struct sq_store *s);
void sq_conn_put_reader(struct sq_store *s, struct sq_conn *c, bool ok);
/* Initializes the pool's reaper state (before any get) / stops the reaper
 * and ends every held transaction (after the last put). */
void sq_pool_init(struct sq_store *s);
void sq_pool_stop(struct sq_store *s);

/* fhir_store_ops.bulk_begin / bulk_end (store_sqlite_bulk.c). */
enum fg_status sq_bulk_begin(struct fhir_store *store, struct fg_error *err);
enum fg_status sq_bulk_end(struct fhir_store *store, bool commit, struct fg_error *err);

/* The fixed statement k, reset and with bindings cleared. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt k);
/* A read transaction on c: one snapshot for several statements (inside
 * the bulk transaction, which already is one, both do nothing). */
enum fg_status sq_read_begin(struct sq_conn *c, struct fg_error *err);
void sq_read_end(struct sq_conn *c);
/* A cached dynamic statement for sql (prepared on first use). NULL on
 * error, with err filled. */
sqlite3_stmt *sq_dyn_stmt(struct sq_conn *c, const char *sql, size_t len, struct fg_error *err);

/* Fills err with FG_EIO and SQLite's message; returns FG_EIO. */
enum fg_status sq_fail(struct sq_conn *c, struct fg_error *err, const char *what);
/* Runs a fixed statement that returns no rows. */
enum fg_status sq_exec(struct sq_conn *c, sqlite3_stmt *st, struct fg_error *err);

/* Column text as a pool-owned slice (empty for NULL). */
struct fg_str sq_col_str(struct fg_pool *pool, sqlite3_stmt *st, int col);
void sq_bind_str(sqlite3_stmt *st, int idx, struct fg_str s);
/* Binds res.pat for a compartment of n patients (schema.c): their ids
 * sorted, without duplicates, comma-separated ('' for none); NULL (read
 * res_compartment instead) when an id is empty or holds a comma, or past
 * SQ_PAT_MAX_PATIENTS / SQ_PAT_MAX_BYTES. */
#define SQ_PAT_MAX_PATIENTS 16
#define SQ_PAT_MAX_BYTES 512
void sq_bind_pat(sqlite3_stmt *st, int idx, const struct fg_str *pats, size_t n);

/* Fills r->compartment from res_compartment for rid. */
enum fg_status sq_load_compartment(struct sq_conn *c, struct fg_pool *pool, int64_t rid,
                                   struct fhir_resource *r, struct fg_error *err);
/* Fills r->compartment from the current row of (r->type, r->id). */
enum fg_status sq_compartment_by_id(struct sq_conn *c, struct fg_pool *pool,
                                    struct fhir_resource *r, struct fg_error *err);
/* The history op (store_sqlite_history.c). */
enum fg_status sq_history(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                          struct fg_str id, const struct fhir_history_query *q,
                          struct fhir_history_result *out, struct fg_error *err);
/* Reads the current row of rid into *out (not deleted rows only: false). */
enum fg_status sq_read_rid(struct sq_conn *c, struct fg_pool *pool, int64_t rid,
                           struct fhir_resource *out, bool *found, struct fg_error *err);

/* Schema (store_sqlite_schema.c). Creates or migrates the schema, loads
 * the cursor key, and reindexes when the search-parameter table changed. */
enum fg_status sq_schema_open(struct sq_store *s, struct sq_conn *c, struct fg_error *err);
/* Prepares the fixed statements of c. */
enum fg_status sq_prepare_all(struct sq_conn *c, struct fg_error *err);
/* The checksum of the compiled search-parameter table (hex, 16 chars + NUL). */
void sq_searchparam_checksum(char out[17]);

/* Index rows (store_sqlite_index.c). */
/* References written as absolute URLs on this server's base become
 * type + id, so they match relative searches and can be included. */
void sq_index_rebase(const struct sq_store *s, struct fhir_index_entry *e, size_t n);
/* True for _id and _lastUpdated: searched on res's columns, not indexed. */
bool sq_param_on_res(const struct fhir_searchparam *def);
/* False for a union of two parameters (fhir_searchparam_union_of) or a
 * restriction of one to a target type (fhir_searchparam_restriction_of):
 * no rows of its own are written; a search reads its own (a store written
 * before has them until its one reindex) and those of the others. */
bool sq_param_has_rows(const struct fhir_searchparam *def);
enum fg_status sq_index_delete(struct sq_conn *c, int64_t rid, bool with_compartment,
                               struct fg_error *err);
/* The index rows of several resources written in one transaction,
 * sorted by each table's key before inserting (locality: a bulk load
 * touches each b-tree page once instead of once per resource). */
struct sq_index_job {
    int64_t rid;
    const struct fhir_index_entry *entries;
    size_t n_entries;
    const struct fg_str *patients;
    size_t n_patients;
    const struct fg_str *date_patients;
    size_t n_date_patients;
};
enum fg_status sq_index_insert_batch(struct sq_conn *c, struct fg_pool *pool,
                                     const struct sq_index_job *jobs, size_t n_jobs,
                                     struct fg_error *err);

/* The write op (store_sqlite_write.c). */
enum fg_status sq_write(struct fhir_store *store, struct fg_pool *pool,
                        const struct fhir_write *writes, size_t n,
                        struct fhir_write_result *results, struct fg_error *err);

/* SQL generation (store_sqlite_sqlbuf.c: text + binds; store_sqlite_sql.c:
 * filters). Errors are sticky in st: build, then check st once. */
enum sq_bind_kind { SQ_B_INT, SQ_B_REAL, SQ_B_TEXT, SQ_B_BLOB };

struct sq_bind {
    enum sq_bind_kind kind;
    int64_t i;
    double d;
    struct fg_str s; /* text or blob, pool-owned or borrowed from the query */
};

struct sq_sql {
    struct fg_pool *pool;
    struct fg_buf sql;
    struct sq_bind *binds;
    size_t n_binds, cap_binds;
    int alias;          /* next table alias number */
    int64_t now_ms;     /* for the ap prefix */
    enum fg_status st;
    struct fg_error *err;
    const struct fhir_query *scope; /* the query whose compartment restriction chains obey */
};

void sq_sql_init(struct sq_sql *g, struct fg_pool *pool, int64_t now_ms, struct fg_error *err);
/* Records the first failure of g (st, described once in g->err). */
void sq_sql_fail(struct sq_sql *g, enum fg_status st);
void sq_sql_cleanup(struct sq_sql *g);
void sq_sql_add(struct sq_sql *g, const char *frag);
void sq_sql_alias(struct sq_sql *g, const char *prefix, int n); /* "t3" */
void sq_sql_int(struct sq_sql *g, int64_t v);   /* appends '?' binding v */
void sq_sql_real(struct sq_sql *g, double v);
void sq_sql_text(struct sq_sql *g, struct fg_str s);
void sq_sql_blob(struct sq_sql *g, struct fg_str s);
/* Binds every collected value to st. */
enum fg_status sq_sql_bind(struct sq_sql *g, sqlite3_stmt *st);

/* The filter whose index rows give a search its candidate rids. */
#define SQ_DRIVER_MAX_PATIENTS 8
struct sq_driver {
    long param;              /* index in q->params; -1: the compartment
                              * restriction; -2: none (scan the type) */
    /* Patient-first (param is a date): only these patients' date rows. */
    struct fg_str patients[SQ_DRIVER_MAX_PATIENTS];
    size_t n_patients;       /* 0: not patient-first */
    /* When the patients come from a reference parameter (index ref_param
     * in q->params) that has a bit in the date rows' via column
     * (ref_mask != 0), that parameter is tested on the date row itself
     * ("via & ref_mask") and is no separate filter. */
    long ref_param;
    int64_t ref_mask;
};
/* The patient-first date driver of q (store_sqlite_plan.c), when q names
 * its patients and has a date parameter; false otherwise. */
bool sq_patient_date_driver(const struct fhir_query *q, struct sq_driver *d);
/* The patients whose date rows a resource gets: its compartment patients
 * plus the Patients its compartment references name once rebased (an
 * absolute URL on our base). *out is patients itself unless that adds
 * any (then a pool array). FG_ENOMEM only. */
enum fg_status sq_date_patients(struct fg_pool *pool, struct fg_str type,
                                const struct fhir_index_entry *e, size_t n,
                                const struct fg_str *patients, size_t n_patients,
                                const struct fg_str **out, size_t *n_out);
/* The via bit of a reference parameter: its rank among the reference
 * parameters of its resource type in the search-parameter table (rows of
 * one type are contiguous), or -1 past 62 or for a definition not in the
 * table (such a parameter keeps its idx_ref filter). */
int sq_ref_bit(const struct fhir_searchparam *def);
/* The via column of a date row filed under patient: the bits of the
 * reference entries (rebased) that name Patient/patient. */
int64_t sq_date_via(const struct fhir_index_entry *e, size_t n, struct fg_str patient);

/* Appends the whole WHERE body for the top-level query on alias r:
 * driver, type, not deleted, snapshot (when snap > 0), filters. */
void sq_sql_where(struct sq_sql *g, const struct fhir_query *q, int64_t snap);

/* The fast path: when q has a driver of its own type and no filter on
 * res's columns, the matching rids come from index rows alone (no res row
 * is read until a row is returned). sq_sql_fast_select appends
 * "SELECT [DISTINCT] r.rid FROM <driver table> r WHERE <driver>
 * [AND r.rid <= snap] AND <other filters>" (count: "SELECT
 * count([DISTINCT] r.rid) ..."), each rid once; r.rid is the candidate. */
bool sq_sql_fast_ok(const struct fhir_query *q);
void sq_sql_fast_select(struct sq_sql *g, const struct fhir_query *q, int64_t snap, bool count);

/* Sort keys (store_sqlite_sql.c). */
void sq_sql_sort_key(struct sq_sql *g, const struct fhir_sort *s, const char *a);

/* Cursor (store_sqlite_cursor.c). */
#define SQ_CURSOR_MAX_KEYS 4

struct sq_key {
    int type;                   /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB */
    int64_t i;
    double d;
    struct fg_str s;
};

struct sq_cursor {
    bool backward;              /* page before the key, not after */
    int64_t snap;               /* max rid when paging started */
    int64_t rid;                /* tie-breaker of the key row */
    struct sq_key keys[SQ_CURSOR_MAX_KEYS];
    size_t n_keys;
};

enum fg_status sq_cursor_encode(const struct sq_store *s, struct fg_pool *pool,
                                const struct fhir_query *q, const struct sq_cursor *c,
                                struct fg_str *out);
/* FG_EINVAL "Invalid _cursor" on anything malformed, tampered or made for
 * another query. */
enum fg_status sq_cursor_decode(const struct sq_store *s, struct fg_pool *pool,
                                const struct fhir_query *q, struct fg_str text,
                                struct sq_cursor *out, struct fg_error *err);

/* Search (store_sqlite_search.c). */
enum fg_status sq_search(struct fhir_store *store, struct fg_pool *pool,
                         const struct fhir_query *q, struct fhir_search_result *out,
                         struct fg_error *err);
/* Counts matches of q on connection c (inside a write transaction), up to
 * limit; *first_rid is the first match. */
enum fg_status sq_search_count_conn(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                    const struct fhir_query *q, int limit, int64_t *n,
                                    int64_t *first_rid, struct fg_error *err);

/* Includes (store_sqlite_include.c): appends to out->included. rids are
 * the matches' rids. */
enum fg_status sq_includes(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                           const struct fhir_query *q, const int64_t *rids,
                           struct fhir_search_result *out, struct fg_error *err);

#endif
