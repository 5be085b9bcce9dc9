/* manual_test.c - Observations from hand-entered measurements. */
#include "../test.h"

#include <cJSON.h>

#include "import/imp_manual.h"

#define S(x) FG_STR_LIT(x)
#define NONE FG_STR_NULL

static const char *code_of(const cJSON *obs)
{
    const cJSON *c = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obs, "code"), "coding"),
        0);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "code");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_entries(void)
{
    static const struct {
        struct imp_manual_entry e;
        enum fg_status st;
        const char *loinc_or_field; /* LOINC on success, err.expression on failure */
        const char *ucum;
        double value;
    } rows[] = {
        {{S("weight"), S("2026-11-20T08:15:00+01:00"), S("72.4"), S("kg"), NONE, NONE},
         FG_OK,
         "29463-7",
         "kg",
         72.4},
        {{S("weight"), S("2026-11-20T08:15+01:00"), S("160"), S("lbs"), NONE, NONE},
         FG_OK,
         "29463-7",
         "[lb_av]",
         160},
        {{S("glucose"), S("2026-11-20T08:15:00Z"), S("5.4"), S("mmol/L"), NONE, NONE},
         FG_OK,
         "14743-9",
         "mmol/L",
         5.4},
        {{S("glucose"), S("2026-11-20T08:15:00Z"), S("97"), S("mg/dL"), NONE, NONE},
         FG_OK,
         "41653-7",
         "mg/dL",
         97},
        {{S("temperature"), S("2026-11-20T08:15:00Z"), S("37.2"),
          S("\xc2\xb0"
            "C"),
          NONE, NONE},
         FG_OK,
         "8310-5",
         "Cel",
         37.2},
        {{S("heart-rate"), S("2026-11-20T08:15:00Z"), S("61"), S("bpm"), NONE, NONE},
         FG_OK,
         "8867-4",
         "/min",
         61},
        {{S("steps"), S("2026-11-20"), S("8042"), NONE, NONE, NONE}, FG_OK, "41950-7", "/d", 8042},
        {{S("bp"), S("2026-11-20T08:15:00+01:00"), NONE, NONE, S("128"), S("82")},
         FG_OK,
         "85354-9",
         NULL,
         0},
        /* refusals */
        {{S("mood"), S("2026-11-20T08:15:00Z"), S("5"), S("kg"), NONE, NONE},
         FG_EUNPROC,
         "what",
         NULL,
         0},
        {{S("weight"), S("2026-11-20"), S("70"), S("kg"), NONE, NONE}, FG_EUNPROC, "when", NULL, 0},
        {{S("weight"), S("2026-11-20T08:15:00"), S("70"), S("kg"), NONE, NONE},
         FG_EUNPROC,
         "when",
         NULL,
         0},
        {{S("weight"), S("2026-02-30T08:15:00Z"), S("70"), S("kg"), NONE, NONE},
         FG_EUNPROC,
         "when",
         NULL,
         0},
        {{S("weight"), S("2026-11-20T08:15:00Z"), S("70"), S("stone"), NONE, NONE},
         FG_EUNPROC,
         "unit",
         NULL,
         0},
        {{S("weight"), S("2026-11-20T08:15:00Z"), S("70"), S("cm"), NONE, NONE},
         FG_EUNPROC,
         "unit",
         NULL,
         0},
        {{S("weight"), S("2026-11-20T08:15:00Z"), S("-70"), S("kg"), NONE, NONE},
         FG_EUNPROC,
         "value",
         NULL,
         0},
        {{S("weight"), S("2026-11-20T08:15:00Z"), S("seventy"), S("kg"), NONE, NONE},
         FG_EUNPROC,
         "value",
         NULL,
         0},
        {{S("steps"), S("2026-11-20T08:15:00Z"), S("10"), NONE, NONE, NONE},
         FG_EUNPROC,
         "when",
         NULL,
         0},
        {{S("bp"), S("2026-11-20T08:15:00Z"), NONE, NONE, S("128"), NONE},
         FG_EUNPROC,
         "diastolic",
         NULL,
         0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cJSON *obs = NULL;
        char key[IMP_KEY_MAX];
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st = imp_manual_build(&rows[i].e, S("p7"), 0, &obs, key, &err);
        CHECK_INT(st, rows[i].st);
        if (st != FG_OK) {
            CHECK(obs == NULL);
            CHECK_STR(err.expression, rows[i].loinc_or_field);
            continue;
        }
        CHECK_STR(code_of(obs), rows[i].loinc_or_field);
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity");
        if (rows[i].ucum) {
            CHECK_STR(cJSON_GetObjectItemCaseSensitive(q, "code")->valuestring, rows[i].ucum);
            CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "value")) ==
                  rows[i].value);
        } else {
            CHECK(q == NULL);
            CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obs, "component")), 2);
        }
        const cJSON *perf =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "performer"), 0);
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(perf, "reference")->valuestring, "Patient/p7");
        cJSON_Delete(obs);
    }
}

/* The same form sent twice gives the same identifier; the same instant written with another
 * offset too; another value does not. */
static void test_resubmission(void)
{
    struct imp_manual_entry a = {
        S("weight"), S("2026-11-20T08:15:00+01:00"), S("72.4"), S("kg"), NONE, NONE};
    struct imp_manual_entry b = a;
    char ka[IMP_KEY_MAX], kb[IMP_KEY_MAX];
    cJSON *o = NULL;
    CHECK_INT(imp_manual_build(&a, S("p7"), 0, &o, ka, NULL), FG_OK);
    cJSON_Delete(o);
    CHECK_INT(imp_manual_build(&b, S("p7"), 0, &o, kb, NULL), FG_OK);
    cJSON_Delete(o);
    CHECK_STR(kb, ka);
    b.when = S("2026-11-20T07:15:00Z");
    CHECK_INT(imp_manual_build(&b, S("p7"), 0, &o, kb, NULL), FG_OK);
    cJSON_Delete(o);
    CHECK_STR(kb, ka);
    b.value = S("72.5");
    CHECK_INT(imp_manual_build(&b, S("p7"), 0, &o, kb, NULL), FG_OK);
    cJSON_Delete(o);
    CHECK(strcmp(ka, kb) != 0);
}

TEST_MAIN(test_entries, test_resubmission)
