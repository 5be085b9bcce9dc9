/* validate_implied.c - which US Core profile a resource that claims none
 * implies, from the generated facts of conformance/rules.h (imply_code,
 * imply_category, score): contract in validate_internal.h and validate.h.
 *
 * Order: the most specific profile whose every fact matches (code and
 * category: a heart rate with category vital-signs is us-core-heart-rate, a
 * lab result us-core-observation-lab); else the most specific profile whose
 * code fact alone matches (a heart rate without its category is still a
 * heart rate, and fails that profile for the missing category); else the
 * type's only profile, or its only profile without facts. A profile with a
 * negative score is never implied.
 * http://hl7.org/fhir/us/core/STU7/general-requirements.html */
#include <string.h>

#include "validate_internal.h"

enum fact_match {
    FACT_NONE, /* the profile has no such fact */
    FACT_NO,
    FACT_YES
};

/* One fact against one value: a pattern, or {"$vs": N}. */
static bool fact_holds(const cJSON *fact, const cJSON *value)
{
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(fact, "$vs");
    if (cJSON_IsNumber(vs))
        return fg_vvalueset_has(vs->valueint, value) == 1;
    return fg_vjson_contains(value, fact);
}

/* imply_code: the resource's code holds one of the alternatives. */
static enum fact_match code_matches(const char *facts, const cJSON *resource)
{
    if (!facts)
        return FACT_NONE;
    cJSON *alts = cJSON_Parse(facts);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(resource, "code");
    bool any = false;
    const cJSON *a;
    cJSON_ArrayForEach(a, alts) {
        if (fact_holds(a, code))
            any = true;
    }
    cJSON_Delete(alts);
    return any ? FACT_YES : FACT_NO;
}

/* imply_category: each fact holds for some category. */
static enum fact_match category_matches(const char *facts, const cJSON *resource)
{
    if (!facts)
        return FACT_NONE;
    cJSON *need = cJSON_Parse(facts);
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(resource, "category");
    bool all = need != NULL;
    const cJSON *n;
    cJSON_ArrayForEach(n, need) {
        bool found = false;
        const cJSON *c;
        cJSON_ArrayForEach(c, cats) {
            if (fact_holds(n, c))
                found = true;
        }
        if (!found)
            all = false;
    }
    cJSON_Delete(need);
    return all ? FACT_YES : FACT_NO;
}

static const struct fg_vprofile *better(const struct fg_vprofile *best, const struct fg_vprofile *p)
{
    return !best || p->score > best->score ? p : best;
}

const struct fg_vprofile *fg_vprofile_implied(const cJSON *resource)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(resource, "resourceType");
    if (!cJSON_IsString(rt))
        return NULL;
    const struct fg_vprofile *full = NULL, *by_code = NULL, *only_plain = NULL, *any = NULL;
    int plain = 0, of_type = 0;
    for (size_t i = 0; i < fg_vprofiles_len; i++) {
        const struct fg_vprofile *p = &fg_vprofiles[i];
        if (strcmp(p->type, rt->valuestring) != 0 || p->score < 0)
            continue;
        of_type++;
        any = p;
        if (p->score == 0) {
            plain++;
            only_plain = p;
            continue;
        }
        enum fact_match code = code_matches(p->imply_code, resource);
        enum fact_match cat = code == FACT_NO ? FACT_NO : category_matches(p->imply_category, resource);
        if (code != FACT_NO && cat != FACT_NO)
            full = better(full, p);
        else if (code == FACT_YES)
            by_code = better(by_code, p);
    }
    if (full)
        return full;
    if (by_code)
        return by_code;
    /* no fact matched: the type's only profile (Patient, MedicationRequest),
     * or its only profile without facts */
    if (of_type == 1)
        return any;
    return plain == 1 ? only_plain : NULL;
}

const char *fg_validate_implied_profile(const cJSON *resource)
{
    const struct fg_vprofile *p = fg_vprofile_implied(resource);
    return p ? p->url : NULL;
}
