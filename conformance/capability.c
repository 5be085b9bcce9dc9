/* capability.c - CapabilityStatement from the server's tables.
 * http://hl7.org/fhir/R4/capabilitystatement.html ; contract in capability.h. */
#include "capability.h"
#include "opdef.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "../core/fg_clock.h"
#include "../fhir/searchparam.h"
#include "capability_bulk.h"
#include "capability_uscore.h"

bool fg_capability_param_declared(const struct fhir_searchparam *p)
{
    return p->type != FHIR_PARAM_COMPOSITE && p->type != FHIR_PARAM_SPECIAL && p->n_compiled > 0;
}

/* What every type offers: the type-level and instance-level routes of
 * gateway/routes.c. */
static const char *const type_interactions[] = {
    "read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create",
    "search-type",
};
/* PATCH takes JSON Patch only (FHIRPath Patch is not supported). */
static const char *const patch_formats[] = {"application/json-patch+json"};
static const char *const system_interactions[] = {"transaction", "batch", "history-system"};

static bool add_codes(cJSON *parent, const char *name, const char *const *codes, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(parent, name);
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o) || !cJSON_AddStringToObject(o, "code", codes[i]))
            return false;
    }
    return arr != NULL;
}

static bool add_param(cJSON *arr, const struct fhir_searchparam *p)
{
    char doc[256];
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o))
        return false;
    int n = snprintf(doc, sizeof doc, "%s search on %s%s%s", fhir_param_type_name(p->type),
                     p->resource, p->paths[0] ? ": " : "", p->paths);
    if (n < 0 || (size_t)n >= sizeof doc)
        doc[0] = '\0';
    return cJSON_AddStringToObject(o, "name", p->code) &&
           cJSON_AddStringToObject(o, "definition", p->url) &&
           cJSON_AddStringToObject(o, "type", fhir_param_type_name(p->type)) &&
           (!doc[0] || cJSON_AddStringToObject(o, "documentation", doc));
}

static bool add_string(cJSON *arr, const char *a, const char *b)
{
    char v[256];
    int n = snprintf(v, sizeof v, "%s:%s", a, b);
    if (n < 0 || (size_t)n >= sizeof v)
        return true; /* no parameter name is that long; skip rather than truncate */
    cJSON *s = arr ? cJSON_CreateString(v) : NULL;
    if (!s || !cJSON_AddItemToArray(arr, s)) {
        cJSON_Delete(s);
        return false;
    }
    return true;
}

/* One rest.resource entry, with its search parameters and _include values. */
static cJSON *resource_entry(const char *type)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    bool ok = cJSON_AddStringToObject(r, "type", type) &&
              add_codes(r, "interaction", type_interactions,
                        sizeof type_interactions / sizeof type_interactions[0]) &&
              cJSON_AddStringToObject(r, "versioning", "versioned") &&
              cJSON_AddTrueToObject(r, "readHistory") && cJSON_AddTrueToObject(r, "updateCreate") &&
              cJSON_AddTrueToObject(r, "conditionalCreate") &&
              cJSON_AddStringToObject(r, "conditionalRead", "not-supported") &&
              cJSON_AddTrueToObject(r, "conditionalUpdate") &&
              cJSON_AddStringToObject(r, "conditionalDelete", "single");
    cJSON *inc = ok ? cJSON_AddArrayToObject(r, "searchInclude") : NULL;
    ok = ok && inc && cJSON_AddArrayToObject(r, "searchRevInclude") != NULL;
    cJSON *params = ok ? cJSON_AddArrayToObject(r, "searchParam") : NULL;
    size_t cursor = 0;
    const struct fhir_searchparam *p;
    struct fg_str t = fg_str_c(type);
    while (params && (p = fhir_searchparam_next(t, &cursor)) != NULL) {
        if (!fg_capability_param_declared(p))
            continue;
        if (!add_param(params, p) ||
            (p->type == FHIR_PARAM_REFERENCE && !add_string(inc, type, p->code))) {
            params = NULL;
        }
    }
    if (!params) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

/* Adds "Source:code" to the searchRevInclude of every target of every
 * reference parameter (one pass over the table). */
static bool add_revincludes(cJSON **by_type)
{
    for (size_t i = 0; i < fhir_searchparams_count; i++) {
        const struct fhir_searchparam *p = &fhir_searchparams[i];
        if (p->type != FHIR_PARAM_REFERENCE)
            continue;
        long src = fhir_resource_type_index(fg_str_c(p->resource));
        if (src < 0)
            continue; /* "Resource" rows: no concrete source type */
        struct fg_str rest = fg_str_c(p->targets), word;
        while (rest.len) {
            fg_str_split(rest, ' ', &word, &rest);
            long k = fhir_resource_type_index(word);
            if (k < 0 || !by_type[k])
                continue;
            cJSON *rev = cJSON_GetObjectItemCaseSensitive(by_type[k], "searchRevInclude");
            if (!add_string(rev, p->resource, p->code))
                return false;
        }
    }
    return true;
}

/* rest.resource.operation for the operations of opdef.h, each with its definition's url;
 * those the US Core server CapabilityStatement declares ($docref) are left to
 * capability_uscore.c, which adds them with their expectation. */
static bool add_operations(cJSON **by_type, const char *base_url)
{
    for (size_t i = 0; i < fg_opdefs_count; i++) {
        const struct fg_opdef *op = &fg_opdefs[i];
        long k = fhir_resource_type_index(fg_str_c(op->resource));
        if (k < 0 || fg_capability_uscore_declares(op->resource, op->code))
            continue;
        cJSON *ops = cJSON_GetObjectItemCaseSensitive(by_type[k], "operation");
        if (!ops)
            ops = cJSON_AddArrayToObject(by_type[k], "operation");
        cJSON *o = ops ? cJSON_CreateObject() : NULL;
        if (!o || !cJSON_AddItemToArray(ops, o)) {
            cJSON_Delete(o);
            return false;
        }
        char *url = op->canonical ? NULL : fg_opdef_url(op, base_url);
        const char *definition = op->canonical ? op->canonical : url;
        bool ok = definition && cJSON_AddStringToObject(o, "name", op->code) &&
                  cJSON_AddStringToObject(o, "definition", definition);
        cJSON_free(url);
        if (!ok)
            return false;
    }
    return true;
}

static bool add_uri(cJSON *ext, const char *name, const char *url)
{
    if (!url)
        return true;
    cJSON *e = cJSON_CreateObject();
    if (!e || !cJSON_AddItemToArray(ext, e)) {
        cJSON_Delete(e);
        return false;
    }
    return cJSON_AddStringToObject(e, "url", name) && cJSON_AddStringToObject(e, "valueUri", url);
}

/* rest.security: the SMART-on-FHIR service and the oauth-uris extension
 * (http://hl7.org/fhir/smart-app-launch/conformance.html). */
static bool add_security(cJSON *rest, const struct fg_capability_oauth *o)
{
    cJSON *sec = cJSON_AddObjectToObject(rest, "security");
    cJSON *services = sec ? cJSON_AddArrayToObject(sec, "service") : NULL;
    cJSON *svc = services ? cJSON_CreateObject() : NULL;
    if (!svc || !cJSON_AddItemToArray(services, svc)) {
        cJSON_Delete(svc);
        return false;
    }
    cJSON *codings = cJSON_AddArrayToObject(svc, "coding");
    cJSON *c = codings ? cJSON_CreateObject() : NULL;
    if (!c || !cJSON_AddItemToArray(codings, c)) {
        cJSON_Delete(c);
        return false;
    }
    cJSON *exts = NULL, *ext = NULL, *inner = NULL;
    bool ok = cJSON_AddStringToObject(
                  c, "system", "http://terminology.hl7.org/CodeSystem/restful-security-service") &&
              cJSON_AddStringToObject(c, "code", "SMART-on-FHIR") &&
              cJSON_AddStringToObject(c, "display", "SMART-on-FHIR") &&
              cJSON_AddStringToObject(svc, "text", "OAuth2 using SMART-on-FHIR profile") &&
              cJSON_AddStringToObject(sec, "description",
                                      "SMART App Launch 2.2; see .well-known/smart-configuration") &&
              (exts = cJSON_AddArrayToObject(sec, "extension")) != NULL &&
              (ext = cJSON_CreateObject()) != NULL;
    if (!ok || !cJSON_AddItemToArray(exts, ext)) {
        cJSON_Delete(ext);
        return false;
    }
    return cJSON_AddStringToObject(
               ext, "url", "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris") &&
           (inner = cJSON_AddArrayToObject(ext, "extension")) != NULL &&
           add_uri(inner, "authorize", o->authorize) && add_uri(inner, "token", o->token) &&
           add_uri(inner, "register", o->reg) && add_uri(inner, "manage", o->manage) &&
           add_uri(inner, "introspect", o->introspect) && add_uri(inner, "revoke", o->revoke);
}

static bool add_rest(cJSON *cs, const struct fg_capability_oauth *oauth, const char *base_url)
{
    cJSON *rests = cJSON_AddArrayToObject(cs, "rest");
    cJSON *rest = cJSON_CreateObject();
    if (!rests || !rest || !cJSON_AddItemToArray(rests, rest))
        return false;
    cJSON *resources = NULL;
    bool ok = cJSON_AddStringToObject(rest, "mode", "server") &&
              (!oauth || add_security(rest, oauth)) &&
              (resources = cJSON_AddArrayToObject(rest, "resource")) != NULL;
    cJSON **by_type = ok ? cJSON_malloc(fhir_resource_types_count * sizeof *by_type) : NULL;
    for (size_t i = 0; by_type && i < fhir_resource_types_count; i++) {
        by_type[i] = resource_entry(fhir_resource_types[i]);
        if (!by_type[i] || !cJSON_AddItemToArray(resources, by_type[i])) {
            cJSON_Delete(by_type[i]);
            cJSON_free(by_type);
            by_type = NULL;
        }
    }
    ok = by_type && add_revincludes(by_type) && add_operations(by_type, base_url);
    for (size_t i = 0; ok && i < fhir_resource_types_count; i++)
        ok = fg_capability_uscore_resource(by_type[i], fhir_resource_types[i]);
    cJSON_free(by_type);
    ok = ok && cJSON_AddStringToObject(rest, "documentation",
                                       "PATCH takes JSON Patch (RFC 6902, "
                                       "application/json-patch+json); FHIRPath Patch is not "
                                       "supported. Conditional delete deletes a single match "
                                       "(several: 412).") != NULL;
    ok = ok && fg_capability_bulk_rest(rest);
    return ok && add_codes(rest, "interaction", system_interactions,
                           sizeof system_interactions / sizeof system_interactions[0]);
}

static bool add_header(cJSON *cs, const struct fg_capability_info *info)
{
    char date[FG_INSTANT_MAX];
    fg_clock_format_instant(info->now_us, date);
    cJSON *sw = NULL, *impl = NULL, *formats = NULL;
    bool ok = cJSON_AddStringToObject(cs, "resourceType", "CapabilityStatement") &&
              cJSON_AddStringToObject(cs, "status", "active") &&
              cJSON_AddStringToObject(cs, "date", date) &&
              cJSON_AddStringToObject(cs, "publisher", "fhirgate") &&
              cJSON_AddStringToObject(cs, "kind", "instance") &&
              (sw = cJSON_AddObjectToObject(cs, "software")) != NULL &&
              cJSON_AddStringToObject(sw, "name", "fhirgate") &&
              cJSON_AddStringToObject(sw, "version", info->software_version) &&
              (impl = cJSON_AddObjectToObject(cs, "implementation")) != NULL &&
              cJSON_AddStringToObject(impl, "description", "fhirgate FHIR R4 gateway") &&
              cJSON_AddStringToObject(impl, "url", info->base_url) &&
              cJSON_AddStringToObject(cs, "fhirVersion", "4.0.1") &&
              (formats = cJSON_AddArrayToObject(cs, "format")) != NULL;
    cJSON *f1 = ok ? cJSON_CreateString("json") : NULL;
    cJSON *f2 = ok ? cJSON_CreateString("application/fhir+json") : NULL;
    ok = ok && f1 && cJSON_AddItemToArray(formats, f1);
    if (!ok)
        cJSON_Delete(f1);
    ok = ok && f2 && cJSON_AddItemToArray(formats, f2);
    if (!ok)
        cJSON_Delete(f2);
    cJSON *pf = ok ? cJSON_CreateStringArray(patch_formats, 1) : NULL;
    ok = ok && pf && cJSON_AddItemToObject(cs, "patchFormat", pf);
    if (!ok)
        cJSON_Delete(pf);
    return ok;
}

enum fg_status fg_capability_write(const struct fg_capability_info *info, struct fg_buf *out)
{
    enum fg_status st = FG_ENOMEM;
    char *text = NULL;
    cJSON *cs = cJSON_CreateObject();
    if (!cs || !add_header(cs, info) || !fg_capability_uscore_header(cs) ||
        !fg_capability_bulk_header(cs) ||
        !add_rest(cs, info->oauth, info->base_url))
        goto out;
    text = cJSON_PrintUnformatted(cs);
    if (!text)
        goto out;
    st = fg_buf_append_c(out, text);
out:
    cJSON_free(text);
    cJSON_Delete(cs);
    return st;
}
