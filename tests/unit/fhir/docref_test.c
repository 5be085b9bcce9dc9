/* docref_test.c - the $docref parameters (query pairs and Parameters),
 * the search they amount to, and the "current documents" selection. */
#include "../test.h"

#include "core/fg_pool.h"
#include "fhir/docref.h"

#define KV(n, v) {{n, sizeof n - 1}, {v, sizeof v - 1}}

static void test_pairs(void)
{
    static const struct {
        struct fhir_kv kv[4];
        size_t n;
        bool strict;
        enum fg_status st;
        const char *expr; /* error expression, or NULL */
    } rows[] = {
        {{KV("patient", "amy")}, 1, false, FG_OK, NULL},
        {{KV("patient", "amy"), KV("start", "2024-01-01"), KV("end", "2024-12-31T10:00:00Z")}, 3, true, FG_OK, NULL},
        {{KV("patient", "amy"), KV("type", "http://loinc.org|11506-3"), KV("type", "18842-5")}, 3, true, FG_OK, NULL},
        {{KV("patient", "amy"), KV("on-demand", "false"), KV("_format", "json")}, 3, true, FG_OK, NULL},
        {{KV("patient", "amy"), KV("whatever", "x")}, 2, false, FG_OK, NULL},
        {{KV("patient", "amy"), KV("whatever", "x")}, 2, true, FG_EINVAL, "parameter"},
        {{KV("start", "2024")}, 1, false, FG_EINVAL, "patient"},
        {{KV("patient", "a b")}, 1, false, FG_EINVAL, "patient"},
        {{KV("patient", "amy"), KV("patient", "max")}, 2, false, FG_EINVAL, "patient"},
        {{KV("patient", "amy"), KV("start", "2024-13-01")}, 2, false, FG_EINVAL, "start"},
        {{KV("patient", "amy"), KV("end", "yesterday")}, 2, false, FG_EINVAL, "end"},
        {{KV("patient", "amy"), KV("on-demand", "yes")}, 2, false, FG_EINVAL, "on-demand"},
        {{KV("patient", "amy"), KV("type", "http://loinc.org|")}, 2, false, FG_EINVAL, "type"},
        {{KV("patient", "amy"), KV("type", "a|b|c")}, 2, false, FG_EINVAL, "type"},
        {{KV("patient", "amy"), KV("type", "")}, 2, false, FG_EINVAL, "type"},
        {{KV("patient", "amy"), KV("profile", "")}, 2, false, FG_EINVAL, "profile"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fhir_docref_params p;
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st = fhir_docref_from_pairs(rows[i].kv, rows[i].n, rows[i].strict, &p, &err);
        CHECK_INT(st, rows[i].st);
        if (rows[i].expr)
            CHECK_STR(err.expression, rows[i].expr);
    }
}

static const char *pair(const struct fhir_kv *kv, size_t n, const char *name, size_t nth)
{
    static char buf[512];
    for (size_t i = 0; i < n; i++) {
        if (fg_str_eq_c(kv[i].name, name) && nth-- == 0) {
            snprintf(buf, sizeof buf, "%.*s", (int)kv[i].value.len, kv[i].value.ptr);
            return buf;
        }
    }
    return "(absent)";
}

static void test_search_pairs(void)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_kv in[] = {KV("patient", "amy"), KV("type", "http://loinc.org|11506-3"),
                           KV("type", "a\\b,c"), KV("start", "2024-01-01T00:00:00+02:00"),
                           KV("profile", "http://x/p")};
    struct fhir_docref_params p;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fhir_docref_from_pairs(in, 5, true, &p, &err), FG_OK);
    struct fhir_kv *out = NULL;
    size_t n = 0;
    CHECK_INT(fhir_docref_search_pairs(pool, &p, &out, &n), FG_OK);
    CHECK_STR(pair(out, n, "patient", 0), "Patient/amy");
    CHECK_STR(pair(out, n, "type", 0), "http://loinc.org|11506-3,a\\\\b\\,c");
    CHECK_STR(pair(out, n, "period", 0), "ge2024-01-01T00:00:00+02:00");
    CHECK_STR(pair(out, n, "period", 1), "(absent)");
    CHECK_STR(pair(out, n, "_profile", 0), "http://x/p");
    CHECK_STR(pair(out, n, "_sort", 0), "-date");
    CHECK_STR(pair(out, n, "_count", 0), "(absent)"); /* a date range pages normally */

    struct fhir_kv only[] = {KV("patient", "max"), KV("end", "2020")};
    CHECK_INT(fhir_docref_from_pairs(only, 2, true, &p, &err), FG_OK);
    CHECK_INT(fhir_docref_search_pairs(pool, &p, &out, &n), FG_OK);
    CHECK_STR(pair(out, n, "period", 0), "le2020");
    CHECK_STR(pair(out, n, "type", 0), "(absent)");

    struct fhir_kv none[] = {KV("patient", "max")};
    CHECK_INT(fhir_docref_from_pairs(none, 1, true, &p, &err), FG_OK);
    CHECK_INT(fhir_docref_search_pairs(pool, &p, &out, &n), FG_OK);
    CHECK_STR(pair(out, n, "_count", 0), "1000");
    CHECK_STR(pair(out, n, "period", 0), "(absent)");
    fg_pool_free(&pool);
}

static void test_parameters(void)
{
    static const struct {
        const char *json;
        enum fg_status st;
        const char *patient, *type0, *start;
        bool on_demand;
    } rows[] = {
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueId\":\"amy\"},"
         "{\"name\":\"type\",\"valueCoding\":{\"system\":\"http://loinc.org\",\"code\":\"34133-9\"}},"
         "{\"name\":\"start\",\"valueDateTime\":\"2024-01-01\"},{\"name\":\"on-demand\",\"valueBoolean\":true}]}",
         FG_OK, "amy", "http://loinc.org|34133-9", "2024-01-01", true},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueString\":\"max\"},"
         "{\"name\":\"type\",\"valueCoding\":{\"code\":\"11506-3\"}}]}",
         FG_OK, "max", "11506-3", "", false},
        {"{\"resourceType\":\"Patient\"}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\"}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\",\"parameter\":{}}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"valueId\":\"amy\"}]}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueId\":\"amy\"},"
         "{\"name\":\"on-demand\",\"valueBoolean\":\"true\"}]}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueId\":\"amy\"},"
         "{\"name\":\"type\",\"valueCoding\":{\"system\":\"s\"}}]}", FG_EINVAL, NULL, NULL, NULL, false},
        {"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"patient\",\"valueInteger\":3}]}",
         FG_EINVAL, NULL, NULL, NULL, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_pool *pool = fg_pool_new();
        cJSON *j = cJSON_Parse(rows[i].json);
        struct fhir_docref_params p;
        struct fg_error err;
        fg_error_clear(&err);
        CHECK(j != NULL);
        CHECK_INT(fhir_docref_from_parameters(pool, j, true, &p, &err), rows[i].st);
        if (rows[i].st == FG_OK) {
            CHECK_SLICE(p.patient, rows[i].patient);
            CHECK_INT(p.n_types, 1);
            CHECK_SLICE(p.types[0], rows[i].type0);
            CHECK_SLICE(p.start, rows[i].start);
            CHECK_INT(p.on_demand, rows[i].on_demand);
        }
        cJSON_Delete(j);
        fg_pool_free(&pool);
    }
}

#define DOC(id, code) \
    "{\"resourceType\":\"DocumentReference\",\"id\":\"" id "\",\"type\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" code "\"}]}}"

static void test_select(void)
{
    static const char *const docs[] = {DOC("d1", "A"), DOC("d2", "B"), DOC("d3", "A"), "{not json",
                                       DOC("d5", "C"), DOC("d6", "B")};
    struct fhir_resource res[6];
    struct fhir_docref_params p = {0};
    for (int mode = 0; mode < 3; mode++) {
        for (size_t i = 0; i < 6; i++)
            res[i] = (struct fhir_resource){.json = fg_str_c(docs[i]), .id = fg_str_c(docs[i])};
        p.on_demand = mode == 2;
        p.start = mode == 1 ? fg_str_c("2020") : FG_STR_NULL;
        size_t n = fhir_docref_select(&p, res, 6);
        if (mode == 0) { /* current: the newest of each type, in order; bad JSON kept */
            CHECK_INT(n, 4);
            CHECK(strstr(res[0].json.ptr, "\"d1\"") && strstr(res[1].json.ptr, "\"d2\"") &&
                  res[2].json.ptr == docs[3] && strstr(res[3].json.ptr, "\"d5\""));
        } else if (mode == 1) {
            CHECK_INT(n, 6);
        } else {
            CHECK_INT(n, 0);
        }
    }
}

TEST_MAIN(test_pairs, test_search_pairs, test_parameters, test_select)
