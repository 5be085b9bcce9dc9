/* bulk_internal.h - what the job table (bulk.c) and the export run
 * (bulk_export.c) share. Internal to gateway/bulk*.c. */
#ifndef FG_BULK_INTERNAL_H
#define FG_BULK_INTERNAL_H

#include <stdatomic.h>

#include "bulk.h"

struct bulk_output {
    const char *type; /* static (fhir_resource_types) */
    int64_t count;
};

struct bulk_job {
    char id[FG_BULK_JOB_ID_LEN + 1];
    char *owner;                   /* owned */
    struct fg_access_copy *access; /* owned */
    enum fg_bulk_level level;
    struct fg_pool *pool;          /* owned: the strings of params */
    struct fg_bulk_params params;
    char *request_url;             /* owned */
    bool confined;                 /* only the members' compartments (see fg_bulk_spec) */
    char **members;                /* owned, n_members strings */
    size_t n_members;
    int64_t transaction_us;
    char *dir;                     /* owned: <bulk_dir>/<id> */
    /* guarded by the table's mutex */
    enum fg_bulk_state state;
    char progress[128];
    char error[256];
    char *manifest;                /* owned JSON, once done */
    int64_t expires_us;
    struct bulk_output *outputs;   /* owned */
    size_t n_outputs;
    atomic_bool cancel;            /* set by fg_bulk_cancel / close; read by the run */
    struct bulk_job *next;
};

/* Runs job (state RUNNING) to the end: writes its files under job->dir and
 * fills job->outputs. set_progress is called between types. Returns FG_OK,
 * FG_ECANCELED-like FG_EBUSY when job->cancel was seen, or a failure with
 * err filled. Files of a failed or cancelled run may remain: the caller
 * removes job->dir. */
typedef void bulk_progress_fn(void *arg, struct bulk_job *job, const char *text);
enum fg_status fg_bulk_export_run(struct fg_server *srv, struct bulk_job *job,
                                  bulk_progress_fn *progress, void *arg, struct fg_error *err);

/* The file name of a type's output ("Observation.ndjson"). */
#define FG_BULK_FILE_SUFFIX ".ndjson"

#endif
