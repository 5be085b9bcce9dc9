/* bundle_refs_test.c - placeholder references of a transaction rewritten
 * at any depth; non-placeholders and unknown placeholders left alone. */
#include "../test.h"

#include "fhir/bundle_refs.h"

static struct fhir_ref_alias aliases[] = {
    {{"urn:uuid:bbbb", 13}, {"Patient/p1", 10}},
    {{"urn:uuid:aaaa", 13}, {"Encounter/e1", 12}},
    {{"urn:oid:1.2.3", 13}, {"Organization/o-long-identifier", 30}},
};

static void test_rewrite_nested(void)
{
    size_t dup = 99;
    CHECK_INT(fhir_ref_aliases_sort(aliases, 3, &dup), FG_OK);
    const char *in =
        "{\"resourceType\":\"Observation\","
        "\"subject\":{\"reference\":\"urn:uuid:bbbb\"},"
        "\"encounter\":{\"reference\":\"urn:uuid:aaaa\",\"display\":\"urn:uuid:aaaa\"},"
        "\"performer\":[{\"reference\":\"Practitioner/x\"},{\"reference\":\"urn:oid:1.2.3\"}],"
        "\"contained\":[{\"resourceType\":\"Provenance\",\"target\":[{\"reference\":\"urn:uuid:bbbb\"}]}],"
        "\"extension\":[{\"url\":\"x\",\"valueReference\":{\"reference\":\"urn:uuid:cccc\"}}],"
        "\"note\":[{\"text\":\"reference\"}]}";
    cJSON *j = cJSON_Parse(in);
    size_t n = 0;
    CHECK_INT(fhir_ref_rewrite(j, aliases, 3, &n), FG_OK);
    CHECK_INT(n, 4);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "subject"), "reference")->valuestring,
              "Patient/p1");
    cJSON *enc = cJSON_GetObjectItem(j, "encounter");
    CHECK_STR(cJSON_GetObjectItem(enc, "reference")->valuestring, "Encounter/e1");
    /* Only Reference.reference is rewritten, not other strings. */
    CHECK_STR(cJSON_GetObjectItem(enc, "display")->valuestring, "urn:uuid:aaaa");
    cJSON *perf = cJSON_GetObjectItem(j, "performer");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(perf, 0), "reference")->valuestring,
              "Practitioner/x");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(perf, 1), "reference")->valuestring,
              "Organization/o-long-identifier");
    cJSON *prov = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "contained"), 0);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(prov, "target"), 0),
                                  "reference")->valuestring, "Patient/p1");
    /* An unknown placeholder stays and is found. */
    CHECK_STR(fhir_ref_find_unresolved(j), "urn:uuid:cccc");
    cJSON_Delete(j);
}

static void test_nothing_to_do(void)
{
    cJSON *j = cJSON_Parse("{\"subject\":{\"reference\":\"Patient/1\"},\"reference\":5}");
    size_t n = 7;
    CHECK_INT(fhir_ref_rewrite(j, aliases, 3, &n), FG_OK);
    CHECK_INT(n, 0);
    CHECK(fhir_ref_find_unresolved(j) == NULL);
    cJSON_Delete(j);
    CHECK_INT(fhir_ref_rewrite(NULL, aliases, 3, NULL), FG_OK);
}

static void test_duplicates_and_placeholders(void)
{
    struct fhir_ref_alias d[] = {
        {{"urn:uuid:1", 10}, {"Patient/a", 9}},
        {{"urn:uuid:2", 10}, {"Patient/b", 9}},
        {{"urn:uuid:1", 10}, {"Patient/c", 9}},
    };
    size_t dup = 0;
    CHECK_INT(fhir_ref_aliases_sort(d, 3, &dup), FG_ECONFLICT);
    CHECK_SLICE(d[dup].from, "urn:uuid:1");
    static const struct {
        const char *s;
        bool want;
    } rows[] = {{"urn:uuid:61ebe359", true}, {"urn:oid:1.2", true}, {"urn:uuid:", false},
                {"urn:oid:", false},         {"Patient/1", false},  {"URN:UUID:1", false},
                {"", false}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(fhir_ref_is_placeholder(fg_str_c(rows[i].s)), rows[i].want);
}

TEST_MAIN(test_rewrite_nested, test_nothing_to_do, test_duplicates_and_placeholders)
