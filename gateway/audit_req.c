/* audit_req.c - audit rows from requests (see audit_req.h). */
#include "audit_req.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/fg_limits.h"
#include "../fhir/search.h"
#include "../smart/authdb_tokcache.h"
#include "../smart/policy.h"
#include "../smart/token.h"
#include "access_token.h"
#include "audit.h"
#include "auth.h"
#include "server.h"

static void copy(char *dst, size_t size, struct fg_str s)
{
    size_t n = s.ptr ? (s.len < size ? s.len : size - 1) : 0;
    if (n)
        memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

static void copy_c(char *dst, size_t size, const char *s)
{
    copy(dst, size, fg_str_c(s ? s : ""));
}

static bool secret_param(struct fg_str name)
{
    static const char *const names[] = {"access_token",     "refresh_token", "token",
                                        "client_secret",    "code_verifier", "password",
                                        "client_assertion", "assertion",     "id_token_hint"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fg_str_eq_c(name, names[i]))
            return true;
    return false;
}

void fg_audit_clean_query(struct fg_str raw_query, char *out, size_t size)
{
    size_t len = 0;
    struct fg_str rest = raw_query, pair, name, value;
    out[0] = '\0';
    while (rest.len) {
        fg_str_split(rest, '&', &pair, &rest);
        if (!pair.len)
            continue;
        bool has_value = fg_str_split(pair, '=', &name, &value);
        struct fg_str shown = secret_param(name) ? fg_str_c("***") : value;
        size_t need = (len ? 1 : 0) + name.len + (has_value ? 1 + shown.len : 0);
        if (len + need >= size)
            break;
        if (len)
            out[len++] = '&';
        memcpy(out + len, name.ptr, name.len);
        len += name.len;
        if (has_value) {
            out[len++] = '=';
            memcpy(out + len, shown.ptr, shown.len);
            len += shown.len;
        }
        out[len] = '\0';
    }
}

static bool path_has(const struct fg_req *req, const char *part)
{
    size_t n = strlen(part);
    for (size_t i = 0; i + n <= req->path.len; i++)
        if (memcmp(req->path.ptr + i, part, n) == 0)
            return true;
    return false;
}

bool fg_audit_classify(const struct fg_req *req, enum smart_audit_kind *out)
{
    if (!fg_str_starts_with(req->path, "/fhir") || fg_str_eq_c(req->path, "/fhir/metadata") ||
        path_has(req, "/.well-known/"))
        return false;
    if (req->route_op.len) {
        *out = SMART_AUDIT_OPERATION;
        return true;
    }
    bool history = path_has(req, "/_history");
    switch (req->method) {
    case FG_GET:
    case FG_HEAD:
        if (history)
            *out = req->route_vid.len ? SMART_AUDIT_VREAD : SMART_AUDIT_HISTORY;
        else if (req->route_id.len)
            *out = SMART_AUDIT_READ;
        else if (req->route_type.len)
            *out = SMART_AUDIT_SEARCH;
        else
            return false;
        return true;
    case FG_POST:
        if (fg_str_eq_c(req->path, "/fhir") || fg_str_eq_c(req->path, "/fhir/"))
            *out = SMART_AUDIT_BATCH;
        else if (fg_str_ends_with(req->path, "/_search") && req->route_type.len)
            *out = SMART_AUDIT_SEARCH;
        else if (req->route_type.len && !req->route_id.len)
            *out = SMART_AUDIT_CREATE;
        else
            return false;
        return true;
    case FG_PUT:
    case FG_PATCH: /* a conditional PATCH names the one match it patched */
    case FG_DELETE:
        if (!req->route_type.len || !req->route_id.len)
            return false;
        *out = req->method == FG_DELETE ? SMART_AUDIT_DELETE : SMART_AUDIT_UPDATE;
        return true;
    default:
        return false;
    }
}

/* The bearer token of the request, when the server issued it (active or
 * not: a revoked app's attempts are worth recording): who sent it.
 * Attribution only; whether the request was allowed is policy's business. */
static void who_from_bearer(struct fg_req *req, struct smart_audit_row *row)
{
    struct fg_auth *auth = req->srv->auth;
    struct fg_str token;
    bool present;
    if (!auth || fg_access_bearer(fg_req_header(req, "Authorization"), &token, &present) != FG_OK ||
        !present)
        return;
    char digest[SMART_DIGEST_SIZE];
    smart_token_digest(token, digest);
    struct smart_authdb *db = fg_auth_acquire(auth);
    const struct smart_token_info *info = NULL;
    if (smart_authdb_token_check(db, fg_str_c(digest), &info) == FG_OK) {
        copy_c(row->client_id, sizeof row->client_id, info->client_id);
        copy_c(row->patient_id, sizeof row->patient_id, info->patient_id);
        copy_c(row->grant_id, sizeof row->grant_id, info->grant_id);
        row->account_id = info->account_id;
    }
    fg_auth_release(auth, db);
}

/* Who, from the request's verified access (smart/policy.h accessors). */
static void who_from_access(const struct smart_access *a, struct smart_audit_row *row)
{
    copy_c(row->client_id, sizeof row->client_id, smart_access_client_id(a));
    copy_c(row->username, sizeof row->username, smart_access_user_name(a));
    copy_c(row->patient_id, sizeof row->patient_id, smart_access_patient_id(a));
    copy_c(row->grant_id, sizeof row->grant_id, smart_access_grant_id(a));
    row->account_id = smart_access_account_id(a);
}

/* The patient a patient= or subject= value names: a FHIR id, "Patient/"
 * stripped; empty for anything else (a list, another type, a longer id,
 * which a row could only hold cut, naming another patient). */
static struct fg_str patient_value(struct fg_str v)
{
    if (fg_str_starts_with(v, "Patient/"))
        v = fg_str_n(v.ptr + 8, v.len - 8);
    return fg_is_fhir_id(v) ? v : FG_STR_NULL;
}

/* The first patient= or subject= of the pairs that names one patient. */
static struct fg_str pairs_patient(const struct fhir_kv *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fg_str_eq_c(pairs[i].name, "patient") && !fg_str_eq_c(pairs[i].name, "subject"))
            continue;
        struct fg_str v = patient_value(pairs[i].value);
        if (v.len)
            return v;
    }
    return FG_STR_NULL;
}

/* pairs_patient of a raw query string (a form body or a Bundle entry's URL query). */
static struct fg_str query_patient(struct fg_pool *pool, struct fg_str raw)
{
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fg_error err;
    fg_error_clear(&err);
    if (!raw.len || fhir_form_parse(pool, raw, FG_MAX_SEARCH_PARAMS * 2, &pairs, &n, &err) != FG_OK)
        return FG_STR_NULL;
    return pairs_patient(pairs, n);
}

/* A patient the request names when the token does not: Patient/{id}, or
 * patient= / subject= of the query (of the form body of a POST search). */
static void patient_from_request(const struct fg_req *req, enum smart_audit_kind kind,
                                 struct smart_audit_row *row)
{
    struct fg_str p;
    if (fg_str_eq_c(req->route_type, "Patient") && req->route_id.len)
        p = req->route_id;
    else if (kind == SMART_AUDIT_SEARCH && req->method == FG_POST)
        p = query_patient(req->pool, fg_buf_str(&req->body));
    else
        p = pairs_patient(req->query, req->n_query);
    copy(row->patient_id, sizeof row->patient_id, p);
}

/* The id a create assigned: from the Location header ".../Type/id/_history/n". */
static void created_id(const struct fg_req *req, struct smart_audit_row *row)
{
    for (size_t i = 0; i < req->resp.n_headers; i++) {
        if (strcasecmp(req->resp.headers[i].name, "Location") != 0)
            continue;
        struct fg_str loc = fg_str_c(req->resp.headers[i].value), head, tail;
        if (fg_str_rsplit(loc, '/', &head, &tail) && fg_str_ends_with(head, "/_history") &&
            fg_str_rsplit(head, '/', &head, &tail) && fg_str_rsplit(head, '/', &head, &tail))
            copy(row->res_id, sizeof row->res_id, tail);
    }
}

/* Who made the request: req->auth when set, else the bearer token
 * presented (refused before an access was built: 401). */
static void who_of(struct fg_req *req, struct smart_audit_row *row)
{
    if (req->auth)
        who_from_access(req->auth, row);
    else
        who_from_bearer(req, row);
}

void fg_audit_request(struct fg_req *req, int status)
{
    struct smart_audit_row row;
    enum smart_audit_kind kind;
    if (!req->srv->audit || !fg_audit_classify(req, &kind))
        return;
    memset(&row, 0, sizeof row);
    row.kind = kind;
    row.status = status;
    copy(row.res_type, sizeof row.res_type, req->route_type);
    copy(row.res_id, sizeof row.res_id, req->route_id);
    if (kind == SMART_AUDIT_CREATE && status < 300)
        created_id(req, &row);
    if (kind == SMART_AUDIT_SEARCH)
        fg_audit_clean_query(req->method == FG_POST ? fg_buf_str(&req->body) : req->raw_query,
                             row.query, sizeof row.query);
    copy_c(row.request_id, sizeof row.request_id, req->request_id);
    who_of(req, &row);
    if (!row.patient_id[0])
        patient_from_request(req, kind, &row);
    fg_audit_record(req->srv->audit, &row);
}

void fg_audit_entry(struct fg_req *req, const struct fg_audit_what *w)
{
    struct smart_audit_row row;
    if (!req->srv->audit)
        return;
    memset(&row, 0, sizeof row);
    row.kind = w->kind;
    row.status = w->status;
    copy(row.res_type, sizeof row.res_type, w->type);
    if (w->kind == SMART_AUDIT_SEARCH)
        fg_audit_clean_query(w->query, row.query, sizeof row.query);
    else
        copy(row.res_id, sizeof row.res_id, w->id);
    copy_c(row.request_id, sizeof row.request_id, req->request_id);
    who_of(req, &row);
    if (!row.patient_id[0] && fg_str_eq_c(w->type, "Patient") && w->id.len)
        copy(row.patient_id, sizeof row.patient_id, w->id);
    if (!row.patient_id[0] && w->patient.len)
        copy(row.patient_id, sizeof row.patient_id, w->patient);
    if (!row.patient_id[0] && w->kind == SMART_AUDIT_SEARCH)
        copy(row.patient_id, sizeof row.patient_id, query_patient(req->pool, w->query));
    fg_audit_record(req->srv->audit, &row);
}

void fg_audit_operation(struct fg_req *req, int status, struct fg_str type, struct fg_str id,
                        const char *query)
{
    struct smart_audit_row row;
    if (!req->srv->audit)
        return;
    memset(&row, 0, sizeof row);
    row.kind = SMART_AUDIT_OPERATION;
    row.status = status;
    copy(row.res_type, sizeof row.res_type, type);
    copy(row.res_id, sizeof row.res_id, id);
    copy_c(row.query, sizeof row.query, query);
    copy_c(row.request_id, sizeof row.request_id, req->request_id);
    who_of(req, &row);
    fg_audit_record(req->srv->audit, &row);
}

void fg_audit_auth_event(struct fg_req *req, enum smart_audit_kind kind, int status,
                         const struct fg_audit_who *who)
{
    struct smart_audit_row row;
    if (!req->srv->audit)
        return;
    memset(&row, 0, sizeof row);
    row.kind = kind;
    row.status = status;
    copy_c(row.client_id, sizeof row.client_id, who->client_id);
    row.account_id = who->account_id;
    copy_c(row.username, sizeof row.username, who->username);
    copy_c(row.patient_id, sizeof row.patient_id, who->patient_id);
    copy_c(row.grant_id, sizeof row.grant_id, who->grant_id);
    copy_c(row.request_id, sizeof row.request_id, req->request_id);
    fg_audit_record(req->srv->audit, &row);
}
