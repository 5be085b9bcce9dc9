/* validate_internal.h - shared by the validator's parts (validate*.c); not
 * for use outside conformance/. */
#ifndef CONFORMANCE_VALIDATE_INTERNAL_H
#define CONFORMANCE_VALIDATE_INTERNAL_H

#include <stdbool.h>

#include "rules.h"
#include "validate.h"

#define FG_VEXPR_MAX 512

/* One validation run: the report and the FHIRPath of the node being looked
 * at (a stack: push appends, pop restores the length). */
struct fg_vctx {
    struct fg_pool *pool;
    struct fg_validation_report *rep;
    char expr[FG_VEXPR_MAX];
    size_t expr_len;
    int depth;
    enum fg_status oom; /* FG_ENOMEM once an allocation failed */
};

/* Records a finding at the current expression (or at ctx->expr + "." + leaf
 * when leaf is not NULL). Client bytes quoted in messages are made
 * printable ASCII. Over FG_MAX_VALIDATION_ISSUES findings only counts. */
void fg_vissue(struct fg_vctx *ctx, enum fg_vseverity sev, const char *code, const char *leaf,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Expression stack. push_key appends ".key", push_index "[i]". Returns the
 * previous length for pop. */
size_t fg_vexpr_push_key(struct fg_vctx *ctx, const char *key);
size_t fg_vexpr_push_index(struct fg_vctx *ctx, int i);
void fg_vexpr_pop(struct fg_vctx *ctx, size_t len);

/* Table look-ups. */
const struct fg_vbase_type *fg_vbase_find(const char *name);
const struct fg_vbase_elem *fg_vbase_elem_find(const struct fg_vbase_type *t, const char *path,
                                               size_t path_len);
/* true when the space-separated list holds word (of len bytes). */
bool fg_vlist_has(const char *list, const char *word, size_t len);
/* For a choice key "valueQuantity" and element name prefix "value": the type
 * in types ("Quantity string ...") whose capitalised name is the suffix, or
 * NULL. The returned pointer points into types; *type_len its length. */
const char *fg_vchoice_type(const char *types, const char *suffix, size_t *type_len);

/* Primitive formats (validate_types.c): NULL when value is a valid JSON
 * representation of the primitive type, else a static message. */
const char *fg_vprimitive_check(const char *type, size_t type_len, const cJSON *value);
bool fg_vis_primitive(const char *type, size_t type_len);

/* Binding check of one value (code, Coding or CodeableConcept) against an
 * enumerable value set; records an error when it is not in it. */
void fg_vcheck_binding(struct fg_vctx *ctx, int vs_index, const char *type, size_t type_len,
                       const cJSON *value);
/* Is value (a code string, a Coding, or a CodeableConcept with a coding) in
 * the value set? 1 yes, 0 no, -1 the value set is not enumerable here. */
int fg_vvalueset_has(int vs_index, const cJSON *value);
/* Reference target check: the type part of a relative (or absolute) literal
 * reference must be in targets. */
void fg_vcheck_reference_target(struct fg_vctx *ctx, const char *targets, const cJSON *ref);

/* Base walk (validate_base.c): validates a resource object against the base
 * definition of its resourceType. */
void fg_vbase_resource(struct fg_vctx *ctx, const cJSON *resource);

/* Profile rules (validate_profile.c). */
void fg_vprofile_apply(struct fg_vctx *ctx, const struct fg_vprofile *prof, const cJSON *resource);
/* When extension's url names an extension definition we know (us-core-race,
 * ...), applies that definition's rules to it. */
void fg_vprofile_apply_extension(struct fg_vctx *ctx, const cJSON *extension);
/* The profile the resource's type, code and category imply, or NULL
 * (validate_implied.c; the order is fg_validate_implied_profile's). */
const struct fg_vprofile *fg_vprofile_implied(const cJSON *resource);
/* FHIR pattern semantics: every property of pattern is in value (arrays:
 * each pattern item in some value item). */
bool fg_vjson_contains(const cJSON *value, const cJSON *pattern);

#endif
