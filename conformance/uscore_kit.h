/* uscore_kit.h - the shape of the generated US Core 7.0.0 search and
 * capability table (conformance/uscore_kit.c, by scripts/gen-uscore-kit.mjs).
 *
 * Facts only, from two sources: the ONC (g)(10) test kit's metadata (which
 * searches it runs per profile, the parameters' paths and types, the SHALL
 * comparators, the fixed values it iterates over, multiple-OR, _include and
 * _revinclude) and the US Core 7.0.0 server CapabilityStatement (per resource
 * type: supported profiles, search parameters and combinations with their
 * expectations, includes, operations).
 * Lists are space-separated words in one string ("" = none).
 * Everything here is static const data: read-only and shared.
 * Spec: http://hl7.org/fhir/us/core/STU7/CapabilityStatement-us-core-server.html
 */
#ifndef CONFORMANCE_USCORE_KIT_H
#define CONFORMANCE_USCORE_KIT_H

#include <stddef.h>

/* SHALL comparators of a date parameter (bit set). */
#define FG_KIT_GT 0x01u
#define FG_KIT_GE 0x02u
#define FG_KIT_LT 0x04u
#define FG_KIT_LE 0x08u

struct fg_kit_param {
    const char *name;        /* search parameter code: "patient", "date" */
    const char *type;        /* the element's type as the kit names it: Reference,
                              * CodeableConcept, Coding, code, dateTime, Period,
                              * date, instant, HumanName, Address, Identifier, ... */
    const char *paths;       /* element paths below the resource ("effective", "subject") */
    unsigned comparators;    /* FG_KIT_* that are SHALL */
    int multiple_or;         /* comma OR lists are SHALL */
    const char *values;      /* fixed values the kit iterates over ("" = none) */
};

/* A Must Support item (checklist M-2) as steps below the resource: each
 * step names a child element ("effective[x]" = any effective<Type>) and,
 * for a slice, a JSON array of alternative patterns one of which the child
 * must contain. fixed: JSON the last step's value must equal, or NULL.
 * choice >= 0: items of the group with the same choice count as shown when
 * any of them is (reasonCode or reasonReference). */
struct fg_kit_ms_step {
    const char *name;
    const char *match;
};

struct fg_kit_ms {
    const char *label;       /* the kit's path, slice id or extension id */
    const struct fg_kit_ms_step *steps;
    size_t n_steps;
    const char *fixed;
    int choice;
};

struct fg_kit_group {
    const char *name;        /* "us_core_heart_rate" */
    const char *resource;    /* "Observation" */
    const char *profile;     /* canonical url, no version */
    int required;            /* g10 requires the group */
    int delayed;             /* reached through references, not by patient */
    const char *const *searches; /* SHALL combinations: "patient category date" */
    size_t n_searches;
    const struct fg_kit_param *params;
    size_t n_params;
    const char *includes;    /* "MedicationRequest:medication" */
    const char *revincludes; /* "Provenance:target" */
    const char *operations;  /* SHALL operations: "docref" */
    const char *references;  /* Must Support reference paths: "subject encounter" */
    const struct fg_kit_ms *ms; /* Must Support elements, slices, extensions */
    size_t n_ms;
};

struct fg_kit_cap_param {
    const char *name, *type, *definition, *expectation;
};

struct fg_kit_cap_combo {
    const char *params;      /* "patient category date" */
    const char *expectation; /* SHALL / SHOULD / MAY */
};

struct fg_kit_cap_resource {
    const char *type;
    const char *expectation;
    const char *profiles;    /* supportedProfile canonicals (no version) */
    const struct fg_kit_cap_param *params;
    size_t n_params;
    const struct fg_kit_cap_combo *combos;
    size_t n_combos;
    const char *includes;
    const char *revincludes;
    const char *operation;            /* "docref" or NULL */
    const char *operation_definition; /* its canonical */
    const char *operation_expectation;
};

extern const struct fg_kit_group fg_kit_groups[];
extern const size_t fg_kit_groups_len;
extern const struct fg_kit_cap_resource fg_kit_cap_resources[];
extern const size_t fg_kit_cap_resources_len;
extern const char fg_kit_cap_url[];           /* the US Core server CapabilityStatement */
extern const char fg_kit_docref_definition[]; /* the $docref OperationDefinition */
/* That OperationDefinition from the package as JSON text (narrative left out). */
extern const char fg_kit_docref_opdef[];

#endif
