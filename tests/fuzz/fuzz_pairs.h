/* fuzz_pairs.h - the fuzz input as query pairs, for targets of operations
 * that take their parameters as a query string (everything, docref,
 * bulk_params).
 *
 * Splits the bytes at '&' and then at the first '=' (no '=': the value is
 * FG_STR_NULL), WITHOUT URL-decoding, so the target sees raw bytes where the
 * server would see decoded ones. Fills at most max pairs (the rest of the
 * input is ignored); the pairs point into data. Returns the count. */
#ifndef FG_FUZZ_PAIRS_H
#define FG_FUZZ_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "core/fg_str.h"
#include "fhir/search.h"

static inline size_t fuzz_split_pairs(const uint8_t *data, size_t size, struct fhir_kv *kv,
                                      size_t max)
{
    size_t n = 0;
    struct fg_str rest = fg_str_n((const char *)data, size), item, name, value;
    while (rest.len && n < max) {
        fg_str_split(rest, '&', &item, &rest);
        if (!fg_str_split(item, '=', &name, &value))
            value = FG_STR_NULL;
        kv[n++] = (struct fhir_kv){name, value};
    }
    return n;
}

#endif
