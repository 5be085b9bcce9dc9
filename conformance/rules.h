/* rules.h - the shape of the generated validation tables (conformance/uscore_rules.c).
 *
 * Facts only, derived by scripts/gen-uscore-rules.mjs from the FHIR R4 base
 * StructureDefinitions and the US Core 7.0.0 package (with the ONC kit's
 * patches): element paths, cardinalities, types, reference targets, fixed and
 * pattern values (as compact JSON text), required bindings with their
 * enumerated codes, slices and Must Support flags.
 * Spec: http://hl7.org/fhir/R4/elementdefinition.html,
 *       http://hl7.org/fhir/us/core/STU7/profiles-and-extensions.html
 * Everything here is static const data: tables are read-only and shared.
 */
#ifndef CONFORMANCE_RULES_H
#define CONFORMANCE_RULES_H

#include <stddef.h>

#define FG_VMAX_UNBOUNDED 0xffffu /* max = "*" */
#define FG_VNO_BINDING (-1)

/* One element of an R4 base type (resource or complex datatype). */
struct fg_vbase_elem {
    const char *path;     /* "Observation.value[x]", "Quantity.code" */
    unsigned short min;
    unsigned short max;   /* FG_VMAX_UNBOUNDED for "*" */
    const char *types;    /* space-separated type codes ("Quantity string"),
                           * "BackboneElement"/"Element" when children are
                           * inline, or "#Questionnaire.item" for a
                           * contentReference */
    const char *targets;  /* Reference target types, space-separated; NULL = any */
    short binding;        /* index into fg_vvaluesets of a required binding, or -1 */
};

enum fg_vkind {
    FG_VKIND_PRIMITIVE,
    FG_VKIND_COMPLEX,
    FG_VKIND_RESOURCE
};

struct fg_vbase_type {
    const char *name;
    enum fg_vkind kind;
    const struct fg_vbase_elem *elems; /* in snapshot order; root element first */
    size_t n_elems;
};

/* A required binding's value set: codes as "system|code", sorted by strcmp.
 * enumerable == 0: filter- or external-based (VSAC, all of LOINC, ...), not
 * checked. */
struct fg_vvalueset {
    const char *url;
    int enumerable;
    const char *const *codes;
    size_t n_codes;
};

#define FG_VRULE_MUST_SUPPORT 0x01u
#define FG_VRULE_CLOSED 0x02u     /* slicing rules = closed */
#define FG_VRULE_TYPE_SLICE 0x04u /* a choice-type slice: value[x]:valueQuantity */

/* One constrained element of a profile. Only elements that add something
 * over the base are listed (a tighter min or max, narrowed types or
 * targets, fixed / pattern, a different required binding, a slice, or Must
 * Support). */
struct fg_vrule {
    const char *id;          /* element id: "Observation.component:systolic.value[x].code" */
    unsigned short min;      /* 0 = nothing over the base */
    unsigned short max;      /* FG_VMAX_UNBOUNDED = nothing over the base */
    const char *types;       /* allowed types when narrowed, else NULL */
    const char *targets;     /* allowed Reference target types when narrowed, else NULL */
    const char *fixed;       /* JSON text or NULL: value must equal */
    const char *pattern;     /* JSON text or NULL: value must contain */
    const char *slice_match; /* slices: JSON a member must contain; NULL if unknown */
    short binding;           /* required binding added by the profile, or -1 */
    unsigned char flags;     /* FG_VRULE_* */
};

/* A fact that recognises a resource of a profile (fg_vprofile.imply_code /
 * imply_category): a CodeableConcept with a coding of this system and code,
 * or, when vs >= 0, with a coding from value set vs of fg_vvaluesets. */
struct fg_vfact {
    const char *system; /* NULL when vs >= 0 */
    const char *code;
    short vs;
};

struct fg_vprofile {
    const char *url;
    const char *version;
    const char *type;     /* resource type */
    const char *name;     /* the profile id, e.g. "us-core-heart-rate" */
    const struct fg_vrule *rules;
    size_t n_rules;
    /* How to recognise a resource of this profile without meta.profile:
     * imply_code: code matches one of them; imply_category: for each of them
     * some category matches. NULL / 0 = no such fact. score orders
     * candidates (code pattern 4, code from a value set 3, required category
     * slice 2 each,
     * optional category slice 1); 0 = no facts (implied only as its type's
     * only profile); -1 = never implied (a profile for a kind of its type the
     * package gives no facts for: us-core-implantable-device). */
    const struct fg_vfact *imply_code;
    size_t n_imply_code;
    const struct fg_vfact *imply_category;
    size_t n_imply_category;
    int score;
};

extern const struct fg_vbase_type fg_vbase_types[];
extern const size_t fg_vbase_types_len;
extern const struct fg_vvalueset fg_vvaluesets[];
extern const size_t fg_vvaluesets_len;
extern const struct fg_vprofile fg_vprofiles[];
extern const size_t fg_vprofiles_len;

#endif
