/* imp_map.c - the wearable mapping table (see imp_map.h).
 * Spec: ../shared/docs/wearables.md §3.2; HealthKitOnFHIR's HKSampleMapping.json was the
 * reference for the extra HealthKit codes (LeanBodyMass, WaistCircumference, ...).
 */
#include "imp_map.h"

#include <stdlib.h>
#include <string.h>

#define US_CORE "http://hl7.org/fhir/us/core/StructureDefinition/"
#define PA_IG "http://hl7.org/fhir/us/physical-activity/StructureDefinition/"

static const struct imp_measure measures[IMP_M_COUNT] = {
    {IMP_M_BODY_WEIGHT, "29463-7", "Body weight", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-body-weight", "weight"},
    {IMP_M_BODY_HEIGHT, "8302-2", "Body height", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-body-height", "height"},
    {IMP_M_BMI, "39156-5", "Body mass index (BMI) [Ratio]", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-bmi", "bmi"},
    {IMP_M_BP_PANEL, "85354-9", "Blood pressure panel with all children optional", NULL, NULL,
     "vital-signs", false, US_CORE "us-core-blood-pressure", "bp"},
    {IMP_M_BP_SYSTOLIC, "8480-6", "Systolic blood pressure", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-vital-signs", NULL},
    {IMP_M_BP_DIASTOLIC, "8462-4", "Diastolic blood pressure", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-vital-signs", NULL},
    {IMP_M_HEART_RATE, "8867-4", "Heart rate", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-heart-rate", "heart-rate"},
    {IMP_M_RESTING_HR, "40443-4", "Heart rate --resting", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-vital-signs", NULL},
    {IMP_M_RESP_RATE, "9279-1", "Respiratory rate", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-respiratory-rate", NULL},
    {IMP_M_BODY_TEMP, "8310-5", "Body temperature", NULL, NULL, "vital-signs", false,
     US_CORE "us-core-body-temperature", "temperature"},
    {IMP_M_SPO2, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "2708-6",
     "Oxygen saturation in Arterial blood", "vital-signs", false, US_CORE "us-core-pulse-oximetry",
     NULL},
    {IMP_M_GLUCOSE_MASS, "41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer", NULL,
     NULL, "laboratory", false, US_CORE "us-core-observation-lab", "glucose"},
    {IMP_M_GLUCOSE_MOLAR, "14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer",
     NULL, NULL, "laboratory", false, US_CORE "us-core-observation-lab", NULL},
    {IMP_M_STEPS, "55423-8", "Number of steps in unspecified time Pedometer", NULL, NULL,
     "activity", false, US_CORE "us-core-simple-observation", NULL},
    {IMP_M_STEPS_DAILY, "41950-7", "Number of steps in 24 hour Measured", NULL, NULL, "activity",
     true, PA_IG "pa-observation-steps-by-day", "steps"},
    {IMP_M_BODY_FAT, "41982-0", "Percentage of body fat Measured", NULL, NULL, "exam", false,
     US_CORE "us-core-simple-observation", NULL},
    {IMP_M_ACTIVE_ENERGY, "41981-2", "Calories burned", NULL, NULL, "activity", false,
     US_CORE "us-core-simple-observation", NULL},
    {IMP_M_DISTANCE, "55430-3", "Walking distance unspecified time Pedometer", NULL, NULL,
     "activity", false, US_CORE "us-core-simple-observation", NULL},
    {IMP_M_HRV_SDNN, "80404-7", "R-R interval.standard deviation (Heart rate variability)", NULL,
     NULL, "vital-signs", false, US_CORE "us-core-simple-observation", NULL},
    {IMP_M_LEAN_BODY_MASS, "91557-9", "Lean body weight", NULL, NULL, "exam", false,
     US_CORE "us-core-simple-observation", NULL},
    {IMP_M_WAIST, "8280-0", "Waist Circumference at umbilicus by Tape measure", NULL, NULL, "exam",
     false, US_CORE "us-core-simple-observation", NULL},
    {IMP_M_FLIGHTS, "100304-5", "Flights climbed Pedometer", NULL, NULL, "activity", false,
     US_CORE "us-core-simple-observation", NULL},
    {IMP_M_PEAK_FLOW, "19935-6",
     "Maximum expiratory gas flow Respiratory system airway by Peak flow meter", NULL, NULL, "exam",
     false, US_CORE "us-core-simple-observation", NULL},
};

#define HK "HKQuantityTypeIdentifier"

static const struct imp_map_row rows[] = {
    /* Apple Health export.xml: type, export unit (wearables.md §1.4) */
    {IMP_SRC_APPLE, HK "BodyMass", "kg", IMP_M_BODY_WEIGHT, "kg", "kg", 0, 1},
    {IMP_SRC_APPLE, HK "BodyMass", "g", IMP_M_BODY_WEIGHT, "g", "g", 0, 1},
    {IMP_SRC_APPLE, HK "BodyMass", "lb", IMP_M_BODY_WEIGHT, "[lb_av]", "lb", 0, 1},
    {IMP_SRC_APPLE, HK "Height", "cm", IMP_M_BODY_HEIGHT, "cm", "cm", 0, 1},
    {IMP_SRC_APPLE, HK "Height", "m", IMP_M_BODY_HEIGHT, "cm", "cm", 2, 1},
    {IMP_SRC_APPLE, HK "Height", "in", IMP_M_BODY_HEIGHT, "[in_i]", "in", 0, 1},
    {IMP_SRC_APPLE, HK "Height", "ft", IMP_M_BODY_HEIGHT, "[in_i]", "in", 0, 12},
    {IMP_SRC_APPLE, HK "BodyMassIndex", "count", IMP_M_BMI, "kg/m2", "kg/m2", 0, 1},
    {IMP_SRC_APPLE, HK "BloodPressureSystolic", "mmHg", IMP_M_BP_SYSTOLIC, "mm[Hg]", "mmHg", 0, 1},
    {IMP_SRC_APPLE, HK "BloodPressureDiastolic", "mmHg", IMP_M_BP_DIASTOLIC, "mm[Hg]", "mmHg", 0,
     1},
    {IMP_SRC_APPLE, HK "HeartRate", "count/min", IMP_M_HEART_RATE, "/min", "beats/minute", 0, 1},
    {IMP_SRC_APPLE, HK "RestingHeartRate", "count/min", IMP_M_RESTING_HR, "/min", "beats/minute", 0,
     1},
    {IMP_SRC_APPLE, HK "RespiratoryRate", "count/min", IMP_M_RESP_RATE, "/min", "breaths/minute", 0,
     1},
    {IMP_SRC_APPLE, HK "BodyTemperature", "degC", IMP_M_BODY_TEMP, "Cel", "C", 0, 1},
    {IMP_SRC_APPLE, HK "BodyTemperature", "degF", IMP_M_BODY_TEMP, "[degF]", "F", 0, 1},
    {IMP_SRC_APPLE, HK "OxygenSaturation", "%", IMP_M_SPO2, "%", "%", 2, 1},
    {IMP_SRC_APPLE, HK "BloodGlucose", "mg/dL", IMP_M_GLUCOSE_MASS, "mg/dL", "mg/dL", 0, 1},
    {IMP_SRC_APPLE, HK "BloodGlucose", "mmol<*>/L", IMP_M_GLUCOSE_MOLAR, "mmol/L", "mmol/L", 0, 1},
    {IMP_SRC_APPLE, HK "StepCount", "count", IMP_M_STEPS, "{steps}", "steps", 0, 1},
    {IMP_SRC_APPLE, HK "BodyFatPercentage", "%", IMP_M_BODY_FAT, "%", "%", 2, 1},
    {IMP_SRC_APPLE, HK "ActiveEnergyBurned", "kcal", IMP_M_ACTIVE_ENERGY, "kcal", "kcal", 0, 1},
    {IMP_SRC_APPLE, HK "ActiveEnergyBurned", "Cal", IMP_M_ACTIVE_ENERGY, "kcal", "kcal", 0, 1},
    {IMP_SRC_APPLE, HK "DistanceWalkingRunning", "km", IMP_M_DISTANCE, "km", "km", 0, 1},
    {IMP_SRC_APPLE, HK "DistanceWalkingRunning", "m", IMP_M_DISTANCE, "m", "m", 0, 1},
    {IMP_SRC_APPLE, HK "DistanceWalkingRunning", "mi", IMP_M_DISTANCE, "[mi_i]", "mi", 0, 1},
    {IMP_SRC_APPLE, HK "HeartRateVariabilitySDNN", "ms", IMP_M_HRV_SDNN, "ms", "ms", 0, 1},
    {IMP_SRC_APPLE, HK "LeanBodyMass", "kg", IMP_M_LEAN_BODY_MASS, "kg", "kg", 0, 1},
    {IMP_SRC_APPLE, HK "LeanBodyMass", "lb", IMP_M_LEAN_BODY_MASS, "[lb_av]", "lb", 0, 1},
    {IMP_SRC_APPLE, HK "WaistCircumference", "cm", IMP_M_WAIST, "cm", "cm", 0, 1},
    {IMP_SRC_APPLE, HK "WaistCircumference", "in", IMP_M_WAIST, "[in_i]", "in", 0, 1},
    {IMP_SRC_APPLE, HK "FlightsClimbed", "count", IMP_M_FLIGHTS, "{flights}", "flights", 0, 1},
    {IMP_SRC_APPLE, HK "PeakExpiratoryFlowRate", "L/min", IMP_M_PEAK_FLOW, "L/min", "L/min", 0, 1},
    /* Google Fit dataTypeName; units fixed by the type (wearables.md §2.2) */
    {IMP_SRC_GFIT, "com.google.weight", NULL, IMP_M_BODY_WEIGHT, "kg", "kg", 0, 1},
    {IMP_SRC_GFIT, "com.google.height", NULL, IMP_M_BODY_HEIGHT, "cm", "cm", 2, 1},
    {IMP_SRC_GFIT, "com.google.heart_rate.bpm", NULL, IMP_M_HEART_RATE, "/min", "beats/minute", 0,
     1},
    {IMP_SRC_GFIT, "com.google.step_count.delta", NULL, IMP_M_STEPS, "{steps}", "steps", 0, 1},
    {IMP_SRC_GFIT, "com.google.blood_pressure", NULL, IMP_M_BP_PANEL, "mm[Hg]", "mmHg", 0, 1},
    {IMP_SRC_GFIT, "com.google.blood_glucose", NULL, IMP_M_GLUCOSE_MOLAR, "mmol/L", "mmol/L", 0, 1},
    /* Google documents 0-100 for this field; taken as given (no x100) */
    {IMP_SRC_GFIT, "com.google.oxygen_saturation", NULL, IMP_M_SPO2, "%", "%", 0, 1},
    {IMP_SRC_GFIT, "com.google.body.temperature", NULL, IMP_M_BODY_TEMP, "Cel", "C", 0, 1},
    {IMP_SRC_GFIT, "com.google.body.fat.percentage", NULL, IMP_M_BODY_FAT, "%", "%", 0, 1},
    {IMP_SRC_GFIT, "com.google.distance.delta", NULL, IMP_M_DISTANCE, "m", "m", 0, 1},
};

/* The resting-HR row: same Google type, selected by the stream name. */
static const struct imp_map_row gfit_resting_hr = {IMP_SRC_GFIT,
                                                   "com.google.heart_rate.bpm",
                                                   NULL,
                                                   IMP_M_RESTING_HR,
                                                   "/min",
                                                   "beats/minute",
                                                   0,
                                                   1};

const struct imp_measure *imp_map_measure(enum imp_measure_id id)
{
    if ((unsigned)id >= IMP_M_COUNT)
        return NULL;
    return &measures[id];
}

/* "mmol<180.1558800000541>/L": the molar-mass tag Apple puts inside the unit. */
static bool unit_matches(const char *pattern, struct fg_str unit)
{
    const char *star = strchr(pattern, '*');
    if (!star)
        return fg_str_eq_c(unit, pattern);
    size_t pre = (size_t)(star - pattern), post = strlen(star + 1);
    if (unit.len < pre + post || memcmp(unit.ptr, pattern, pre) != 0 ||
        memcmp(unit.ptr + unit.len - post, star + 1, post) != 0)
        return false;
    /* the tagged part (the molar mass) must be a decimal number, nothing else */
    for (size_t i = pre; i < unit.len - post; i++) {
        char c = unit.ptr[i];
        if (!((c >= '0' && c <= '9') || c == '.'))
            return false;
    }
    return unit.len > pre + post;
}

enum fg_status imp_map_apple(struct fg_str type, struct fg_str unit, const struct imp_map_row **out,
                             struct fg_error *err)
{
    bool type_known = false;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].source != IMP_SRC_APPLE || !fg_str_eq_c(type, rows[i].type))
            continue;
        type_known = true;
        if (unit_matches(rows[i].unit, unit)) {
            *out = &rows[i];
            return FG_OK;
        }
    }
    if (!type_known)
        return FG_ENOTFOUND;
    return fg_error_set(err, FG_EUNPROC, "unit", "unit \"%.*s\" of %.*s has no UCUM mapping",
                        (int)(unit.len > 64 ? 64 : unit.len), unit.ptr,
                        (int)(type.len > 96 ? 96 : type.len), type.ptr);
}

enum fg_status imp_map_gfit(struct fg_str type, struct fg_str stream,
                            const struct imp_map_row **out)
{
    if (fg_str_eq_c(type, gfit_resting_hr.type) && fg_str_contains(stream, ":resting_heart_rate")) {
        *out = &gfit_resting_hr;
        return FG_OK;
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].source == IMP_SRC_GFIT && fg_str_eq_c(type, rows[i].type)) {
            *out = &rows[i];
            return FG_OK;
        }
    }
    return FG_ENOTFOUND;
}

enum fg_status imp_map_manual(struct fg_str name, const struct imp_measure **out)
{
    for (size_t i = 0; i < IMP_M_COUNT; i++) {
        if (measures[i].manual_name && fg_str_eq_c(name, measures[i].manual_name)) {
            *out = &measures[i];
            return FG_OK;
        }
    }
    return FG_ENOTFOUND;
}

/* ---- exact decimal transform ---- */

#define DIGITS_MAX 40

/* Splits "-12.50e3" into sign, significant digits "1250" and exponent 1 (value = d x 10^e). */
static enum fg_status decimal_split(struct fg_str t, bool *neg, char digits[DIGITS_MAX + 1],
                                    size_t *nd, long *exp10)
{
    double check;
    if (fg_parse_decimal(t, &check) != FG_OK)
        return FG_EINVAL;
    size_t i = 0, n = 0;
    long e = 0;
    *neg = t.len > 0 && t.ptr[0] == '-';
    if (*neg)
        i++;
    bool seen_point = false;
    for (; i < t.len && t.ptr[i] != 'e' && t.ptr[i] != 'E'; i++) {
        char c = t.ptr[i];
        if (c == '.') {
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9')
            return FG_EINVAL;     /* '+' and anything else fg_parse_decimal lets through */
        if (n == 0 && c == '0') { /* leading zero: only moves the exponent */
            if (seen_point)
                e--;
            continue;
        }
        if (n >= DIGITS_MAX)
            return FG_EINVAL;
        digits[n++] = c;
        if (seen_point)
            e--;
    }
    if (i < t.len) {
        int64_t x;
        if (fg_parse_i64(fg_str_n(t.ptr + i + 1 + (t.ptr[i + 1] == '+'),
                                  t.len - i - 1 - (t.ptr[i + 1] == '+')),
                         -400, 400, &x) != FG_OK)
            return FG_EINVAL;
        e += (long)x;
    }
    digits[n] = '\0';
    *nd = n;
    *exp10 = e;
    return FG_OK;
}

/* digits (ASCII, most significant first) *= f, f small. */
static enum fg_status digits_mul(char digits[DIGITS_MAX + 1], size_t *nd, int f)
{
    if (f == 1 || *nd == 0)
        return FG_OK;
    char tmp[DIGITS_MAX + 8];
    size_t k = sizeof tmp;
    int carry = 0;
    for (size_t i = *nd; i-- > 0;) {
        int v = (digits[i] - '0') * f + carry;
        tmp[--k] = (char)('0' + v % 10);
        carry = v / 10;
    }
    while (carry) {
        tmp[--k] = (char)('0' + carry % 10);
        carry /= 10;
    }
    size_t n = sizeof tmp - k;
    if (n > DIGITS_MAX)
        return FG_EINVAL;
    memcpy(digits, tmp + k, n);
    digits[n] = '\0';
    *nd = n;
    return FG_OK;
}

static enum fg_status decimal_format(bool neg, const char *digits, size_t nd, long e,
                                     char out[IMP_VALUE_MAX])
{
    /* drop trailing zeros of the significand into the exponent */
    while (nd > 0 && digits[nd - 1] == '0') {
        nd--;
        e++;
    }
    char buf[IMP_VALUE_MAX];
    size_t k = 0;
    if (nd == 0) {
        buf[k++] = '0';
    } else {
        long intlen = (long)nd + e; /* digits before the point */
        if (intlen > 20 || intlen < -20)
            return FG_EINVAL;
        /* sign + "0." + leading zeros + digits, or digits (+ zeros) + "." + fraction */
        long need = (neg ? 1 : 0) + (intlen <= 0 ? 2 - intlen + (long)nd
                                                 : (intlen > (long)nd ? intlen : (long)nd + 1));
        if (need >= IMP_VALUE_MAX)
            return FG_EINVAL;
        if (neg)
            buf[k++] = '-';
        if (intlen <= 0) {
            buf[k++] = '0';
            buf[k++] = '.';
            for (long z = 0; z < -intlen; z++)
                buf[k++] = '0';
            for (size_t i = 0; i < nd; i++)
                buf[k++] = digits[i];
        } else {
            for (long i = 0; i < intlen; i++)
                buf[k++] = i < (long)nd ? digits[i] : '0';
            if ((long)nd > intlen) {
                buf[k++] = '.';
                for (size_t i = (size_t)intlen; i < nd; i++)
                    buf[k++] = digits[i];
            }
        }
    }
    buf[k] = '\0';
    memcpy(out, buf, k + 1);
    return FG_OK;
}

enum fg_status imp_map_value(const struct imp_map_row *row, struct fg_str text,
                             char out[IMP_VALUE_MAX], double *value)
{
    char digits[DIGITS_MAX + 1], res[IMP_VALUE_MAX];
    size_t nd = 0;
    long e = 0;
    bool neg = false;
    text = fg_str_trim(text);
    if (decimal_split(text, &neg, digits, &nd, &e) != FG_OK)
        return FG_EINVAL;
    if (digits_mul(digits, &nd, row ? row->factor : 1) != FG_OK)
        return FG_EINVAL;
    e += row ? row->scale10 : 0;
    if (decimal_format(neg, digits, nd, e, res) != FG_OK)
        return FG_EINVAL;
    memcpy(out, res, strlen(res) + 1);
    *value = strtod(res, NULL);
    return FG_OK;
}

/* ---- unit normalisation for app writes ---- */

static const char *const ucum_codes[] = {
    "kg",      "g",      "[lb_av]", "cm",  "[in_i]", "m",         "km",    "[mi_i]",
    "kg/m2",   "mm[Hg]", "/min",    "Cel", "[degF]", "%",         "mg/dL", "mmol/L",
    "{steps}", "/d",     "kcal",    "ms",  "L/min",  "{flights}",
};

static const struct {
    const char *alias;
    const char *ucum;
} ucum_aliases[] = {
    {"mmHg", "mm[Hg]"},
    {"mm Hg", "mm[Hg]"},
    {"lbs", "[lb_av]"},
    {"lb", "[lb_av]"},
    {"count/min", "/min"},
    {"beats/min", "/min"},
    {"bpm", "/min"},
    {"breaths/min", "/min"},
    {"\xc2\xb0"
     "C",
     "Cel"},
    {"degC", "Cel"},
    {"\xc2\xb0"
     "F",
     "[degF]"},
    {"degF", "[degF]"},
    {"in", "[in_i]"},
    {"kg/m^2", "kg/m2"},
    {"Cal", "kcal"},
    {"steps", "{steps}"},
    {"mg/dl", "mg/dL"},
    {"mmol/l", "mmol/L"},
};

enum fg_status imp_map_ucum_normalise(struct fg_str unit, const char *expression, const char **ucum,
                                      struct fg_error *err)
{
    for (size_t i = 0; i < sizeof ucum_codes / sizeof ucum_codes[0]; i++) {
        if (fg_str_eq_c(unit, ucum_codes[i])) {
            *ucum = ucum_codes[i];
            return FG_OK;
        }
    }
    for (size_t i = 0; i < sizeof ucum_aliases / sizeof ucum_aliases[0]; i++) {
        if (fg_str_eq_c(unit, ucum_aliases[i].alias)) {
            *ucum = ucum_aliases[i].ucum;
            return FG_OK;
        }
    }
    return fg_error_set(err, FG_EUNPROC, expression,
                        "unit \"%.*s\" has no single UCUM form; send a UCUM code "
                        "(system http://unitsofmeasure.org)",
                        (int)(unit.len > 64 ? 64 : unit.len), unit.ptr ? unit.ptr : "");
}
