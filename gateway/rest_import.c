/* rest_import.c - $import-wearables and OperationDefinition reads (see rest_import.h). */
#include "rest_import.h"

#include <string.h>

#include "../conformance/opdef.h"
#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../import/imp_ingest.h"
#include "access.h"
#include "negotiate.h"
#include "rest.h"
#include "server.h"
#include "spool.h"

#define OP_SEGMENT "/$import-wearables"

bool fg_rest_import_is_upload(const struct fg_req *req)
{
    static const char prefix[] = "/fhir/Patient/";
    struct fg_str p = req->path;
    if (req->method != FG_POST || !fg_str_starts_with(p, prefix) ||
        !fg_str_ends_with(p, OP_SEGMENT))
        return false;
    struct fg_str id = fg_str_n(p.ptr + sizeof prefix - 1,
                                p.len - (sizeof prefix - 1) - (sizeof OP_SEGMENT - 1));
    return p.len > sizeof prefix - 1 + sizeof OP_SEGMENT - 1 && fg_is_fhir_id(id);
}

/* The format the Content-Type names. */
static enum fg_status upload_format(struct fg_req *req, enum imp_format *fmt)
{
    static const struct {
        const char *type;
        enum imp_format fmt;
    } rows[] = {
        {"application/zip", IMP_FMT_APPLE},         {"application/x-zip-compressed", IMP_FMT_APPLE},
        {"application/xml", IMP_FMT_APPLE},         {"text/xml", IMP_FMT_APPLE},
        {"application/json", IMP_FMT_GFIT_JSON},    {"text/csv", IMP_FMT_GFIT_CSV},
    };
    const char *ct = fg_req_header(req, "Content-Type");
    struct fg_str media = FG_STR_NULL, params;
    if (ct) {
        media = fg_str_c(ct);
        if (fg_str_split(media, ';', &media, &params))
            (void)params;
        media = fg_str_trim(media);
    }
    for (size_t i = 0; ct && i < sizeof rows / sizeof rows[0]; i++) {
        if (fg_str_ieq_c(media, rows[i].type)) {
            *fmt = rows[i].fmt;
            return FG_OK;
        }
    }
    return fg_error_set_http(&req->err, FG_EFORMAT, 415, "not-supported", "Content-Type",
                             "send the export file with Content-Type application/zip or "
                             "application/xml (Apple Health), application/json (Google Takeout "
                             "All Data) or text/csv (Google daily activity metrics)");
}

/* imp_ingest admit hook: the policy's content check, per Observation. */
static enum fg_status admit(void *ctx, const cJSON *obs, bool *ok)
{
    struct fg_req *req = ctx;
    enum fg_status st = fg_access_check_write(req, FG_IA_CREATE, FG_STR_LIT("Observation"),
                                              FG_STR_NULL, obs);
    *ok = st == FG_OK;
    if (st == FG_EFORBIDDEN || st == FG_EUNAUTH) {
        fg_error_clear(&req->err); /* counted, not fatal */
        return FG_OK;
    }
    return st;
}

static enum fg_status int_param(struct fg_buf *b, const char *name, uint64_t v, bool comma)
{
    return fg_buf_printf(b, "%s{\"name\":\"%s\",\"valueInteger\":%llu}", comma ? "," : "", name,
                         (unsigned long long)v);
}

static enum fg_status answer(struct fg_req *req, const struct imp_report *r,
                             const struct imp_store_counts *c)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fg_buf_append_c(&b, "{\"resourceType\":\"Parameters\",\"parameter\":[");
    if (st == FG_OK)
        st = int_param(&b, "read", r->emitted + r->skipped, false);
    if (st == FG_OK)
        st = int_param(&b, "created", c->created, true);
    if (st == FG_OK)
        st = int_param(&b, "replaced", c->replaced, true);
    if (st == FG_OK)
        st = int_param(&b, "alreadyPresent", c->existing, true);
    if (st == FG_OK)
        st = int_param(&b, "refused", c->refused, true);
    for (size_t i = 0; st == FG_OK && i < r->nskips; i++) {
        st = fg_buf_append_c(&b, ",{\"name\":\"skipped\",\"part\":[{\"name\":\"type\","
                                 "\"valueString\":");
        if (st == FG_OK)
            st = fg_buf_append_json_string(&b, fg_str_c(r->skips[i].type));
        if (st == FG_OK)
            st = fg_buf_printf(&b, "},{\"name\":\"reason\",\"valueString\":\"%s\"},"
                                   "{\"name\":\"count\",\"valueInteger\":%llu}]}",
                               r->skips[i].reason, (unsigned long long)r->skips[i].count);
    }
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "]}");
    if (st != FG_OK) {
        fg_buf_cleanup(&b);
        return fg_error_set(&req->err, st, NULL, "the answer could not be built");
    }
    return fg_rest_send_buf(req, 200, &b);
}

static enum fg_status patient_exists(struct fg_req *req, struct fhir_store *store)
{
    /* Internal: the caller is authorized to write Observations, not necessarily to read the
     * Patient resource; who may write for this patient is fg_access_check_write's to say. */
    struct fhir_resource res;
    enum fg_status st = fhir_store_read(store, req->pool, FG_STR_LIT("Patient"), req->route_id,
                                        &res, &req->err);
    if (st == FG_ENOTFOUND || st == FG_EGONE) {
        fg_error_clear(&req->err);
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "Patient/%.*s is not known",
                            (int)req->route_id.len, req->route_id.ptr);
    }
    return st;
}

static const struct imp_agent upload_agents[] = {
    {"Apple Health export (uploaded)", NULL},
    {"Google Fit export (uploaded)", NULL},
};

enum fg_status fg_rest_import_wearables(struct fg_req *req)
{
    struct fhir_store *store = NULL;
    enum imp_format fmt = IMP_FMT_APPLE;
    struct fg_str patient = FG_STR_NULL, client = FG_STR_NULL;
    enum fg_status st = fg_access_authorize(req, FG_IA_CREATE, FG_STR_LIT("Observation"),
                                            FG_STR_NULL);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = patient_exists(req, store);
    if (st == FG_OK)
        st = upload_format(req, &fmt);
    if (st == FG_OK && (!req->spool || req->spool->bytes == 0))
        st = fg_error_set(&req->err, FG_EINVAL, NULL, "the request body (the export file) is empty");
    if (st == FG_OK && req->spool->failed)
        st = fg_error_set(&req->err, FG_EIO, NULL, "the upload could not be stored");
    if (st != FG_OK)
        return st;
    struct imp_agent agent = upload_agents[fmt == IMP_FMT_APPLE ? 0 : 1];
    char *client_c = NULL;
    if (fg_access_patient_app(req, &patient, &client) == FG_OK && client.len) {
        client_c = fg_pool_strndup(req->pool, client.ptr, client.len);
        agent.client_id = client_c;
    }
    struct imp_ingest in = {
        .store = store,
        .agent = &agent,
        .opts = {.patient = req->route_id, .issued_us = fg_clock_now_us(&req->srv->clock)},
        .batch = (size_t)req->srv->cfg.import_batch,
        .admit = admit,
        .admit_ctx = req,
    };
    struct imp_report r;
    struct imp_store_counts c;
    struct fg_error err;
    fg_error_clear(&err);
    st = imp_ingest_file(&in, req->spool->path, fmt, &r, &c, &err);
    if (st != FG_OK) {
        req->err = err;
        return st;
    }
    if (c.refused > 0 && c.refused == c.received + c.refused && c.created == 0)
        return fg_error_set(&req->err, FG_EFORBIDDEN, NULL,
                            "the token may not write these Observations for Patient/%.*s",
                            (int)req->route_id.len, req->route_id.ptr);
    return answer(req, &r, &c);
}

enum fg_status fg_rest_opdef_read(struct fg_req *req)
{
    const struct fg_opdef *op = fg_opdef_find(req->route_id.ptr, req->route_id.len);
    if (!op) {
        /* Not one of the server's own: an OperationDefinition in the store, if any. */
        req->route_type = FG_STR_LIT("OperationDefinition");
        return fg_rest_read(req);
    }
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    enum fg_status st = fg_opdef_write(op, fg_req_base_url(req), &b);
    if (st != FG_OK) {
        fg_buf_cleanup(&b);
        return fg_error_set(&req->err, st, NULL, "the OperationDefinition could not be built");
    }
    return fg_rest_send_buf(req, 200, &b);
}
