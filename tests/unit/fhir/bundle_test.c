/* bundle_test.c - Bundle JSON text: searchset, history and
 * transaction-response shapes, raw splicing, limits and allocation failures. */
#include "../test.h"

#include <cJSON.h>

#include "core/fg_mem.h"
#include "fhir/bundle.h"

static cJSON *parse_buf(const struct fg_buf *b)
{
    return cJSON_ParseWithLength(b->data, b->len);
}

static void test_searchset_shape(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 20);
    struct fhir_bundle_link links[] = {
        {"self", fg_str_c("http://h/fhir/Patient?name=a&_count=2")},
        {"next", fg_str_c("http://h/fhir/Patient?name=a&_count=2&_cursor=x%2By")},
    };
    CHECK_INT(fhir_bundle_begin(&b, "searchset", FG_STR_NULL, 0, 7, links, 2), FG_OK);
    struct fhir_bundle_entry e0 = {.full_url = fg_str_c("http://h/fhir/Patient/1"),
                                   .resource = fg_str_c("{\"resourceType\":\"Patient\",\"id\":\"1\"}"),
                                   .search_mode = "match"};
    struct fhir_bundle_entry e1 = {.full_url = fg_str_c("http://h/fhir/Organization/o"),
                                   .resource = fg_str_c("{\"resourceType\":\"Organization\"}"),
                                   .search_mode = "include"};
    CHECK_INT(fhir_bundle_entry(&b, 0, &e0), FG_OK);
    CHECK_INT(fhir_bundle_entry(&b, 1, &e1), FG_OK);
    CHECK_INT(fhir_bundle_end(&b, 2), FG_OK);
    cJSON *j = parse_buf(&b);
    CHECK(j != NULL);
    CHECK_STR(cJSON_GetObjectItem(j, "resourceType")->valuestring, "Bundle");
    CHECK_STR(cJSON_GetObjectItem(j, "type")->valuestring, "searchset");
    CHECK_INT(cJSON_GetObjectItem(j, "total")->valueint, 7);
    cJSON *l = cJSON_GetObjectItem(j, "link");
    CHECK_INT(cJSON_GetArraySize(l), 2);
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 1), "relation")->valuestring, "next");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 1), "url")->valuestring,
              "http://h/fhir/Patient?name=a&_count=2&_cursor=x%2By");
    cJSON *entries = cJSON_GetObjectItem(j, "entry");
    CHECK_INT(cJSON_GetArraySize(entries), 2);
    cJSON *first = cJSON_GetArrayItem(entries, 0);
    CHECK_STR(cJSON_GetObjectItem(first, "fullUrl")->valuestring, "http://h/fhir/Patient/1");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "resource"), "id")->valuestring, "1");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "search"), "mode")->valuestring,
              "match");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 1), "search"),
                                  "mode")->valuestring, "include");
    cJSON_Delete(j);
    fg_buf_cleanup(&b);
}

/* The stored text goes in byte for byte (no re-print: 1.50 stays 1.50). */
static void test_raw_splice(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    const char *raw = "{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":1.50}}";
    struct fhir_bundle_entry e = {.resource = fg_str_c(raw)};
    CHECK_INT(fhir_bundle_begin(&b, "searchset", FG_STR_NULL, 0, -1, NULL, 0), FG_OK);
    CHECK_INT(fhir_bundle_entry(&b, 0, &e), FG_OK);
    CHECK_INT(fhir_bundle_end(&b, 1), FG_OK);
    CHECK(strstr(b.data, raw) != NULL);
    CHECK(strstr(b.data, "\"total\"") == NULL);
    CHECK(strstr(b.data, "\"link\"") == NULL);
    cJSON *j = parse_buf(&b);
    CHECK(j != NULL);
    cJSON_Delete(j);
    fg_buf_cleanup(&b);
}

static void test_empty_and_escaping(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    struct fhir_bundle_link self = {"self", fg_str_c("http://h/fhir/Patient?name=\"x\"")};
    CHECK_INT(fhir_bundle_begin(&b, "searchset", fg_str_c("b1"), 1700000000000000, 0, &self, 1),
              FG_OK);
    CHECK_INT(fhir_bundle_end(&b, 0), FG_OK);
    cJSON *j = parse_buf(&b);
    CHECK(j != NULL);
    CHECK(cJSON_GetObjectItem(j, "entry") == NULL);
    CHECK_INT(cJSON_GetObjectItem(j, "total")->valueint, 0);
    CHECK_STR(cJSON_GetObjectItem(j, "id")->valuestring, "b1");
    CHECK_STR(cJSON_GetObjectItem(j, "timestamp")->valuestring, "2023-11-14T22:13:20.000Z");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "link"), 0), "url")
                  ->valuestring,
              "http://h/fhir/Patient?name=\"x\"");
    cJSON_Delete(j);
    fg_buf_cleanup(&b);
}

static void test_history_and_response_entries(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    struct fhir_bundle_entry e = {
        .full_url = fg_str_c("http://h/fhir/Patient/p"),
        .request_method = "PUT",
        .request_url = fg_str_c("Patient/p"),
        .response_status = fg_str_c("200 OK"),
        .response_location = fg_str_c("http://h/fhir/Patient/p/_history/2"),
        .response_etag = fg_str_c("W/\"2\""),
        .response_last_modified_us = 1000,
        .response_outcome = fg_str_c("{\"resourceType\":\"OperationOutcome\",\"issue\":[]}"),
    };
    CHECK_INT(fhir_bundle_begin(&b, "history", FG_STR_NULL, 0, 1, NULL, 0), FG_OK);
    CHECK_INT(fhir_bundle_entry(&b, 0, &e), FG_OK);
    CHECK_INT(fhir_bundle_end(&b, 1), FG_OK);
    cJSON *j = parse_buf(&b);
    CHECK(j != NULL);
    cJSON *entry = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entry"), 0);
    cJSON *req = cJSON_GetObjectItem(entry, "request");
    cJSON *resp = cJSON_GetObjectItem(entry, "response");
    CHECK_STR(cJSON_GetObjectItem(req, "method")->valuestring, "PUT");
    CHECK_STR(cJSON_GetObjectItem(req, "url")->valuestring, "Patient/p");
    CHECK_STR(cJSON_GetObjectItem(resp, "status")->valuestring, "200 OK");
    CHECK_STR(cJSON_GetObjectItem(resp, "etag")->valuestring, "W/\"2\"");
    CHECK_STR(cJSON_GetObjectItem(resp, "lastModified")->valuestring, "1970-01-01T00:00:00.001Z");
    CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "outcome"), "resourceType")->valuestring,
              "OperationOutcome");
    CHECK(cJSON_GetObjectItem(entry, "resource") == NULL);
    CHECK(cJSON_GetObjectItem(entry, "search") == NULL);
    cJSON_Delete(j);
    fg_buf_cleanup(&b);
}

static void test_urls(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 256);
    CHECK_INT(fhir_bundle_append_url(&b, fg_str_c("http://h/fhir"), fg_str_c("Patient"),
                                     fg_str_c("a"), 3), FG_OK);
    CHECK_STR(b.data, "http://h/fhir/Patient/a/_history/3");
    fg_buf_reset(&b);
    CHECK_INT(fhir_bundle_append_url(&b, fg_str_c("http://h/fhir"), fg_str_c("Patient"),
                                     FG_STR_NULL, 0), FG_OK);
    CHECK_STR(b.data, "http://h/fhir/Patient");
    fg_buf_cleanup(&b);
}

/* A capped buffer refuses, never overflows. */
static void test_cap(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 40);
    CHECK_INT(fhir_bundle_begin(&b, "searchset", FG_STR_NULL, 0, 123456, NULL, 0), FG_ETOOBIG);
    CHECK(b.len <= 40);
    fg_buf_cleanup(&b);
}

/* Every allocation failure comes back as a status, with nothing leaked. */
static void test_alloc_failures(void)
{
    struct fhir_bundle_entry e = {.full_url = fg_str_c("http://h/fhir/Patient/1"),
                                  .resource = fg_str_c("{\"resourceType\":\"Patient\"}"),
                                  .search_mode = "match"};
    int failures = 0, successes = 0;
    for (unsigned long n = 1; n < 64; n++) {
        struct fg_buf b;
        fg_buf_init(&b, 1 << 20);
        fg_mem_fail_at(n);
        enum fg_status st = fhir_bundle_begin(&b, "searchset", FG_STR_NULL, 0, 1, NULL, 0);
        if (st == FG_OK)
            st = fhir_bundle_entry(&b, 0, &e);
        if (st == FG_OK)
            st = fhir_bundle_end(&b, 1);
        fg_mem_fail_at(0);
        CHECK(st == FG_OK || st == FG_ENOMEM);
        failures += st == FG_ENOMEM;
        successes += st == FG_OK;
        fg_buf_cleanup(&b);
    }
    CHECK(failures > 0);
    CHECK(successes > 0);
}

TEST_MAIN(test_searchset_shape, test_raw_splice, test_empty_and_escaping,
          test_history_and_response_entries, test_urls, test_cap, test_alloc_failures)
