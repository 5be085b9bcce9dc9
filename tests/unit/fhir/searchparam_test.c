/* searchparam_test.c - the generated search parameter table and its lookups. */
#include "../test.h"

#include "fhir/searchparam.h"

static struct fg_str sl(const char *s)
{
    return fg_str_c(s);
}

static void test_find_table(void)
{
    static const struct {
        const char *type, *code;
        const char *resource; /* NULL = not found */
        enum fhir_param_type ptype;
        const char *paths;
    } rows[] = {
        {"Observation", "patient", "Observation", FHIR_PARAM_REFERENCE, "subject@Patient"},
        {"Observation", "subject", "Observation", FHIR_PARAM_REFERENCE, "subject"},
        {"Observation", "code", "Observation", FHIR_PARAM_TOKEN, "code"},
        {"Observation", "category", "Observation", FHIR_PARAM_TOKEN, "category"},
        {"Observation", "date", "Observation", FHIR_PARAM_DATE, "effective[x]"},
        {"Observation", "value-quantity", "Observation", FHIR_PARAM_QUANTITY,
         "value[x]:Quantity|value[x]:SampledData"},
        {"Observation", "component-code", "Observation", FHIR_PARAM_TOKEN, "component.code"},
        {"Observation", "combo-code", "Observation", FHIR_PARAM_TOKEN, "code|component.code"},
        {"Observation", "code-value-quantity", "Observation", FHIR_PARAM_COMPOSITE, ""},
        {"Patient", "name", "Patient", FHIR_PARAM_STRING, "name"},
        {"Patient", "family", "Patient", FHIR_PARAM_STRING, "name.family"},
        {"Patient", "birthdate", "Patient", FHIR_PARAM_DATE, "birthDate"},
        {"Patient", "identifier", "Patient", FHIR_PARAM_TOKEN, "identifier"},
        {"Patient", "email", "Patient", FHIR_PARAM_TOKEN, "telecom(system=email)"},
        {"Patient", "general-practitioner", "Patient", FHIR_PARAM_REFERENCE, "generalPractitioner"},
        {"Patient", "race", "Patient", FHIR_PARAM_TOKEN,
         "extension(url=http://hl7.org/fhir/us/core/StructureDefinition/us-core-race)"
         ".extension.value[x]:Age,Coding,Count,Distance,Duration,Quantity,Timing,UsageContext"
         ".code"},
        {"Condition", "asserted-date", "Condition", FHIR_PARAM_DATE,
         "extension(url=http://hl7.org/fhir/StructureDefinition/condition-assertedDate).value[x]"},
        {"Encounter", "patient", "Encounter", FHIR_PARAM_REFERENCE, "subject@Patient"},
        {"MedicationRequest", "code", "MedicationRequest", FHIR_PARAM_TOKEN,
         "medication[x]:CodeableConcept"},
        {"Goal", "target-date", "Goal", FHIR_PARAM_DATE, "target.due[x]:date"},
        {"InsurancePlan", "name", "InsurancePlan", FHIR_PARAM_STRING, "name|alias"},
        {"Observation", "_id", "Resource", FHIR_PARAM_TOKEN, "id"},
        {"Observation", "_lastUpdated", "Resource", FHIR_PARAM_DATE, "meta.lastUpdated"},
        {"Patient", "_tag", "Resource", FHIR_PARAM_TOKEN, "meta.tag"},
        {"Patient", "_profile", "Resource", FHIR_PARAM_URI, "meta.profile"},
        {"Patient", "_text", "DomainResource", FHIR_PARAM_STRING, ""},
        {"Bundle", "_text", NULL, FHIR_PARAM_STRING, ""},
        {"Bundle", "_id", "Resource", FHIR_PARAM_TOKEN, "id"},
        {"Observation", "nonsense", NULL, FHIR_PARAM_TOKEN, ""},
        {"Observation", "", NULL, FHIR_PARAM_TOKEN, ""},
        {"Observation", "Code", NULL, FHIR_PARAM_TOKEN, ""},
        {"observation", "code", NULL, FHIR_PARAM_TOKEN, ""},
        {"Observation", "code ", NULL, FHIR_PARAM_TOKEN, ""},
        {"Observation", "cod", NULL, FHIR_PARAM_TOKEN, ""},
        {"", "", NULL, FHIR_PARAM_TOKEN, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct fhir_searchparam *p = fhir_searchparam_find(sl(rows[i].type), sl(rows[i].code));
        if (!rows[i].resource) {
            CHECK(p == NULL);
            continue;
        }
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK_STR(p->resource, rows[i].resource);
        CHECK_STR(p->code, rows[i].code);
        CHECK_INT(p->type, rows[i].ptype);
        CHECK_STR(p->paths, rows[i].paths);
    }
}

static void test_find_bad_bytes(void)
{
    /* an embedded NUL or bytes past the slice must not match */
    static const char obs_nul[] = "Observation\0";
    CHECK(fhir_searchparam_find(fg_str_n(obs_nul, sizeof obs_nul - 1), sl("code")) == NULL);
    static const char code_nul[] = "co\0de";
    CHECK(fhir_searchparam_find(sl("Observation"), fg_str_n(code_nul, 5)) == NULL);
    /* a slice into a longer buffer matches only its own bytes */
    static const char longer[] = "codeXYZ";
    const struct fhir_searchparam *p = fhir_searchparam_find(sl("Observation"), fg_str_n(longer, 4));
    CHECK(p != NULL && strcmp(p->code, "code") == 0);
    CHECK(fhir_searchparam_find(sl("Observation"), fg_str_n("\xff\xfe", 2)) == NULL);
    CHECK(fhir_searchparam_find(FG_STR_NULL, FG_STR_NULL) == NULL);
}

static void test_ids_and_order(void)
{
    CHECK(fhir_searchparams_count > 1500);
    for (size_t i = 0; i < fhir_searchparams_count; i++) {
        const struct fhir_searchparam *p = &fhir_searchparams[i];
        CHECK_INT(p->id, (long long)i);
        if (i > 0) {
            const struct fhir_searchparam *q = &fhir_searchparams[i - 1];
            int c = strcmp(q->resource, p->resource);
            CHECK(c < 0 || (c == 0 && strcmp(q->code, p->code) < 0));
        }
    }
}

/* Counts the '|' alternatives of a path string and the '.' steps of each,
 * ignoring dots inside a (key=value) filter. */
static void check_paths_match_compiled(const struct fhir_searchparam *p)
{
    size_t alt = 0, segs = 1;
    int depth = 0;
    for (const char *c = p->paths;; c++) {
        if (*c == '(')
            depth++;
        else if (*c == ')')
            depth--;
        else if (depth == 0 && *c == '.')
            segs++;
        else if (depth == 0 && (*c == '|' || *c == '\0')) {
            CHECK(alt < p->n_compiled);
            if (alt < p->n_compiled)
                CHECK_INT(p->compiled[alt].n_segs, segs);
            alt++;
            segs = 1;
            if (*c == '\0')
                break;
        }
    }
    CHECK_INT(alt, p->n_compiled);
    CHECK_INT(depth, 0);
}

static void test_rows_sane(void)
{
    for (size_t i = 0; i < fhir_searchparams_count; i++) {
        const struct fhir_searchparam *p = &fhir_searchparams[i];
        CHECK(p->type >= FHIR_PARAM_NUMBER && p->type <= FHIR_PARAM_SPECIAL);
        CHECK(fhir_resource_type_known(sl(p->resource)) || strcmp(p->resource, "Resource") == 0 ||
              strcmp(p->resource, "DomainResource") == 0);
        CHECK(p->code[0] != '\0');
        CHECK(strncmp(p->url, "http://hl7.org/fhir/", 20) == 0);
        CHECK(p->targets != NULL);
        /* a parameter reaching a Reference names its targets (canonical-only ones may not) */
        if (p->type == FHIR_PARAM_REFERENCE && p->n_compiled) {
            const struct fhir_path *last = &p->compiled[0];
            const struct fhir_path_seg *seg = &last->segs[last->n_segs - 1];
            if (seg->keys[0].type == FHIR_DT_REFERENCE)
                CHECK(p->targets[0] != '\0');
        }
        if (p->paths[0] == '\0') {
            CHECK_INT(p->n_compiled, 0);
            CHECK(p->compiled == NULL);
            continue;
        }
        check_paths_match_compiled(p);
        for (size_t a = 0; a < p->n_compiled; a++) {
            const struct fhir_path *path = &p->compiled[a];
            CHECK(path->n_segs > 0);
            for (size_t s = 0; s < path->n_segs; s++) {
                const struct fhir_path_seg *seg = &path->segs[s];
                CHECK(seg->n_keys > 0);
                CHECK((seg->where_key == NULL) == (seg->where_value == NULL));
                for (size_t k = 0; k < seg->n_keys; k++) {
                    CHECK_INT(seg->keys[k].len, strlen(seg->keys[k].name));
                    CHECK(seg->keys[k].type <= FHIR_DT_ELEMENT);
                }
            }
        }
    }
}

static void test_compiled_segments(void)
{
    const struct fhir_searchparam *p = fhir_searchparam_find(sl("Observation"), sl("patient"));
    CHECK(p && p->n_compiled == 1 && p->compiled[0].n_segs == 1);
    if (p && p->n_compiled == 1) {
        const struct fhir_path_seg *seg = &p->compiled[0].segs[0];
        CHECK_STR(seg->keys[0].name, "subject");
        CHECK_INT(seg->keys[0].type, FHIR_DT_REFERENCE);
        CHECK_STR(seg->ref_type, "Patient");
    }
    p = fhir_searchparam_find(sl("Observation"), sl("date"));
    CHECK(p && p->n_compiled == 1);
    if (p && p->n_compiled == 1) {
        const struct fhir_path_seg *seg = &p->compiled[0].segs[0];
        int found_period = 0, found_dt = 0;
        for (size_t k = 0; k < seg->n_keys; k++) {
            found_period += strcmp(seg->keys[k].name, "effectivePeriod") == 0 &&
                            seg->keys[k].type == FHIR_DT_PERIOD;
            found_dt += strcmp(seg->keys[k].name, "effectiveDateTime") == 0 &&
                        seg->keys[k].type == FHIR_DT_DATETIME;
        }
        CHECK_INT(found_period, 1);
        CHECK_INT(found_dt, 1);
    }
    p = fhir_searchparam_find(sl("Patient"), sl("email"));
    CHECK(p && p->n_compiled == 1);
    if (p && p->n_compiled == 1) {
        CHECK_STR(p->compiled[0].segs[0].where_key, "system");
        CHECK_STR(p->compiled[0].segs[0].where_value, "email");
        CHECK_INT(p->compiled[0].segs[0].keys[0].type, FHIR_DT_CONTACTPOINT);
    }
}

static void test_next_iterates_own_then_common(void)
{
    size_t cursor = 0, n = 0, n_common = 0;
    int saw_id = 0, saw_code = 0, saw_text = 0;
    const struct fhir_searchparam *p;
    while ((p = fhir_searchparam_next(sl("Observation"), &cursor)) != NULL) {
        n++;
        if (strcmp(p->resource, "Observation") != 0)
            n_common++;
        else
            CHECK(n_common == 0); /* own rows come first */
        saw_id += strcmp(p->code, "_id") == 0;
        saw_code += strcmp(p->code, "code") == 0;
        saw_text += strcmp(p->code, "_text") == 0;
        /* each code once, and find() agrees */
        CHECK(fhir_searchparam_find(sl("Observation"), sl(p->code)) == p);
    }
    CHECK(n > 30);
    CHECK(n_common >= 8);
    CHECK_INT(saw_id, 1);
    CHECK_INT(saw_code, 1);
    CHECK_INT(saw_text, 1);
    CHECK(fhir_searchparam_next(sl("Observation"), &cursor) == NULL);

    cursor = 0;
    saw_text = 0;
    while ((p = fhir_searchparam_next(sl("Bundle"), &cursor)) != NULL)
        saw_text += strcmp(p->code, "_text") == 0;
    CHECK_INT(saw_text, 0);
}

static void test_resource_types(void)
{
    CHECK(fhir_resource_types_count >= 140);
    for (size_t i = 1; i < fhir_resource_types_count; i++)
        CHECK(strcmp(fhir_resource_types[i - 1], fhir_resource_types[i]) < 0);
    static const struct {
        const char *t;
        bool known;
    } rows[] = {
        {"Patient", true},   {"Observation", true}, {"Account", true},
        {"VisionPrescription", true}, {"Bundle", true}, {"patient", false},
        {"Resource", false}, {"DomainResource", false}, {"", false},
        {"Patient ", false}, {"Patients", false}, {"Pat", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fhir_resource_type_known(sl(rows[i].t)), rows[i].known);
    CHECK(fhir_resource_type_known(fg_str_n("Patient\0", 8)) == false);
    long ix = fhir_resource_type_index(sl("Observation"));
    CHECK(ix >= 0 && strcmp(fhir_resource_types[ix], "Observation") == 0);
}

static void test_type_infos(void)
{
    long ix = fhir_resource_type_index(sl("Observation"));
    CHECK(ix >= 0);
    if (ix < 0)
        return;
    const struct fhir_type_info *ti = &fhir_type_infos[ix];
    CHECK(ti->in_patient_compartment);
    CHECK_INT(ti->n_compartment, 2);
    if (ti->n_compartment == 2) {
        CHECK_STR(ti->compartment[0], "subject");
        CHECK_STR(ti->compartment[1], "performer");
    }
    for (size_t t = 0; t < fhir_resource_types_count; t++) {
        const struct fhir_type_info *x = &fhir_type_infos[t];
        for (size_t r = 0; r < x->n_roots; r++) {
            const struct fhir_type_root *root = &x->roots[r];
            CHECK(root->row < fhir_searchparams_count);
            const struct fhir_searchparam *p = &fhir_searchparams[root->row];
            CHECK(root->alt < p->n_compiled);
            if (root->alt < p->n_compiled) {
                const struct fhir_path_seg *seg = &p->compiled[root->alt].segs[0];
                CHECK(root->key < seg->n_keys);
                if (root->key < seg->n_keys)
                    CHECK_STR(seg->keys[root->key].name, root->name);
            }
            CHECK_INT(root->len, strlen(root->name));
            if (r > 0) {
                const struct fhir_type_root *prev = &x->roots[r - 1];
                CHECK(prev->len < root->len ||
                      (prev->len == root->len && strcmp(prev->name, root->name) <= 0));
            }
        }
        for (size_t c = 0; c < x->n_compartment; c++) {
            const struct fhir_searchparam *p =
                fhir_searchparam_find(sl(fhir_resource_types[t]), sl(x->compartment[c]));
            CHECK(p && p->type == FHIR_PARAM_REFERENCE);
        }
    }
    ix = fhir_resource_type_index(sl("Patient"));
    CHECK(ix >= 0 && fhir_type_infos[ix].in_patient_compartment);
    ix = fhir_resource_type_index(sl("ValueSet"));
    CHECK(ix >= 0 && !fhir_type_infos[ix].in_patient_compartment);
}

static void test_type_names(void)
{
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_NUMBER), "number");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_DATE), "date");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_STRING), "string");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_TOKEN), "token");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_REFERENCE), "reference");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_COMPOSITE), "composite");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_QUANTITY), "quantity");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_URI), "uri");
    CHECK_STR(fhir_param_type_name(FHIR_PARAM_SPECIAL), "special");
}

/* The union parameters: combo-X is X or component-X, and only where the
 * table's paths say exactly that. */
static void test_union_of(void)
{
    static const struct {
        const char *type, *code, *part0, *part1; /* part0 NULL: not a union */
    } rows[] = {
        {"Observation", "combo-code", "code", "component-code"},
        {"Observation", "combo-value-quantity", "value-quantity", "component-value-quantity"},
        {"Observation", "combo-value-concept", "value-concept", "component-value-concept"},
        {"Observation", "combo-data-absent-reason", "data-absent-reason",
         "component-data-absent-reason"},
        {"Observation", "combo-code-value-quantity", NULL, NULL}, /* composite */
        {"Observation", "code", NULL, NULL},
        {"Observation", "component-code", NULL, NULL},
        {"Observation", "value-string", NULL, NULL},
        {"Patient", "name", NULL, NULL},
        {"InsurancePlan", "name", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct fhir_searchparam *def = fhir_searchparam_find(sl(rows[i].type),
                                                                   sl(rows[i].code));
        CHECK(def != NULL);
        if (!def)
            continue;
        const struct fhir_searchparam *parts[2] = {NULL, NULL};
        bool is = fhir_searchparam_union_of(def, parts);
        CHECK_INT(is, rows[i].part0 != NULL);
        if (!is || !rows[i].part0)
            continue;
        CHECK_STR(parts[0]->code, rows[i].part0);
        CHECK_STR(parts[1]->code, rows[i].part1);
        CHECK_STR(parts[0]->resource, rows[i].type);
        CHECK_INT(parts[0]->type, def->type);
        CHECK_INT(parts[1]->type, def->type);
    }
}

/* The restrictions: X@T beside a parameter of path X is X's references
 * to T. */
static void test_restriction_of(void)
{
    static const struct {
        const char *type, *code, *base, *target; /* base NULL: not a restriction */
    } rows[] = {
        {"Observation", "patient", "subject", "Patient"},
        {"Encounter", "patient", "subject", "Patient"},
        {"Condition", "patient", "subject", "Patient"},
        {"DiagnosticReport", "patient", "subject", "Patient"},
        {"AuditEvent", "patient", NULL, NULL},   /* two alternatives */
        {"Observation", "subject", NULL, NULL},
        {"Observation", "performer", NULL, NULL},
        {"Observation", "code", NULL, NULL},
        {"AllergyIntolerance", "patient", NULL, NULL}, /* path patient: no @ */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct fhir_searchparam *def = fhir_searchparam_find(sl(rows[i].type),
                                                                   sl(rows[i].code));
        CHECK(def != NULL);
        if (!def)
            continue;
        const struct fhir_searchparam *base = NULL;
        struct fg_str target = FG_STR_NULL;
        bool is = fhir_searchparam_restriction_of(def, &base, &target);
        CHECK_INT(is, rows[i].base != NULL);
        if (!is || !rows[i].base)
            continue;
        CHECK_STR(base->code, rows[i].base);
        CHECK_STR(base->resource, rows[i].type);
        CHECK(fg_str_eq_c(target, rows[i].target));
    }
}

TEST_MAIN(test_find_table, test_find_bad_bytes, test_ids_and_order, test_rows_sane,
          test_compiled_segments, test_next_iterates_own_then_common, test_resource_types,
          test_type_infos, test_type_names, test_union_of,
          test_restriction_of)
