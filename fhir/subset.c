/* subset.c - _elements and _summary applied to a parsed resource.
 * http://hl7.org/fhir/R4/search.html#summary ; contract in subset.h. */
#include "subset.h"

#include <string.h>

#define SUBSETTED_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

/* The suffixes a choice element ("value[x]") takes in JSON. */
static const char *const choice_types[] = {
    "Base64Binary", "Boolean", "Canonical", "Code", "Date", "DateTime", "Decimal", "Id",
    "Instant", "Integer", "Markdown", "Oid", "PositiveInt", "String", "Time", "UnsignedInt",
    "Uri", "Url", "Uuid", "Address", "Age", "Annotation", "Attachment", "CodeableConcept",
    "Coding", "ContactPoint", "Count", "Distance", "Duration", "HumanName", "Identifier",
    "Money", "Period", "Quantity", "Range", "Ratio", "Reference", "SampledData", "Signature",
    "Timing", "ContactDetail", "Contributor", "DataRequirement", "Expression",
    "ParameterDefinition", "RelatedArtifact", "TriggerDefinition", "UsageContext", "Dosage",
    "Meta", NULL,
};

static bool is_choice_suffix(struct fg_str s)
{
    for (size_t i = 0; choice_types[i]; i++)
        if (fg_str_eq_c(s, choice_types[i]))
            return true;
    return false;
}

/* Does the JSON key stand for the element `name` (with or without "[x]")? */
static bool key_matches(struct fg_str key, struct fg_str name)
{
    if (key.len && key.ptr[0] == '_') {
        key.ptr++;
        key.len--;
    }
    if (fg_str_ends_with(name, "[x]"))
        name.len -= 3;
    if (fg_str_eq(key, name))
        return true;
    if (key.len <= name.len || memcmp(key.ptr, name.ptr, name.len) != 0)
        return false;
    return is_choice_suffix(fg_str_n(key.ptr + name.len, key.len - name.len));
}

static bool is_mandatory(struct fg_str key)
{
    return fg_str_eq_c(key, "resourceType") || fg_str_eq_c(key, "id") ||
           fg_str_eq_c(key, "meta");
}

/* "Patient.name" for a Patient is "name"; other prefixes stay as written. */
static struct fg_str strip_type(struct fg_str name, struct fg_str type)
{
    if (name.len > type.len + 1 && memcmp(name.ptr, type.ptr, type.len) == 0 &&
        name.ptr[type.len] == '.')
        return fg_str_n(name.ptr + type.len + 1, name.len - type.len - 1);
    return name;
}

static bool has_subsetted_tag(const cJSON *tags)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(t, "code");
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(t, "system");
        if (cJSON_IsString(code) && strcmp(code->valuestring, "SUBSETTED") == 0 &&
            cJSON_IsString(sys) && strcmp(sys->valuestring, SUBSETTED_SYSTEM) == 0)
            return true;
    }
    return false;
}

static enum fg_status tag_subsetted(cJSON *res)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
    if (!cJSON_IsObject(meta)) {
        cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
        meta = cJSON_AddObjectToObject(res, "meta");
        if (!meta)
            return FG_ENOMEM;
    }
    cJSON *tags = cJSON_GetObjectItemCaseSensitive(meta, "tag");
    if (!cJSON_IsArray(tags)) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "tag");
        tags = cJSON_AddArrayToObject(meta, "tag");
        if (!tags)
            return FG_ENOMEM;
    }
    if (has_subsetted_tag(tags))
        return FG_OK;
    cJSON *tag = cJSON_CreateObject();
    if (!tag)
        return FG_ENOMEM;
    if (!cJSON_AddStringToObject(tag, "system", SUBSETTED_SYSTEM) ||
        !cJSON_AddStringToObject(tag, "code", "SUBSETTED") ||
        !cJSON_AddStringToObject(tag, "display", "subsetted") ||
        !cJSON_AddItemToArray(tags, tag)) {
        cJSON_Delete(tag);
        return FG_ENOMEM;
    }
    return FG_OK;
}

/* A predicate deciding which top-level keys stay. */
struct keep_rule {
    struct fg_str type;
    const struct fg_str *names; /* _elements list, or NULL */
    size_t n;
    const char *words;          /* space-separated summary list, or NULL */
    bool keep_text;             /* _summary=text */
};

static bool in_words(struct fg_str key, const char *words)
{
    struct fg_str rest = fg_str_c(words), w;
    while (rest.len) {
        fg_str_split(rest, ' ', &w, &rest);
        if (w.len && key_matches(key, w))
            return true;
    }
    return false;
}

static bool keep_key(struct fg_str key, const struct keep_rule *r)
{
    if (is_mandatory(key))
        return true;
    if (r->keep_text && fg_str_eq_c(key, "text"))
        return true;
    for (size_t i = 0; i < r->n; i++)
        if (key_matches(key, strip_type(r->names[i], r->type)))
            return true;
    return r->words && in_words(key, r->words);
}

static enum fg_status filter(cJSON *res, const struct keep_rule *r)
{
    cJSON *item = res ? res->child : NULL;
    while (item) {
        cJSON *next = item->next;
        if (!item->string || !keep_key(fg_str_c(item->string), r))
            cJSON_Delete(cJSON_DetachItemViaPointer(res, item));
        item = next;
    }
    return tag_subsetted(res);
}

enum fg_status fhir_subset_elements(cJSON *res, struct fg_str type, const struct fg_str *names,
                                    size_t n)
{
    struct keep_rule r = {.type = type, .names = names, .n = n};
    return filter(res, &r);
}

static const char *summary_words(struct fg_str type)
{
    size_t lo = 0, hi = fhir_summary_rows_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *t = fhir_summary_rows[mid].type;
        size_t tl = strlen(t);
        int c = memcmp(t, type.ptr, tl < type.len ? tl : type.len);
        if (c == 0)
            c = tl < type.len ? -1 : tl > type.len ? 1 : 0;
        if (c == 0)
            return fhir_summary_rows[mid].elements;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

enum fg_status fhir_subset_summary(cJSON *res, struct fg_str type, enum fhir_summary mode)
{
    struct keep_rule r = {.type = type};
    switch (mode) {
    case FHIR_SUMMARY_TRUE:
        /* An unknown type keeps only the mandatory elements. */
        r.words = summary_words(type);
        return filter(res, &r);
    case FHIR_SUMMARY_TEXT:
        r.keep_text = true;
        return filter(res, &r);
    case FHIR_SUMMARY_DATA:
        cJSON_DeleteItemFromObjectCaseSensitive(res, "text");
        return tag_subsetted(res);
    case FHIR_SUMMARY_NONE:
    case FHIR_SUMMARY_FALSE:
    case FHIR_SUMMARY_COUNT:
        break;
    }
    return FG_OK;
}
