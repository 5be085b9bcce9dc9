/* fhir_json.h - small cJSON builders for the FHIR datatypes the generated
 * resources (virtual.h) are made of: Coding, CodeableConcept, and adding a
 * built item to an object or array without leaking it on failure. */
#ifndef FG_FHIR_JSON_H
#define FG_FHIR_JSON_H

#include <cJSON.h>
#include <stdbool.h>

/* {"system","code"[,"display"]}; display may be NULL. Caller owns; NULL on no memory. */
cJSON *fg_json_coding(const char *system, const char *code, const char *display);

/* {"coding":[coding]}. Caller owns; NULL on no memory. */
cJSON *fg_json_concept(const char *system, const char *code, const char *display);

/* Adds item to parent as member name (or to the array parent when name is
 * NULL). Takes ownership of item, also on failure; a NULL item is a failure. */
bool fg_json_put(cJSON *parent, const char *name, cJSON *item);

#endif
