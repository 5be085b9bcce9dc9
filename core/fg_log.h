/* fg_log.h - JSON-lines logging with named fields only (house style rule 15).
 *
 * Each call writes one line, e.g.
 *   {"time":"2026-11-23T12:00:00.000Z","event":"access","method":"GET",...}
 * There is no printf-style entry point, so a secret can only reach the log
 * if someone names it as a field. Lines from many threads never interleave.
 */
#ifndef FG_LOG_H
#define FG_LOG_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "fg_clock.h"
#include "fg_str.h"

enum fg_log_kind { FG_LOG_STR, FG_LOG_INT };

struct fg_log_field {
    const char *key;
    enum fg_log_kind kind;
    struct fg_str s;
    int64_t i;
};

#define FG_LF_STR(k, v) ((struct fg_log_field){(k), FG_LOG_STR, (v), 0})
#define FG_LF_CSTR(k, v) ((struct fg_log_field){(k), FG_LOG_STR, fg_str_c(v), 0})
#define FG_LF_INT(k, v) ((struct fg_log_field){(k), FG_LOG_INT, FG_STR_NULL, (int64_t)(v)})

struct fg_log {
    FILE *out;              /* borrowed; NULL = logging off */
    const struct fg_clock *clock; /* borrowed */
    pthread_mutex_t lock;
};

/* Embedded init; out and clock are borrowed and must outlive the log. */
void fg_log_init(struct fg_log *log, FILE *out, const struct fg_clock *clock);
void fg_log_cleanup(struct fg_log *log);

/* Writes one line: time, event, then the fields in order. Never fails
 * visibly: a line that cannot be built is dropped. */
void fg_log_write(struct fg_log *log, const char *event, const struct fg_log_field *fields,
                  size_t n_fields);

#endif
