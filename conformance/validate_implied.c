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

/* One fact against one CodeableConcept: a coding of the fact's system and
 * code (pattern semantics: other members may be there), or one from its
 * value set. */
static bool fact_holds(const struct fg_vfact *f, const cJSON *cc)
{
    if (f->vs >= 0)
        return fg_vvalueset_has(f->vs, cc) == 1;
    const cJSON *codings = cJSON_GetObjectItemCaseSensitive(cc, "coding");
    if (!cJSON_IsObject(cc) || !cJSON_IsArray(codings))
        return false;
    const cJSON *c;
    cJSON_ArrayForEach(c, codings) {
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
        if (cJSON_IsString(sys) && cJSON_IsString(code) && strcmp(sys->valuestring, f->system) == 0 &&
            strcmp(code->valuestring, f->code) == 0)
            return true;
    }
    return false;
}

/* imply_code: the resource's code holds one of the alternatives. */
static enum fact_match code_matches(const struct fg_vprofile *p, const cJSON *resource)
{
    if (!p->n_imply_code)
        return FACT_NONE;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(resource, "code");
    for (size_t i = 0; i < p->n_imply_code; i++)
        if (fact_holds(&p->imply_code[i], code))
            return FACT_YES;
    return FACT_NO;
}

/* imply_category: each fact holds for some category. */
static enum fact_match category_matches(const struct fg_vprofile *p, const cJSON *resource)
{
    if (!p->n_imply_category)
        return FACT_NONE;
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(resource, "category");
    for (size_t i = 0; i < p->n_imply_category; i++) {
        bool found = false;
        const cJSON *c;
        cJSON_ArrayForEach(c, cats) {
            if (fact_holds(&p->imply_category[i], c)) {
                found = true;
                break;
            }
        }
        if (!found)
            return FACT_NO;
    }
    return FACT_YES;
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
        enum fact_match code = code_matches(p, resource);
        enum fact_match cat = code == FACT_NO ? FACT_NO : category_matches(p, resource);
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
