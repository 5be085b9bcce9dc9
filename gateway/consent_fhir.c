/* consent_fhir.c - Consent resources from grants: rendering and the
 * read / search handlers (see consent_fhir.h, virtual.h). */
#include "consent_fhir.h"

#include <openssl/crypto.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../smart/authdb_accounts.h"
#include "../smart/authdb_clients.h"
#include "auth.h"
#include "fhir_json.h"
#include "server.h"
#include "virtual.h"

bool fg_grant_active(const struct smart_grant *g, int64_t now_s)
{
    return g->revoked_at == 0 && (g->expires_at == 0 || g->expires_at > now_s);
}

static bool add_instant(cJSON *o, const char *name, int64_t t_s)
{
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(t_s * 1000000, when);
    return cJSON_AddStringToObject(o, name, when) != NULL;
}

static bool add_meta(cJSON *o, const struct smart_grant *g)
{
    cJSON *meta = cJSON_AddObjectToObject(o, "meta");
    return meta && cJSON_AddStringToObject(meta, "versionId", g->revoked_at ? "2" : "1") &&
           add_instant(meta, "lastUpdated", g->revoked_at ? g->revoked_at : g->granted_at);
}

static bool add_provision(cJSON *o, const struct smart_grant *g, const char *client_name)
{
    cJSON *p = cJSON_AddObjectToObject(o, "provision");
    cJSON *period = p ? cJSON_AddObjectToObject(p, "period") : NULL;
    int64_t end = g->revoked_at ? g->revoked_at : g->expires_at;
    if (!p || !cJSON_AddStringToObject(p, "type", "permit") || !period ||
        !add_instant(period, "start", g->granted_at) || (end && !add_instant(period, "end", end)))
        return false;
    cJSON *actors = cJSON_AddArrayToObject(p, "actor");
    cJSON *actor = cJSON_CreateObject();
    if (!actors || !fg_json_put(actors, NULL, actor))
        return false;
    cJSON *ref = cJSON_AddObjectToObject(actor, "reference");
    cJSON *ident = ref ? cJSON_AddObjectToObject(ref, "identifier") : NULL;
    return fg_json_put(actor, "role",
                       fg_json_concept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                       "IRCP", "information recipient")) &&
           ident && cJSON_AddStringToObject(ident, "system", FG_CLIENT_ID_SYSTEM) &&
           cJSON_AddStringToObject(ident, "value", g->client_id) &&
           cJSON_AddStringToObject(ref, "display", client_name ? client_name : g->client_id);
}

static bool add_scopes_ext(cJSON *o, const struct smart_grant *g)
{
    cJSON *exts = cJSON_AddArrayToObject(o, "extension");
    cJSON *e = cJSON_CreateObject();
    return exts && fg_json_put(exts, NULL, e) &&
           cJSON_AddStringToObject(e, "url", FG_CONSENT_SCOPES_URL) &&
           cJSON_AddStringToObject(e, "valueString", g->scopes ? g->scopes : "");
}

enum fg_status fg_consent_resource_build(const struct smart_grant *g, const char *client_name,
                                         const char *username, int64_t now_s, cJSON **out)
{
    char id[SMART_GRANT_ID_SIZE];
    fg_consent_id_from_grant(g->id, id, sizeof id);
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o && cJSON_AddStringToObject(o, "resourceType", "Consent") &&
        cJSON_AddStringToObject(o, "id", id) && add_meta(o, g) && add_scopes_ext(o, g) &&
        cJSON_AddStringToObject(o, "status", fg_grant_active(g, now_s) ? "active" : "inactive") &&
        fg_json_put(o, "scope",
                    fg_json_concept("http://terminology.hl7.org/CodeSystem/consentscope",
                                    "patient-privacy", "Privacy Consent"));
    cJSON *cats = ok ? cJSON_AddArrayToObject(o, "category") : NULL;
    ok = ok && cats &&
         fg_json_put(cats, NULL, fg_json_concept("http://loinc.org", "59284-0", "Patient Consent"));
    if (ok && g->patient_id[0]) {
        cJSON *pt = cJSON_AddObjectToObject(o, "patient");
        char ref[SMART_MAX_PATIENT_ID + 16];
        int n = snprintf(ref, sizeof ref, "Patient/%s", g->patient_id);
        ok = pt && n > 0 && (size_t)n < sizeof ref && cJSON_AddStringToObject(pt, "reference", ref);
    }
    ok = ok && add_instant(o, "dateTime", g->granted_at);
    if (ok && username) {
        cJSON *perfs = cJSON_AddArrayToObject(o, "performer");
        cJSON *p = cJSON_CreateObject();
        ok =
            perfs && fg_json_put(perfs, NULL, p) && cJSON_AddStringToObject(p, "display", username);
    }
    ok = ok &&
         fg_json_put(
             o, "policyRule",
             fg_json_concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", NULL)) &&
         add_provision(o, g, client_name);
    if (!ok) {
        cJSON_Delete(o);
        return FG_ENOMEM;
    }
    *out = o;
    return FG_OK;
}

/* ---- handlers ---- */

struct consent_walk {
    struct fg_req *req;
    struct smart_authdb *db;
    struct fg_virtual_set set;
    struct fg_str status; /* status= filter, empty = any */
    size_t limit;
    int64_t now_s;
    bool full; /* limit reached: the walk was stopped */
};

static enum fg_status add_grant(struct consent_walk *w, const struct smart_grant *g)
{
    struct smart_client cl;
    struct smart_account acc;
    const char *name = NULL, *user = NULL;
    bool have_client = smart_authdb_client_get(w->db, fg_str_c(g->client_id), &cl) == FG_OK;
    bool have_acc =
        g->account_id && smart_authdb_account_get_by_id(w->db, g->account_id, &acc) == FG_OK;
    if (have_client)
        name = cl.name;
    if (have_acc)
        user = acc.username;
    cJSON *json = NULL;
    enum fg_status st = fg_consent_resource_build(g, name, user, w->now_s, &json);
    char id[SMART_GRANT_ID_SIZE];
    fg_consent_id_from_grant(g->id, id, sizeof id);
    if (st == FG_OK)
        st = fg_virtual_add(w->req, &w->set, "Consent", id, g->revoked_at ? 2 : 1,
                            (g->revoked_at ? g->revoked_at : g->granted_at) * 1000000,
                            g->patient_id, json);
    cJSON_Delete(json);
    if (have_client)
        smart_client_cleanup(&cl);
    if (have_acc)
        OPENSSL_cleanse(&acc, sizeof acc); /* holds a password hash */
    return st;
}

/* Grants past the status filter, until limit (the walk then stops: a
 * grant is rendered, with its client and account looked up, only when it
 * is shown). */
static enum fg_status walk_one(void *arg, const struct smart_grant *g)
{
    struct consent_walk *w = arg;
    const char *status = fg_grant_active(g, w->now_s) ? "active" : "inactive";
    if (w->status.len && !fg_str_eq_c(w->status, status))
        return FG_OK;
    if (w->set.n >= w->limit) {
        w->full = true;
        return FG_ETOOBIG;
    }
    return add_grant(w, g);
}

static enum fg_status need_auth(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "no authorization server configured");
    return FG_OK;
}

enum fg_status fg_consent_read(struct fg_req *req)
{
    req->route_type = fg_str_c("Consent");
    enum fg_status st = fg_access_authorize(req, FG_IA_READ, req->route_type, req->route_id);
    if (st == FG_OK)
        st = need_auth(req);
    if (st != FG_OK)
        return st;
    char gid[SMART_GRANT_ID_SIZE];
    struct consent_walk w = {.req = req, .limit = 1, .now_s = fg_clock_now_s(&req->srv->clock)};
    struct smart_grant g;
    st = FG_ENOTFOUND; /* a longer id is no grant's: not looked up cut */
    if (req->route_id.len < sizeof gid) {
        fg_grant_id_from_consent(req->route_id, gid, sizeof gid);
        w.db = fg_auth_acquire(req->srv->auth);
        st = smart_authdb_grant_get(w.db, fg_str_c(gid), &g);
        if (st == FG_OK) {
            st = add_grant(&w, &g);
            smart_grant_cleanup(&g);
        }
        fg_auth_release(req->srv->auth, w.db);
    }
    if (st == FG_ENOTFOUND)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "Consent/%.*s is not known",
                            (int)req->route_id.len, req->route_id.ptr);
    if (st != FG_OK)
        return fg_error_set(&req->err, st, NULL, "cannot read the grant");
    return fg_virtual_send_read(req, &w.set.items[0]);
}

enum fg_status fg_consent_search(struct fg_req *req)
{
    req->route_type = fg_str_c("Consent");
    enum fg_status st = fg_access_authorize(req, FG_IA_SEARCH_TYPE, req->route_type, FG_STR_NULL);
    if (st == FG_OK)
        st = need_auth(req);
    if (st != FG_OK)
        return st;
    struct fg_str patient = fg_req_query(req, "patient"), count = fg_req_query(req, "_count");
    if (fg_str_starts_with(patient, "Patient/"))
        patient = fg_str_n(patient.ptr + 8, patient.len - 8);
    if (!patient.len || !fg_is_fhir_id(patient))
        return fg_error_set(&req->err, FG_EINVAL, "patient",
                            "a Consent search needs patient=<id> (the grants of one patient)");
    int64_t limit = FG_DEFAULT_COUNT;
    if (count.ptr && fg_parse_i64(count, 0, FG_MAX_COUNT, &limit) != FG_OK)
        return fg_error_set(&req->err, FG_EINVAL, "_count", "_count must be 0 to %d", FG_MAX_COUNT);
    struct consent_walk w = {.req = req,
                             .status = fg_req_query(req, "status"),
                             .limit = (size_t)limit,
                             .now_s = fg_clock_now_s(&req->srv->clock)};
    w.db = fg_auth_acquire(req->srv->auth);
    st = smart_authdb_grants_for_patient(w.db, patient, walk_one, &w);
    fg_auth_release(req->srv->auth, w.db);
    if (st == FG_ETOOBIG && w.full)
        st = FG_OK;
    if (st != FG_OK)
        return req->err.status ? st : fg_error_set(&req->err, st, NULL, "cannot list the grants");
    return fg_virtual_send_search(req, "Consent", &w.set, FG_STR_NULL);
}
