/* subset.h - resource subsets for _elements and _summary.
 *
 * Both work on a parsed resource (cJSON), in place, at the top level of
 * the resource: an element is kept or dropped whole. The mandatory
 * elements (resourceType, id, meta) always stay, and a subsetted resource
 * gets the meta.tag SUBSETTED (system
 * http://terminology.hl7.org/CodeSystem/v3-ObservationValue) so nobody
 * mistakes it for the full record.
 *
 * _summary=true keeps the elements marked isSummary in the R4
 * StructureDefinition of the type (generated table, summary_table.c).
 * Approximation: nested summary flags are not applied (a kept element
 * keeps all its children; a BackboneElement child flagged isSummary inside
 * an element that is not is dropped with its parent).
 * Spec: http://hl7.org/fhir/R4/search.html#summary and #elements
 */
#ifndef FHIR_SUBSET_H
#define FHIR_SUBSET_H

#include <stddef.h>

#include <cJSON.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"
#include "search.h"

/* One row of the generated table: the space-separated top-level summary
 * elements of a type ("value[x]" for a choice element). */
struct fhir_summary_row {
    const char *type;
    const char *elements;
};
extern const struct fhir_summary_row fhir_summary_rows[];
extern const size_t fhir_summary_rows_count;

/* Keeps only the listed elements (plus the mandatory ones) of res, which
 * is of resource type `type`. A name may carry the type ("Patient.name");
 * a choice name ("value") keeps every typed form (valueQuantity, ...);
 * a primitive's extension twin ("_birthDate") follows its element.
 * Borrows res and modifies it. FG_ENOMEM only.
 * @test tests/unit/fhir/subset_test.c */
enum fg_status fhir_subset_elements(cJSON *res, struct fg_str type, const struct fg_str *names,
                                    size_t n);

/* Applies a _summary mode to res: TRUE keeps the summary elements, TEXT
 * keeps text (plus mandatory), DATA drops text; NONE, FALSE and COUNT
 * leave res as it is. Borrows res and modifies it. FG_ENOMEM only.
 * @test tests/unit/fhir/subset_test.c */
enum fg_status fhir_subset_summary(cJSON *res, struct fg_str type, enum fhir_summary mode);

#endif
