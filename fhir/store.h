/* store.h - the record store interface: every backend implements these ops.
 *
 * Backends: the embedded SQLite store (store_sqlite.c) and an upstream FHIR
 * server over HTTP (store_upstream.c). The store sees requests that were already
 * authorized and narrowed (a query's compartment restriction is applied by
 * the backend; everything else about permissions happens outside fhir/).
 * Spec: http://hl7.org/fhir/R4/http.html
 *
 * Threading: a store is shared by all server threads; every op may be
 * called concurrently. Results are allocated in the caller's pool.
 */
#ifndef FHIR_STORE_H
#define FHIR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "history.h"
#include "search.h"

/* One stored version of a resource. All slices are pool-owned. */
struct fhir_resource {
    struct fg_str type;
    struct fg_str id;
    int64_t version;           /* meta.versionId as an integer, 1-based; 0 when the
                                  backend's version ids are not integers (version_id) */
    struct fg_str version_id;  /* meta.versionId as text when it is not an integer (an
                                  upstream server's opaque ids); empty otherwise */
    int64_t last_updated_us;   /* meta.lastUpdated */
    bool deleted;              /* a delete marker: json is empty */
    struct fg_str json;        /* the resource as stored, meta included */
    /* The patients whose compartment holds this resource (a Patient is in
     * its own). Filled on every read and search result. */
    struct fg_str *compartment;
    size_t n_compartment;
};

enum fhir_write_kind {
    FHIR_WRITE_CREATE,   /* POST: server assigns the id (or uses w->id if given by a transaction) */
    FHIR_WRITE_UPDATE,   /* PUT: create-on-update allowed */
    FHIR_WRITE_DELETE
};

/* One write. For create and update, `resource` is the parsed resource;
 * the store sets id, meta.versionId and meta.lastUpdated in it (borrowed,
 * modified in place) and stores it. */
struct fhir_write {
    enum fhir_write_kind kind;
    struct fg_str type;
    struct fg_str id;                  /* update/delete: required; create: optional preset id */
    cJSON *resource;                   /* borrowed; NULL for delete */
    int64_t if_match_version;          /* 0 = none; else 412 unless current version matches */
    struct fg_str if_match_id;         /* If-Match version id that is not an integer (opaque
                                          upstream ids); empty = none */
    const struct fhir_query *if_none_exist; /* create only: no-op when it matches one (200) */
    /* Conditional update or delete (id empty): the search naming the
     * target, run inside the write's transaction (http.html#cond-update,
     * #cdelete). One match: that resource. Several: FG_EPRECOND. None:
     * an update creates (server id), a delete is FG_ENOTFOUND. An update
     * whose body has an id other than the match's is FG_EINVAL. */
    const struct fhir_query *match;
};

enum fhir_write_outcome {
    FHIR_WRITE_CREATED,     /* 201 */
    FHIR_WRITE_UPDATED,     /* 200 */
    FHIR_WRITE_DELETED,     /* 200/204 */
    FHIR_WRITE_UNCHANGED,   /* if_none_exist matched: res is the existing resource (200) */
    FHIR_WRITE_NOOP_DELETE  /* delete of a missing or already deleted resource (204) */
};

struct fhir_write_result {
    enum fhir_write_outcome outcome;
    struct fhir_resource res;           /* the version written (or the existing one) */
};

struct fhir_search_result {
    struct fhir_resource *matches;      /* search mode "match", in sort order */
    size_t n_matches;
    struct fhir_resource *included;     /* search mode "include" */
    size_t n_included;
    int64_t total;                      /* -1 when not computed (_total=none) */
    struct fg_str next_cursor;          /* empty when there is no next page */
    struct fg_str prev_cursor;          /* empty on the first page */
    struct fg_str self_cursor;          /* cursor of this page (empty on the first) */
};

/* Which versions one history page lists (history.h for the order). */
struct fhir_history_query {
    int64_t since_us;                   /* 0 = all */
    int count;                          /* page size */
    const struct fhir_history_key *page; /* NULL: the first (newest) page */
    /* Or, for a backend with opaque_history_pages, the position it gave
     * out (page_opaque of a result); empty = the first page. */
    struct fg_str page_opaque;
};

struct fhir_history_result {
    struct fhir_resource *versions;     /* newest first; deletes included */
    size_t n_versions;
    int64_t total;                      /* every version since since_us */
    /* Where the neighbouring pages start (has_*: there is such a page). */
    bool has_next, has_prev;
    struct fhir_history_key next, prev; /* pool-owned slices */
    /* Backends with opaque_history_pages: the positions instead of keys
     * (has_* set too); printable ASCII, pool-owned. */
    struct fg_str next_opaque, prev_opaque;
};

struct fhir_store;

struct fhir_store_ops {
    const char *name;
    enum fg_status (*read)(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                           struct fg_str id, struct fhir_resource *out, struct fg_error *err);
    enum fg_status (*vread)(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                            struct fg_str id, struct fg_str version, struct fhir_resource *out,
                            struct fg_error *err);
    enum fg_status (*history)(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                              struct fg_str id, const struct fhir_history_query *q,
                              struct fhir_history_result *out, struct fg_error *err);
    enum fg_status (*search)(struct fhir_store *s, struct fg_pool *pool,
                             const struct fhir_query *q, struct fhir_search_result *out,
                             struct fg_error *err);
    /* Runs n writes atomically: all of them or none (FHIR transaction).
     * results[i] answers writes[i]. */
    enum fg_status (*write)(struct fhir_store *s, struct fg_pool *pool,
                            const struct fhir_write *writes, size_t n,
                            struct fhir_write_result *results, struct fg_error *err);
    void (*close)(struct fhir_store *s);
    /* History pages continue from positions of the backend's own
     * (fhir_history_query.page_opaque), not from history.h keys. */
    bool opaque_history_pages;
    /* Optional: a counter that changes after every committed write by any
     * process using this store through fhirgate (see fhir_store_change_marker). */
    uint64_t (*change_marker)(const struct fhir_store *s);
    /* Optional: a bulk transaction (fhir_store_bulk_begin). */
    enum fg_status (*bulk_begin)(struct fhir_store *s, struct fg_error *err);
    enum fg_status (*bulk_end)(struct fhir_store *s, bool commit, struct fg_error *err);
};

/* Every backend embeds this first. */
struct fhir_store {
    const struct fhir_store_ops *ops;
    const struct fg_clock *clock;        /* borrowed from the server context */
};

/* Thin wrappers so callers read naturally: fhir_store_read(store, ...).
 *
 * read: FG_ENOTFOUND when there never was such a resource, FG_EGONE when
 * its current version is a delete (out then describes the delete marker).
 * vread: version is the version id as written in the URL (the embedded
 * store's are integers, an upstream's may be any FHIR id); FG_ENOTFOUND for
 * an unknown version; a deleted version gives
 * FG_EGONE. history: id may be empty for type-level history; type and id
 * both empty for system-level history (every type, GET [base]/_history).
 * search: see fhir_search_result; a bad or stale cursor is FG_EINVAL.
 * write: FG_EPRECOND on an If-Match mismatch or an if_none_exist matching
 * more than one resource; FG_ECONFLICT on a version race; nothing is
 * written unless every write succeeds. */
enum fg_status fhir_store_read(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                               struct fg_str id, struct fhir_resource *out, struct fg_error *err);
enum fg_status fhir_store_vread(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                                struct fg_str id, struct fg_str version, struct fhir_resource *out,
                                struct fg_error *err);
enum fg_status fhir_store_history(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                                  struct fg_str id, int64_t since_us, int count,
                                  struct fhir_history_result *out, struct fg_error *err);
/* One page of a history (fhir_store_history is its first page). */
enum fg_status fhir_store_history_page(struct fhir_store *s, struct fg_pool *pool,
                                       struct fg_str type, struct fg_str id,
                                       const struct fhir_history_query *q,
                                       struct fhir_history_result *out, struct fg_error *err);
enum fg_status fhir_store_search(struct fhir_store *s, struct fg_pool *pool,
                                 const struct fhir_query *q, struct fhir_search_result *out,
                                 struct fg_error *err);
enum fg_status fhir_store_write(struct fhir_store *s, struct fg_pool *pool,
                                const struct fhir_write *writes, size_t n,
                                struct fhir_write_result *results, struct fg_error *err);
/* The store's change marker into *out: it differs from any earlier value
 * once a write committed since (in this or another process), so a value
 * cached with the marker read *before* reading the resource is current
 * while the marker is unchanged. Reading it costs one atomic load. False
 * (nothing cached may be trusted) when the backend has no marker.
 * @test tests/unit/fhir/store_sqlite_test.c */
bool fhir_store_change_marker(const struct fhir_store *s, uint64_t *out);
/* A bulk load as ONE transaction (an import: all or nothing). Between
 * begin and end, every read and write the calling thread makes through s
 * joins one transaction: it sees its own writes, and nobody else sees any
 * of it before end(commit = true); end(false), or a failed commit, undoes
 * all of it. A write that fails inside it spoils it: later writes fail and
 * end(true) rolls back too (FG_EIO). Other writers wait meanwhile; readers
 * see the state before begin. Must end on the thread that began, which
 * must not begin twice. FG_ENOTSUP (err filled) when the backend has no
 * bulk transaction (the upstream store: a remote server's transactions end
 * with each request). @test tests/unit/fhir/store_sqlite_test.c */
enum fg_status fhir_store_bulk_begin(struct fhir_store *s, struct fg_error *err);
enum fg_status fhir_store_bulk_end(struct fhir_store *s, bool commit, struct fg_error *err);

/* The version id of res as text ("3", or an upstream's opaque id): res's
 * version_id when set, else its integer version printed into pool. NULL on
 * no memory or when res has no version. */
const char *fhir_resource_version_text(struct fg_pool *pool, const struct fhir_resource *res);

/* Closes the backend and frees it; sets *s to NULL. NULL is a no-op. */
void fhir_store_close(struct fhir_store **s);

#endif
