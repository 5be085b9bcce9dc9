/* routes.c - the FHIR REST route table: every interaction the server
 * offers, in the order the router tries them (literal segments before
 * {type}; the {any} fallbacks last, so an unknown resource type gets a
 * precise 404). HEAD is answered by each GET route.
 * http://hl7.org/fhir/R4/http.html */
#include "router.h"

#include "rest.h"
#include "virtual.h"
#include "rest_import.h"
#include "bulk_http.h"

const struct fg_route fg_routes[] = {
    {FG_GET, "/fhir/metadata", fg_rest_metadata},
    {FG_GET, "/fhir/_history", fg_rest_history_system},
    /* Bulk Data export (bulk_http.h): literal segments, audited by their handlers. */
    {FG_GET, "/fhir/$export", fg_bulk_kickoff_system},
    {FG_POST, "/fhir/$export", fg_bulk_kickoff_system},
    {FG_GET, "/fhir/Patient/$export", fg_bulk_kickoff_patient},
    {FG_POST, "/fhir/Patient/$export", fg_bulk_kickoff_patient},
    {FG_GET, "/fhir/Group/{any}/$export", fg_bulk_kickoff_group},
    {FG_POST, "/fhir/Group/{any}/$export", fg_bulk_kickoff_group},
    {FG_GET, "/bulk/jobs/{any}", fg_bulk_status_get},
    {FG_DELETE, "/bulk/jobs/{any}", fg_bulk_status_delete},
    {FG_GET, "/bulk/jobs/{any}/{any}", fg_bulk_download},
    {FG_POST, "/fhir", fg_rest_bundle},
    /* Generated from grants and the audit log (virtual.h): read and search only. */
    {FG_GET, "/fhir/Consent", fg_consent_search},
    {FG_GET, "/fhir/Consent/{id}", fg_consent_read},
    {FG_POST, "/fhir/Consent", fg_virtual_read_only},
    {FG_PUT, "/fhir/Consent/{id}", fg_virtual_read_only},
    {FG_DELETE, "/fhir/Consent/{id}", fg_virtual_read_only},
    {FG_GET, "/fhir/AuditEvent", fg_auditevent_search},
    {FG_GET, "/fhir/AuditEvent/{id}", fg_auditevent_read},
    {FG_POST, "/fhir/AuditEvent", fg_virtual_read_only},
    {FG_PUT, "/fhir/AuditEvent/{id}", fg_virtual_read_only},
    {FG_DELETE, "/fhir/AuditEvent/{id}", fg_virtual_read_only},
    {FG_GET, "/fhir/OperationDefinition/{id}", fg_rest_opdef_read},
    {FG_POST, "/fhir/Patient/{id}/$import-wearables", fg_rest_import_wearables},
    {FG_GET, "/fhir/Patient/{id}/$everything", fg_rest_everything_get},
    {FG_POST, "/fhir/Patient/{id}/$everything", fg_rest_everything_post},
    {FG_GET, "/fhir/Patient/$everything", fg_rest_everything_get},
    {FG_POST, "/fhir/Patient/$everything", fg_rest_everything_post},
    {FG_GET, "/fhir/{type}", fg_rest_search_get},
    {FG_POST, "/fhir/{type}", fg_rest_create},
    {FG_GET, "/fhir/{type}/_search", fg_rest_search_get},
    {FG_POST, "/fhir/{type}/_search", fg_rest_search_post},
    {FG_GET, "/fhir/{type}/_history", fg_rest_history_type},
    {FG_GET, "/fhir/DocumentReference/$docref", fg_rest_docref_get},
    {FG_POST, "/fhir/DocumentReference/$docref", fg_rest_docref_post},
    {FG_GET, "/fhir/{type}/{id}", fg_rest_read},
    {FG_PUT, "/fhir/{type}/{id}", fg_rest_update},
    {FG_DELETE, "/fhir/{type}/{id}", fg_rest_delete},
    {FG_PATCH, "/fhir/{type}/{id}", fg_rest_patch},
    {FG_PUT, "/fhir/{type}", fg_rest_update_conditional},
    {FG_DELETE, "/fhir/{type}", fg_rest_delete_conditional},
    {FG_PATCH, "/fhir/{type}", fg_rest_patch_conditional},
    {FG_GET, "/fhir/{type}/{id}/_history", fg_rest_history_instance},
    {FG_GET, "/fhir/{type}/{id}/_history/{vid}", fg_rest_vread},
    /* make bench's baseline: the read without authorization; 404 unless
     * bench_endpoints = 1. In this table so it pays the same negotiation
     * and routing as the read it is compared with. */
    {FG_GET, "/_bench/read/{type}/{id}", fg_rest_bench_read},
    /* Fallbacks: unknown type (404) or a known path with another method (405). */
    {FG_GET, "/fhir/{any}", fg_rest_unknown_type},
    {FG_POST, "/fhir/{any}", fg_rest_unknown_type},
    {FG_PUT, "/fhir/{any}", fg_rest_unknown_type},
    {FG_DELETE, "/fhir/{any}", fg_rest_unknown_type},
    {FG_PATCH, "/fhir/{any}", fg_rest_unknown_type},
    {FG_GET, "/fhir/{any}/{any}", fg_rest_unknown_type},
    {FG_POST, "/fhir/{any}/{any}", fg_rest_unknown_type},
    {FG_PUT, "/fhir/{any}/{any}", fg_rest_unknown_type},
    {FG_DELETE, "/fhir/{any}/{any}", fg_rest_unknown_type},
    {FG_PATCH, "/fhir/{any}/{any}", fg_rest_unknown_type},
    {FG_GET, "/fhir/{any}/{any}/{any}", fg_rest_unknown_type},
    {FG_GET, "/fhir/{any}/{any}/{any}/{any}", fg_rest_unknown_type},
};
const size_t fg_routes_count = sizeof fg_routes / sizeof fg_routes[0];
