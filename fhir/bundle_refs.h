/* bundle_refs.h - resolving a transaction's placeholder references.
 *
 * In a transaction, an entry created with POST may be named by a
 * placeholder fullUrl ("urn:uuid:..." or "urn:oid:...") and other entries
 * refer to it by that name. The server assigns the new ids first, then
 * rewrites every Reference.reference that names a placeholder to
 * "<Type>/<new id>" before anything is stored.
 * Spec: http://hl7.org/fhir/R4/http.html#trules
 */
#ifndef FHIR_BUNDLE_REFS_H
#define FHIR_BUNDLE_REFS_H

#include <stddef.h>

#include <cJSON.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

/* One placeholder and what it stands for. Slices borrowed. */
struct fhir_ref_alias {
    struct fg_str from; /* "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a" */
    struct fg_str to;   /* "Patient/7f0c..." */
};

/* True for a placeholder name: "urn:uuid:" or "urn:oid:" and more. */
bool fhir_ref_is_placeholder(struct fg_str s);

/* Sorts aliases by `from` so fhir_ref_rewrite can look them up; finds a
 * duplicate `from` and returns its index in *dup (FG_ECONFLICT), else FG_OK. */
enum fg_status fhir_ref_aliases_sort(struct fhir_ref_alias *aliases, size_t n, size_t *dup);

/* Rewrites, anywhere below node (any depth: contained resources, nested
 * elements, extensions), each string member named "reference" whose value
 * is the `from` of one of the (sorted) aliases to its `to`. Borrows node
 * and modifies it; *n_rewritten (may be NULL) counts the changes.
 * FG_ENOMEM only. A placeholder with no alias is left as it is (the caller
 * decides whether that is an error: see fhir_ref_find_unresolved).
 * @test tests/unit/fhir/bundle_refs_test.c */
enum fg_status fhir_ref_rewrite(cJSON *node, const struct fhir_ref_alias *aliases, size_t n,
                                size_t *n_rewritten);

/* Finds a "reference" member below node that is still a placeholder;
 * returns it (borrowed from node) or NULL. */
const char *fhir_ref_find_unresolved(const cJSON *node);

#endif
