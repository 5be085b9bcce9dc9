/* fg_log.c - JSON-lines log writer. */
#include "fg_log.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "fg_buf.h"

void fg_log_init(struct fg_log *log, FILE *out, const struct fg_clock *clock)
{
    /* Lines are written with write(2) on the descriptor from now on: flush
     * what stdio still holds so the order is kept. */
    if (out)
        fflush(out);
    log->out = out;
    log->clock = clock;
    pthread_mutex_init(&log->lock, NULL);
}

void fg_log_cleanup(struct fg_log *log)
{
    pthread_mutex_destroy(&log->lock);
}

static enum fg_status append_field(struct fg_buf *b, const struct fg_log_field *f)
{
    enum fg_status st = fg_buf_append_char(b, ',');
    if (st == FG_OK)
        st = fg_buf_append_json_string(b, fg_str_c(f->key));
    if (st == FG_OK)
        st = fg_buf_append_char(b, ':');
    if (st != FG_OK)
        return st;
    if (f->kind == FG_LOG_INT)
        return fg_buf_printf(b, "%lld", (long long)f->i);
    return fg_buf_append_json_string(b, f->s);
}

/* One write(2) per line: lines up to PIPE_BUF bytes never interleave on a
 * pipe, and appends to a file are atomic, so no lock (and no stdio flush) is
 * needed on the request path. Longer lines take the lock. */
static void write_line(struct fg_log *log, const char *p, size_t n)
{
    int fd = fileno(log->out);
    bool locked = n > PIPE_BUF;
    if (locked)
        pthread_mutex_lock(&log->lock);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* a log that cannot be written is dropped, never fatal */
        p += w;
        n -= (size_t)w;
    }
    if (locked)
        pthread_mutex_unlock(&log->lock);
}

void fg_log_write(struct fg_log *log, const char *event, const struct fg_log_field *fields,
                  size_t n_fields)
{
    if (!log || !log->out)
        return;
    char when[FG_INSTANT_MAX];
    struct fg_buf b;
    fg_buf_init(&b, 64 * 1024);
    fg_clock_format_instant(fg_clock_now_us(log->clock), when);
    enum fg_status st = fg_buf_printf(&b, "{\"time\":\"%s\",\"event\":", when);
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(event));
    for (size_t i = 0; st == FG_OK && i < n_fields; i++)
        st = append_field(&b, &fields[i]);
    if (st == FG_OK)
        st = fg_buf_append(&b, "}\n", 2);
    if (st == FG_OK)
        write_line(log, b.data, b.len);
    fg_buf_cleanup(&b);
}
