/* jsonpatch.h - JSON Patch (RFC 6902) with JSON Pointer (RFC 6901) paths,
 * applied to a parsed document; FHIR's PATCH interaction uses it
 * (http://hl7.org/fhir/R4/http.html#patch). FHIRPath Patch is not here.
 *
 * Operations: add, remove, replace, move, copy, test. A pointer is "" (the
 * whole document) or "/"-separated tokens with "~1" for '/' and "~0" for
 * '~'; an array index is a decimal without leading zeros, or "-" (after
 * the last element, for add, move and copy targets).
 *
 * Errors (err->expression names the operation: "/2", "/2/path"):
 *   FG_EINVAL  the patch document is malformed: not an array, an
 *              operation that is not an object, an unknown "op", a missing
 *              or non-string "path"/"from", add/replace/test without
 *              "value", a pointer with bad syntax (400);
 *   FG_EUNPROC the patch is well formed but does not apply: a path that
 *              names nothing, an index out of range, a failed test, a
 *              move into its own child, removing the whole document (422);
 *   FG_ENOMEM  out of memory;
 *   FG_ETOOBIG more than FG_MAX_PATCH_OPS operations.
 * On failure *doc may be partly patched: the caller discards it.
 * @test tests/unit/fhir/jsonpatch_test.c, tests/fuzz/jsonpatch_fuzz.c
 */
#ifndef FHIR_JSONPATCH_H
#define FHIR_JSONPATCH_H

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"

/* Applies `patch` to *doc in place (*doc may be replaced by an operation
 * on the root; the old tree is then freed). pool holds temporary strings. */
enum fg_status fhir_jsonpatch_apply(struct fg_pool *pool, cJSON **doc, const cJSON *patch,
                                    struct fg_error *err);

#endif
