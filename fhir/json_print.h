/* json_print.h - compact JSON text of a cJSON tree, appended to an fg_buf.
 *
 * The same text as cJSON_PrintUnformatted of Debian's libcjson 1.7.15
 * (member order; numbers as %1.15g, or %1.17g when that does not read back
 * as the same double, integral ones below 1e15 written digit by digit; NaN
 * and infinities as null; raw items verbatim), except that strings are escaped by
 * fg_buf_append_json_string (U+0008 and U+000C as \u0008 / \u000c where
 * cJSON writes \b / \f). Written for the store's write path: one pass, no
 * allocation per value, where cJSON's printer was ~35 instructions a byte.
 */
#ifndef FHIR_JSON_PRINT_H
#define FHIR_JSON_PRINT_H

#include <cJSON.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"

/* Appends item's JSON text to b. FG_EINVAL for an invalid item or nesting
 * deeper than FG_MAX_JSON_PRINT_DEPTH, FG_ETOOBIG / FG_ENOMEM from b; on
 * failure b may hold part of the text (the caller discards it). */
enum fg_status fhir_json_print(const cJSON *item, struct fg_buf *b);

#endif
