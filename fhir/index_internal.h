/* index_internal.h - shared between index.c (walking compiled paths) and
 * index_values.c (turning one JSON value into index entries). Not a public
 * contract: only the fhir/index*.c files include it.
 */
#ifndef FHIR_INDEX_INTERNAL_H
#define FHIR_INDEX_INTERNAL_H

#include "index.h"

/* The entries being collected. Array memory belongs to `pool`; when it
 * grows, the old array is left to the pool. */
struct fhir_index_ctx {
    struct fg_pool *pool;
    struct fhir_index_entry *v;
    size_t n, cap;
    enum fg_status st; /* FG_ENOMEM once an allocation failed; then nothing more is added */
};

/* A zeroed new entry for `def`, or NULL (ctx->st set) on no memory. */
struct fhir_index_entry *fhir_index_add(struct fhir_index_ctx *ctx,
                                        const struct fhir_searchparam *def);

/* Adds the entries of one value `node` (never an array) found at the end
 * of a path of `def`; `dt` is the data type the generator resolved there
 * (FHIR_DT_UNKNOWN: decided by the JSON shape). Values that do not fit the
 * parameter type are skipped. Slices borrow from node's tree or the pool. */
void fhir_index_add_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                          const cJSON *node, enum fhir_data_type dt);

/* Parses a Reference.reference (or canonical) string: "Type/id",
 * "Type/id/_history/v", or an absolute URL whose last two segments are a
 * known type and an id (then *url is the whole string without the history
 * part and without a |version). Returns false for "#local", "urn:..." and
 * anything else it cannot place. */
bool fhir_index_parse_reference(struct fg_str ref, struct fg_str *type, struct fg_str *id,
                                struct fg_str *url);

#endif
