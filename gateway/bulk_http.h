/* bulk_http.h - the HTTP side of FHIR Bulk Data export (bulk.h runs the jobs).
 *
 *   GET|POST [base]/$export, [base]/Patient/$export, [base]/Group/{id}/$export
 *       kick-off: Prefer: respond-async required (400 otherwise); 202 with an
 *       absolute Content-Location (the status URL)
 *   GET    /bulk/jobs/{job}          status: 202 + X-Progress + Retry-After while
 *                                    running; 200 application/json manifest; 404
 *   DELETE /bulk/jobs/{job}          cancel or delete: 202, then 404
 *   GET    /bulk/jobs/{job}/{file}   an output file, application/fhir+ndjson
 * Status and files live outside /fhir (they are not FHIR responses: the
 * manifest is application/json, files NDJSON) and need the bearer token of
 * the access that started the job (401 without one, 404 for anyone else).
 * Kick-offs and downloads are audited (audit_req.h fg_audit_operation).
 * Spec: https://hl7.org/fhir/uv/bulkdata/STU2/export.html
 * @test tests/integration/bulk-export.test.mjs
 */
#ifndef FG_BULK_HTTP_H
#define FG_BULK_HTTP_H

#include "http.h"

enum fg_status fg_bulk_kickoff_system(struct fg_req *req);
enum fg_status fg_bulk_kickoff_patient(struct fg_req *req);
enum fg_status fg_bulk_kickoff_group(struct fg_req *req);
enum fg_status fg_bulk_status_get(struct fg_req *req);
enum fg_status fg_bulk_status_delete(struct fg_req *req);
enum fg_status fg_bulk_download(struct fg_req *req);

#endif
