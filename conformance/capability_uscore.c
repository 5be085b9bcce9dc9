/* capability_uscore.c - what the CapabilityStatement declares for US Core
 * 7.0.0 on top of the server's own tables: the supported profiles, the
 * expectation of each search parameter and combination, the includes and
 * the $docref operation, from the generated kit table (uscore_kit.h).
 * http://hl7.org/fhir/us/core/STU7/CapabilityStatement-us-core-server.html ;
 * contract in capability_uscore.h. */
#include "capability_uscore.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_str.h"
#include "uscore_kit.h"

#define EXPECTATION_URL "http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation"
#define COMBINATION_URL \
    "http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-parameter-combination"
#define WORD_MAX 256

static const struct fg_kit_cap_resource *find_resource(const char *type)
{
    for (size_t i = 0; i < fg_kit_cap_resources_len; i++)
        if (strcmp(fg_kit_cap_resources[i].type, type) == 0)
            return &fg_kit_cap_resources[i];
    return NULL;
}

static bool add_item(cJSON *arr, cJSON *item)
{
    if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* {"url": url, "<key>": value} appended to arr; returns the new object or NULL. */
static cJSON *add_ext(cJSON *arr, const char *url, const char *key, const char *value)
{
    cJSON *e = cJSON_CreateObject();
    if (!add_item(arr, e) || !cJSON_AddStringToObject(e, "url", url) ||
        (key && !cJSON_AddStringToObject(e, key, value)))
        return NULL;
    return e;
}

/* The array obj[name], created when missing. */
static cJSON *array_of(cJSON *obj, const char *name)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, name);
    return a ? a : cJSON_AddArrayToObject(obj, name);
}

static bool has_string(const cJSON *arr, const char *s)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
        if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
            return true;
    return false;
}

/* The next space-separated word of *rest as a C string in buf; false at the end. */
static bool next_word(struct fg_str *rest, char buf[WORD_MAX])
{
    struct fg_str w = FG_STR_NULL;
    while (rest->len && !w.len)
        fg_str_split(*rest, ' ', &w, rest);
    int n = snprintf(buf, WORD_MAX, "%.*s", (int)w.len, w.ptr ? w.ptr : "");
    return w.len && n > 0 && n < WORD_MAX;
}

static bool add_profiles(cJSON *entry, const struct fg_kit_cap_resource *r)
{
    cJSON *arr = array_of(entry, "supportedProfile");
    struct fg_str rest = fg_str_c(r->profiles);
    char w[WORD_MAX], v[WORD_MAX + 16];
    while (next_word(&rest, w)) {
        int n = snprintf(v, sizeof v, "%s|%s", w, FG_USCORE_VERSION);
        if (n < 0 || (size_t)n >= sizeof v || !add_item(arr, cJSON_CreateString(v)))
            return false;
    }
    return true;
}

static bool add_combos(cJSON *entry, const struct fg_kit_cap_resource *r)
{
    cJSON *ext = array_of(entry, "extension");
    if (!add_ext(ext, EXPECTATION_URL, "valueCode", r->expectation))
        return false;
    for (size_t i = 0; i < r->n_combos; i++) {
        cJSON *combo = add_ext(ext, COMBINATION_URL, NULL, NULL);
        cJSON *inner = combo ? cJSON_AddArrayToObject(combo, "extension") : NULL;
        if (!inner || !add_ext(inner, EXPECTATION_URL, "valueCode", r->combos[i].expectation))
            return false;
        struct fg_str rest = fg_str_c(r->combos[i].params);
        char w[WORD_MAX];
        while (next_word(&rest, w))
            if (!add_ext(inner, "required", "valueString", w))
                return false;
    }
    return true;
}

static cJSON *find_param(cJSON *params, const char *name)
{
    cJSON *p;
    cJSON_ArrayForEach(p, params) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return p;
    }
    return NULL;
}

/* Each US Core parameter gets its expectation (and is added when the
 * server's table lists it under another name row, e.g. a special). */
static bool add_param_expectations(cJSON *entry, const struct fg_kit_cap_resource *r)
{
    cJSON *params = array_of(entry, "searchParam");
    for (size_t i = 0; i < r->n_params; i++) {
        const struct fg_kit_cap_param *kp = &r->params[i];
        cJSON *p = find_param(params, kp->name);
        if (!p) {
            p = cJSON_CreateObject();
            if (!add_item(params, p) || !cJSON_AddStringToObject(p, "name", kp->name) ||
                !cJSON_AddStringToObject(p, "definition", kp->definition) ||
                !cJSON_AddStringToObject(p, "type", kp->type))
                return false;
        }
        if (!add_ext(array_of(p, "extension"), EXPECTATION_URL, "valueCode", kp->expectation))
            return false;
    }
    return true;
}

static bool add_strings(cJSON *entry, const char *name, const char *list)
{
    cJSON *arr = array_of(entry, name);
    struct fg_str rest = fg_str_c(list);
    char w[WORD_MAX];
    while (next_word(&rest, w))
        if (!has_string(arr, w) && !add_item(arr, cJSON_CreateString(w)))
            return false;
    return true;
}

/* How this server answers $docref (fhir/docref.h), as the operation's
 * definition asks servers to document. */
#define DOCREF_DOCUMENTATION                                                                    \
    "Returns the patient's stored DocumentReferences; documents are not generated. start/end: " \
    "documents whose context.period reaches into the range (either end open). Neither: the "   \
    "newest document of each type. type: any of the given Codings. profile: any of the given " \
    "profiles. on-demand=true: an empty searchset. An unknown patient: an empty searchset."

static bool add_operation(cJSON *entry, const struct fg_kit_cap_resource *r)
{
    if (!r->operation)
        return true;
    cJSON *op = cJSON_CreateObject();
    return add_item(array_of(entry, "operation"), op) &&
           add_ext(cJSON_AddArrayToObject(op, "extension"), EXPECTATION_URL, "valueCode",
                   r->operation_expectation) &&
           cJSON_AddStringToObject(op, "name", r->operation) &&
           cJSON_AddStringToObject(op, "definition", r->operation_definition) &&
           (strcmp(r->operation, "docref") != 0 ||
            cJSON_AddStringToObject(op, "documentation", DOCREF_DOCUMENTATION));
}

bool fg_capability_uscore_declares(const char *type, const char *code)
{
    const struct fg_kit_cap_resource *r = find_resource(type);
    return r && r->operation && strcmp(r->operation, code) == 0;
}

bool fg_capability_uscore_resource(cJSON *entry, const char *type)
{
    const struct fg_kit_cap_resource *r = find_resource(type);
    if (!r)
        return true;
    return add_combos(entry, r) && add_profiles(entry, r) && add_param_expectations(entry, r) &&
           add_strings(entry, "searchInclude", r->includes) &&
           add_strings(entry, "searchRevInclude", r->revincludes) && add_operation(entry, r);
}

bool fg_capability_uscore_header(cJSON *cs)
{
    char v[WORD_MAX];
    int n = snprintf(v, sizeof v, "%s|%s", fg_kit_cap_url, FG_USCORE_VERSION);
    cJSON *inst = cJSON_AddArrayToObject(cs, "instantiates");
    cJSON *ig = cJSON_AddArrayToObject(cs, "implementationGuide");
    return n > 0 && (size_t)n < sizeof v && add_item(inst, cJSON_CreateString(v)) &&
           add_item(ig, cJSON_CreateString(FG_USCORE_IG "|" FG_USCORE_VERSION));
}
