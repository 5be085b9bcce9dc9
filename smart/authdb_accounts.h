/* authdb_accounts.h - portal accounts (who signs in at /authorize) and proxies.
 *
 * Rules: /work/shared/docs/portal-rules.md. User names are unique
 * case-insensitively (ASCII). Lockout: after lockout_failures (5) failed
 * sign-ins in a row the account is locked for lockout_minutes (10); the
 * lock is per account and decided in one atomic UPDATE, so parallel
 * attempts through several processes cannot slip past it. Which patients a
 * proxy may see depending on age is policy's decision, not this module's.
 */
#ifndef SMART_AUTHDB_ACCOUNTS_H
#define SMART_AUTHDB_ACCOUNTS_H

#include "authdb.h"
#include "password.h"

#define SMART_MAX_USERNAME 64
#define SMART_MAX_PATIENT_ID 64
#define SMART_MAX_COURT_ORDER 256

struct smart_account {
    int64_t id;
    char username[SMART_MAX_USERNAME + 1];
    char password_hash[SMART_PASSWORD_HASH_MAX];
    char patient_id[SMART_MAX_PATIENT_ID + 1]; /* "" when the account has no own record */
    /* A practitioner account (clinician signing in to the EHR side):
     * Practitioner/<this> is its fhirUser; "" for portal (patient) accounts.
     * An account is one or the other, never both. */
    char practitioner_id[SMART_MAX_PATIENT_ID + 1];
    int failed_count;
    int64_t locked_until; /* seconds; 0 = never locked */
    int64_t created_at;
};

struct smart_signin_state {
    bool locked;          /* sign-in must be refused now */
    int64_t locked_until; /* when locked */
    int failures;         /* failures in a row so far (0 after a lock starts) */
};

/* Adds an account; *id (may be NULL) receives its id. The user name and
 * hash are not re-validated here (smart_username_check / smart_password_hash
 * come first). FG_ECONFLICT when the name exists in any letter case,
 * FG_EINVAL when a field is empty or too long, or patient_id is given and
 * not a FHIR id. @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_account_add(struct smart_authdb *db, struct fg_str username,
                                        const char *password_hash, struct fg_str patient_id,
                                        int64_t *id);

/* Adds a practitioner account (no own record, fhirUser Practitioner/<id>);
 * *id (may be NULL) receives its id. FG_EINVAL when practitioner_id is not
 * a FHIR id or a field is empty or too long; FG_ECONFLICT when the name is
 * taken. @test tests/unit/smart/authdb_launch_test.c */
enum fg_status smart_authdb_account_add_practitioner(struct smart_authdb *db,
                                                     struct fg_str username,
                                                     const char *password_hash,
                                                     struct fg_str practitioner_id, int64_t *id);

/* Finds an account by user name (any letter case). FG_ENOTFOUND. */
enum fg_status smart_authdb_account_get(struct smart_authdb *db, struct fg_str username,
                                        struct smart_account *out);
enum fg_status smart_authdb_account_get_by_id(struct smart_authdb *db, int64_t id,
                                              struct smart_account *out);
/* The id of the account whose own record is patient_id. FG_ENOTFOUND. */
enum fg_status smart_authdb_account_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                                int64_t *id);
enum fg_status smart_authdb_account_set_password(struct smart_authdb *db, int64_t id,
                                                 const char *password_hash);

/* The lock state at now, for checking before the password is verified. */
enum fg_status smart_authdb_account_signin_state(struct smart_authdb *db, int64_t id,
                                                 struct smart_signin_state *out);

/* Records the outcome of a sign-in attempt and reports the resulting state.
 * While the account is locked nothing is counted and out->locked is true
 * (a correct password does not unlock it). A failure that reaches the
 * limit starts a lock of lockout_minutes from now and resets the counter;
 * a success resets the counter. FG_ENOTFOUND for an unknown id. */
enum fg_status smart_authdb_account_record_signin(struct smart_authdb *db, int64_t id,
                                                  bool success, struct smart_signin_state *out);

enum smart_proxy_kind {
    SMART_PROXY_PARENT = 0,
    SMART_PROXY_GUARDIAN = 1,
    SMART_PROXY_ADULT = 2,          /* spouse, adult child, ... */
    SMART_PROXY_COURT_GUARDIAN = 3  /* court-appointed; court_order required */
};

struct smart_proxy {
    int64_t id;
    int64_t account_id; /* the user who acts */
    char patient_id[SMART_MAX_PATIENT_ID + 1]; /* the patient acted for */
    enum smart_proxy_kind kind;
    int64_t start_at;
    int64_t expires_at; /* 0 = no expiry (child proxies end by age, decided by policy) */
    int64_t revoked_at; /* 0 = not revoked */
    char court_order[SMART_MAX_COURT_ORDER + 1]; /* document reference; "" if none */
};

/* Adds a proxy relation; *id (may be NULL) receives its id. FG_EINVAL when
 * a court guardian has no court order or the patient id is empty. Bumps
 * the revocation epoch (after the commit), so cached portal facts
 * (authdb_portalcache.h) are looked up again everywhere. */
enum fg_status smart_authdb_proxy_add(struct smart_authdb *db, const struct smart_proxy *p,
                                      int64_t *id);

/* Proxies in force at now (started, not expired, not revoked), by the
 * acting account or by the patient. Fills out[0..cap), *n = rows found
 * (FG_ETOOBIG when more than cap). */
enum fg_status smart_authdb_proxies_for_account(struct smart_authdb *db, int64_t account_id,
                                                struct smart_proxy *out, size_t cap, size_t *n);
enum fg_status smart_authdb_proxies_for_patient(struct smart_authdb *db, struct fg_str patient_id,
                                                struct smart_proxy *out, size_t cap, size_t *n);

/* Proxies not revoked and not expired at now, including those not started
 * yet, by the acting account: the set changes only by a write (which bumps
 * the revocation epoch) or by shrinking as time passes, so it may be cached
 * (authdb_portalcache.h). Fills out[0..cap), *n = rows found (FG_ETOOBIG
 * when more than cap). @test tests/unit/smart/authdb_portalcache_test.c */
enum fg_status smart_authdb_proxies_live(struct smart_authdb *db, int64_t account_id,
                                         struct smart_proxy *out, size_t cap, size_t *n);

/* Every proxy relation on record (also ended or revoked ones), for the
 * operator: filtered by account (0 = any) and patient (empty = any), by id.
 * Fills out[0..cap), *n = rows found (FG_ETOOBIG when more than cap). */
enum fg_status smart_authdb_proxies_list(struct smart_authdb *db, int64_t account_id,
                                         struct fg_str patient_id, struct smart_proxy *out,
                                         size_t cap, size_t *n);

/* Revokes a proxy at now. FG_ENOTFOUND when unknown or already revoked. */
enum fg_status smart_authdb_proxy_revoke(struct smart_authdb *db, int64_t id);

#endif
