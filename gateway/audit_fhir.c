/* audit_fhir.c - AuditEvent rendering and its read / search handlers
 * (see audit_fhir.h, virtual.h). */
#include "audit_fhir.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../fhir/date.h"
#include "audit.h"
#include "auth.h"
#include "consent_fhir.h"
#include "fhir_json.h"
#include "server.h"
#include "virtual.h"

#define BALP "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
#define BALP_ENTITY_TYPE "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
#define DCM "http://dicom.nema.org/resources/ontology/DCM"

static const char *profile_of(const struct smart_audit_row *r)
{
    bool pt = r->patient_id[0] != '\0';
    switch (r->kind) {
    case SMART_AUDIT_READ:
    case SMART_AUDIT_VREAD:
        return pt ? BALP "PatientRead" : BALP "Read";
    case SMART_AUDIT_SEARCH:
        return pt ? BALP "PatientQuery" : BALP "Query";
    case SMART_AUDIT_CREATE:
        return pt ? BALP "PatientCreate" : BALP "Create";
    case SMART_AUDIT_UPDATE:
        return pt ? BALP "PatientUpdate" : BALP "Update";
    case SMART_AUDIT_DELETE:
        return pt ? BALP "PatientDelete" : BALP "Delete";
    default:
        return NULL;
    }
}

static bool add_head(cJSON *o, const struct smart_audit_row *r)
{
    char id[24], when[FG_INSTANT_MAX], action[2] = {smart_audit_kind_action(r->kind), '\0'};
    int n = snprintf(id, sizeof id, "%" PRId64, r->seq);
    fg_clock_format_instant(r->at_us, when);
    cJSON *meta = cJSON_CreateObject();
    const char *profile = profile_of(r);
    bool ok = n > 0 && (size_t)n < sizeof id &&
              cJSON_AddStringToObject(o, "resourceType", "AuditEvent") &&
              cJSON_AddStringToObject(o, "id", id) && fg_json_put(o, "meta", meta) &&
              cJSON_AddStringToObject(meta, "versionId", "1") &&
              cJSON_AddStringToObject(meta, "lastUpdated", when);
    if (ok && profile) {
        cJSON *profiles = cJSON_AddArrayToObject(meta, "profile");
        ok = profiles && fg_json_put(profiles, NULL, cJSON_CreateString(profile));
    }
    bool rest = smart_audit_kind_is_rest(r->kind);
    cJSON *subtypes = ok ? cJSON_AddArrayToObject(o, "subtype") : NULL;
    const char *outcome = r->status >= 500 || r->status == 0 ? "8" : r->status >= 400 ? "4" : "0";
    char desc[32];
    n = snprintf(desc, sizeof desc, "HTTP %d", r->status);
    return ok && subtypes &&
           fg_json_put(
               o, "type",
               rest ? fg_json_coding("http://terminology.hl7.org/CodeSystem/audit-event-type",
                                     "rest", "RESTful Operation")
                    : fg_json_coding(DCM, "110114", "User Authentication")) &&
           fg_json_put(subtypes, NULL,
                       fg_json_coding(rest ? "http://hl7.org/fhir/restful-interaction"
                                           : FG_AUDIT_AUTH_SYSTEM,
                                      smart_audit_kind_code(r->kind), NULL)) &&
           cJSON_AddStringToObject(o, "action", action) &&
           cJSON_AddStringToObject(o, "recorded", when) &&
           cJSON_AddStringToObject(o, "outcome", outcome) && n > 0 && (size_t)n < sizeof desc &&
           cJSON_AddStringToObject(o, "outcomeDesc", desc);
}

/* One agent: type (DCM or other concept), who by identifier or display. */
static bool add_agent(cJSON *agents, cJSON *type, const char *system, const char *value,
                      const char *display, bool requestor)
{
    cJSON *a = cJSON_CreateObject();
    if (!fg_json_put(agents, NULL, a)) {
        cJSON_Delete(type);
        return false;
    }
    cJSON *who = cJSON_AddObjectToObject(a, "who");
    bool ok =
        fg_json_put(a, "type", type) && who && cJSON_AddBoolToObject(a, "requestor", requestor);
    if (ok && system) {
        cJSON *ident = cJSON_AddObjectToObject(who, "identifier");
        ok = ident && cJSON_AddStringToObject(ident, "system", system) &&
             cJSON_AddStringToObject(ident, "value", value);
    }
    return ok && (!display || cJSON_AddStringToObject(who, "display", display));
}

static bool add_agents(cJSON *o, const struct smart_audit_row *r)
{
    cJSON *agents = cJSON_AddArrayToObject(o, "agent");
    bool ok = agents != NULL;
    char account[24];
    int n = snprintf(account, sizeof account, "%" PRId64, r->account_id);
    if (ok && r->account_id)
        ok = n > 0 && (size_t)n < sizeof account &&
             add_agent(
                 agents,
                 fg_json_concept("http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                                 "humanuser", "human user"),
                 FG_ACCOUNT_SYSTEM, account, r->username[0] ? r->username : NULL, true);
    if (ok && r->client_id[0])
        ok = add_agent(agents, fg_json_concept(DCM, "110153", "Source Role ID"),
                       FG_CLIENT_ID_SYSTEM, r->client_id, NULL, r->account_id == 0);
    if (ok)
        ok = add_agent(agents, fg_json_concept(DCM, "110152", "Destination Role ID"), NULL, NULL,
                       "fhirgate", false);
    if (ok && !r->account_id && !r->client_id[0])
        ok = add_agent(agents,
                       fg_json_concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                       "IRCP", "information recipient"),
                       NULL, NULL, "unauthenticated client", true);
    return ok;
}

static bool add_source(cJSON *o)
{
    cJSON *src = cJSON_AddObjectToObject(o, "source");
    cJSON *obs = src ? cJSON_AddObjectToObject(src, "observer") : NULL;
    cJSON *types = src ? cJSON_AddArrayToObject(src, "type") : NULL;
    return obs && types && cJSON_AddStringToObject(obs, "display", "fhirgate") &&
           fg_json_put(types, NULL,
                       fg_json_coding("http://terminology.hl7.org/CodeSystem/security-source-type",
                                      "4", "Application Server"));
}

/* One entity: what (reference or identifier), type and role codes. */
static cJSON *entity(const char *type_code, const char *role_code, const char *role_display)
{
    cJSON *e = cJSON_CreateObject();
    if (e && (!fg_json_put(e, "type",
                           fg_json_coding("http://terminology.hl7.org/CodeSystem/audit-entity-type",
                                          type_code, NULL)) ||
              !fg_json_put(e, "role",
                           fg_json_coding("http://terminology.hl7.org/CodeSystem/object-role",
                                          role_code, role_display)))) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

static bool add_ref(cJSON *e, const char *type, const char *id)
{
    char ref[SMART_AUDIT_MAX_TYPE + SMART_AUDIT_MAX_ID + 2];
    int n = snprintf(ref, sizeof ref, "%s/%s", type, id);
    cJSON *what = cJSON_AddObjectToObject(e, "what");
    return what && n > 0 && (size_t)n < sizeof ref &&
           cJSON_AddStringToObject(what, "reference", ref);
}

static bool add_query(cJSON *e, const struct smart_audit_row *r)
{
    unsigned char b64[((SMART_AUDIT_MAX_QUERY + 2) / 3) * 4 + 1];
    EVP_EncodeBlock(b64, (const unsigned char *)r->query, (int)strlen(r->query));
    char desc[SMART_AUDIT_MAX_TYPE + SMART_AUDIT_MAX_QUERY + 2];
    int n = snprintf(desc, sizeof desc, "%s?%s", r->res_type, r->query);
    return n > 0 && cJSON_AddStringToObject(e, "query", (const char *)b64) &&
           cJSON_AddStringToObject(e, "description", desc);
}

static bool add_entities(cJSON *o, const struct smart_audit_row *r)
{
    cJSON *ents = cJSON_AddArrayToObject(o, "entity");
    bool ok = ents != NULL;
    if (ok && r->patient_id[0]) {
        cJSON *e = entity("1", "1", "Patient");
        ok = fg_json_put(ents, NULL, e) && add_ref(e, "Patient", r->patient_id);
    }
    bool query = r->kind == SMART_AUDIT_SEARCH || (r->kind == SMART_AUDIT_OPERATION && r->query[0]);
    if (ok && query) {
        cJSON *e = entity("2", "24", "Query");
        ok = fg_json_put(ents, NULL, e) && add_query(e, r);
    } else if (ok && r->res_type[0] && r->res_id[0]) {
        cJSON *e = entity("2", "4", "Domain Resource");
        ok = fg_json_put(ents, NULL, e) && add_ref(e, r->res_type, r->res_id);
    }
    if (ok && r->request_id[0]) {
        /* BALP's "transaction" entity: the X-Request-Id every row of one
         * request shares (a Bundle's row and the rows of its entries). */
        cJSON *e = cJSON_CreateObject();
        cJSON *what = e ? cJSON_AddObjectToObject(e, "what") : NULL;
        cJSON *ident = what ? cJSON_AddObjectToObject(what, "identifier") : NULL;
        ok = fg_json_put(ents, NULL, e) && ident &&
             fg_json_put(e, "type", fg_json_coding(BALP_ENTITY_TYPE, "XrequestId", NULL)) &&
             cJSON_AddStringToObject(ident, "value", r->request_id);
    }
    if (ok && r->grant_id[0]) {
        cJSON *e = entity("2", "13", "Security Resource");
        cJSON *what = e ? cJSON_AddObjectToObject(e, "what") : NULL;
        cJSON *ident = what ? cJSON_AddObjectToObject(what, "identifier") : NULL;
        ok = fg_json_put(ents, NULL, e) && ident &&
             cJSON_AddStringToObject(ident, "system", FG_GRANT_SYSTEM) &&
             cJSON_AddStringToObject(ident, "value", r->grant_id);
    }
    return ok;
}

enum fg_status fg_auditevent_build(const struct smart_audit_row *row, cJSON **out)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !add_head(o, row) || !add_agents(o, row) || !add_source(o) || !add_entities(o, row)) {
        cJSON_Delete(o);
        return FG_ENOMEM;
    }
    *out = o;
    return FG_OK;
}

/* ---- handlers ---- */

struct audit_walk {
    struct fg_req *req;
    struct fg_virtual_set set;
    int64_t last_seq;
};

static enum fg_status add_row(void *arg, const struct smart_audit_row *row)
{
    struct audit_walk *w = arg;
    cJSON *json = NULL;
    char id[24];
    int n = snprintf(id, sizeof id, "%" PRId64, row->seq);
    enum fg_status st = n > 0 && (size_t)n < sizeof id ? fg_auditevent_build(row, &json) : FG_EIO;
    if (st == FG_OK)
        st =
            fg_virtual_add(w->req, &w->set, "AuditEvent", id, 1, row->at_us, row->patient_id, json);
    cJSON_Delete(json);
    w->last_seq = row->seq;
    return st;
}

static enum fg_status start(struct fg_req *req, enum fg_interaction ia)
{
    req->route_type = fg_str_c("AuditEvent");
    enum fg_status st = fg_access_authorize(req, ia, req->route_type,
                                            ia == FG_IA_READ ? req->route_id : FG_STR_NULL);
    if (st == FG_OK && !req->srv->auth)
        st = fg_error_set(&req->err, FG_ENOTFOUND, NULL, "no audit log configured");
    if (st == FG_OK)
        fg_audit_flush(req->srv->audit); /* a reader sees every event before its request */
    return st;
}

enum fg_status fg_auditevent_read(struct fg_req *req)
{
    enum fg_status st = start(req, FG_IA_READ);
    int64_t seq;
    if (st != FG_OK)
        return st;
    if (fg_parse_i64(req->route_id, 1, INT64_MAX, &seq) != FG_OK)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "AuditEvent/%.*s is not known",
                            (int)req->route_id.len, req->route_id.ptr);
    struct audit_walk w = {.req = req};
    struct smart_audit_row row;
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    st = smart_authdb_audit_get(db, seq, &row);
    fg_auth_release(req->srv->auth, db);
    if (st == FG_OK)
        st = add_row(&w, &row);
    if (st == FG_ENOTFOUND)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "AuditEvent/%.*s is not known",
                            (int)req->route_id.len, req->route_id.ptr);
    if (st != FG_OK)
        return req->err.status ? st
                               : fg_error_set(&req->err, st, NULL, "cannot read the audit log");
    return fg_virtual_send_read(req, &w.set.items[0]);
}

/* date=geX / gtX / leX / ltX / X (repeatable): bounds in µs. */
static enum fg_status date_bounds(struct fg_req *req, struct smart_audit_filter *f)
{
    for (size_t i = 0; i < req->n_query; i++) {
        if (!fg_str_eq_c(req->query[i].name, "date"))
            continue;
        struct fg_str v = req->query[i].value;
        char p0 = v.len > 2 ? v.ptr[0] : 0, p1 = v.len > 2 ? v.ptr[1] : 0;
        bool prefixed = (p0 == 'g' || p0 == 'l') && (p1 == 'e' || p1 == 't');
        struct fhir_date_range r;
        if (prefixed)
            v = fg_str_n(v.ptr + 2, v.len - 2);
        if (fhir_date_parse(v, &r) != FG_OK)
            return fg_error_set(&req->err, FG_EINVAL, "date",
                                "date must be [ge|gt|le|lt] and a FHIR date or instant");
        int64_t lo = r.lo * 1000, hi = (r.hi + 1) * 1000;
        if (!prefixed || p0 == 'g')
            f->since_us = p1 == 't' && prefixed ? hi : lo;
        if (!prefixed || p0 == 'l')
            f->until_us = p1 == 't' && prefixed ? lo : hi;
    }
    return FG_OK;
}

static enum fg_status search_filter(struct fg_req *req, struct smart_audit_filter *f, char *patient,
                                    size_t patient_size)
{
    struct fg_str p = fg_req_query(req, "patient"), c = fg_req_query(req, "_count"),
                  before = fg_req_query(req, "_before");
    int64_t count = FG_DEFAULT_COUNT;
    if (fg_str_starts_with(p, "Patient/"))
        p = fg_str_n(p.ptr + 8, p.len - 8);
    if (p.ptr && (!fg_is_fhir_id(p) || p.len >= patient_size))
        return fg_error_set(&req->err, FG_EINVAL, "patient", "patient must be a Patient id");
    if (c.ptr && fg_parse_i64(c, 1, SMART_AUDIT_MAX_LIST, &count) != FG_OK)
        return fg_error_set(&req->err, FG_EINVAL, "_count", "_count must be 1 to %d",
                            SMART_AUDIT_MAX_LIST);
    if (before.ptr && fg_parse_i64(before, 1, INT64_MAX, &f->before_seq) != FG_OK)
        return fg_error_set(&req->err, FG_EINVAL, "_before", "_before must be an AuditEvent id");
    if (p.ptr)
        memcpy(patient, p.ptr, p.len);
    patient[p.ptr ? p.len : 0] = '\0';
    f->patient_id = patient;
    f->limit = (int)count;
    return date_bounds(req, f);
}

/* The next page: the same query with _before = the last id on this page. */
static struct fg_str next_link(struct fg_req *req, const struct audit_walk *w, int limit)
{
    if (w->set.n < (size_t)limit || w->last_seq <= 1)
        return FG_STR_NULL;
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_URL_BYTES * 2);
    enum fg_status st = fg_buf_printf(&b, "%s/AuditEvent?", fg_req_base_url(req));
    for (size_t i = 0; i < req->n_query && st == FG_OK; i++) {
        if (fg_str_eq_c(req->query[i].name, "_before"))
            continue;
        st = fg_buf_append_url_encoded(&b, req->query[i].name);
        if (st == FG_OK)
            st = fg_buf_append_char(&b, '=');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(&b, req->query[i].value);
        if (st == FG_OK)
            st = fg_buf_append_char(&b, '&');
    }
    if (st == FG_OK)
        st = fg_buf_printf(&b, "_before=%" PRId64, w->last_seq);
    struct fg_str out = st == FG_OK ? fg_pool_str(req->pool, fg_buf_str(&b)) : FG_STR_NULL;
    fg_buf_cleanup(&b);
    return out;
}

enum fg_status fg_auditevent_search(struct fg_req *req)
{
    enum fg_status st = start(req, FG_IA_SEARCH_TYPE);
    struct smart_audit_filter f = {0};
    char patient[SMART_MAX_PATIENT_ID + 1];
    if (st == FG_OK)
        st = search_filter(req, &f, patient, sizeof patient);
    if (st != FG_OK)
        return st;
    struct audit_walk w = {.req = req};
    struct smart_authdb *db = fg_auth_acquire(req->srv->auth);
    st = smart_authdb_audit_list(db, &f, add_row, &w);
    fg_auth_release(req->srv->auth, db);
    if (st != FG_OK)
        return req->err.status ? st
                               : fg_error_set(&req->err, st, NULL, "cannot read the audit log");
    return fg_virtual_send_search(req, "AuditEvent", &w.set, next_link(req, &w, f.limit));
}
