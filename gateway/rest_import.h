/* rest_import.h - the $import-wearables operation and the OperationDefinitions (internal to
 * gateway/).
 *
 * POST /fhir/Patient/{id}/$import-wearables: the request body is the export file itself
 * (conformance/opdef.c documents it); Content-Type decides the format:
 *   application/zip, application/x-zip-compressed, application/xml, text/xml -> Apple Health;
 *   application/json -> Google Takeout "All Data"; text/csv -> Google daily activity metrics.
 * The body is spooled to disk (spool.h, limit import_max_upload_bytes), then imported with
 * import/imp_ingest.h (check pass, batched transactions, one Provenance per batch).
 * Permissions come from the policy seam only: fg_access_authorize (create on Observation),
 * then fg_access_check_write for every Observation (a token for another patient or outside its
 * categories gets them refused: all refused = 403). The answer is a Parameters resource
 * (read, created, replaced, alreadyPresent, refused, skipped[]).
 * GET /fhir/OperationDefinition/{id}: the definitions of conformance/opdef.h.
 * @test tests/integration/wearables-import.test.mjs
 */
#ifndef FG_REST_IMPORT_H
#define FG_REST_IMPORT_H

#include <stdbool.h>

#include "http.h"

/* Is req (method and path known, body not read yet) an $import-wearables upload, whose body
 * goes to a spool file? */
bool fg_rest_import_is_upload(const struct fg_req *req);

enum fg_status fg_rest_import_wearables(struct fg_req *req);
enum fg_status fg_rest_opdef_read(struct fg_req *req);

#endif
