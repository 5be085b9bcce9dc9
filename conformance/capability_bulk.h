/* capability_bulk.h - the Bulk Data Access 2.0 part of the CapabilityStatement:
 * `instantiates` the bulk-data server CapabilityStatement, and the export
 * operations ($export at system level, on Patient and on Group) with the
 * IG's OperationDefinition canonicals (checklist B-4).
 * https://hl7.org/fhir/uv/bulkdata/STU2/CapabilityStatement-bulk-data.html
 * @test tests/unit/conformance/capability_test.c
 */
#ifndef FG_CAPABILITY_BULK_H
#define FG_CAPABILITY_BULK_H

#include <stdbool.h>

#include <cJSON.h>

#define FG_BULK_CAPABILITY "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"

/* Appends the bulk-data canonical to cs.instantiates (created if missing). */
bool fg_capability_bulk_header(cJSON *cs);

/* Adds operation "export" to the rest entry (system level) and to the
 * Patient and Group resource entries of rest.resource (by resourceType). */
bool fg_capability_bulk_rest(cJSON *rest);

#endif
