/* authdb_audit.h - the audit log: one row per FHIR interaction and per
 * authorization event, kept in the auth database (table audit, schema 4).
 *
 * Rows are written in batches (one transaction per batch) by the gateway's
 * audit writer thread (gateway/audit.h), never on a request thread. A row
 * holds who (client, account, user name), for which patient and grant,
 * what (interaction kind, resource type and id or the query without
 * secrets), the outcome (HTTP status) and when (µs). The gateway renders a
 * row as a FHIR AuditEvent following IHE Basic Audit Log Patterns (BALP);
 * the linked-apps page counts a grant's reads and writes from here.
 * Appending also moves each batch grant's last_used_at (at most one write
 * per grant per SMART_AUDIT_TOUCH_S), so request threads never write for it.
 * https://profiles.ihe.net/ITI/BALP/
 */
#ifndef SMART_AUTHDB_AUDIT_H
#define SMART_AUTHDB_AUDIT_H

#include "authdb_grants.h"

#define SMART_AUDIT_MAX_TYPE 64
#define SMART_AUDIT_MAX_ID 64
#define SMART_AUDIT_MAX_QUERY 512
#define SMART_AUDIT_TOUCH_S 60
#define SMART_AUDIT_MAX_LIST 1000

enum smart_audit_kind {
    SMART_AUDIT_READ = 0,
    SMART_AUDIT_VREAD,
    SMART_AUDIT_SEARCH,
    SMART_AUDIT_HISTORY,
    SMART_AUDIT_CREATE,
    SMART_AUDIT_UPDATE,
    SMART_AUDIT_DELETE,
    SMART_AUDIT_BATCH,
    SMART_AUDIT_TRANSACTION,
    SMART_AUDIT_OPERATION,
    /* authorization events */
    SMART_AUDIT_AUTHORIZE, /* an authorize request was accepted */
    SMART_AUDIT_GRANT,     /* the user allowed: a grant was stored */
    SMART_AUDIT_DENY,      /* the user denied */
    SMART_AUDIT_TOKEN,     /* tokens issued for a code or client credentials */
    SMART_AUDIT_REFRESH,   /* a refresh token was exchanged */
    SMART_AUDIT_REVOKE,    /* a grant, token or proxy was revoked */
    SMART_AUDIT_SIGNIN,
    SMART_AUDIT_SIGNIN_FAILED,
    SMART_AUDIT_LOCKOUT,
    SMART_AUDIT_LAUNCH,    /* an EHR launch of an app was started (authdb_launch.h) */
    SMART_AUDIT_KIND_COUNT
};

struct smart_audit_row {
    int64_t seq; /* set when read back; the AuditEvent id */
    int64_t at_us;
    enum smart_audit_kind kind;
    int status; /* HTTP status of the answer (0 = none) */
    char client_id[SMART_MAX_CLIENT_ID + 1];
    int64_t account_id; /* 0 = none */
    char username[SMART_MAX_USERNAME + 1];
    char patient_id[SMART_MAX_PATIENT_ID + 1];
    char grant_id[SMART_GRANT_ID_SIZE];
    char res_type[SMART_AUDIT_MAX_TYPE + 1];
    char res_id[SMART_AUDIT_MAX_ID + 1];
    char query[SMART_AUDIT_MAX_QUERY + 1]; /* search query, secrets removed */
    char request_id[24];
};

/* "read", "vread", "search-type", ..., "authorize", "signin-failed" (the
 * restful-interaction codes for FHIR kinds). "unknown" out of range. */
const char *smart_audit_kind_code(enum smart_audit_kind k);
/* 'C' 'R' 'U' 'D' or 'E' (AuditEvent.action). */
char smart_audit_kind_action(enum smart_audit_kind k);
/* True for the FHIR interaction kinds (not authorization events). */
bool smart_audit_kind_is_rest(enum smart_audit_kind k);

/* Appends rows[0..n) in one transaction and touches their grants.
 * FG_EBUSY when the write lock is not obtained in time (nothing written).
 * @test tests/unit/smart/authdb_audit_test.c */
enum fg_status smart_authdb_audit_append(struct smart_authdb *db,
                                         const struct smart_audit_row *rows, size_t n);

/* One row by seq. FG_ENOTFOUND. */
enum fg_status smart_authdb_audit_get(struct smart_authdb *db, int64_t seq,
                                      struct smart_audit_row *out);

/* Which rows to list: by patient or by grant (at most one non-empty; both
 * empty = all), at_us in [since_us, until_us), seq < before_seq (0 = no
 * bound), newest first, at most limit (1..SMART_AUDIT_MAX_LIST). */
struct smart_audit_filter {
    const char *patient_id;
    const char *grant_id;
    int64_t since_us, until_us; /* 0 = unbounded */
    int64_t before_seq;
    int limit;
};

/* Calls fn for each row (newest first); row is valid during the call. A
 * non-FG_OK return from fn stops the walk and is returned. */
typedef enum fg_status (*smart_audit_fn)(void *arg, const struct smart_audit_row *row);
enum fg_status smart_authdb_audit_list(struct smart_authdb *db, const struct smart_audit_filter *f,
                                       smart_audit_fn fn, void *arg);

/* Counts of a grant's successful (status < 400) FHIR interactions by
 * resource type and kind: fn(arg, type, kind, count) per group, types in
 * order. */
typedef enum fg_status (*smart_audit_count_fn)(void *arg, const char *type,
                                               enum smart_audit_kind kind, int64_t count);
enum fg_status smart_authdb_audit_counts(struct smart_authdb *db, struct fg_str grant_id,
                                         smart_audit_count_fn fn, void *arg);

#endif
