/* bulk.h - FHIR Bulk Data Access 2.0 export jobs: the job table and the
 * worker thread that runs them, hanging off the server context.
 *
 * A kick-off (bulk_http.c) submits a job with a copy of the caller's access
 * (access.h); one worker thread runs the jobs in order, each as a series of
 * store searches that go through the policy seam exactly as REST searches
 * do (authorize, narrow, filter), and writes one NDJSON file per resource
 * type into <bulk_dir>/<job id>/ (written as a hidden temporary file, then
 * renamed: a file is either absent or complete). A finished job keeps its
 * manifest and files for bulk_file_ttl seconds (then the worker deletes
 * them); its job.json lets any process sharing bulk_dir answer its status
 * and serve its files. A job belongs to the access that started it
 * (client, account, patient, grant): every other caller gets 404.
 * Spec: https://hl7.org/fhir/uv/bulkdata/STU2/export.html
 */
#ifndef FG_BULK_H
#define FG_BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_error.h"
#include "../core/fg_limits.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "access.h"
#include "bulk_params.h"

struct fg_server;
struct fg_bulk;

#define FG_BULK_JOB_ID_LEN 32 /* hex digits */

enum fg_bulk_level { FG_BULK_SYSTEM, FG_BULK_PATIENT, FG_BULK_GROUP };

/* What one job exports. */
struct fg_bulk_spec {
    enum fg_bulk_level level;
    struct fg_bulk_params params;
    const char *request_url;     /* the kick-off URL as sent (absolute); borrowed */
    /* confined: only the compartments of members[0..n_members) are
     * exported (a Group's members, or the `patient` values). */
    bool confined;
    const struct fg_str *members; /* borrowed */
    size_t n_members;
};

/* Opens the job table under dir (created 0700 when missing) and starts the
 * worker. srv is borrowed (its store, policy, clock, log and base URL).
 * Caller owns *out (fg_bulk_close). FG_EIO with err when dir is unusable. */
enum fg_status fg_bulk_open(struct fg_server *srv, const char *dir, int64_t ttl_s,
                            struct fg_bulk **out, struct fg_error *err);

/* Stops the worker (a running job is cancelled and its files removed) and
 * frees everything; sets *b to NULL. NULL-safe. Call before the store closes. */
void fg_bulk_close(struct fg_bulk **b);

/* Queues a job. Takes ownership of access (also on failure); spec is
 * copied (its parameters' strings too). id receives the job id (NUL-terminated). FG_EBUSY (429, err
 * filled) when the table or the caller's share of it is full. */
enum fg_status fg_bulk_submit(struct fg_bulk *b, const struct fg_bulk_spec *spec,
                              struct fg_access_copy *access,
                              char id[FG_BULK_JOB_ID_LEN + 1], struct fg_error *err);

enum fg_bulk_state { FG_BULK_QUEUED, FG_BULK_RUNNING, FG_BULK_DONE, FG_BULK_FAILED };

struct fg_bulk_status {
    enum fg_bulk_state state;
    const char *progress;  /* "Observation (3 of 20 types)"; pool-owned */
    struct fg_str manifest; /* FG_BULK_DONE: the manifest JSON; pool-owned */
    const char *error;     /* FG_BULK_FAILED: why; pool-owned */
    int64_t expires_us;    /* FG_BULK_DONE: when the files go */
};

/* The state of job id for owner, copied into pool. FG_ENOTFOUND when there
 * is no such job for this owner (unknown, expired, cancelled, someone else's). */
enum fg_status fg_bulk_status(struct fg_bulk *b, struct fg_str id, const char *owner,
                              struct fg_pool *pool, struct fg_bulk_status *out);

/* Cancels (running) or deletes (finished) job id of owner: its files go.
 * FG_ENOTFOUND as for fg_bulk_status. */
enum fg_status fg_bulk_cancel(struct fg_bulk *b, struct fg_str id, const char *owner);

/* The path of output file `name` of finished job id of owner, and its
 * resource type (pool-owned). FG_ENOTFOUND unless name is one of the
 * job's outputs. */
enum fg_status fg_bulk_file(struct fg_bulk *b, struct fg_str id, const char *owner,
                            struct fg_str name, struct fg_pool *pool, const char **path,
                            struct fg_str *type);

/* True for a well-formed job id (32 lower-case hex digits). */
bool fg_bulk_job_id_ok(struct fg_str id);

#endif
