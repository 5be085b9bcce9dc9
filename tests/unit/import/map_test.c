/* map_test.c - the wearable mapping table, value transforms and app-unit normalisation. */
#include "../test.h"

#include "import/imp_map.h"

static void test_apple_rows(void)
{
    static const struct {
        const char *type, *unit;
        enum fg_status st;
        const char *loinc, *ucum;
    } rows[] = {
        {"HKQuantityTypeIdentifierBodyMass", "kg", FG_OK, "29463-7", "kg"},
        {"HKQuantityTypeIdentifierBodyMass", "lb", FG_OK, "29463-7", "[lb_av]"},
        {"HKQuantityTypeIdentifierBodyMass", "stone", FG_EUNPROC, NULL, NULL},
        {"HKQuantityTypeIdentifierHeight", "m", FG_OK, "8302-2", "cm"},
        {"HKQuantityTypeIdentifierHeight", "ft", FG_OK, "8302-2", "[in_i]"},
        {"HKQuantityTypeIdentifierBodyMassIndex", "count", FG_OK, "39156-5", "kg/m2"},
        {"HKQuantityTypeIdentifierHeartRate", "count/min", FG_OK, "8867-4", "/min"},
        {"HKQuantityTypeIdentifierRestingHeartRate", "count/min", FG_OK, "40443-4", "/min"},
        {"HKQuantityTypeIdentifierRespiratoryRate", "count/min", FG_OK, "9279-1", "/min"},
        {"HKQuantityTypeIdentifierBodyTemperature", "degC", FG_OK, "8310-5", "Cel"},
        {"HKQuantityTypeIdentifierBodyTemperature", "degF", FG_OK, "8310-5", "[degF]"},
        {"HKQuantityTypeIdentifierOxygenSaturation", "%", FG_OK, "59408-5", "%"},
        {"HKQuantityTypeIdentifierBloodGlucose", "mg/dL", FG_OK, "41653-7", "mg/dL"},
        {"HKQuantityTypeIdentifierBloodGlucose", "mmol<180.1558800000541>/L", FG_OK, "14743-9",
         "mmol/L"},
        {"HKQuantityTypeIdentifierBloodGlucose", "mmol<180.15588000005408>/L", FG_OK, "14743-9",
         "mmol/L"},
        {"HKQuantityTypeIdentifierBloodGlucose", "mmol<>/L", FG_EUNPROC, NULL, NULL},
        {"HKQuantityTypeIdentifierBloodGlucose", "mmol<x>/L", FG_EUNPROC, NULL, NULL},
        {"HKQuantityTypeIdentifierBloodGlucose", "mmol/L", FG_EUNPROC, NULL, NULL},
        {"HKQuantityTypeIdentifierStepCount", "count", FG_OK, "55423-8", "{steps}"},
        {"HKQuantityTypeIdentifierActiveEnergyBurned", "Cal", FG_OK, "41981-2", "kcal"},
        {"HKQuantityTypeIdentifierDistanceWalkingRunning", "mi", FG_OK, "55430-3", "[mi_i]"},
        {"HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "ms", FG_OK, "80404-7", "ms"},
        {"HKQuantityTypeIdentifierBloodPressureSystolic", "mmHg", FG_OK, "8480-6", "mm[Hg]"},
        {"HKQuantityTypeIdentifierAppleSleepingWristTemperature", "degC", FG_ENOTFOUND, NULL, NULL},
        {"HKQuantityTypeIdentifierVO2Max", "mL/min\xc2\xb7kg", FG_ENOTFOUND, NULL, NULL},
        {"HKCategoryTypeIdentifierSleepAnalysis", "", FG_ENOTFOUND, NULL, NULL},
        {"", "", FG_ENOTFOUND, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct imp_map_row *row = NULL;
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st =
            imp_map_apple(fg_str_c(rows[i].type), fg_str_c(rows[i].unit), &row, &err);
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK) {
            CHECK_STR(imp_map_measure(row->measure)->loinc, rows[i].loinc);
            CHECK_STR(row->ucum, rows[i].ucum);
        } else {
            CHECK(row == NULL);
            CHECK_INT(err.status, st == FG_EUNPROC ? FG_EUNPROC : FG_OK);
        }
    }
}

static void test_measures(void)
{
    for (int i = 0; i < IMP_M_COUNT; i++) {
        const struct imp_measure *m = imp_map_measure((enum imp_measure_id)i);
        CHECK(m && (int)m->id == i);
        CHECK(m->loinc && m->display && m->category && m->profile);
    }
    CHECK(imp_map_measure(IMP_M_COUNT) == NULL);
    CHECK_STR(imp_map_measure(IMP_M_SPO2)->loinc2, "2708-6");
    CHECK(imp_map_measure(IMP_M_STEPS_DAILY)->pa_category);
    const struct imp_measure *m = NULL;
    CHECK_INT(imp_map_manual(FG_STR_LIT("weight"), &m), FG_OK);
    CHECK_STR(m->loinc, "29463-7");
    CHECK_INT(imp_map_manual(FG_STR_LIT("bp"), &m), FG_OK);
    CHECK_STR(m->loinc, "85354-9");
    CHECK_INT(imp_map_manual(FG_STR_LIT("glucose"), &m), FG_OK);
    CHECK_INT(imp_map_manual(FG_STR_LIT("steps"), &m), FG_OK);
    CHECK_STR(m->loinc, "41950-7");
    CHECK_INT(imp_map_manual(FG_STR_LIT("mood"), &m), FG_ENOTFOUND);
}

static void test_gfit_rows(void)
{
    static const struct {
        const char *type, *stream, *loinc;
    } rows[] = {
        {"com.google.weight", "derived:com.google.weight:com.google.android.gms:merge_weight",
         "29463-7"},
        {"com.google.height", "", "8302-2"},
        {"com.google.heart_rate.bpm", "derived:com.google.heart_rate.bpm:g:merge_heart_rate_bpm",
         "8867-4"},
        {"com.google.heart_rate.bpm",
         "derived:com.google.heart_rate.bpm:com.google.android.gms:resting_heart_rate<-merge_"
         "heart_rate_bpm",
         "40443-4"},
        {"com.google.blood_pressure", "", "85354-9"},
        {"com.google.blood_glucose", "", "14743-9"},
        {"com.google.step_count.delta", "", "55423-8"},
        {"com.google.oxygen_saturation", "", "59408-5"},
        {"com.google.calories.expended", "", NULL},
        {"com.google.activity.segment", "", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct imp_map_row *row = NULL;
        enum fg_status st = imp_map_gfit(fg_str_c(rows[i].type), fg_str_c(rows[i].stream), &row);
        CHECK_INT(st, rows[i].loinc ? FG_OK : FG_ENOTFOUND);
        if (st == FG_OK)
            CHECK_STR(imp_map_measure(row->measure)->loinc, rows[i].loinc);
    }
}

/* Unit conversions: the decimal transform is exact (no binary rounding: 0.97 x 100 = 97). */
static void test_value_transform(void)
{
    static const struct {
        const char *type, *unit, *in;
        enum fg_status st;
        const char *out;
        double v;
    } rows[] = {
        {"HKQuantityTypeIdentifierOxygenSaturation", "%", "0.97", FG_OK, "97", 97},
        {"HKQuantityTypeIdentifierOxygenSaturation", "%", "1", FG_OK, "100", 100},
        {"HKQuantityTypeIdentifierBodyFatPercentage", "%", "0.162", FG_OK, "16.2", 16.2},
        {"HKQuantityTypeIdentifierBodyFatPercentage", "%", "0.0005", FG_OK, "0.05", 0.05},
        {"HKQuantityTypeIdentifierHeight", "m", "1.78", FG_OK, "178", 178},
        {"HKQuantityTypeIdentifierHeight", "ft", "5.5", FG_OK, "66", 66},
        {"HKQuantityTypeIdentifierHeight", "ft", "5.25", FG_OK, "63", 63},
        {"HKQuantityTypeIdentifierBodyMass", "lb", "154.30", FG_OK, "154.3", 154.3},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "68.5", FG_OK, "68.5", 68.5},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "007", FG_OK, "7", 7},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "0", FG_OK, "0", 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "1e2", FG_OK, "100", 100},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "2.5E-1", FG_OK, "0.25", 0.25},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "-1.5", FG_OK, "-1.5", -1.5},
        {"HKQuantityTypeIdentifierBodyMass", "kg", " 70 ", FG_OK, "70", 70},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "", FG_EINVAL, NULL, 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "70kg", FG_EINVAL, NULL, 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "1e30", FG_EINVAL, NULL, 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "nan", FG_EINVAL, NULL, 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "+5", FG_EINVAL, NULL, 0},
        /* fuzz find: 20 leading zeros + 40 digits do not fit the output */
        {"HKQuantityTypeIdentifierBodyMass", "kg",
         "0.0000000000000000000400000000000000000000000000000000000001", FG_EINVAL, NULL, 0},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "0.00000000000000000001", FG_OK,
         "0.00000000000000000001", 1e-20},
        {"HKQuantityTypeIdentifierBodyMass", "kg", "1.23456789012345678901234567890123456789012345",
         FG_EINVAL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct imp_map_row *row = NULL;
        char out[IMP_VALUE_MAX] = "untouched";
        double v = -42;
        CHECK_INT(imp_map_apple(fg_str_c(rows[i].type), fg_str_c(rows[i].unit), &row, NULL), FG_OK);
        CHECK_INT(imp_map_value(row, fg_str_c(rows[i].in), out, &v), rows[i].st);
        if (rows[i].st == FG_OK) {
            CHECK_STR(out, rows[i].out);
            CHECK(v == rows[i].v);
        } else {
            CHECK_STR(out, "untouched");
            CHECK(v == -42);
        }
    }
}

static void test_ucum_normalise(void)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"mmHg", "mm[Hg]"},
        {"mm[Hg]", "mm[Hg]"},
        {"lbs", "[lb_av]"},
        {"lb", "[lb_av]"},
        {"[lb_av]", "[lb_av]"},
        {"count/min", "/min"},
        {"/min", "/min"},
        {"bpm", "/min"},
        {"\xc2\xb0"
         "C",
         "Cel"},
        {"degC", "Cel"},
        {"Cel", "Cel"},
        {"\xc2\xb0"
         "F",
         "[degF]"},
        {"kg", "kg"},
        {"%", "%"},
        {"mg/dL", "mg/dL"},
        {"kg/m2", "kg/m2"},
        {"mmol/L", "mmol/L"},
        {"Cal", "kcal"},
        {"in", "[in_i]"},
        /* refused: ambiguous, unknown or not UCUM */
        {"C", NULL},
        {"F", NULL},
        {"stone", NULL},
        {"", NULL},
        {"MMHG", NULL},
        {"mm Hg ", NULL},
        {"degrees", NULL},
        {"pounds", NULL},
        {"mmol<180>/L", NULL},
        {"kg\x00", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *ucum = "untouched";
        struct fg_error err;
        fg_error_clear(&err);
        struct fg_str in = fg_str_c(rows[i].in);
        if (i == sizeof rows / sizeof rows[0] - 1)
            in.len = 3; /* "kg" plus a NUL byte */
        enum fg_status st =
            imp_map_ucum_normalise(in, "Observation.valueQuantity.code", &ucum, &err);
        CHECK_INT(st, rows[i].out ? FG_OK : FG_EUNPROC);
        if (rows[i].out) {
            CHECK_STR(ucum, rows[i].out);
        } else {
            CHECK_STR(ucum, "untouched");
            CHECK_STR(err.expression, "Observation.valueQuantity.code");
            CHECK(strstr(err.diagnostics, "has no single UCUM form") != NULL);
        }
    }
}

TEST_MAIN(test_apple_rows, test_measures, test_gfit_rows, test_value_transform, test_ucum_normalise)
