/* bulk_http.c - $export kick-off, status, cancel and file download (see
 * bulk_http.h). https://hl7.org/fhir/uv/bulkdata/STU2/export.html */
#include "bulk_http.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fg_limits.h"
#include "../fhir/index.h"
#include "../fhir/searchparam.h"
#include "access.h"
#include "audit_req.h"
#include "auth.h"
#include "bulk.h"
#include "rest.h"
#include "server.h"

#define BULK_RETRY_AFTER "1" /* seconds between polls a client should wait */

static enum fg_status no_bulk(struct fg_req *req)
{
    return fg_error_set_http(&req->err, FG_EIO, 503, "transient", NULL,
                             "bulk export is not available on this server");
}

/* The absolute URL of a server path, in the pool. */
static const char *abs_url(struct fg_req *req, struct fg_str path)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_CONFIG_VALUE_MAX + FG_MAX_URL_BYTES);
    char *out = NULL;
    char *p = fg_pool_strndup(req->pool, path.ptr, path.len);
    if (p && fg_auth_url(fg_req_base_url(req), p, &b) == FG_OK)
        out = fg_pool_strndup(req->pool, fg_buf_str(&b).ptr, fg_buf_str(&b).len);
    fg_buf_cleanup(&b);
    return out;
}

static int status_of(const struct fg_req *req, enum fg_status st)
{
    return st == FG_OK ? req->resp.status : fg_error_http_status(&req->err);
}

/* ---- kick-off ---- */

/* The parameters: the query's, plus a POST's Parameters body. */
static enum fg_status kickoff_pairs(struct fg_req *req, struct fhir_kv **pairs, size_t *n)
{
    *pairs = req->query;
    *n = req->n_query;
    if (req->method != FG_POST || !req->body.len)
        return FG_OK;
    cJSON *body = NULL;
    struct fhir_kv *bp = NULL;
    size_t nb = 0;
    enum fg_status st = fg_rest_parse_json(req, fg_buf_str(&req->body), "Parameters", &body);
    if (st == FG_OK)
        st = fg_bulk_params_from_parameters(req->pool, body, &bp, &nb, &req->err);
    if (st != FG_OK)
        return st;
    if (nb + req->n_query > FG_MAX_BULK_PARAMS)
        return fg_error_set_http(&req->err, FG_EINVAL, 400, "too-costly", NULL,
                                 "more than %d $export parameters", FG_MAX_BULK_PARAMS);
    struct fhir_kv *all = fg_pool_alloc(req->pool, (nb + req->n_query + 1) * sizeof *all);
    if (!all)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (nb)
        memcpy(all, bp, nb * sizeof *all);
    if (req->n_query)
        memcpy(all + nb, req->query, req->n_query * sizeof *all);
    *pairs = all;
    *n = nb + req->n_query;
    return FG_OK;
}

/* The Patient ids a Group lists (active members only; other member types
 * and nested Groups are not followed). */
static enum fg_status group_members(struct fg_req *req, const struct fhir_resource *g,
                                    struct fg_str **out, size_t *n_out)
{
    cJSON *json = NULL;
    enum fg_status st = fg_rest_parse_json(req, g->json, "Group", &json);
    if (st != FG_OK)
        return st;
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(json, "member");
    int total = cJSON_GetArraySize(members);
    if (total > FG_MAX_BULK_MEMBERS)
        return fg_error_set_http(&req->err, FG_ETOOBIG, 400, "too-costly", NULL,
                                 "the Group has more than %d members", FG_MAX_BULK_MEMBERS);
    struct fg_str *ids = fg_pool_alloc(req->pool, (size_t)(total > 0 ? total : 1) * sizeof *ids);
    if (!ids)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    size_t n = 0;
    const char *base = fg_req_base_url(req);
    size_t bl = strlen(base);
    const cJSON *m;
    cJSON_ArrayForEach(m, members)
    {
        const cJSON *inactive = cJSON_GetObjectItemCaseSensitive(m, "inactive");
        const cJSON *entity = cJSON_GetObjectItemCaseSensitive(m, "entity");
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(entity, "reference");
        if (cJSON_IsTrue(inactive) || !cJSON_IsString(ref))
            continue;
        struct fg_str r = fg_str_c(ref->valuestring);
        if (r.len > bl + 1 && memcmp(r.ptr, base, bl) == 0 && r.ptr[bl] == '/')
            r = fg_str_n(r.ptr + bl + 1, r.len - bl - 1);
        if (!fg_str_starts_with(r, "Patient/") || !fg_is_fhir_id(fg_str_n(r.ptr + 8, r.len - 8)))
            continue;
        ids[n] = fg_pool_str(req->pool, fg_str_n(r.ptr + 8, r.len - 8));
        if (!ids[n].ptr)
            return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
        n++;
    }
    *out = ids;
    *n_out = n;
    return FG_OK;
}

/* The Group, read as GET Group/{id} would be (404 when hidden). */
static enum fg_status read_group(struct fg_req *req, struct fg_str id, struct fg_str **members,
                                 size_t *n)
{
    struct fhir_store *store = NULL;
    struct fhir_resource g;
    size_t visible = 1;
    enum fg_status st = fg_access_authorize(req, FG_IA_READ, fg_str_c("Group"), id);
    if (st == FG_OK)
        st = fg_rest_store(req, &store);
    if (st == FG_OK)
        st = fhir_store_read(store, req->pool, fg_str_c("Group"), id, &g, &req->err);
    if (st == FG_OK)
        st = fg_access_filter_result(req, FG_IA_READ, &g, &visible);
    if (st == FG_OK && !visible)
        st = FG_ENOTFOUND;
    if (st == FG_ENOTFOUND || st == FG_EGONE) {
        fg_error_clear(&req->err);
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "Group/%.*s is not known", (int)id.len, id.ptr);
    }
    return st == FG_OK ? group_members(req, &g, members, n) : st;
}

/* Is patient one the kick-off may name: a Patient the store holds that the
 * access reaches for one of types? Quietly: req->err stays clear. */
static bool patient_known(struct fg_req *req, struct fg_str id, const char *const *types,
                          size_t n_types)
{
    struct fhir_store *store = NULL;
    struct fhir_resource res;
    struct fg_error quiet;
    bool open[FG_MAX_BULK_TYPES > 200 ? FG_MAX_BULK_TYPES : 200];
    fg_error_clear(&quiet);
    bool known = fg_rest_store(req, &store) == FG_OK &&
                 fhir_store_read(store, req->pool, fg_str_c("Patient"), id, &res, &quiet) == FG_OK &&
                 fg_access_span_types(req, id, types, n_types, open) == FG_OK;
    fg_error_clear(&req->err);
    return known;
}

static bool listed(const struct fg_str *ids, size_t n, struct fg_str id)
{
    for (size_t i = 0; i < n; i++)
        if (fg_str_eq(ids[i], id))
            return true;
    return false;
}

/* The `patient` values (Bulk Data 2.0 export.html#query-parameters): not for
 * a system export; each must be a Patient the access reaches (and, for a
 * Group, one of its members), else 400 naming `patient` (lenient: left
 * out). They then confine the export: *members, *n the patients kept. */
static enum fg_status confine_patients(struct fg_req *req, enum fg_bulk_level level,
                                       bool lenient, struct fg_bulk_spec *spec,
                                       struct fg_str **members)
{
    const struct fg_bulk_params *p = &spec->params;
    if (!p->n_patients)
        return FG_OK;
    if (level == FG_BULK_SYSTEM) {
        if (lenient) {
            spec->params.n_patients = 0;
            return FG_OK;
        }
        return fg_error_set(&req->err, FG_EINVAL, "patient",
                            "patient applies to Patient/$export and Group/[id]/$export only");
    }
    const char *types[FG_MAX_BULK_TYPES > 200 ? FG_MAX_BULK_TYPES : 200];
    size_t n_types = 0;
    for (size_t i = 0; i < fhir_resource_types_count && n_types < sizeof types / sizeof *types;
         i++) {
        const char *t = fhir_resource_types[i];
        if (fg_bulk_params_wants_type(p, t) && fhir_compartment_type_in_patient(fg_str_c(t)))
            types[n_types++] = t;
    }
    struct fg_str *kept = fg_pool_alloc(req->pool, p->n_patients * sizeof *kept);
    if (!kept)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < p->n_patients; i++) {
        struct fg_str id = p->patients[i];
        bool member = level != FG_BULK_GROUP || listed(*members, spec->n_members, id);
        if (member && patient_known(req, id, types, n_types))
            kept[n++] = id;
        else if (!lenient)
            return fg_error_set(&req->err, FG_EINVAL, "patient", "patient: Patient/%.*s is %s",
                                (int)id.len, id.ptr,
                                member ? "not known" : "not a member of the Group");
    }
    *members = kept;
    spec->n_members = n;
    spec->confined = true;
    return FG_OK;
}

static enum fg_status kickoff_run(struct fg_req *req, enum fg_bulk_level level,
                                  struct fg_str group_id, struct fg_str *job_out)
{
    if (req->method == FG_HEAD) /* answered by the GET route, but a kick-off is no read */
        return fg_error_set_http(&req->err, FG_ENOTSUP, 405, "not-supported", NULL,
                                 "$export is started with GET or POST");
    const char *owner = NULL;
    enum fg_status st = fg_access_owner(req, &owner); /* 401 first */
    if (st != FG_OK)
        return st;
    if (!req->srv->bulk)
        return no_bulk(req);
    bool async = false, lenient = false;
    fg_bulk_prefer_parse(fg_str_c(fg_req_header(req, "Prefer")), &async, &lenient);
    if (!async)
        return fg_error_set_http(&req->err, FG_EINVAL, 400, "invalid", "Prefer",
                                 "$export runs asynchronously: send Prefer: respond-async");
    struct fhir_kv *pairs = NULL;
    size_t n = 0;
    struct fg_bulk_spec spec = {.level = level};
    st = kickoff_pairs(req, &pairs, &n);
    if (st == FG_OK)
        st = fg_bulk_params_parse(req->pool, fg_str_c(fg_req_base_url(req)), pairs, n, lenient,
                                  &spec.params, &req->err);
    /* A type asked for by name must be granted (403, as its search would be). */
    for (size_t i = 0; st == FG_OK && i < spec.params.n_types; i++)
        st = fg_access_authorize(req, FG_IA_SEARCH_TYPE, fg_str_c(spec.params.types[i]),
                                 FG_STR_NULL);
    for (size_t i = 0; st == FG_OK && i < spec.params.n_filters; i++)
        st = fg_access_authorize(req, FG_IA_SEARCH_TYPE, fg_str_c(spec.params.filters[i].type),
                                 FG_STR_NULL);
    struct fg_str *members = NULL;
    spec.confined = level == FG_BULK_GROUP;
    if (st == FG_OK && level == FG_BULK_GROUP)
        st = read_group(req, group_id, &members, &spec.n_members);
    if (st == FG_OK)
        st = confine_patients(req, level, lenient, &spec, &members);
    spec.members = members;
    spec.request_url = st == FG_OK ? abs_url(req, req->raw_target) : NULL;
    if (st == FG_OK && !spec.request_url)
        st = fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    struct fg_access_copy *copy = NULL;
    if (st == FG_OK)
        st = fg_access_copy_take(req, &copy);
    char id[FG_BULK_JOB_ID_LEN + 1];
    if (st == FG_OK)
        st = fg_bulk_submit(req->srv->bulk, &spec, copy, id, &req->err);
    if (st == FG_EBUSY)
        fg_resp_header(req, "Retry-After", "60");
    if (st != FG_OK)
        return st;
    *job_out = fg_pool_str(req->pool, fg_str_c(id));
    char path[64];
    if (snprintf(path, sizeof path, "/bulk/jobs/%s", id) >= (int)sizeof path)
        return fg_error_set(&req->err, FG_EIO, NULL, "job id too long");
    const char *loc = abs_url(req, fg_str_c(path));
    if (!loc || !job_out->ptr || fg_resp_header(req, "Content-Location", loc) != FG_OK)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    return fg_rest_send_info(req, 202, fg_str_c("the export has started; poll Content-Location"));
}

static enum fg_status kickoff(struct fg_req *req, enum fg_bulk_level level, struct fg_str group)
{
    struct fg_str job = FG_STR_NULL;
    enum fg_status st = kickoff_run(req, level, group, &job);
    char query[SMART_AUDIT_MAX_QUERY + 1];
    fg_audit_clean_query(req->raw_query, query, sizeof query);
    const char *what = fg_pool_printf(req->pool, "$export%s%s%s%.*s", query[0] ? "?" : "", query,
                                      job.len ? " job=" : "", (int)job.len, job.ptr ? job.ptr : "");
    fg_audit_operation(req, status_of(req, st), fg_str_c(level == FG_BULK_GROUP ? "Group"
                                                         : level == FG_BULK_PATIENT ? "Patient"
                                                                                     : ""),
                       group, what ? what : "$export");
    return st;
}

enum fg_status fg_bulk_kickoff_system(struct fg_req *req)
{
    return kickoff(req, FG_BULK_SYSTEM, FG_STR_NULL);
}

enum fg_status fg_bulk_kickoff_patient(struct fg_req *req)
{
    return kickoff(req, FG_BULK_PATIENT, FG_STR_NULL);
}

/* The n-th segment of the path ("/fhir/Group/x/$export": 2 is "x"). */
static struct fg_str segment(struct fg_str path, size_t n)
{
    struct fg_str rest = path, seg = FG_STR_NULL;
    if (rest.len && rest.ptr[0] == '/')
        rest = fg_str_n(rest.ptr + 1, rest.len - 1);
    for (size_t i = 0; i <= n; i++) {
        if (!rest.len)
            return FG_STR_NULL;
        fg_str_split(rest, '/', &seg, &rest);
    }
    return seg;
}

enum fg_status fg_bulk_kickoff_group(struct fg_req *req)
{
    struct fg_str id = segment(req->path, 2);
    if (!fg_is_fhir_id(id))
        return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                                 "not a Group id");
    return kickoff(req, FG_BULK_GROUP, id);
}

/* ---- status, cancel, files ---- */

static enum fg_status job_not_found(struct fg_req *req)
{
    return fg_error_set_http(&req->err, FG_ENOTFOUND, 404, "not-found", NULL,
                             "no such export job (unknown, expired or deleted)");
}

/* Authenticates, then the job id of /bulk/jobs/{job}[/...] and the owner. */
static enum fg_status job_of(struct fg_req *req, struct fg_str *id, const char **owner)
{
    enum fg_status st = fg_access_owner(req, owner);
    if (st != FG_OK)
        return st;
    if (!req->srv->bulk)
        return no_bulk(req);
    *id = segment(req->path, 2);
    return fg_bulk_job_id_ok(*id) ? FG_OK : job_not_found(req);
}

enum fg_status fg_bulk_status_get(struct fg_req *req)
{
    struct fg_str id;
    const char *owner = NULL;
    struct fg_bulk_status s;
    enum fg_status st = job_of(req, &id, &owner);
    if (st == FG_OK)
        st = fg_bulk_status(req->srv->bulk, id, owner, req->pool, &s);
    if (st == FG_ENOTFOUND)
        return job_not_found(req);
    if (st != FG_OK)
        return req->err.status != FG_OK ? st : fg_error_set(&req->err, st, NULL, "out of memory");
    fg_resp_header(req, "Cache-Control", "no-store");
    if (s.state == FG_BULK_QUEUED || s.state == FG_BULK_RUNNING) {
        fg_resp_header(req, "X-Progress", s.progress);
        fg_resp_header(req, "Retry-After", BULK_RETRY_AFTER);
        fg_resp_set(req, 202, NULL, FG_STR_NULL);
        return FG_OK;
    }
    if (s.state == FG_BULK_FAILED)
        return fg_error_set_http(&req->err, FG_EIO, 500, "exception", NULL,
                                 "the export failed: %s", s.error);
    char date[FG_HTTP_DATE_MAX];
    fg_rest_http_date(s.expires_us, date);
    const char *expires = fg_pool_strdup(req->pool, date);
    if (expires)
        fg_resp_header(req, "Expires", expires);
    fg_resp_set(req, 200, "application/json", s.manifest);
    return FG_OK;
}

enum fg_status fg_bulk_status_delete(struct fg_req *req)
{
    struct fg_str id;
    const char *owner = NULL;
    enum fg_status st = job_of(req, &id, &owner);
    if (st == FG_OK)
        st = fg_bulk_cancel(req->srv->bulk, id, owner);
    if (st == FG_ENOTFOUND)
        return job_not_found(req);
    if (st != FG_OK)
        return st;
    return fg_rest_send_info(req, 202, fg_str_c("the export job and its files are deleted"));
}

static enum fg_status download_run(struct fg_req *req, struct fg_str *type, struct fg_str *id)
{
    const char *owner = NULL, *path = NULL;
    enum fg_status st = job_of(req, id, &owner);
    struct fg_str name = segment(req->path, 3);
    if (st == FG_OK)
        st = fg_bulk_file(req->srv->bulk, *id, owner, name, req->pool, &path, type);
    if (st == FG_ENOTFOUND)
        return job_not_found(req);
    if (st != FG_OK)
        return st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        if (fd >= 0)
            close(fd);
        return job_not_found(req); /* expired meanwhile */
    }
    fg_resp_header(req, "Cache-Control", "no-store");
    fg_resp_set(req, 200, "application/fhir+ndjson", FG_STR_NULL);
    req->resp.body_fd_size = (uint64_t)sb.st_size;
    req->resp.body_fd = fd;
    return FG_OK;
}

enum fg_status fg_bulk_download(struct fg_req *req)
{
    struct fg_str type = FG_STR_NULL, id = FG_STR_NULL;
    enum fg_status st = download_run(req, &type, &id);
    struct fg_str name = segment(req->path, 3);
    const char *what = fg_pool_printf(req->pool, "$export-file %.*s/%.*s", (int)id.len,
                                      id.ptr ? id.ptr : "", (int)(name.len > 80 ? 80 : name.len),
                                      name.ptr ? name.ptr : "");
    fg_audit_operation(req, status_of(req, st), type, FG_STR_NULL, what);
    return st;
}
