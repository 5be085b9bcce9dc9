/* opparams.c - operation inputs, shared part (see opparams.h). */
#include "opparams.h"

#include <string.h>

bool fhir_opparams_ignored(struct fg_str name)
{
    return fg_str_eq_c(name, "_format") || fg_str_eq_c(name, "_pretty");
}

enum fg_status fhir_opparams_once(struct fg_str *slot, struct fg_str v, const char *name,
                                  struct fg_error *err)
{
    if (slot->len)
        return fg_error_set(err, FG_EINVAL, name, "%s may be given once", name);
    if (!v.len)
        return fg_error_set(err, FG_EINVAL, name, "%s is empty", name);
    *slot = v;
    return FG_OK;
}

enum fg_status fhir_opparams_each(const cJSON *parameters, fhir_opparams_fn *fn, void *arg,
                                  struct fg_error *err)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(parameters, "resourceType");
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Parameters") != 0)
        return fg_error_set(err, FG_EINVAL, "resourceType",
                            "the body must be a Parameters resource");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(parameters, "parameter");
    if (list && !cJSON_IsArray(list))
        return fg_error_set(err, FG_EINVAL, "Parameters.parameter", "parameter must be an array");
    const cJSON *p;
    cJSON_ArrayForEach(p, list) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (!cJSON_IsString(name))
            return fg_error_set(err, FG_EINVAL, "Parameters.parameter.name",
                                "every parameter needs a name");
        enum fg_status st = fn(arg, fg_str_c(name->valuestring), p, err);
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}
