/* wear_write.c - patient apps' Observation writes (see wear_write.h). */
#include "wear_write.h"

#include <string.h>

#include "../import/imp_store.h"
#include "access.h"
#include "rest.h"
#include "server.h"

bool fg_wear_app(const struct fg_req *req, struct fg_str type, struct imp_app *app)
{
    struct fg_str patient, client;
    if (!fg_str_eq_c(type, "Observation") ||
        fg_access_patient_app(req, &patient, &client) != FG_OK)
        return false;
    app->patient = patient;
    app->client_id = client;
    return true;
}

enum fg_status fg_wear_prepare(struct fg_req *req, const struct imp_app *app, cJSON *obs,
                               const char *where, struct fg_error *err)
{
    struct fg_error e;
    fg_error_clear(&e);
    enum fg_status st = imp_appwrite_prepare(obs, app, req->pool, NULL, &e);
    if (st == FG_OK)
        return FG_OK;
    return fg_error_set(err, st, e.expression[0] ? e.expression : NULL, "%s%s%s", where,
                        where[0] ? ": " : "", e.diagnostics);
}

cJSON *fg_wear_provenance(struct fg_req *req, const struct imp_app *app,
                          const struct fg_str *targets, size_t n, struct fg_error *err)
{
    char *client = fg_pool_strndup(req->pool, app->client_id.ptr, app->client_id.len);
    struct imp_agent agent = {client, client};
    cJSON *p = client ? imp_store_provenance(app->patient, &agent, targets, n,
                                             fg_clock_now_us(&req->srv->clock))
                      : NULL;
    if (!p || fg_pool_on_free(req->pool, (void (*)(void *))cJSON_Delete, p) != FG_OK) {
        cJSON_Delete(p);
        fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    return p;
}

/* If-None-Exist before the write: 0 matches go on, 1 answers, more is 412. */
static enum fg_status find_existing(struct fg_req *req, struct fhir_store *store,
                                    const struct fhir_query *cond, struct fhir_write_result *r,
                                    bool *found, struct fg_error *err)
{
    struct fhir_search_result sr = {0};
    *found = false;
    enum fg_status st = fhir_store_search(store, req->pool, cond, &sr, err);
    if (st != FG_OK)
        return st;
    if (sr.n_matches > 1 || sr.next_cursor.len)
        return fg_error_set(err, FG_EPRECOND, "If-None-Exist",
                            "If-None-Exist matches more than one resource");
    if (sr.n_matches == 1) {
        r->outcome = FHIR_WRITE_UNCHANGED;
        r->res = sr.matches[0];
        *found = true;
    }
    return FG_OK;
}

enum fg_status fg_wear_create(struct fg_req *req, struct fhir_store *store,
                              const struct imp_app *app, cJSON *obs,
                              const struct fhir_query *cond, struct fhir_write_result *r,
                              struct fg_error *err)
{
    bool found = false;
    struct fg_str id;
    enum fg_status st = cond ? find_existing(req, store, cond, r, &found, err) : FG_OK;
    if (st != FG_OK || found)
        return st;
    st = fg_rest_new_id(req, &id);
    const char *ref = st == FG_OK ? fg_pool_printf(req->pool, "Observation/%.*s", (int)id.len,
                                                   id.ptr)
                                  : NULL;
    if (st == FG_OK && !ref)
        st = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    struct fg_str target = fg_str_c(ref ? ref : "");
    cJSON *prov = st == FG_OK ? fg_wear_provenance(req, app, &target, 1, err) : NULL;
    if (st != FG_OK || !prov)
        return st != FG_OK ? st : FG_ENOMEM;
    struct fhir_write w[2] = {
        {.kind = FHIR_WRITE_CREATE, .type = FG_STR_LIT("Observation"), .id = id, .resource = obs,
         .if_none_exist = cond},
        {.kind = FHIR_WRITE_CREATE, .type = FG_STR_LIT("Provenance"), .resource = prov},
    };
    struct fhir_write_result res[2] = {{0}};
    st = fhir_store_write(store, req->pool, w, 2, res, err);
    if (st == FG_OK)
        *r = res[0];
    return st;
}

enum fg_status fg_wear_check_update(struct fg_req *req, struct fhir_store *store,
                                    const struct imp_app *app, struct fg_str id,
                                    const cJSON *incoming, struct fg_error *err)
{
    struct fhir_resource cur;
    enum fg_status st = fhir_store_read(store, req->pool, FG_STR_LIT("Observation"), id, &cur, err);
    if (st == FG_ENOTFOUND || st == FG_EGONE) {
        fg_error_clear(err);
        return fg_error_set(err, FG_EFORBIDDEN, NULL,
                            "an app may only change the Observations it wrote itself");
    }
    if (st != FG_OK)
        return st;
    cJSON *current = cJSON_ParseWithLength(cur.json.ptr, cur.json.len);
    if (!current)
        return fg_error_set(err, FG_EIO, NULL, "the stored Observation does not parse");
    st = imp_appwrite_check_update(current, incoming, app, err);
    cJSON_Delete(current);
    return st;
}
