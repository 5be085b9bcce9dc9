/* write_validate.c - claimed or implied US Core profiles checked on every API write;
 * contract in write_validate.h. */
#include "write_validate.h"

#include <string.h>

#include "../conformance/validate.h"
#include "../core/fg_limits.h"
#include "negotiate.h"

/* The report's first error into err; the others are counted. */
static enum fg_status report_error(const struct fg_validation_report *rep, const char *url,
                                   const char *where, struct fg_error *err)
{
    const struct fg_validation_issue *first = NULL;
    for (size_t i = 0; i < rep->n_issues && !first; i++)
        if (rep->issues[i].severity == FG_VSEV_ERROR)
            first = &rep->issues[i];
    size_t more = rep->n_errors > 0 ? rep->n_errors - 1 : 0;
    const char *sep = where[0] ? ": " : "";
    if (!first)
        return fg_error_set(err, FG_EUNPROC, NULL, "%s%sthe resource does not conform to %s",
                            where, sep, url);
    return fg_error_set(err, FG_EUNPROC, first->expression,
                        "%s%s%s: %s (profile %s; %zu more error%s)", where, sep,
                        first->expression ? first->expression : "", first->message, url,
                        more, more == 1 ? "" : "s");
}

/* source: why url was checked, for the report ("meta.profile", "implied ..."). */
static enum fg_status validate_one(struct fg_pool *pool, const cJSON *res, const char *url,
                                   const char *source, const char *where,
                                   struct fg_validation_report *rep, struct fg_error *err)
{
    enum fg_status st = fg_validate_resource(pool, res, url, rep);
    rep->profile_source = source;
    if (st == FG_EUNPROC)
        return report_error(rep, rep->profile_url ? rep->profile_url : "", where, err);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "out of memory validating the resource");
    return FG_OK;
}

/* Validates against each known claimed profile until one fails, or, when it claims none we
 * know, against the profile its type / code / category implies; on FG_EUNPROC rep is that
 * profile's report and err names its first error. */
static enum fg_status check(struct fg_pool *pool, const cJSON *res, const char *where,
                            struct fg_validation_report *rep, struct fg_error *err)
{
    if (!where)
        where = "";
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
    const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(meta, "profile");
    int known = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, profiles) {
        if (!cJSON_IsString(p) || !fg_validate_find_profile(p->valuestring))
            continue;
        known++;
        enum fg_status st = validate_one(pool, res, p->valuestring, "meta.profile", where, rep, err);
        if (st != FG_OK)
            return st;
    }
    if (known)
        return FG_OK;
    /* found once: checked as the profile to use, not looked for again */
    const char *implied = fg_validate_implied_profile(res);
    if (!implied)
        return FG_OK;
    return validate_one(pool, res, implied, "implied by type/code/category", where, rep, err);
}

enum fg_status fg_write_validate(struct fg_pool *pool, const cJSON *res, const char *where,
                                 struct fg_error *err)
{
    struct fg_validation_report rep;
    return check(pool, res, where, &rep, err);
}

enum fg_status fg_write_validate_req(struct fg_req *req, const cJSON *res)
{
    struct fg_validation_report rep;
    enum fg_status st = check(req->pool, res, "", &rep, &req->err);
    if (st != FG_EUNPROC)
        return st;
    /* The whole report; should it not fit, the one-issue outcome of req->err is sent. */
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    if (fg_validation_report_to_outcome(&rep, &b) == FG_OK) {
        struct fg_str body = fg_pool_str(req->pool, fg_buf_str(&b));
        if (body.ptr)
            fg_resp_set(req, 422, FG_CT_FHIR_JSON, body);
    }
    fg_buf_cleanup(&b);
    return st;
}
