/* fhir_json.c - Coding / CodeableConcept builders (see fhir_json.h). */
#include "fhir_json.h"

cJSON *fg_json_coding(const char *system, const char *code, const char *display)
{
    cJSON *c = cJSON_CreateObject();
    if (c && (!cJSON_AddStringToObject(c, "system", system) ||
              !cJSON_AddStringToObject(c, "code", code) ||
              (display && !cJSON_AddStringToObject(c, "display", display)))) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

cJSON *fg_json_concept(const char *system, const char *code, const char *display)
{
    cJSON *cc = cJSON_CreateObject();
    cJSON *arr = cc ? cJSON_AddArrayToObject(cc, "coding") : NULL;
    if (!arr || !fg_json_put(arr, NULL, fg_json_coding(system, code, display))) {
        cJSON_Delete(cc);
        return NULL;
    }
    return cc;
}

bool fg_json_put(cJSON *parent, const char *name, cJSON *item)
{
    if (!item)
        return false;
    bool ok = name ? cJSON_AddItemToObject(parent, name, item) : cJSON_AddItemToArray(parent, item);
    if (!ok)
        cJSON_Delete(item);
    return ok;
}
