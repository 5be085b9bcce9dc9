/* opdef.c - the server's OperationDefinitions (see opdef.h). */
#include "opdef.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "uscore_kit.h"

/* $import-wearables (issue 6). The input is the export file itself as the request body
 * (Content-Type decides the format), not a Parameters resource: exports are hundreds of MB
 * to several GB and are streamed to disk, which base64 inside JSON would prevent. */
static const char import_wearables[] =
    "{\"resourceType\":\"OperationDefinition\",\"id\":\"import-wearables\","
    "\"version\":\"1.0.0\",\"name\":\"ImportWearables\","
    "\"title\":\"Import a wearable export into a patient's record\",\"status\":\"active\","
    "\"kind\":\"operation\",\"publisher\":\"fhirgate\","
    "\"description\":\"Imports an Apple Health export (export.zip or export.xml) or a Google "
    "Takeout Fit file (an All Data JSON file or Daily activity metrics.csv) as patient-supplied "
    "US Core Observations of the patient (meta.tag us-core-tags|patient-supplied, performer = the "
    "patient, device kept), with one Provenance per batch of up to 1000. The request body IS the "
    "file; its Content-Type says which: application/zip or application/xml (Apple Health), "
    "application/json (Google Takeout All Data), text/csv (Google daily activity metrics). The "
    "file is checked whole before anything is written (a malformed file changes nothing and the "
    "error names the line). Every Observation carries a deterministic identifier, so importing "
    "the same or an overlapping export again creates only what is new. Each Observation must be "
    "writable with the caller's token (e.g. patient/Observation.c for this patient); others are "
    "counted as refused.\","
    "\"affectsState\":true,\"code\":\"import-wearables\","
    "\"resource\":[\"Patient\"],\"system\":false,\"type\":false,\"instance\":true,"
    "\"parameter\":["
    "{\"name\":\"file\",\"use\":\"in\",\"min\":1,\"max\":\"1\",\"type\":\"Binary\","
    "\"documentation\":\"The export file, sent as the raw request body (not inside a Parameters "
    "resource) with its Content-Type.\"},"
    "{\"name\":\"read\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\","
    "\"documentation\":\"Records read from the file (imported and skipped).\"},"
    "{\"name\":\"created\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\"},"
    "{\"name\":\"replaced\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\","
    "\"documentation\":\"Daily totals rewritten because the day has more data now.\"},"
    "{\"name\":\"alreadyPresent\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\"},"
    "{\"name\":\"refused\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\","
    "\"documentation\":\"Observations the token may not write.\"},"
    "{\"name\":\"skipped\",\"use\":\"out\",\"min\":0,\"max\":\"*\","
    "\"documentation\":\"Records not imported, by source type, with the reason.\","
    "\"part\":[{\"name\":\"type\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"string\"},"
    "{\"name\":\"reason\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"string\"},"
    "{\"name\":\"count\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"integer\"}]}]}";

/* Patient $everything (gateway/rest_everything.c, fhir/everything.h): derived from the base
 * definition, saying what this server does with each input. */
static const char patient_everything[] =
    "{\"resourceType\":\"OperationDefinition\",\"id\":\"Patient-everything\","
    "\"version\":\"4.0.1\",\"name\":\"PatientEverything\","
    "\"title\":\"Fetch Patient Record\",\"status\":\"active\",\"kind\":\"operation\","
    "\"publisher\":\"fhirgate\","
    "\"base\":\"http://hl7.org/fhir/OperationDefinition/Patient-everything\","
    "\"description\":\"The patient's record as one paged searchset Bundle: the Patient, every "
    "resource of the R4 Patient compartment, and the resources they reference (Practitioner, "
    "Organization, Location, Medication, ...) and the Provenances that target them, as included "
    "entries, each once per page. Only what the access token may search is returned: types it "
    "does not grant are left out (not refused), granular scopes and portal rules filter as in "
    "search. On the type (Patient/$everything): every patient the token reaches. Paging: "
    "_count and next links (the store's search cursors, type by type).\","
    "\"affectsState\":false,\"code\":\"everything\","
    "\"resource\":[\"Patient\"],\"system\":false,\"type\":true,\"instance\":true,"
    "\"parameter\":["
    "{\"name\":\"start\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"date\","
    "\"documentation\":\"Care date from: applied to each type's clinical date (e.g. "
    "Observation date, Condition onset-date, DocumentReference period); types without one are "
    "not narrowed.\"},"
    "{\"name\":\"end\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"date\","
    "\"documentation\":\"Care date to, as start.\"},"
    "{\"name\":\"_since\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"instant\","
    "\"documentation\":\"Only resources last updated at or after this instant.\"},"
    "{\"name\":\"_type\",\"use\":\"in\",\"min\":0,\"max\":\"*\",\"type\":\"code\","
    "\"documentation\":\"Comma-separated resource types: only these are returned.\"},"
    "{\"name\":\"_count\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"integer\","
    "\"documentation\":\"Matches per page (default 50, at most 1000).\"},"
    "{\"name\":\"return\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"Bundle\","
    "\"documentation\":\"A searchset Bundle.\"}]}";

const struct fg_opdef fg_opdefs[] = {
    {"import-wearables", "import-wearables", "Patient", import_wearables, NULL},
    {"Patient-everything", "everything", "Patient", patient_everything,
     "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
    {"docref", "docref", "DocumentReference", fg_kit_docref_opdef, fg_kit_docref_definition},
};
const size_t fg_opdefs_count = sizeof fg_opdefs / sizeof fg_opdefs[0];

const struct fg_opdef *fg_opdef_find(const char *id, size_t len)
{
    for (size_t i = 0; i < fg_opdefs_count; i++)
        if (strlen(fg_opdefs[i].id) == len && memcmp(fg_opdefs[i].id, id, len) == 0)
            return &fg_opdefs[i];
    return NULL;
}

char *fg_opdef_url(const struct fg_opdef *op, const char *base_url)
{
    size_t n = strlen(base_url) + sizeof "/OperationDefinition/" + strlen(op->id);
    char *url = cJSON_malloc(n);
    int w = url ? snprintf(url, n, "%s/OperationDefinition/%s", base_url, op->id) : -1;
    if (w < 0 || (size_t)w >= n) {
        cJSON_free(url);
        return NULL;
    }
    return url;
}

enum fg_status fg_opdef_write(const struct fg_opdef *op, const char *base_url, struct fg_buf *out)
{
    enum fg_status st = FG_ENOMEM;
    char *text = NULL, *url = NULL;
    cJSON *od = cJSON_Parse(op->json);
    if (od && cJSON_HasObjectItem(od, "url")) { /* a published definition (US Core's $docref) */
        st = fg_buf_append_c(out, op->json);
        goto out;
    }
    url = od ? fg_opdef_url(op, base_url) : NULL;
    if (!url || !cJSON_AddStringToObject(od, "url", url))
        goto out;
    text = cJSON_PrintUnformatted(od);
    if (text)
        st = fg_buf_append_c(out, text);
out:
    cJSON_free(url);
    cJSON_free(text);
    cJSON_Delete(od);
    return st;
}
