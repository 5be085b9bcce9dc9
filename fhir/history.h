/* history.h - the position of a history page: the key of the version a
 * page continues from, and its text form in the _page parameter of the
 * next and previous links of a history Bundle.
 * http://hl7.org/fhir/R4/http.html#history , #paging
 *
 * History lists versions newest first, ordered by (lastUpdated, type, id,
 * version), all descending. A page after key K holds the versions before
 * K in that order; a backward page the versions after K. Versions written
 * later are newer than every key already handed out, so later pages never
 * shift while data changes. The text is
 *   ("n" | "p") lastUpdated-microseconds "~" version "~" type "~" id
 * ('~' occurs in neither a type nor an id). It only says where to
 * continue: what a client may see is decided as for any history read.
 */
#ifndef FHIR_HISTORY_H
#define FHIR_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"

struct fhir_history_key {
    bool backward;            /* "p": the page before (newer than) the key */
    int64_t last_updated_us;
    int64_t version;
    struct fg_str type;       /* borrowed from the parsed text */
    struct fg_str id;
};

/* Parses a _page value. FG_EINVAL (expression "_page") on anything else:
 * a bad prefix, a number out of range, an unknown type, an invalid id.
 * @test tests/unit/fhir/history_test.c, tests/fuzz/history_key_fuzz.c */
enum fg_status fhir_history_key_parse(struct fg_str text, struct fhir_history_key *out,
                                      struct fg_error *err);
/* Appends the text of k to out (FG_ETOOBIG past out's limit). */
enum fg_status fhir_history_key_write(const struct fhir_history_key *k, struct fg_buf *out);

#endif
