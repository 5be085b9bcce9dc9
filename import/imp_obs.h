/* imp_obs.h - one US Core Observation from one normalised wearable measurement.
 *
 * The importers (imp_apple, imp_gfit) and manual entry fill a struct imp_measurement; this
 * module turns it into the Observation of wearables.md §3.3: status final, meta.tag
 * us-core-tags|patient-supplied, meta.profile, category, code (LOINC + the source's own coding),
 * subject and performer = the patient, effectiveDateTime (start = end) or effectivePeriod,
 * valueQuantity in UCUM (or the 85354-9 panel with 8480-6/8462-4 components), the measuring
 * device as a contained Device, and one deterministic identifier (wearables.md §4):
 *   system IMP_KEY_SYSTEM, value "sha256:<hex>" over
 *   patient | kind | type | source | start | end | unit | value   (each field length-prefixed,
 *   dates in UTC, unit and value as the source wrote them), or, when the record carries a sync
 *   identifier (HKMetadataKeySyncIdentifier / HKExternalUUID), over
 *   patient | kind | "sync" | source | sync id   (a re-synced record keeps its identity).
 * Daily aggregates leave the value out of the key (a re-import of a fuller day replaces it).
 * Spec: https://hl7.org/fhir/us/core/STU6.1/writing-vital-signs.html (patient-supplied tag,
 * performer, contained Device), http://hl7.org/fhir/R4/observation.html.
 * @test tests/unit/import/obs_test.c
 */
#ifndef IMP_OBS_H
#define IMP_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "imp_map.h"

#define IMP_KEY_SYSTEM "urn:fhirgate:import-key"
#define IMP_KEY_MAX 72 /* "sha256:" + 64 hex + NUL */
#define IMP_TAG_SYSTEM "http://hl7.org/fhir/us/core/CodeSystem/us-core-tags"

/* The measuring device, parsed from Apple's printed HKDevice or metadata. Borrows. */
struct imp_device {
    struct fg_str name;         /* "Apple Watch" -> deviceName (user-friendly-name) */
    struct fg_str manufacturer; /* "Apple Inc." */
    struct fg_str model;        /* "Watch" -> modelNumber */
    struct fg_str hardware;     /* "Watch6,7" -> deviceName (model-name) */
    struct fg_str software;     /* "10.2" -> version */
};

/* One normalised measurement. Every slice and string is borrowed and must stay valid during
 * imp_obs_build. */
struct imp_measurement {
    enum imp_source source;
    const struct imp_measure *measure; /* IMP_M_BP_PANEL for a panel */
    struct fg_str source_type;        /* source coding code: HK type / dataTypeName; may be empty */
    struct fg_str source_name;        /* sourceName / originDataSourceId (PII: never logged) */
    const char *start;                /* FHIR dateTime (or date), NUL-terminated */
    const char *end;                  /* NULL or equal to start: effectiveDateTime */
    struct fg_str key_start, key_end; /* UTC forms for the key */
    /* quantity (not for a panel) */
    const char *ucum;         /* UCUM code */
    const char *unit_display; /* valueQuantity.unit */
    double value;
    /* panel components; either may be absent (has_*) but a panel needs both */
    bool has_systolic, has_diastolic;
    double systolic, diastolic;
    /* identity */
    struct fg_str key_unit, key_value; /* raw source unit and value text ("136/69" for a panel) */
    struct fg_str sync_id;             /* empty when none */
    bool daily; /* daily aggregate: value not in the key, replace on import */
    bool has_device;
    struct imp_device device;
};

/* Parses Apple's printed device "<<HKDevice: 0x...>, name:iPhone, manufacturer:Apple Inc.,
 * model:iPhone, hardware:iPhone10,4, software:12.3>" (already XML-unescaped). Values may
 * contain commas ("iPhone10,4"); a field ends at the next ", key:" or the closing '>'.
 * Unknown keys (creation date, localIdentifier, ...) are ignored. The slices in *out borrow s.
 * FG_EINVAL when s is not an HKDevice string or names no field; on failure *out is untouched.
 */
enum fg_status imp_obs_parse_hkdevice(struct fg_str s, struct imp_device *out);

/* Computes the identifier value of m for patient into key ("sha256:<64 hex>").
 * FG_ENOMEM / FG_EIO when hashing fails. */
enum fg_status imp_obs_key(const struct imp_measurement *m, struct fg_str patient,
                           char key[IMP_KEY_MAX]);

/* Builds the Observation for m and patient (a FHIR id). issued_us > 0 sets `issued` (µs since
 * the epoch, from the server clock); 0 leaves it out. On success *out is a new cJSON tree
 * (caller owns, free with cJSON_Delete) and key holds its identifier value.
 * FG_EINVAL (err filled) when patient is not a FHIR id or a panel lacks a component;
 * FG_ENOMEM. On failure *out is untouched. */
enum fg_status imp_obs_build(const struct imp_measurement *m, struct fg_str patient,
                             int64_t issued_us, cJSON **out, char key[IMP_KEY_MAX],
                             struct fg_error *err);

#endif
