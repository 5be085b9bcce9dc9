/* validate.h - validating a FHIR R4 resource against the R4 base definitions
 * and a US Core 7.0.0 profile (tables: conformance/rules.h, generated).
 *
 * Base checks (every known resource type): unknown elements, JSON shape
 * (array vs single), cardinality, choice types, primitive formats, required
 * bindings with enumerable value sets, reference target types.
 * Profile checks: tighter cardinalities, narrowed types and reference targets,
 * fixed and pattern values, required bindings, slices (members recognised by
 * their discriminator pattern or, for pattern slices without one, by their
 * required value set; required slices present; closed slicing), and the US
 * Core extension definitions (race, ethnicity, birthsex, ...) applied to every
 * extension with their url.
 * Not checked: FHIRPath invariants (constraint[].expression, e.g. us-core-6),
 * bindings that are not enumerable here (VSAC, filters, all of LOINC/SNOMED),
 * extensible bindings, profiles of referenced or contained resources, the
 * entries of a Bundle against their profiles (validate each entry instead).
 * Spec: http://hl7.org/fhir/R4/validation.html, http://hl7.org/fhir/R4/profiling.html
 */
#ifndef CONFORMANCE_VALIDATE_H
#define CONFORMANCE_VALIDATE_H

#include <cJSON.h>
#include <stddef.h>

#include "../core/fg_buf.h"
#include "../core/fg_pool.h"
#include "../core/fg_status.h"

enum fg_vseverity {
    FG_VSEV_ERROR,
    FG_VSEV_WARNING,
    FG_VSEV_INFORMATION
};

struct fg_validation_issue {
    enum fg_vseverity severity;
    const char *code;       /* static FHIR issue type: structure, required, value, code-invalid, ... */
    const char *expression; /* FHIRPath, e.g. "Observation.component[0].valueQuantity.code" */
    const char *message;
};

/* Filled by fg_validate_resource; all strings live in the pool given there
 * (or are static). */
struct fg_validation_report {
    const char *resource_type;  /* from the resource, or NULL */
    const char *profile_url;    /* the profile validated against (static), or NULL = base only */
    const char *profile_source; /* "requested", "meta.profile", "implied by type/code/category", or NULL */
    struct fg_validation_issue *issues;
    size_t n_issues;
    size_t cap_issues;
    size_t n_errors;
    size_t n_warnings;
    int truncated;              /* more than FG_MAX_VALIDATION_ISSUES findings */
};

/* Validates resource against the R4 base definition of its type and one
 * profile: profile_url when given (with or without "|version"), else every
 * meta.profile we know, else the profile its type / code / category implies
 * (the report says which). The report is reset first; issue text lives in
 * pool. Borrows resource.
 * Returns FG_OK when there is no error-level issue, FG_EUNPROC when there is
 * (the report lists them), FG_ENOMEM.
 * @test tests/unit/conformance/validate_test.c */
enum fg_status fg_validate_resource(struct fg_pool *pool, const cJSON *resource,
                                    const char *profile_url_or_NULL,
                                    struct fg_validation_report *out);

/* Appends an OperationOutcome with one issue per finding (severity, code,
 * diagnostics = message, expression), then, when a profile was checked, an
 * "informational" issue naming it and why ("Checked against URL (implied by
 * type/code/category)"), to out; an empty report gives one "informational"
 * issue. Borrows report. FG_ETOOBIG / FG_ENOMEM from the
 * buffer. @test tests/unit/conformance/validate_test.c */
enum fg_status fg_validation_report_to_outcome(const struct fg_validation_report *report,
                                               struct fg_buf *out);

/* Must Support coverage (US Core conformance M-2): for each rule of prof
 * flagged FG_VRULE_MUST_SUPPORT (conformance/rules.h) that resource shows at
 * least once, sets present[rule index] to 1. present has prof->n_rules
 * entries and is only ever set, so calls over many resources accumulate.
 * Returns how many entries this call newly set. Borrows everything.
 * @test tests/unit/conformance/validate_test.c */
struct fg_vprofile;
size_t fg_validate_must_support(const struct fg_vprofile *prof, const cJSON *resource,
                                unsigned char *present);

/* The canonical url (static) of the US Core profile a resource implies when
 * it claims none: the most specific profile whose code and category facts
 * all match (us-core-heart-rate, us-core-observation-lab,
 * us-core-condition-encounter-diagnosis, ...), else the one its code alone
 * implies (a heart rate without its category), else its type's only
 * profile (us-core-patient, us-core-immunization, ...); NULL when nothing is
 * implied (an Observation of no US Core kind, a Device, a type US Core does
 * not profile). Facts: conformance/rules.h; order: validate_implied.c.
 * Borrows resource. @test tests/unit/conformance/validate_test.c */
const char *fg_validate_implied_profile(const cJSON *resource);

/* The profile table entry for a canonical url (version suffix ignored), or
 * NULL. */
const struct fg_vprofile *fg_validate_find_profile(const char *url);

#endif
