/* imp_map.h - the wearable mapping table: source type + unit -> LOINC, UCUM, category, profile.
 *
 * One static const table says how a measurement from Apple Health (HealthKit type identifier
 * and export unit), Google Fit (dataTypeName), the Google "Daily activity metrics" CSV or manual
 * entry becomes a US Core Observation: LOINC code and display, the UCUM unit it is stored in, the
 * factor applied to the value (x100 for Apple's 0-1 fractions, m -> cm, ft -> [in_i]), the
 * category and the profile. A type that is not in the table is skipped by the importers with a
 * reason. The same module normalises the units of Observations apps POST (mmHg -> mm[Hg], ...):
 * a unit with one clear UCUM form is rewritten, anything else is refused.
 * Spec: ../shared/docs/wearables.md §3.1-3.2; US Core vital signs
 * (http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs); UCUM
 * (https://ucum.org/ucum). @test tests/unit/import/map_test.c
 */
#ifndef IMP_MAP_H
#define IMP_MAP_H

#include <stdbool.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define IMP_LOINC_SYSTEM "http://loinc.org"
#define IMP_UCUM_SYSTEM "http://unitsofmeasure.org"
#define IMP_HK_SYSTEM "http://developer.apple.com/documentation/healthkit"
#define IMP_GFIT_SYSTEM "https://developers.google.com/fit/datatypes"
#define IMP_CATEGORY_SYSTEM "http://terminology.hl7.org/CodeSystem/observation-category"
#define IMP_PA_CATEGORY_SYSTEM                                                                     \
    "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes"

/* Where a measurement came from; part of the identifier key. */
enum imp_source {
    IMP_SRC_APPLE = 0,  /* Apple Health export.xml */
    IMP_SRC_GFIT,       /* Google Takeout "All Data" JSON */
    IMP_SRC_GFIT_DAILY, /* Google Takeout "Daily activity metrics" CSV */
    IMP_SRC_MANUAL      /* typed in by the patient */
};

/* What is measured: one row per LOINC code the importers produce. */
enum imp_measure_id {
    IMP_M_BODY_WEIGHT = 0,
    IMP_M_BODY_HEIGHT,
    IMP_M_BMI,
    IMP_M_BP_PANEL,
    IMP_M_BP_SYSTOLIC,  /* component of the panel; lone reading (see imp_apple.h) */
    IMP_M_BP_DIASTOLIC, /* component of the panel; lone reading */
    IMP_M_HEART_RATE,
    IMP_M_RESTING_HR,
    IMP_M_RESP_RATE,
    IMP_M_BODY_TEMP,
    IMP_M_SPO2,
    IMP_M_GLUCOSE_MASS,
    IMP_M_GLUCOSE_MOLAR,
    IMP_M_STEPS,
    IMP_M_STEPS_DAILY,
    IMP_M_BODY_FAT,
    IMP_M_ACTIVE_ENERGY,
    IMP_M_DISTANCE,
    IMP_M_HRV_SDNN,
    IMP_M_LEAN_BODY_MASS,
    IMP_M_WAIST,
    IMP_M_FLIGHTS,
    IMP_M_PEAK_FLOW,
    IMP_M_COUNT
};

/* One measure: the codes and the profile of the Observation. Static, never freed. */
struct imp_measure {
    enum imp_measure_id id;
    const char *loinc; /* primary LOINC code */
    const char *display;
    const char *loinc2; /* second required LOINC coding (pulse oximetry) or NULL */
    const char *display2;
    const char *category;    /* observation-category code */
    bool pa_category;        /* also pa-temporary-codes#PhysicalActivity */
    const char *profile;     /* canonical URL of the profile to claim in meta.profile */
    const char *manual_name; /* key for manual entry ("weight", ...) or NULL */
};

/* One source row: a source type (and unit pattern) mapped to a measure and a UCUM unit. */
struct imp_map_row {
    enum imp_source source; /* IMP_SRC_APPLE or IMP_SRC_GFIT (daily CSV and manual use
                             * imp_map_measure / imp_map_manual) */
    const char *type;       /* "HKQuantityTypeIdentifierBodyMass", "com.google.weight" */
    const char *unit;       /* source unit; "mmol<*>/L" matches any molar-mass tag;
                             * NULL: any (Google types have a fixed unit) */
    enum imp_measure_id measure;
    const char *ucum;         /* UCUM code stored in valueQuantity.code */
    const char *unit_display; /* valueQuantity.unit */
    int scale10;              /* value x 10^scale10 (exact decimal shift) */
    int factor;               /* then x factor (integer; 1 = none) */
};

/* The measure for id (never NULL for id < IMP_M_COUNT). */
const struct imp_measure *imp_map_measure(enum imp_measure_id id);

/* Finds the row for an Apple HK type and export unit (both raw attribute text).
 * FG_ENOTFOUND (no error filled) when the type is not mapped; FG_EUNPROC with err filled
 * when the type is mapped but the unit is not one the table knows.
 * On failure *out is untouched. */
enum fg_status imp_map_apple(struct fg_str type, struct fg_str unit, const struct imp_map_row **out,
                             struct fg_error *err);

/* Finds the row for a Google Fit dataTypeName. stream is the file's "Data Source"
 * (a resting-heart-rate stream maps com.google.heart_rate.bpm to 40443-4).
 * FG_ENOTFOUND when not mapped; on failure *out is untouched. */
enum fg_status imp_map_gfit(struct fg_str type, struct fg_str stream,
                            const struct imp_map_row **out);

/* The measure for a manual-entry name ("weight", "bp", "glucose", "steps", ...).
 * FG_ENOTFOUND when unknown; on failure *out is untouched. */
enum fg_status imp_map_manual(struct fg_str name, const struct imp_measure **out);

/* Applies the row's transform to a decimal value given as text (exact decimal shift for
 * powers of ten, then an integer factor). Writes a canonical decimal string (no exponent,
 * no trailing zeros after the point) to out (NUL-terminated) and its value to *value.
 * FG_EINVAL when the text is not a finite decimal or the result does not fit;
 * on failure out and *value are untouched. @test tests/unit/import/map_test.c */
#define IMP_VALUE_MAX 48
enum fg_status imp_map_value(const struct imp_map_row *row, struct fg_str text,
                             char out[IMP_VALUE_MAX], double *value);

/* Normalises the unit of a valueQuantity an app sent: returns in *ucum the static UCUM code
 * for unit (already UCUM like "mm[Hg]", or a clear alias: "mmHg" -> "mm[Hg]",
 * "lbs"/"lb" -> "[lb_av]", "count/min"/"bpm"/"beats/min" -> "/min", "°C"/"degC" -> "Cel",
 * "°F"/"degF" -> "[degF]", ...). FG_EUNPROC with err naming the unit (expression may be
 * NULL) for anything not clearly mappable; on failure *ucum is untouched. */
enum fg_status imp_map_ucum_normalise(struct fg_str unit, const char *expression, const char **ucum,
                                      struct fg_error *err);

#endif
