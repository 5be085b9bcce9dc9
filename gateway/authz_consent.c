/* authz_consent.c - scopes to plain-language consent items, category sub-scopes (G-5). */
#include "authz_consent.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *type;
    enum fg_msg noun;
} type_nouns[] = {
    {"AllergyIntolerance", FG_MSG_NOUN_ALLERGY},
    {"CarePlan", FG_MSG_NOUN_CAREPLAN},
    {"CareTeam", FG_MSG_NOUN_CARETEAM},
    {"Condition", FG_MSG_NOUN_CONDITION},
    {"Coverage", FG_MSG_NOUN_COVERAGE},
    {"Device", FG_MSG_NOUN_DEVICE},
    {"DiagnosticReport", FG_MSG_NOUN_REPORT},
    {"DocumentReference", FG_MSG_NOUN_DOCUMENT},
    {"Encounter", FG_MSG_NOUN_ENCOUNTER},
    {"Goal", FG_MSG_NOUN_GOAL},
    {"Immunization", FG_MSG_NOUN_IMMUNIZATION},
    {"Location", FG_MSG_NOUN_LOCATION},
    {"Medication", FG_MSG_NOUN_MEDICATION},
    {"MedicationDispense", FG_MSG_NOUN_MEDICATION},
    {"MedicationRequest", FG_MSG_NOUN_MEDREQUEST},
    {"Observation", FG_MSG_NOUN_OBSERVATION},
    {"Organization", FG_MSG_NOUN_ORGANIZATION},
    {"Patient", FG_MSG_NOUN_PATIENT},
    {"Practitioner", FG_MSG_NOUN_PRACTITIONER},
    {"PractitionerRole", FG_MSG_NOUN_PRACTITIONER},
    {"Procedure", FG_MSG_NOUN_PROCEDURE},
    {"Provenance", FG_MSG_NOUN_PROVENANCE},
    {"QuestionnaireResponse", FG_MSG_NOUN_QUESTIONNAIRE_RESPONSE},
    {"RelatedPerson", FG_MSG_NOUN_RELATED_PERSON},
    {"ServiceRequest", FG_MSG_NOUN_SERVICE_REQUEST},
    {"Specimen", FG_MSG_NOUN_SPECIMEN},
    {"*", FG_MSG_NOUN_ALL},
};

#define SYS_COND "http://terminology.hl7.org/CodeSystem/condition-category"
#define SYS_USCORE_COND "http://hl7.org/fhir/us/core/CodeSystem/condition-category"
#define SYS_OBS "http://terminology.hl7.org/CodeSystem/observation-category"
#define SYS_USCORE "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"

static const struct {
    const char *type;
    const char *category; /* system|code */
    enum fg_msg noun;
} categories[] = {
    {"Condition", SYS_COND "|encounter-diagnosis", FG_MSG_NOUN_COND_ENCOUNTER_DX},
    {"Condition", SYS_COND "|problem-list-item", FG_MSG_NOUN_COND_PROBLEM},
    {"Condition", SYS_USCORE_COND "|health-concern", FG_MSG_NOUN_COND_HEALTH_CONCERN},
    {"Observation", SYS_OBS "|laboratory", FG_MSG_NOUN_OBS_LAB},
    {"Observation", SYS_OBS "|social-history", FG_MSG_NOUN_OBS_SOCIAL},
    {"Observation", SYS_OBS "|vital-signs", FG_MSG_NOUN_OBS_VITALS},
    {"Observation", SYS_OBS "|survey", FG_MSG_NOUN_OBS_SURVEY},
    {"Observation", SYS_USCORE "|sdoh", FG_MSG_NOUN_OBS_SDOH},
    {"Observation", SYS_USCORE "|clinical-test", FG_MSG_NOUN_OBS_CLINICAL_TEST},
};
#define N_CATEGORIES (sizeof categories / sizeof categories[0])

static const char *const context_names[] = {"patient", "user", "system"};

static enum fg_msg special_msg(enum smart_scope_kind kind)
{
    switch (kind) {
    case SMART_SCOPE_OPENID: return FG_MSG_SCOPE_OPENID;
    case SMART_SCOPE_FHIRUSER: return FG_MSG_SCOPE_FHIRUSER;
    case SMART_SCOPE_PROFILE: return FG_MSG_SCOPE_PROFILE;
    case SMART_SCOPE_LAUNCH_PATIENT: return FG_MSG_SCOPE_LAUNCH_PATIENT;
    case SMART_SCOPE_LAUNCH: return FG_MSG_SCOPE_LAUNCH;
    case SMART_SCOPE_LAUNCH_ENCOUNTER: return FG_MSG_SCOPE_LAUNCH_ENCOUNTER;
    case SMART_SCOPE_OFFLINE_ACCESS: return FG_MSG_SCOPE_OFFLINE;
    case SMART_SCOPE_ONLINE_ACCESS: return FG_MSG_SCOPE_ONLINE;
    default: return FG_MSG_COUNT;
    }
}

static enum fg_msg verb_msg(unsigned perms)
{
    bool reads = perms & (SMART_PERM_R | SMART_PERM_S);
    bool writes = perms & (SMART_PERM_C | SMART_PERM_U | SMART_PERM_D);
    return reads && writes ? FG_MSG_VERB_READ_WRITE : writes ? FG_MSG_VERB_WRITE : FG_MSG_VERB_READ;
}

static bool type_noun(const char *type, enum fg_msg *out)
{
    for (size_t i = 0; i < sizeof type_nouns / sizeof type_nouns[0]; i++)
        if (strcmp(type_nouns[i].type, type) == 0) {
            *out = type_nouns[i].noun;
            return true;
        }
    return false;
}

/* The category noun when sc is a single "category=system|code" scope we know. */
static bool category_noun(const struct smart_scope *sc, enum fg_msg *out)
{
    if (sc->n_params != 1 || strcmp(sc->params[0].name, "category") != 0)
        return false;
    for (size_t i = 0; i < N_CATEGORIES; i++)
        if (strcmp(categories[i].type, sc->type) == 0 &&
            strcmp(categories[i].category, sc->params[0].value) == 0) {
            *out = categories[i].noun;
            return true;
        }
    return false;
}

static struct fg_consent_item *next_item(struct fg_consent_list *out)
{
    if (out->n >= FG_CONSENT_MAX_ITEMS)
        return NULL;
    struct fg_consent_item *it = &out->items[out->n];
    memset(it, 0, sizeof *it);
    return it;
}

static enum fg_status set_text(struct fg_consent_item *it, enum fg_lang lang, enum fg_msg verb,
                               enum fg_msg noun, const char *type_name)
{
    int n = type_name ? snprintf(it->text, sizeof it->text, "%s %s %s", fg_i18n(lang, verb),
                                 fg_i18n(lang, noun), type_name)
                      : snprintf(it->text, sizeof it->text, "%s %s", fg_i18n(lang, verb),
                                 fg_i18n(lang, noun));
    return n < 0 || (size_t)n >= sizeof it->text ? FG_ETOOBIG : FG_OK;
}

/* The scope's canonical string (smart_scopes_write of a one-scope set). */
static enum fg_status scope_string(const struct smart_scope *sc, char *dst, size_t size)
{
    struct smart_scopes one;
    struct fg_buf b;
    smart_scopes_init(&one);
    fg_buf_init(&b, size - 1);
    enum fg_status st = smart_scopes_add(&one, sc);
    if (st == FG_OK)
        st = smart_scopes_write(&one, &b);
    if (st == FG_OK) {
        memcpy(dst, b.data, b.len);
        dst[b.len] = '\0';
    }
    fg_buf_cleanup(&b);
    smart_scopes_cleanup(&one);
    return st;
}

/* Adds the category sub-scopes of a whole-type Condition/Observation scope. */
static enum fg_status add_subs(const struct smart_scope *sc, enum fg_lang lang,
                               struct fg_consent_list *out)
{
    char letters[3];
    size_t nl = 0;
    if (sc->perms & SMART_PERM_R)
        letters[nl++] = 'r';
    if (sc->perms & SMART_PERM_S)
        letters[nl++] = 's';
    letters[nl] = '\0';
    if (nl == 0 || sc->n_params != 0)
        return FG_OK;
    for (size_t i = 0; i < N_CATEGORIES; i++) {
        if (strcmp(categories[i].type, sc->type) != 0)
            continue;
        struct fg_consent_item *it = next_item(out);
        if (!it)
            return FG_ETOOBIG;
        int n = snprintf(it->scope, sizeof it->scope, "%s/%s.%s?category=%s",
                         context_names[sc->context], sc->type, letters, categories[i].category);
        if (n < 0 || (size_t)n >= sizeof it->scope)
            return FG_ETOOBIG;
        it->sub = true;
        enum fg_status st = set_text(it, lang, FG_MSG_VERB_READ, categories[i].noun, NULL);
        if (st != FG_OK)
            return st;
        out->n++;
    }
    return FG_OK;
}

static enum fg_status add_resource(const struct smart_scope *sc, enum fg_lang lang,
                                   struct fg_consent_list *out)
{
    struct fg_consent_item *it = next_item(out);
    enum fg_msg noun;
    const char *type_name = NULL;
    if (!it)
        return FG_ETOOBIG;
    enum fg_status st = scope_string(sc, it->scope, sizeof it->scope);
    if (st != FG_OK)
        return st;
    if (!category_noun(sc, &noun) && !type_noun(sc->type, &noun)) {
        noun = FG_MSG_NOUN_OTHER;
        type_name = sc->type;
    }
    st = set_text(it, lang, verb_msg(sc->perms), noun, type_name);
    if (st != FG_OK)
        return st;
    out->n++;
    return add_subs(sc, lang, out);
}

enum fg_status fg_consent_build(const struct smart_scopes *requested, enum fg_lang lang,
                                struct fg_consent_list *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < requested->n; i++) {
        const struct smart_scope *sc = &requested->items[i];
        enum fg_status st = FG_OK;
        if (sc->kind == SMART_SCOPE_RESOURCE) {
            st = add_resource(sc, lang, out);
        } else if (special_msg(sc->kind) != FG_MSG_COUNT) {
            struct fg_consent_item *it = next_item(out);
            if (!it)
                return FG_ETOOBIG;
            st = scope_string(sc, it->scope, sizeof it->scope);
            int n = snprintf(it->text, sizeof it->text, "%s", fg_i18n(lang, special_msg(sc->kind)));
            if (st == FG_OK && (n < 0 || (size_t)n >= sizeof it->text))
                st = FG_ETOOBIG;
            out->n += st == FG_OK;
            out->offline |= sc->kind == SMART_SCOPE_OFFLINE_ACCESS;
        }
        if (st != FG_OK)
            return st;
    }
    return FG_OK;
}

enum fg_status fg_consent_granted(const struct fg_consent_list *list, const struct fg_str *values,
                                  size_t n_values, struct fg_buf *out)
{
    bool chosen[FG_CONSENT_MAX_ITEMS] = {false};
    size_t count = 0;
    for (size_t v = 0; v < n_values; v++) {
        size_t i = 0;
        while (i < list->n && !fg_str_eq_c(values[v], list->items[i].scope))
            i++;
        if (i == list->n)
            return FG_EINVAL;
        chosen[i] = true;
    }
    for (size_t i = 0; i < list->n; i++) {
        if (!chosen[i])
            continue;
        enum fg_status st = count ? fg_buf_append_char(out, ' ') : FG_OK;
        if (st == FG_OK)
            st = fg_buf_append_c(out, list->items[i].scope);
        if (st != FG_OK)
            return st;
        count++;
    }
    return count ? FG_OK : FG_ENOTFOUND;
}
