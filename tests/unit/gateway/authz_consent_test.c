/* authz_consent_test.c - the consent catalogue covers every scope form in
 * both languages; G-5 category sub-scopes; the granted string accepts only
 * offered scope strings. */
#include "../test.h"

#include <string.h>

#include "gateway/authz_consent.h"

static const char *const types[] = {
    "AllergyIntolerance", "CarePlan", "CareTeam", "Condition", "Coverage", "Device",
    "DiagnosticReport", "DocumentReference", "Encounter", "Goal", "Immunization", "Location",
    "Medication", "MedicationDispense", "MedicationRequest", "Observation", "Organization",
    "Patient", "Practitioner", "PractitionerRole", "Procedure", "Provenance",
    "QuestionnaireResponse", "RelatedPerson", "ServiceRequest", "Specimen", "*", "Basic"};
static const char *const suffixes[] = {"read", "write", "*", "r", "s", "rs", "cud", "cruds", "c"};
static const char *const contexts[] = {"patient", "user"};

static void build(const char *scopes, enum fg_lang lang, struct fg_consent_list *out)
{
    struct smart_scopes s;
    smart_scopes_init(&s);
    CHECK_INT(smart_scopes_parse(fg_str_c(scopes), &s, NULL), FG_OK);
    CHECK_INT(fg_consent_build(&s, lang, out), FG_OK);
    smart_scopes_cleanup(&s);
}

/* Every item's scope parses to exactly one scope. */
static void check_item(const struct fg_consent_item *it)
{
    struct smart_scopes s;
    smart_scopes_init(&s);
    CHECK_INT(smart_scopes_parse(fg_str_c(it->scope), &s, NULL), FG_OK);
    CHECK_INT(s.n, 1);
    CHECK(it->text[0] != '\0');
    smart_scopes_cleanup(&s);
}

static void test_every_form(void)
{
    char scope[256];
    struct fg_consent_list *l = malloc(sizeof *l);
    for (size_t c = 0; c < 2; c++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
            for (size_t x = 0; x < sizeof suffixes / sizeof suffixes[0]; x++)
                for (int lang = 0; lang < FG_LANG_COUNT; lang++) {
                    snprintf(scope, sizeof scope, "%s/%s.%s", contexts[c], types[t], suffixes[x]);
                    build(scope, (enum fg_lang)lang, l);
                    CHECK(l->n >= 1);
                    CHECK(!l->items[0].sub);
                    for (size_t i = 0; i < l->n; i++)
                        check_item(&l->items[i]);
                    /* the type's own noun, or the type named for types without one */
                    if (strcmp(types[t], "Basic") == 0)
                        CHECK(strstr(l->items[0].text, "Basic") != NULL);
                    else
                        CHECK(strstr(l->items[0].text, types[t]) == NULL || types[t][0] == '*');
                    bool reads = strcmp(suffixes[x], "write") != 0 &&
                                 (strchr(suffixes[x], 'r') || strchr(suffixes[x], 's') ||
                                  strcmp(suffixes[x], "*") == 0);
                    bool granular_type = strcmp(types[t], "Condition") == 0 ||
                                         strcmp(types[t], "Observation") == 0;
                    size_t want_subs = !reads || !granular_type ? 0
                                       : types[t][0] == 'C' ? 3 : 6;
                    CHECK_INT(l->n, 1 + want_subs);
                }
    free(l);
}

static void test_specials_and_offline(void)
{
    struct fg_consent_list *l = malloc(sizeof *l);
    build("openid fhirUser profile launch/patient online_access launch launch/encounter "
          "https://example.org/x", FG_LANG_EN, l);
    CHECK_INT(l->n, 7); /* the unknown URL scope is not offered */
    CHECK(!l->offline);
    CHECK_STR(l->items[0].scope, "openid");
    CHECK_STR(l->items[3].scope, "launch/patient");
    CHECK_STR(l->items[3].text, "Know which patient record you chose");
    /* the EHR launch's context scopes are offered (and so can be granted) */
    CHECK_STR(l->items[5].scope, "launch");
    CHECK_STR(l->items[5].text, "Know the record (and visit) it was opened with");
    CHECK_STR(l->items[6].scope, "launch/encounter");
    build("offline_access patient/AllergyIntolerance.rs", FG_LANG_ES, l);
    CHECK(l->offline);
    CHECK_STR(l->items[0].scope, "offline_access");
    CHECK_STR(l->items[1].scope, "patient/AllergyIntolerance.rs");
    CHECK_STR(l->items[1].text, "Leer sus alergias");
    free(l);
}

/* G-5: the sub-scopes, exact strings; a request that was already granular keeps its category text. */
static void test_categories(void)
{
    struct fg_consent_list *l = malloc(sizeof *l);
    build("patient/Condition.rs patient/Observation.read patient/Patient.rs", FG_LANG_EN, l);
    CHECK_INT(l->n, 1 + 3 + 1 + 6 + 1);
    CHECK_STR(l->items[0].text, "Read your health problems and diagnoses");
    CHECK_STR(l->items[1].scope, "patient/Condition.rs?category=http://terminology.hl7.org/"
                                 "CodeSystem/condition-category|encounter-diagnosis");
    CHECK_STR(l->items[2].scope, "patient/Condition.rs?category=http://terminology.hl7.org/"
                                 "CodeSystem/condition-category|problem-list-item");
    CHECK_STR(l->items[3].scope, "patient/Condition.rs?category=http://hl7.org/fhir/us/core/"
                                 "CodeSystem/condition-category|health-concern");
    CHECK(l->items[1].sub && l->items[3].sub && !l->items[4].sub);
    CHECK_STR(l->items[4].scope, "patient/Observation.read");
    CHECK_STR(l->items[5].scope, "patient/Observation.rs?category=http://terminology.hl7.org/"
                                 "CodeSystem/observation-category|laboratory");
    CHECK_STR(l->items[5].text, "Read your lab results");
    CHECK_STR(l->items[10].scope, "patient/Observation.rs?category=http://hl7.org/fhir/us/core/"
                                  "CodeSystem/us-core-category|clinical-test");
    CHECK_STR(l->items[11].scope, "patient/Patient.rs");
    /* search-only keeps only s */
    build("patient/Observation.s", FG_LANG_EN, l);
    CHECK(strncmp(l->items[1].scope, "patient/Observation.s?category=", 31) == 0);
    /* already granular: no further subs, the category's own words */
    build("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
          "observation-category|vital-signs", FG_LANG_ES, l);
    CHECK_INT(l->n, 1);
    CHECK_STR(l->items[0].text, "Leer sus signos vitales");
    free(l);
}

static void test_granted(void)
{
    struct fg_consent_list *l = malloc(sizeof *l);
    build("launch/patient patient/Condition.rs patient/Patient.rs", FG_LANG_EN, l);
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    struct fg_str vals[] = {fg_str_c("patient/Patient.rs"), fg_str_c(l->items[2].scope),
                            fg_str_c("launch/patient"), fg_str_c("patient/Patient.rs")};
    CHECK_INT(fg_consent_granted(l, vals, 4, &b), FG_OK);
    char want[1024];
    snprintf(want, sizeof want, "launch/patient %s patient/Patient.rs", l->items[2].scope);
    CHECK_SLICE(fg_buf_str(&b), want);
    fg_buf_reset(&b);
    /* a scope that was not offered (wider, or forged) is refused */
    struct fg_str forged[] = {fg_str_c("patient/*.cruds")};
    CHECK_INT(fg_consent_granted(l, forged, 1, &b), FG_EINVAL);
    struct fg_str near[] = {fg_str_c("patient/Patient.rs ")};
    CHECK_INT(fg_consent_granted(l, near, 1, &b), FG_EINVAL);
    CHECK_INT(fg_consent_granted(l, NULL, 0, &b), FG_ENOTFOUND);
    fg_buf_cleanup(&b);
    free(l);
}

TEST_MAIN(test_every_form, test_specials_and_offline, test_categories, test_granted)
