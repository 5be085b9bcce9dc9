/* access.c - the policy seam (see access.h): authenticates the request
 * once, then asks smart/policy.h for every decision. No permission logic
 * lives here beyond mapping FHIR interactions to SMART letters. */
#include "access.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"

#include "access_token.h"
#include "rest.h"
#include "server.h"

const char *fg_interaction_name(enum fg_interaction ia)
{
    static const char *const names[] = {
        [FG_IA_CAPABILITIES] = "capabilities",
        [FG_IA_READ] = "read",
        [FG_IA_VREAD] = "vread",
        [FG_IA_HISTORY_INSTANCE] = "history-instance",
        [FG_IA_HISTORY_TYPE] = "history-type",
        [FG_IA_HISTORY_SYSTEM] = "history-system",
        [FG_IA_SEARCH_TYPE] = "search-type",
        [FG_IA_CREATE] = "create",
        [FG_IA_UPDATE] = "update",
        [FG_IA_DELETE] = "delete",
        [FG_IA_BATCH] = "batch",
        [FG_IA_TRANSACTION] = "transaction",
    };
    if ((unsigned)ia < sizeof names / sizeof names[0] && names[ia])
        return names[ia];
    return "unknown";
}

/* The request's authorization state: req->auth points at .access. */
struct access_state {
    struct smart_access access;       /* first */
    const struct fhir_query *narrowed; /* the last query narrowed */
    bool exact;                       /* its store count needs no policy filtering */
};

static void free_state(void *arg)
{
    smart_access_cleanup(&((struct access_state *)arg)->access);
}

/* A new, empty state in the request's pool (cleaned up with it). */
static enum fg_status new_state(struct fg_req *req, struct access_state **out)
{
    struct access_state *s = fg_pool_zalloc(req->pool, sizeof *s);
    if (!s)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    smart_access_init(&s->access);
    if (fg_pool_on_free(req->pool, free_state, s) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    *out = s;
    return FG_OK;
}

/* The request's state, authenticating on first use. */
static enum fg_status state_of(struct fg_req *req, struct access_state **out)
{
    if (req->auth) {
        /* Only this file sets req->auth, always to an access_state. */
        *out = (struct access_state *)(void *)(uintptr_t)req->auth;
        return FG_OK;
    }
    struct access_state *s = NULL;
    enum fg_status st = new_state(req, &s);
    if (st == FG_OK)
        st = fg_access_token_verify(req, &s->access);
    if (st != FG_OK)
        return st;
    req->auth = &s->access;
    *out = s;
    return FG_OK;
}

/* The SMART permission letter of an interaction (0 = none needed). */
static char letter_of(enum fg_interaction ia)
{
    switch (ia) {
    case FG_IA_READ:
    case FG_IA_VREAD:
    case FG_IA_HISTORY_INSTANCE: return 'r';
    case FG_IA_HISTORY_TYPE:
    case FG_IA_HISTORY_SYSTEM:
    case FG_IA_SEARCH_TYPE: return 's';
    case FG_IA_CREATE: return 'c';
    case FG_IA_UPDATE: return 'u';
    case FG_IA_DELETE: return 'd';
    default: return 0;
    }
}

/* What the policy reads through: the store's current version. */
static enum fg_status lookup_read(void *arg, struct fg_pool *pool, struct fg_str type,
                                  struct fg_str id, struct fhir_resource *out)
{
    struct fg_req *req = arg;
    struct fhir_store *store = req->srv->store;
    struct fg_error err;
    fg_error_clear(&err);
    if (!store)
        return FG_ENOTFOUND;
    return fhir_store_read(store, pool, type, id, out, &err);
}

static struct smart_policy_lookup lookup_of(struct fg_req *req)
{
    return (struct smart_policy_lookup){lookup_read, req};
}

static enum fg_status decision_failed(struct fg_req *req, enum fg_status st)
{
    return fg_error_set(&req->err, st, NULL, "the access decision failed");
}

enum fg_status fg_access_authorize(struct fg_req *req, enum fg_interaction ia,
                                   struct fg_str type, struct fg_str id)
{
    (void)id;
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    char letter = letter_of(ia);
    if (st != FG_OK || !letter)
        return st; /* batch / transaction: each entry is authorized on its own */
    st = smart_policy_authorize(&s->access, letter, type, NULL, &req->err);
    /* RFC 6750 §3.1; not for a Bundle's entries (the Bundle itself is 200). */
    if (st == FG_EFORBIDDEN && !fg_str_eq_c(req->path, "/fhir"))
        fg_resp_header(req, "WWW-Authenticate",
                       "Bearer realm=\"" FG_ACCESS_REALM "\", error=\"insufficient_scope\"");
    return st;
}

enum fg_status fg_access_span_types(struct fg_req *req, struct fg_str patient,
                                    const char *const *types, size_t n, bool *open)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    bool any_granted = false, any_open = false;
    for (size_t i = 0; st == FG_OK && i < n; i++) {
        bool granted = false;
        smart_policy_type_reach(&s->access, letter_of(FG_IA_SEARCH_TYPE), fg_str_c(types[i]),
                                patient, &granted, &open[i]);
        any_granted |= granted;
        any_open |= open[i];
    }
    if (st != FG_OK || any_open)
        return st;
    if (patient.len && any_granted)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "Patient/%.*s is not known",
                            (int)patient.len, patient.ptr);
    return fg_error_set(&req->err, FG_EFORBIDDEN, NULL,
                        "the access token grants search of none of these resource types");
}

enum fg_status fg_access_narrow_query(struct fg_req *req, struct fhir_query *q)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    bool exact = false;
    if (st == FG_OK)
        st = smart_policy_narrow(&req->srv->policy, &s->access, req->pool, q, &exact, &req->err);
    if (st == FG_OK) {
        s->narrowed = q;
        s->exact = exact;
    }
    return st;
}

static enum fg_status filter(struct fg_req *req, char letter, struct fhir_resource *res,
                             size_t *n, size_t *removed)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    struct smart_policy_lookup lk = lookup_of(req);
    if (st == FG_OK)
        st = smart_policy_filter(&req->srv->policy, &s->access, letter, res, n, &lk, req->pool,
                                 removed);
    return st == FG_OK || req->err.status != FG_OK ? st : decision_failed(req, st);
}

enum fg_status fg_access_filter_result(struct fg_req *req, enum fg_interaction ia,
                                       struct fhir_resource *res, size_t *n)
{
    char letter = letter_of(ia);
    return filter(req, letter ? letter : 'r', res, n, NULL);
}

enum fg_status fg_access_filter_search(struct fg_req *req, const struct fhir_query *q,
                                       struct fhir_search_result *r)
{
    size_t removed = 0, ignored = 0;
    enum fg_status st = filter(req, 's', r->matches, &r->n_matches, &removed);
    if (st == FG_OK)
        st = filter(req, 'i', r->included, &r->n_included, &ignored);
    if (st != FG_OK)
        return st;
    if (removed || !fg_access_narrowed_exactly(req, q))
        r->total = -1;
    return FG_OK;
}

bool fg_access_narrowed_exactly(const struct fg_req *req, const struct fhir_query *q)
{
    const struct access_state *s = (const struct access_state *)(const void *)req->auth;
    return s && s->narrowed == q && s->exact;
}

/* Could the policy hide any version of type (empty: any type) from s? */
static bool history_exact(const struct fg_req *req, const struct access_state *s,
                          struct fg_str type)
{
    struct smart_policy_grant g;
    if (smart_policy_rules_active(&req->srv->policy, &s->access))
        return false;
    if (smart_policy_authorize(&s->access, 's', type, &g, NULL) != FG_OK &&
        smart_policy_authorize(&s->access, 'r', type, &g, NULL) != FG_OK)
        return false;
    return g.everywhere && g.filters.unrestricted;
}

enum fg_status fg_access_filter_history(struct fg_req *req, enum fg_interaction ia,
                                        struct fhir_history_result *h)
{
    size_t removed = 0;
    enum fg_status st = filter(req, letter_of(ia), h->versions, &h->n_versions, &removed);
    if (st != FG_OK)
        return st;
    const struct access_state *s = (const struct access_state *)(const void *)req->auth;
    struct fg_str type = req->route_type;
    if (ia == FG_IA_HISTORY_INSTANCE && removed && !h->n_versions)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "%.*s/%.*s is not known",
                            (int)type.len, type.ptr, (int)req->route_id.len, req->route_id.ptr);
    if (ia == FG_IA_HISTORY_INSTANCE && !removed && h->n_versions) {
        /* One resource: its compartment is the same in every version; only
         * granular filters or rules could hide some of them. */
        struct smart_policy_grant g;
        if (smart_policy_authorize(&s->access, 'r', type, &g, NULL) != FG_OK ||
            !g.filters.unrestricted || smart_policy_rules_active(&req->srv->policy, &s->access))
            h->total = -1;
        return FG_OK;
    }
    if (removed || ia == FG_IA_HISTORY_INSTANCE || !history_exact(req, s, type))
        h->total = -1;
    return FG_OK;
}

enum fg_status fg_access_patient_app(const struct fg_req *req, struct fg_str *patient,
                                     struct fg_str *client_id)
{
    const struct smart_access *a = req->auth;
    if (!a || smart_access_kind(a) != SMART_ACCESS_PATIENT || !smart_access_patient_id(a)[0])
        return FG_ENOTFOUND;
    *patient = fg_str_c(smart_access_patient_id(a));
    *client_id = fg_str_c(smart_access_client_id(a));
    return FG_OK;
}

enum fg_status fg_access_portal_write(struct fg_req *req, int64_t account_id,
                                      struct fg_str patient, struct fg_str type,
                                      const cJSON *resource, struct fg_error *err)
{
    struct smart_access a;
    char scope[80];
    int n = snprintf(scope, sizeof scope, "patient/%.*s.c", (int)type.len, type.ptr);
    if (n < 0 || (size_t)n >= sizeof scope)
        return fg_error_set(err, FG_EINVAL, NULL, "unknown resource type");
    smart_access_init(&a);
    enum fg_status st = smart_access_set(&a, fg_str_c(FG_ACCESS_PORTAL_CLIENT), account_id,
                                         FG_STR_NULL, patient, FG_STR_NULL, fg_str_c(scope), 0,
                                         err);
    if (st == FG_OK)
        st = smart_policy_prepare(&req->srv->policy, &a, req->pool, err);
    struct smart_policy_lookup lk = lookup_of(req);
    if (st == FG_OK)
        st = smart_policy_check_write(&req->srv->policy, &a, 'c', type, resource, NULL, &lk,
                                      req->pool, err);
    smart_access_cleanup(&a);
    return st;
}

enum fg_status fg_access_check_write(struct fg_req *req, enum fg_interaction ia,
                                     struct fg_str type, struct fg_str id,
                                     const cJSON *resource)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    char letter = letter_of(ia);
    if (st != FG_OK || !letter)
        return st;
    struct fhir_resource current, *cur = NULL;
    memset(&current, 0, sizeof current);
    if (id.len && (ia == FG_IA_UPDATE || ia == FG_IA_DELETE)) {
        struct fhir_store *store = NULL;
        st = fg_rest_store(req, &store);
        struct fg_error err;
        fg_error_clear(&err);
        if (st == FG_OK)
            st = fhir_store_read(store, req->pool, type, id, &current, &err);
        if (st == FG_OK)
            cur = &current;
        else if (st == FG_ENOTFOUND || st == FG_EGONE)
            st = FG_OK;
        else
            return decision_failed(req, st);
    }
    struct smart_policy_lookup lk = lookup_of(req);
    return smart_policy_check_write(&req->srv->policy, &s->access, letter, type, resource, cur,
                                    &lk, req->pool, &req->err);
}

/* ---- work that outlives its request ---- */

struct fg_access_copy {
    char client_id[SMART_MAX_CLIENT_ID + 1];
    int64_t account_id;
    char user_name[SMART_MAX_USERNAME + 1];
    char patient_id[SMART_MAX_PATIENT_ID + 1];
    char grant_id[SMART_GRANT_ID_SIZE];
    char *scopes; /* owned */
    int64_t expires_at;
    char *user_patients[SMART_ACCESS_MAX_PATIENTS]; /* owned */
    size_t n_user_patients;
    char *fhir_user_patient; /* owned; NULL = none */
    char practitioner_id[SMART_MAX_PATIENT_ID + 1]; /* "" = not a practitioner's access */
    char *owner;             /* owned */
};

void fg_access_copy_free(struct fg_access_copy **c)
{
    if (!c || !*c)
        return;
    fg_free((*c)->scopes);
    for (size_t i = 0; i < (*c)->n_user_patients; i++)
        fg_free((*c)->user_patients[i]);
    fg_free((*c)->fhir_user_patient);
    fg_free((*c)->owner);
    fg_free(*c);
    *c = NULL;
}

static char *dup_slice(struct fg_str s)
{
    return fg_strndup(s.ptr, s.len);
}

static void copy_field(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A backend service (no user, no patient) is its client: each of its
 * client_credentials tokens has a grant of its own, and a long export
 * outlives them. A user's or patient's access is also its grant: what a
 * revoked or narrowed authorization started stays with it. */
static char *owner_of(struct fg_pool *pool, const struct smart_access *a)
{
    bool backend = !smart_access_account_id(a) && !smart_access_patient_id(a)[0];
    return fg_pool_printf(pool, "%s|%lld|%s|%s", smart_access_client_id(a),
                          (long long)smart_access_account_id(a), smart_access_patient_id(a),
                          backend ? "" : smart_access_grant_id(a));
}

enum fg_status fg_access_owner(struct fg_req *req, const char **owner)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    if (st != FG_OK)
        return st;
    *owner = owner_of(req->pool, &s->access);
    return *owner ? FG_OK : fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
}

enum fg_status fg_access_copy_take(struct fg_req *req, struct fg_access_copy **out)
{
    struct access_state *s = NULL;
    enum fg_status st = state_of(req, &s);
    if (st != FG_OK)
        return st;
    const struct smart_access *a = &s->access;
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_SCOPE_BYTES * 4);
    struct fg_access_copy *c = fg_malloc(sizeof *c);
    const char *owner = owner_of(req->pool, a);
    st = c && owner ? smart_scopes_write(&a->scopes, &b) : FG_ENOMEM;
    if (c)
        memset(c, 0, sizeof *c);
    if (st == FG_OK) {
        copy_field(c->client_id, sizeof c->client_id, a->client_id);
        copy_field(c->user_name, sizeof c->user_name, a->user_name);
        copy_field(c->patient_id, sizeof c->patient_id, a->patient_id);
        copy_field(c->grant_id, sizeof c->grant_id, a->grant_id);
        copy_field(c->practitioner_id, sizeof c->practitioner_id, smart_access_practitioner_id(a));
        c->account_id = a->account_id;
        c->expires_at = a->expires_at;
        c->scopes = dup_slice(fg_buf_str(&b));
        c->owner = dup_slice(fg_str_c(owner));
        if (a->fhir_user_patient.len)
            c->fhir_user_patient = dup_slice(a->fhir_user_patient);
        for (size_t i = 0; i < a->n_user_patients && i < SMART_ACCESS_MAX_PATIENTS; i++) {
            c->user_patients[i] = dup_slice(a->user_patients[i]);
            c->n_user_patients = i + 1;
            if (!c->user_patients[i])
                st = FG_ENOMEM;
        }
        if (!c->scopes || !c->owner || (a->fhir_user_patient.len && !c->fhir_user_patient))
            st = FG_ENOMEM;
    }
    fg_buf_cleanup(&b);
    if (st != FG_OK) {
        fg_access_copy_free(&c);
        return fg_error_set(&req->err, st, NULL, "the access could not be copied");
    }
    *out = c;
    return FG_OK;
}

const char *fg_access_copy_owner(const struct fg_access_copy *c)
{
    return c->owner;
}

enum fg_status fg_access_copy_restore(struct fg_req *req, const struct fg_access_copy *c)
{
    struct access_state *s = NULL;
    enum fg_status st = new_state(req, &s);
    if (st != FG_OK)
        return st;
    struct smart_access *a = &s->access;
    st = smart_access_set(a, fg_str_c(c->client_id), c->account_id,
                                         fg_str_c(c->user_name), fg_str_c(c->patient_id),
                                         fg_str_c(c->grant_id), fg_str_c(c->scopes),
                                         c->expires_at, &req->err);
    if (st == FG_OK && c->practitioner_id[0])
        st = smart_access_set_practitioner(a, fg_str_c(c->practitioner_id));
    for (size_t i = 0; st == FG_OK && i < c->n_user_patients; i++) {
        struct fg_str p = fg_pool_str(req->pool, fg_str_c(c->user_patients[i]));
        st = p.ptr ? smart_access_add_user_patient(a, p) : FG_ENOMEM;
    }
    if (st == FG_OK && c->fhir_user_patient) {
        struct fg_str p = fg_pool_str(req->pool, fg_str_c(c->fhir_user_patient));
        if (!p.ptr)
            st = FG_ENOMEM;
        else
            smart_access_set_fhir_user(a, p);
    }
    if (st == FG_OK)
        st = smart_policy_prepare(&req->srv->policy, a, req->pool, &req->err);
    if (st != FG_OK)
        return req->err.status != FG_OK ? st
                                        : fg_error_set(&req->err, st, NULL,
                                                       "the access could not be rebuilt");
    req->auth = a;
    return FG_OK;
}
