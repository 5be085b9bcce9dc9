/* store_test.c - imported Observations into the record store: batches, one Provenance per
 * batch, re-imports that add nothing, daily aggregates replaced only when they changed. */
#include "../test.h"

#include "../fhir/store_test_util.h"
#include "import/imp_apple.h"
#include "import/imp_gfit.h"
#include "import/imp_store.h"

static const struct imp_agent agent = {"Apple Health export (test)", NULL};

/* Three heart-rate records, the third a byte-for-byte repeat of the first. */
static const char xml[] =
    "<?xml version=\"1.0\"?>\n<HealthData locale=\"en_US\">\n"
    "<Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Watch\" unit=\"count/min\" "
    "startDate=\"2026-11-01 08:00:00 +0100\" endDate=\"2026-11-01 08:00:00 +0100\" value=\"61\"/>\n"
    "<Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Watch\" unit=\"count/min\" "
    "startDate=\"2026-11-01 09:00:00 +0100\" endDate=\"2026-11-01 09:00:00 +0100\" value=\"64\"/>\n"
    "<Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Watch\" unit=\"count/min\" "
    "startDate=\"2026-11-01 08:00:00 +0100\" endDate=\"2026-11-01 08:00:00 +0100\" value=\"61\"/>\n"
    "</HealthData>\n";

static struct imp_store_counts run_apple(struct st_ctx *t, size_t batch)
{
    struct imp_options o = {.patient = FG_STR_LIT("p1")};
    struct imp_store *s = NULL;
    struct imp_report r;
    struct imp_store_counts c = {0};
    CHECK_INT(imp_store_new(t->store, o.patient, &agent, batch, &s, &t->err), FG_OK);
    CHECK_INT(imp_apple_parse_mem(xml, sizeof xml - 1, &o, imp_store_emit, s, &r, &t->err), FG_OK);
    CHECK_INT(imp_store_flush(s, &t->err), FG_OK);
    c = *imp_store_counts(s);
    imp_store_free(&s);
    return c;
}

static void test_import_twice(void)
{
    struct st_ctx t;
    st_open(&t);
    struct imp_store_counts c = run_apple(&t, 0);
    CHECK_INT(c.received, 3);
    CHECK_INT(c.created, 2);
    CHECK_INT(c.existing, 1); /* the repeat inside the file */
    CHECK_INT(c.batches, 1);
    CHECK_INT(st_count(&t, "Observation", "patient=p1&_tag=patient-supplied"), 2);
    CHECK_INT(st_count(&t, "Provenance", "agent=Patient/p1"), 1);
    CHECK_INT(st_count(&t, "Provenance", "target=Observation/nonexistent"), 0);
    /* Again: nothing new, not even a Provenance. */
    c = run_apple(&t, 0);
    CHECK_INT(c.created, 0);
    CHECK_INT(c.existing, 3);
    CHECK_INT(c.batches, 0);
    CHECK_INT(st_count(&t, "Observation", ""), 2);
    CHECK_INT(st_count(&t, "Provenance", ""), 1);
    st_close(&t);
}

static void test_batches_of_one(void)
{
    struct st_ctx t;
    st_open(&t);
    struct imp_store_counts c = run_apple(&t, 1);
    CHECK_INT(c.created, 2);
    CHECK_INT(c.batches, 2);
    CHECK_INT(st_count(&t, "Provenance", "agent=Patient/p1"), 2);
    st_close(&t);
}

static void test_daily_replaced_when_changed(void)
{
    struct st_ctx t;
    st_open(&t);
    static const char day1[] = "Date,Step count\n2026-11-01,4000\n2026-11-02,5000\n";
    static const char day2[] = "Date,Step count\n2026-11-01,4000\n2026-11-02,7500\n";
    const char *files[] = {day1, day2, day2};
    uint64_t want_created[] = {2, 0, 0}, want_replaced[] = {0, 1, 0}, want_existing[] = {0, 1, 2};
    struct imp_options o = {.patient = FG_STR_LIT("p1")};
    for (int i = 0; i < 3; i++) {
        struct imp_store *s = NULL;
        struct imp_report r;
        CHECK_INT(imp_store_new(t.store, o.patient, &agent, 0, &s, &t.err), FG_OK);
        CHECK_INT(imp_gfit_daily_csv_mem(files[i], strlen(files[i]), &o, imp_store_emit, s, &r,
                                         &t.err),
                  FG_OK);
        CHECK_INT(imp_store_flush(s, &t.err), FG_OK);
        CHECK_INT(imp_store_counts(s)->created, want_created[i]);
        CHECK_INT(imp_store_counts(s)->replaced, want_replaced[i]);
        CHECK_INT(imp_store_counts(s)->existing, want_existing[i]);
        imp_store_free(&s);
    }
    CHECK_INT(st_count(&t, "Observation", "code=41950-7&value-quantity=7500"), 1);
    CHECK_INT(st_count(&t, "Observation", "code=41950-7"), 2);
    st_close(&t);
}

static void test_provenance_shape(void)
{
    struct fg_str targets[] = {FG_STR_LIT("Observation/a"), FG_STR_LIT("Observation/b")};
    struct imp_agent app = {"Cuff app", "cuff-1"};
    cJSON *p = imp_store_provenance(FG_STR_LIT("p1"), &app, targets, 2, ST_NOW_US);
    CHECK(p != NULL);
    char *txt = cJSON_PrintUnformatted(p);
    CHECK(strstr(txt, "\"target\":[{\"reference\":\"Observation/a\"},{\"reference\":"
                      "\"Observation/b\"}]") != NULL);
    CHECK(strstr(txt, "\"recorded\":\"2026-11-23T12:00:00") != NULL);
    CHECK(strstr(txt, "\"code\":\"author\"}]},\"who\":{\"reference\":\"Patient/p1\"}") != NULL);
    CHECK(strstr(txt, "\"code\":\"composer\"") != NULL);
    CHECK(strstr(txt, "\"value\":\"cuff-1\"") != NULL);
    cJSON_free(txt);
    cJSON_Delete(p);
}

static void test_bad_patient(void)
{
    struct imp_store *s = NULL;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(imp_store_new(NULL, FG_STR_LIT("no/slash"), &agent, 0, &s, &err), FG_EINVAL);
    CHECK(s == NULL);
}

TEST_MAIN(test_import_twice, test_batches_of_one, test_daily_replaced_when_changed,
          test_provenance_shape, test_bad_patient)
