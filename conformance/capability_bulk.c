/* capability_bulk.c - Bulk Data operations in the CapabilityStatement (see
 * capability_bulk.h). https://hl7.org/fhir/uv/bulkdata/STU2/OperationDefinition-export.html */
#include "capability_bulk.h"

#include <string.h>

#define BULK_OPDEF "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"

static bool add_export(cJSON *owner, const char *definition)
{
    cJSON *ops = cJSON_GetObjectItemCaseSensitive(owner, "operation");
    if (!ops)
        ops = cJSON_AddArrayToObject(owner, "operation");
    cJSON *o = ops ? cJSON_CreateObject() : NULL;
    if (!o || !cJSON_AddItemToArray(ops, o)) {
        cJSON_Delete(o);
        return false;
    }
    return cJSON_AddStringToObject(o, "name", "export") &&
           cJSON_AddStringToObject(o, "definition", definition);
}

bool fg_capability_bulk_header(cJSON *cs)
{
    cJSON *inst = cJSON_GetObjectItemCaseSensitive(cs, "instantiates");
    if (!inst)
        inst = cJSON_AddArrayToObject(cs, "instantiates");
    cJSON *s = inst ? cJSON_CreateString(FG_BULK_CAPABILITY) : NULL;
    if (!s || !cJSON_AddItemToArray(inst, s)) {
        cJSON_Delete(s);
        return false;
    }
    return true;
}

bool fg_capability_bulk_rest(cJSON *rest)
{
    bool ok = add_export(rest, BULK_OPDEF "export");
    cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rest, "resource"))
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "type");
        if (!ok || !cJSON_IsString(type))
            continue;
        if (strcmp(type->valuestring, "Patient") == 0)
            ok = add_export(r, BULK_OPDEF "patient-export");
        else if (strcmp(type->valuestring, "Group") == 0)
            ok = add_export(r, BULK_OPDEF "group-export");
    }
    return ok;
}
