/* imp_appwrite.c - normalising and checking an app's Observation (see imp_appwrite.h). */
#include "imp_appwrite.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "imp_map.h"
#include "imp_obs.h"

#define EXPR_MAX 96

static cJSON *obj_item(cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static enum fg_status oom(struct fg_error *err)
{
    return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
}

/* Sets o.name to the string v (replacing). */
static bool set_str(cJSON *o, const char *name, const char *v)
{
    cJSON *s = cJSON_CreateString(v);
    if (!s)
        return false;
    if (cJSON_GetObjectItemCaseSensitive(o, name))
        return cJSON_ReplaceItemInObjectCaseSensitive(o, name, s);
    if (!cJSON_AddItemToObject(o, name, s)) {
        cJSON_Delete(s);
        return false;
    }
    return true;
}

enum fg_status imp_appwrite_quantity(cJSON *q, const char *expression, struct fg_error *err)
{
    char where[EXPR_MAX];
    const cJSON *system = obj_item(q, "system"), *code = obj_item(q, "code");
    const cJSON *unit = obj_item(q, "unit");
    if (!cJSON_IsObject(q))
        return FG_OK; /* the validator reports the shape */
    if (system && (!cJSON_IsString(system) || strcmp(system->valuestring, IMP_UCUM_SYSTEM) != 0)) {
        int n = snprintf(where, sizeof where, "%s.system", expression);
        return fg_error_set(err, FG_EUNPROC, n > 0 && (size_t)n < sizeof where ? where : NULL,
                            "units must be UCUM (system %s)", IMP_UCUM_SYSTEM);
    }
    const cJSON *given = cJSON_IsString(code) ? code : cJSON_IsString(unit) ? unit : NULL;
    if (!given)
        return FG_OK; /* no unit at all: the profile decides whether one is needed */
    int n = snprintf(where, sizeof where, "%s.%s", expression, given == code ? "code" : "unit");
    const char *ucum = NULL;
    enum fg_status rc =
        imp_map_ucum_normalise(fg_str_c(given->valuestring),
                               n > 0 && (size_t)n < sizeof where ? where : NULL, &ucum, err);
    if (rc != FG_OK)
        return rc;
    if (!unit && !set_str(q, "unit", given->valuestring))
        return oom(err);
    if (!set_str(q, "system", IMP_UCUM_SYSTEM) || !set_str(q, "code", ucum))
        return oom(err);
    return FG_OK;
}

static enum fg_status quantities(cJSON *obs, struct fg_error *err)
{
    cJSON *vq = obj_item(obs, "valueQuantity");
    enum fg_status rc = vq ? imp_appwrite_quantity(vq, "Observation.valueQuantity", err) : FG_OK;
    cJSON *comps = obj_item(obs, "component"), *c;
    int i = 0;
    cJSON_ArrayForEach(c, comps) {
        char where[EXPR_MAX];
        cJSON *cq = obj_item(c, "valueQuantity");
        int n = snprintf(where, sizeof where, "Observation.component[%d].valueQuantity", i++);
        if (rc == FG_OK && cq && n > 0 && (size_t)n < sizeof where)
            rc = imp_appwrite_quantity(cq, where, err);
    }
    return rc;
}

static enum fg_status reserved_identifier(const cJSON *obs, struct fg_error *err)
{
    const cJSON *ids = obj_item((cJSON *)obs, "identifier"), *id;
    int i = 0;
    cJSON_ArrayForEach(id, ids) {
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(id, "system");
        if (cJSON_IsString(sys) && strcmp(sys->valuestring, IMP_KEY_SYSTEM) == 0) {
            char where[EXPR_MAX];
            int n = snprintf(where, sizeof where, "Observation.identifier[%d].system", i);
            return fg_error_set(err, FG_EUNPROC, n > 0 && (size_t)n < sizeof where ? where : NULL,
                                "the identifier system %s is reserved for the server's imports",
                                IMP_KEY_SYSTEM);
        }
        i++;
    }
    return FG_OK;
}

static cJSON *ensure_obj(cJSON *o, const char *name)
{
    cJSON *x = obj_item(o, name);
    if (cJSON_IsObject(x))
        return x;
    if (x)
        return NULL; /* wrong shape: the validator names it */
    return cJSON_AddObjectToObject(o, name);
}

static cJSON *ensure_arr(cJSON *o, const char *name)
{
    cJSON *x = obj_item(o, name);
    if (cJSON_IsArray(x))
        return x;
    if (x)
        return NULL;
    return cJSON_AddArrayToObject(o, name);
}

/* meta.tag patient-supplied (once) and meta.source = the app. */
static enum fg_status tag_and_source(cJSON *obs, const struct imp_app *app, struct fg_error *err)
{
    cJSON *meta = ensure_obj(obs, "meta");
    cJSON *tags = meta ? ensure_arr(meta, "tag") : NULL, *t;
    if (!tags)
        return fg_error_set(err, FG_EUNPROC, "Observation.meta", "meta.tag must be an array");
    bool has = false;
    cJSON_ArrayForEach(t, tags) {
        const cJSON *s = obj_item(t, "system"), *c = obj_item(t, "code");
        has = has || (cJSON_IsString(s) && cJSON_IsString(c) &&
                      strcmp(s->valuestring, IMP_TAG_SYSTEM) == 0 &&
                      strcmp(c->valuestring, "patient-supplied") == 0);
    }
    cJSON *nt = has ? NULL : cJSON_CreateObject();
    if (!has && (!nt || !cJSON_AddItemToArray(tags, nt))) {
        cJSON_Delete(nt);
        return oom(err);
    }
    if (nt && (!set_str(nt, "system", IMP_TAG_SYSTEM) || !set_str(nt, "code", "patient-supplied") ||
               !set_str(nt, "display", "Patient Supplied")))
        return oom(err);
    char src[sizeof IMP_APP_SOURCE_PREFIX + 256];
    int n = snprintf(src, sizeof src, "%s%.*s", IMP_APP_SOURCE_PREFIX, (int)app->client_id.len,
                     app->client_id.ptr);
    if (n < 0 || (size_t)n >= sizeof src)
        return fg_error_set(err, FG_EINVAL, NULL, "the client id is too long");
    return set_str(meta, "source", src) ? FG_OK : oom(err);
}

/* The subject must be the writer: patient-supplied data is about the patient who supplies it.
 * (Checked here before performer is added: a performer reference also puts the Observation in
 * that patient's compartment.) Then the patient in performer (first when added). */
static enum fg_status performer(cJSON *obs, const struct imp_app *app, struct fg_error *err)
{
    char ref[FG_MAX_ID_LEN + 16];
    int n = snprintf(ref, sizeof ref, "Patient/%.*s", (int)app->patient.len, app->patient.ptr);
    if (n < 0 || (size_t)n >= sizeof ref)
        return fg_error_set(err, FG_EINVAL, NULL, "the patient id is too long");
    const cJSON *subj = obj_item(obj_item(obs, "subject"), "reference");
    if (!cJSON_IsString(subj) || strcmp(subj->valuestring, ref) != 0)
        return fg_error_set(err, FG_EFORBIDDEN, "Observation.subject",
                            "a patient's app may write only Observations about its patient (%s)",
                            ref);
    cJSON *perf = ensure_arr(obs, "performer"), *p;
    if (!perf)
        return fg_error_set(err, FG_EUNPROC, "Observation.performer",
                            "performer must be an array");
    cJSON_ArrayForEach(p, perf) {
        const cJSON *r = obj_item(p, "reference");
        if (cJSON_IsString(r) && strcmp(r->valuestring, ref) == 0)
            return FG_OK;
    }
    cJSON *me = cJSON_CreateObject();
    if (!me || !set_str(me, "reference", ref) || !cJSON_InsertItemInArray(perf, 0, me)) {
        cJSON_Delete(me);
        return oom(err);
    }
    return FG_OK;
}

/* The first error of a report into err. */
static enum fg_status first_error(const struct fg_validation_report *rep, struct fg_error *err)
{
    for (size_t i = 0; i < rep->n_issues; i++) {
        const struct fg_validation_issue *is = &rep->issues[i];
        if (is->severity == FG_VSEV_ERROR)
            return fg_error_set(err, FG_EUNPROC, is->expression, "%s%s%s", is->message,
                                rep->profile_url ? " (profile " : "",
                                rep->profile_url ? rep->profile_url : "");
    }
    return fg_error_set(err, FG_EUNPROC, NULL, "the Observation does not validate");
}

/* The US Core vital-sign profile a LOINC coding of obs.code implies (imp_map's measures with
 * category vital-signs), or NULL. */
static const char *vital_profile(const cJSON *obs)
{
    const cJSON *codings = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obs, "code"), "coding");
    const cJSON *c;
    cJSON_ArrayForEach(c, codings) {
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
        if (!cJSON_IsString(sys) || !cJSON_IsString(code) ||
            strcmp(sys->valuestring, IMP_LOINC_SYSTEM) != 0)
            continue;
        for (int i = 0; i < IMP_M_COUNT; i++) {
            const struct imp_measure *m = imp_map_measure((enum imp_measure_id)i);
            bool hit = strcmp(m->loinc, code->valuestring) == 0 ||
                       (m->loinc2 && strcmp(m->loinc2, code->valuestring) == 0);
            if (hit && strcmp(m->category, "vital-signs") == 0 &&
                strstr(m->profile, "simple-observation") == NULL)
                return m->profile;
        }
    }
    return NULL;
}

/* Validates against the vital-sign profile the code implies (else the validator's own choice
 * with meta.profile left out), then against the claimed profiles when there are any. */
static enum fg_status validate(const cJSON *obs, struct fg_pool *pool,
                               struct fg_validation_report *report, struct fg_error *err)
{
    cJSON *bare = cJSON_Duplicate(obs, true);
    if (!bare)
        return oom(err);
    cJSON_DeleteItemFromObjectCaseSensitive(obj_item(bare, "meta"), "profile");
    enum fg_status rc = fg_validate_resource(pool, bare, vital_profile(obs), report);
    cJSON_Delete(bare);
    const cJSON *claimed = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obs, "meta"), "profile");
    if (rc == FG_OK && cJSON_GetArraySize(claimed) > 0)
        rc = fg_validate_resource(pool, obs, NULL, report);
    if (rc == FG_EUNPROC)
        return first_error(report, err);
    return rc == FG_OK ? FG_OK : oom(err);
}

enum fg_status imp_appwrite_prepare(cJSON *obs, const struct imp_app *app, struct fg_pool *pool,
                                    struct fg_validation_report *report, struct fg_error *err)
{
    struct fg_validation_report local;
    const cJSON *rt = obj_item(obs, "resourceType");
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Observation") != 0)
        return fg_error_set(err, FG_EINVAL, "resourceType", "an Observation is expected");
    if (!fg_is_fhir_id(app->patient) || app->client_id.len == 0)
        return fg_error_set(err, FG_EINVAL, NULL, "a patient app write needs a patient and app");
    enum fg_status rc = reserved_identifier(obs, err);
    if (rc == FG_OK)
        rc = quantities(obs, err);
    if (rc == FG_OK)
        rc = tag_and_source(obs, app, err);
    if (rc == FG_OK)
        rc = performer(obs, app, err);
    if (rc == FG_OK)
        rc = validate(obs, pool, report ? report : &local, err);
    return rc;
}

/* A copy without the elements an entered-in-error update may change: status, the narrative,
 * the id and what the store sets in meta (versionId, lastUpdated). The rest of meta (the
 * patient-supplied tag, source, security labels) stays as stored. */
static cJSON *without_mutable(const cJSON *o)
{
    cJSON *c = cJSON_Duplicate(o, true);
    if (!c)
        return NULL;
    static const char *const drop[] = {"status", "text", "id"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(c, drop[i]);
    cJSON *meta = obj_item(c, "meta");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "lastUpdated");
    if (cJSON_IsObject(meta) && !meta->child)
        cJSON_DeleteItemFromObjectCaseSensitive(c, "meta");
    return c;
}

enum fg_status imp_appwrite_check_update(const cJSON *current, const cJSON *incoming,
                                         const struct imp_app *app, struct fg_error *err)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(current, "meta"), "source");
    size_t plen = sizeof IMP_APP_SOURCE_PREFIX - 1;
    bool own = cJSON_IsString(src) && strncmp(src->valuestring, IMP_APP_SOURCE_PREFIX, plen) == 0 &&
               fg_str_eq_c(app->client_id, src->valuestring + plen);
    if (!own)
        return fg_error_set(err, FG_EFORBIDDEN, NULL,
                            "an app may only change the Observations it wrote itself");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(incoming, "status");
    if (!cJSON_IsString(st) || strcmp(st->valuestring, "entered-in-error") != 0)
        return fg_error_set(err, FG_EUNPROC, "Observation.status",
                            "an app may only mark its own Observation entered-in-error");
    cJSON *a = without_mutable(current), *b = without_mutable(incoming);
    bool same = a && b && cJSON_Compare(a, b, true);
    bool mem = a && b;
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (!mem)
        return oom(err);
    if (!same)
        return fg_error_set(err, FG_EUNPROC, "Observation",
                            "marking entered-in-error may change only status (send the stored "
                            "Observation with status entered-in-error)");
    return FG_OK;
}
