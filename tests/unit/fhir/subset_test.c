/* subset_test.c - _elements and _summary on parsed resources. */
#include "../test.h"

#include "fhir/subset.h"

static const char *patient =
    "{\"resourceType\":\"Patient\",\"id\":\"p\",\"meta\":{\"versionId\":\"2\"},"
    "\"text\":{\"status\":\"generated\",\"div\":\"<div/>\"},"
    "\"identifier\":[{\"value\":\"1\"}],\"active\":true,\"name\":[{\"family\":\"F\"}],"
    "\"birthDate\":\"2000-01-01\",\"_birthDate\":{\"extension\":[]},"
    "\"deceasedBoolean\":false,\"contact\":[{\"name\":{\"family\":\"C\"}}],"
    "\"communication\":[{\"language\":{\"text\":\"en\"}}]}";

static bool has(const cJSON *j, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(j, k) != NULL;
}

static bool tagged(const cJSON *j)
{
    const cJSON *tags = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "meta"), "tag");
    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
    {
        const cJSON *c = cJSON_GetObjectItem(t, "code");
        if (c && strcmp(c->valuestring, "SUBSETTED") == 0)
            return true;
    }
    return false;
}

static void test_elements(void)
{
    cJSON *j = cJSON_Parse(patient);
    struct fg_str names[] = {FG_STR_LIT("Patient.birthDate"), FG_STR_LIT("deceased"),
                             FG_STR_LIT("nosuch")};
    CHECK_INT(fhir_subset_elements(j, fg_str_c("Patient"), names, 3), FG_OK);
    CHECK(has(j, "resourceType") && has(j, "id") && has(j, "meta"));
    CHECK(has(j, "birthDate") && has(j, "_birthDate"));
    CHECK(has(j, "deceasedBoolean")); /* a choice element in its typed form */
    CHECK(!has(j, "name") && !has(j, "text") && !has(j, "identifier") && !has(j, "active"));
    CHECK(tagged(j));
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "meta"), "versionId")->valuestring, "2");
    /* Tagging twice adds one tag. */
    CHECK_INT(fhir_subset_elements(j, fg_str_c("Patient"), names, 3), FG_OK);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "meta"), "tag")), 1);
    cJSON_Delete(j);
}

/* "status" must not keep "statusReason": a choice suffix is a type name. */
static void test_elements_no_prefix_bleed(void)
{
    cJSON *j = cJSON_Parse("{\"resourceType\":\"MedicationRequest\",\"status\":\"active\","
                           "\"statusReason\":{\"text\":\"x\"},\"intent\":\"order\"}");
    struct fg_str names[] = {FG_STR_LIT("status")};
    CHECK_INT(fhir_subset_elements(j, fg_str_c("MedicationRequest"), names, 1), FG_OK);
    CHECK(has(j, "status"));
    CHECK(!has(j, "statusReason"));
    CHECK(!has(j, "intent"));
    CHECK(has(j, "meta")); /* created for the tag */
    cJSON_Delete(j);
}

static void test_summary_true(void)
{
    cJSON *j = cJSON_Parse(patient);
    CHECK_INT(fhir_subset_summary(j, fg_str_c("Patient"), FHIR_SUMMARY_TRUE), FG_OK);
    CHECK(has(j, "identifier") && has(j, "active") && has(j, "name") && has(j, "birthDate"));
    CHECK(has(j, "deceasedBoolean"));
    CHECK(!has(j, "text") && !has(j, "contact") && !has(j, "communication"));
    CHECK(tagged(j));
    cJSON_Delete(j);
}

static void test_summary_text_data(void)
{
    cJSON *j = cJSON_Parse(patient);
    CHECK_INT(fhir_subset_summary(j, fg_str_c("Patient"), FHIR_SUMMARY_TEXT), FG_OK);
    CHECK(has(j, "text") && has(j, "id"));
    CHECK(!has(j, "name"));
    cJSON_Delete(j);
    j = cJSON_Parse(patient);
    CHECK_INT(fhir_subset_summary(j, fg_str_c("Patient"), FHIR_SUMMARY_DATA), FG_OK);
    CHECK(!has(j, "text"));
    CHECK(has(j, "name") && has(j, "contact"));
    CHECK(tagged(j));
    cJSON_Delete(j);
    j = cJSON_Parse(patient);
    CHECK_INT(fhir_subset_summary(j, fg_str_c("Patient"), FHIR_SUMMARY_FALSE), FG_OK);
    CHECK(has(j, "text") && !tagged(j));
    cJSON_Delete(j);
}

/* The generated table is sorted (binary search relies on it) and knows
 * the common types. */
static void test_table(void)
{
    CHECK(fhir_summary_rows_count > 140);
    for (size_t i = 1; i < fhir_summary_rows_count; i++)
        CHECK(strcmp(fhir_summary_rows[i - 1].type, fhir_summary_rows[i].type) < 0);
    cJSON *j = cJSON_Parse("{\"resourceType\":\"Observation\",\"id\":\"o\",\"status\":\"final\","
                           "\"valueQuantity\":{\"value\":1},\"interpretation\":[],\"note\":[]}");
    CHECK_INT(fhir_subset_summary(j, fg_str_c("Observation"), FHIR_SUMMARY_TRUE), FG_OK);
    CHECK(has(j, "status") && has(j, "valueQuantity"));
    CHECK(!has(j, "interpretation") && !has(j, "note"));
    cJSON_Delete(j);
}

TEST_MAIN(test_elements, test_elements_no_prefix_bleed, test_summary_true,
          test_summary_text_data, test_table)
