/* gen_bench_data.c - writes the `make bench` data set as FHIR transaction Bundles.
 *
 * usage: gen_bench_data OUTDIR PATIENTS OBSERVATIONS BUNDLE_SIZE [grouped|interleaved]
 *
 * Writes OUTDIR/p-NNNNN.json (US Core Patients bp-0 .. bp-<PATIENTS-1>) and
 * OUTDIR/o-NNNNNN.json (US Core vital-sign and laboratory Observations
 * bo-0 .. bo-<OBSERVATIONS-1>), BUNDLE_SIZE entries per Bundle, each entry a
 * PUT with its id, so loading the set twice is idempotent. Layout "grouped"
 * (the default: a record arrives one patient at a time) gives Observation i
 * to patient i * PATIENTS / OBSERVATIONS; "interleaved" (the worst case for
 * the store: every Bundle touches every patient) to patient i % PATIENTS.
 * Each patient gets the same number either way. Its effectiveDateTime is spread over
 * 2016-01-01 .. 2025-12-31 in the patient's time zone. Everything comes from
 * a counter-based generator (splitmix64 of the index), so the output is the
 * same on every run and machine. A resource is about 1 KB of JSON.
 * Spec: https://hl7.org/fhir/R4/http.html#transaction,
 *       http://hl7.org/fhir/us/core/STU6.1/StructureDefinition-us-core-vital-signs.html
 * Prints "patients=N observations=N bundles=N bytes=N" on success.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/fg_str.h"

#define SPAN_START 1451606400 /* 2016-01-01T00:00:00Z */
#define SPAN_DAYS 3653        /* through 2025-12-31 */
#define MAX_BUNDLE 10000
#define UCUM "http://unitsofmeasure.org"
#define PROFILE "http://hl7.org/fhir/us/core/StructureDefinition/"

struct obs_kind {
    const char *loinc;
    const char *display;
    const char *profile; /* below PROFILE */
    int lab;             /* 1: laboratory, 0: vital-signs */
    const char *unit;
    const char *ucum;
    double low, high;    /* reference range */
    double mean, spread; /* generated values: mean +- spread/2 */
    int decimals;
    int weight; /* relative frequency */
};

static const struct obs_kind kinds[] = {
    {"8867-4", "Heart rate", "us-core-heart-rate", 0, "beats/minute", "/min", 60, 100, 76, 50, 0,
     14},
    {"9279-1", "Respiratory rate", "us-core-respiratory-rate", 0, "breaths/minute", "/min", 12, 20,
     16, 10, 0, 8},
    {"8310-5", "Body temperature", "us-core-body-temperature", 0, "C", "Cel", 36.1, 37.2, 36.8, 2.4,
     1, 8},
    {"29463-7", "Body weight", "us-core-body-weight", 0, "kg", "kg", 45, 110, 78, 70, 1, 8},
    {"8302-2", "Body height", "us-core-body-height", 0, "cm", "cm", 150, 195, 170, 40, 1, 4},
    {"39156-5", "Body mass index (BMI) [Ratio]", "us-core-bmi", 0, "kg/m2", "kg/m2", 18.5, 25, 26,
     16, 1, 6},
    {"2708-6", "Oxygen saturation in Arterial blood", "us-core-pulse-oximetry", 0, "%", "%", 95,
     100, 97, 6, 0, 6},
    {"85354-9", "Blood pressure panel with all children optional", "us-core-blood-pressure", 0,
     "mm[Hg]", "mm[Hg]", 90, 130, 122, 50, 0, 12},
    {"2339-0", "Glucose [Mass/volume] in Blood", "us-core-observation-lab", 1, "mg/dL", "mg/dL", 70,
     99, 98, 60, 0, 6},
    {"2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "us-core-observation-lab", 1,
     "mg/dL", "mg/dL", 125, 200, 190, 90, 0, 4},
    {"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "us-core-observation-lab", 1, "%", "%",
     4, 5.6, 5.8, 3.0, 1, 4},
    {"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "us-core-observation-lab", 1, "mg/dL",
     "mg/dL", 0.6, 1.3, 0.95, 0.8, 2, 4},
    {"718-7", "Hemoglobin [Mass/volume] in Blood", "us-core-observation-lab", 1, "g/dL", "g/dL", 12,
     17.5, 14.2, 5, 1, 4},
    {"6690-2", "Leukocytes [#/volume] in Blood by Automated count", "us-core-observation-lab", 1,
     "10*3/uL", "10*3/uL", 4.5, 11, 7.2, 7, 1, 3},
    {"2951-2", "Sodium [Moles/volume] in Serum or Plasma", "us-core-observation-lab", 1, "mmol/L",
     "mmol/L", 135, 145, 140, 12, 0, 3},
    {"2823-3", "Potassium [Moles/volume] in Serum or Plasma", "us-core-observation-lab", 1,
     "mmol/L", "mmol/L", 3.5, 5.1, 4.2, 1.8, 1, 2},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static const char *const family_names[] = {"Smith",     "Johnson",  "Williams", "Brown",
                                           "Jones",     "Garcia",   "Miller",   "Davis",
                                           "Rodriguez", "Martinez", "Nguyen",   "Kim"};
static const char *const female_names[] = {"Ava",    "Mia",   "Sofia", "Emma",
                                           "Olivia", "Amara", "Chloe", "Lucia"};
static const char *const male_names[] = {"Liam",  "Noah", "Mateo", "Ethan",
                                         "James", "Omar", "Lucas", "Hiro"};
static const char *const cities[] = {"Springfield", "Riverside", "Franklin",
                                     "Greenville",  "Fairview",  "Madison"};
static const char *const states[] = {"MA", "CA", "TN", "SC", "OR", "WI"};
/* Offsets in minutes east of UTC; 0 is written as "Z". */
static const int tz_minutes[] = {-300, -360, -420, -480, 0, 60};

#define PICK(arr, r) ((arr)[(r) % (sizeof(arr) / sizeof((arr)[0]))])

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The k-th random number for (stream, index): the same every run. */
static uint64_t rnd(uint64_t stream, uint64_t index, uint64_t k)
{
    return mix(mix(stream * UINT64_C(0x100000001b3) ^ index) + k);
}

static double unit_interval(uint64_t r)
{
    return (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
}

static void put_uuid(FILE *f, uint64_t stream, uint64_t index)
{
    uint64_t a = rnd(stream, index, 100), b = rnd(stream, index, 101);
    fprintf(f, "urn:uuid:%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
            a >> 32, (a >> 16) & 0xffff, a & 0xfff, (b >> 48 & 0x3fff) | 0x8000,
            b & UINT64_C(0xffffffffffff));
}

/* Writes `t` (UTC seconds) as a dateTime in the zone `tz` minutes east. */
static void put_datetime(FILE *f, int64_t t, int tz)
{
    time_t local = (time_t)(t + (int64_t)tz * 60);
    struct tm tm;
    gmtime_r(&local, &tm);
    fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (tz == 0)
        fputc('Z', f);
    else
        fprintf(f, "%c%02d:%02d", tz < 0 ? '-' : '+', (tz < 0 ? -tz : tz) / 60,
                (tz < 0 ? -tz : tz) % 60);
}

static int patient_tz(uint64_t p)
{
    return PICK(tz_minutes, rnd(1, p, 7));
}

static int patient_female(uint64_t p)
{
    return (int)(rnd(1, p, 0) & 1);
}

static void put_patient_name(FILE *f, uint64_t p, int with_family_first)
{
    const char *given =
        patient_female(p) ? PICK(female_names, rnd(1, p, 1)) : PICK(male_names, rnd(1, p, 1));
    const char *family = PICK(family_names, rnd(1, p, 2));
    if (with_family_first)
        fprintf(f, "\"family\":\"%s\",\"given\":[\"%s\"]", family, given);
    else
        fprintf(f, "%s %s", given, family);
}

static void put_patient(FILE *f, uint64_t p)
{
    int64_t birth = -946771200 + (int64_t)(rnd(1, p, 3) % (65u * 365u)) * 86400; /* 1940 .. 2004 */
    time_t bt = (time_t)birth;
    struct tm tm;
    gmtime_r(&bt, &tm);
    uint64_t place = rnd(1, p, 4);
    fprintf(
        f,
        "{\"resourceType\":\"Patient\",\"id\":\"bp-%" PRIu64 "\",\"meta\":{\"profile\":[\"" PROFILE
        "us-core-patient\"]},\"identifier\":[{\"use\":\"usual\",\"type\":{\"coding\":[{\"system\":"
        "\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]},\"system\":"
        "\"http://bench.fhirgate.example/mrn\",\"value\":\"MRN%08" PRIu64 "\"}],\"active\":true,"
        "\"name\":[{\"use\":\"official\",",
        p, p);
    put_patient_name(f, p, 1);
    fprintf(f,
            "}],\"telecom\":[{\"system\":\"phone\",\"value\":\"555-01%02" PRIu64 "-%04" PRIu64
            "\",\"use\":\"home\"}],\"gender\":\"%s\",\"birthDate\":\"%04d-%02d-%02d\",\"address\":"
            "[{\"use\":\"home\",\"line\":[\"%" PRIu64
            " Main St\"],\"city\":\"%s\",\"state\":\"%s\","
            "\"postalCode\":\"%05" PRIu64 "\",\"country\":\"US\"}]}",
            p % 100, rnd(1, p, 5) % 10000, patient_female(p) ? "female" : "male", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, 1 + rnd(1, p, 6) % 999, PICK(cities, place),
            PICK(states, place), 10000 + place % 89999);
}

static const struct obs_kind *pick_kind(uint64_t r)
{
    int total = 0;
    for (size_t i = 0; i < N_KINDS; i++)
        total += kinds[i].weight;
    int x = (int)(r % (uint64_t)total);
    for (size_t i = 0; i < N_KINDS; i++) {
        if (x < kinds[i].weight)
            return &kinds[i];
        x -= kinds[i].weight;
    }
    return &kinds[0];
}

static void put_quantity(FILE *f, const struct obs_kind *k, double v, int decimals)
{
    fprintf(f, "{\"value\":%.*f,\"unit\":\"%s\",\"system\":\"" UCUM "\",\"code\":\"%s\"}", decimals,
            v, k->unit, k->ucum);
}

static void put_coding(FILE *f, const char *system, const char *code, const char *display)
{
    fprintf(f,
            "{\"coding\":[{\"system\":\"%s\",\"code\":\"%s\",\"display\":\"%s\"}],\"text\":\"%s\"}",
            system, code, display, display);
}

/* US Core's pulse-oximetry profile wants both LOINC codes on Observation.code. */
static void put_pulse_ox_code(FILE *f, const struct obs_kind *k)
{
    fprintf(f,
            "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"59408-5\",\"display\":"
            "\"Oxygen saturation in Arterial blood by Pulse oximetry\"},{\"system\":"
            "\"http://loinc.org\",\"code\":\"%s\",\"display\":\"%s\"}],\"text\":\"%s\"}",
            k->loinc, k->display, k->display);
}

static void put_component(FILE *f, const char *code, const char *display, const struct obs_kind *k,
                          double v)
{
    fprintf(f, "{\"code\":");
    put_coding(f, "http://loinc.org", code, display);
    fprintf(f, ",\"valueQuantity\":");
    put_quantity(f, k, v, 0);
    fputc('}', f);
}

struct obs_layout {
    uint64_t n_patients;
    uint64_t n_observations;
    int interleaved;
};

static uint64_t patient_of(const struct obs_layout *lay, uint64_t i)
{
    if (lay->interleaved || lay->n_observations == 0)
        return i % lay->n_patients;
    return (uint64_t)((unsigned __int128)i * lay->n_patients / lay->n_observations);
}

static void put_observation(FILE *f, uint64_t i, const struct obs_layout *lay)
{
    uint64_t p = patient_of(lay, i);
    const struct obs_kind *k = pick_kind(rnd(2, i, 0));
    int64_t t = SPAN_START + (int64_t)(rnd(2, i, 1) % ((uint64_t)SPAN_DAYS * 86400u));
    double v = k->mean + (unit_interval(rnd(2, i, 2)) - 0.5) * k->spread;
    int tz = patient_tz(p);
    const char *interp = v < k->low ? "L" : v > k->high ? "H" : "N";
    const char *interp_display = v < k->low ? "Low" : v > k->high ? "High" : "Normal";

    fprintf(f,
            "{\"resourceType\":\"Observation\",\"id\":\"bo-%" PRIu64
            "\",\"meta\":{\"profile\":[\"" PROFILE
            "%s\"]},\"identifier\":[{\"system\":\"http://bench.fhirgate.example/"
            "obs\",\"value\":\"%016" PRIx64 "\"}],\"status\":\"final\",\"category\":[",
            i, k->profile, rnd(2, i, 3));
    put_coding(f, "http://terminology.hl7.org/CodeSystem/observation-category",
               k->lab ? "laboratory" : "vital-signs", k->lab ? "Laboratory" : "Vital Signs");
    fprintf(f, "],\"code\":");
    if (strcmp(k->loinc, "2708-6") == 0)
        put_pulse_ox_code(f, k);
    else
        put_coding(f, "http://loinc.org", k->loinc, k->display);
    fprintf(f, ",\"subject\":{\"reference\":\"Patient/bp-%" PRIu64 "\",\"display\":\"", p);
    put_patient_name(f, p, 0);
    fprintf(f, "\"},\"effectiveDateTime\":\"");
    put_datetime(f, t, tz);
    fprintf(f, "\",\"issued\":\"");
    put_datetime(f, t + 1800 + (int64_t)(rnd(2, i, 4) % 7200), tz);
    fprintf(f, "\",\"performer\":[{\"display\":\"%s\"}],",
            k->lab ? "Springfield Clinical Laboratory" : "Springfield Family Practice");
    if (strcmp(k->loinc, "85354-9") == 0) {
        double dia = v * 0.65 + (unit_interval(rnd(2, i, 5)) - 0.5) * 10;
        fprintf(f, "\"component\":[");
        put_component(f, "8480-6", "Systolic blood pressure", k, v);
        fputc(',', f);
        put_component(f, "8462-4", "Diastolic blood pressure", k, dia);
        fprintf(f, "],");
    } else {
        fprintf(f, "\"valueQuantity\":");
        put_quantity(f, k, v, k->decimals);
        fputc(',', f);
    }
    fprintf(f,
            "\"interpretation\":[{\"coding\":[{\"system\":"
            "\"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation\","
            "\"code\":\"%s\",\"display\":\"%s\"}]}],\"referenceRange\":[{\"low\":",
            interp, interp_display);
    put_quantity(f, k, k->low, k->decimals);
    fprintf(f, ",\"high\":");
    put_quantity(f, k, k->high, k->decimals);
    fprintf(f, "}]}");
}

/* Writes one transaction Bundle of entries [first, first + n) of one kind. */
static int write_bundle(const char *path, int is_patient, uint64_t first, uint64_t n,
                        const struct obs_layout *lay, uint64_t *bytes)
{
    static char iobuf[1 << 20];
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_bench_data: %s: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    fprintf(f, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n");
    for (uint64_t j = 0; j < n; j++) {
        uint64_t i = first + j;
        fprintf(f, "%s{\"fullUrl\":\"", j ? ",\n" : "");
        put_uuid(f, is_patient ? 1 : 2, i);
        fprintf(f, "\",\"resource\":");
        if (is_patient)
            put_patient(f, i);
        else
            put_observation(f, i, lay);
        fprintf(f, ",\"request\":{\"method\":\"PUT\",\"url\":\"%s/b%c-%" PRIu64 "\"}}",
                is_patient ? "Patient" : "Observation", is_patient ? 'p' : 'o', i);
    }
    fprintf(f, "\n]}\n");
    long size = ftell(f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || size < 0) {
        fprintf(stderr, "gen_bench_data: %s: write failed\n", path);
        return -1;
    }
    *bytes += (uint64_t)size;
    return 0;
}

static int write_all(const char *dir, int is_patient, uint64_t count, uint64_t per_bundle,
                     const struct obs_layout *lay, uint64_t *bundles, uint64_t *bytes)
{
    char path[4096];
    for (uint64_t first = 0, b = 0; first < count; first += per_bundle, b++) {
        uint64_t n = count - first < per_bundle ? count - first : per_bundle;
        int w =
            snprintf(path, sizeof path, "%s/%c-%06" PRIu64 ".json", dir, is_patient ? 'p' : 'o', b);
        if (w < 0 || (size_t)w >= sizeof path) {
            fprintf(stderr, "gen_bench_data: output path too long\n");
            return -1;
        }
        if (write_bundle(path, is_patient, first, n, lay, bytes) != 0)
            return -1;
        (*bundles)++;
    }
    return 0;
}

static int parse_arg(const char *what, const char *s, int64_t min, int64_t max, uint64_t *out)
{
    int64_t v;
    if (fg_parse_i64(fg_str_c(s), min, max, &v) != FG_OK) {
        fprintf(stderr,
                "gen_bench_data: %s must be an integer in %" PRId64 "..%" PRId64 ", not \"%s\"\n",
                what, min, max, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t patients, observations, per_bundle, bundles = 0, bytes = 0;
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: gen_bench_data OUTDIR PATIENTS OBSERVATIONS BUNDLE_SIZE"
                        " [grouped|interleaved]\n");
        return 2;
    }
    if (argc == 6 && strcmp(argv[5], "grouped") != 0 && strcmp(argv[5], "interleaved") != 0) {
        fprintf(stderr, "gen_bench_data: layout must be grouped or interleaved, not \"%s\"\n",
                argv[5]);
        return 2;
    }
    if (parse_arg("PATIENTS", argv[2], 1, 100000000, &patients) != 0 ||
        parse_arg("OBSERVATIONS", argv[3], 0, INT64_C(1000000000), &observations) != 0 ||
        parse_arg("BUNDLE_SIZE", argv[4], 1, MAX_BUNDLE, &per_bundle) != 0)
        return 2;
    struct obs_layout lay = {patients, observations,
                             argc == 6 && strcmp(argv[5], "interleaved") == 0};
    if (write_all(argv[1], 1, patients, per_bundle, &lay, &bundles, &bytes) != 0 ||
        write_all(argv[1], 0, observations, per_bundle, &lay, &bundles, &bytes) != 0)
        return 1;
    printf("patients=%" PRIu64 " observations=%" PRIu64 " bundles=%" PRIu64 " bytes=%" PRIu64 "\n",
           patients, observations, bundles, bytes);
    return 0;
}
