/* imp_gfit_csv.c - Google Takeout "Daily activity metrics" CSV importer (see imp_gfit.h).
 * CSV per RFC 4180 (quoted fields, "" escapes, CRLF or LF). Spec: wearables.md §2.3.
 */
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_mem.h"
#include "imp_gfit.h"
#include "imp_time.h"

#define CSV_CHUNK (64u * 1024u)
#define CSV_MAX_FIELDS 256

struct csv_reader {
    struct imp_src *src;
    struct fg_error *err;
    unsigned char buf[CSV_CHUNK];
    size_t pos, len;
    bool eof;
    uint64_t consumed;
    struct fg_buf rec; /* the current record's field bytes */
    size_t foff[CSV_MAX_FIELDS], flen[CSV_MAX_FIELDS];
    size_t nf;
    unsigned long line, next_line; /* line of the current record; of the next one */
};

static enum fg_status csv_getc(struct csv_reader *cr, int *c)
{
    if (cr->pos == cr->len && !cr->eof) {
        size_t got = 0;
        enum fg_status rc = cr->src->read(cr->src, cr->buf, sizeof cr->buf, &got, cr->err);
        if (rc != FG_OK)
            return rc;
        cr->pos = 0;
        cr->len = got;
        cr->consumed += got;
        cr->eof = got == 0;
    }
    *c = cr->pos < cr->len ? cr->buf[cr->pos++] : -1;
    return FG_OK;
}

static enum fg_status csv_fail(struct csv_reader *cr, const char *what)
{
    return fg_error_set(cr->err, FG_EINVAL, NULL, "daily activity CSV line %lu: %s", cr->line,
                        what);
}

static enum fg_status end_field(struct csv_reader *cr, size_t start)
{
    if (cr->nf == CSV_MAX_FIELDS)
        return csv_fail(cr, "too many columns");
    cr->foff[cr->nf] = start;
    cr->flen[cr->nf] = cr->rec.len - start;
    cr->nf++;
    return FG_OK;
}

/* Reads one record; *got_one is false at the end of input. */
static enum fg_status csv_record(struct csv_reader *cr, bool *got_one)
{
    enum fg_status rc = FG_OK;
    bool quoted = false, any = false;
    size_t start = 0;
    int c;
    fg_buf_reset(&cr->rec);
    cr->nf = 0;
    cr->line = cr->next_line;
    for (;;) {
        rc = csv_getc(cr, &c);
        if (rc != FG_OK)
            return rc;
        if (c < 0) {
            if (quoted)
                return csv_fail(cr, "unterminated quoted field");
            *got_one = any;
            return any ? end_field(cr, start) : FG_OK;
        }
        any = true;
        if (c == '\n')
            cr->next_line++;
        if (quoted) {
            if (c == '"') {
                int d;
                rc = csv_getc(cr, &d);
                if (rc != FG_OK)
                    return rc;
                if (d == '"') {
                    rc = fg_buf_append_char(&cr->rec, '"');
                } else {
                    quoted = false;
                    if (d >= 0)
                        cr->pos--; /* d sits at buf[pos - 1] even after a refill */
                }
            } else {
                rc = fg_buf_append_char(&cr->rec, (char)c);
            }
        } else if (c == '"' && cr->rec.len == start) {
            quoted = true;
        } else if (c == ',') {
            rc = end_field(cr, start);
            start = cr->rec.len;
        } else if (c == '\n') {
            *got_one = true;
            return end_field(cr, start);
        } else if (c != '\r') {
            rc = fg_buf_append_char(&cr->rec, (char)c);
        }
        if (rc == FG_ETOOBIG)
            return csv_fail(cr, "line too long");
        if (rc != FG_OK)
            return rc;
    }
}

static struct fg_str cell(const struct csv_reader *cr, size_t i)
{
    if (i >= cr->nf)
        return fg_str_n("", 0);
    return fg_str_trim(fg_str_n(cr->rec.data ? cr->rec.data + cr->foff[i] : "", cr->flen[i]));
}

struct csv_cols {
    size_t date, steps, ncols;
    bool has_steps;
};

static enum fg_status read_header(struct csv_reader *cr, struct csv_cols *cols)
{
    bool got = false, has_date = false;
    enum fg_status rc = csv_record(cr, &got);
    if (rc != FG_OK)
        return rc;
    if (!got)
        return csv_fail(cr, "empty file");
    cols->ncols = cr->nf;
    for (size_t i = 0; i < cr->nf; i++) {
        struct fg_str h = cell(cr, i);
        if (i == 0 && fg_str_starts_with(h, "\xef\xbb\xbf"))
            h = fg_str_n(h.ptr + 3, h.len - 3);
        if (fg_str_eq_c(h, "Date")) {
            cols->date = i;
            has_date = true;
        } else if (fg_str_eq_c(h, "Step count")) {
            cols->steps = i;
            cols->has_steps = true;
        }
    }
    if (!has_date)
        return csv_fail(cr, "no \"Date\" column: not a Daily activity metrics file");
    return FG_OK;
}

static enum fg_status emit_day(struct csv_reader *cr, const struct imp_options *opts,
                               imp_emit_fn emit, void *ctx, struct imp_report *r,
                               struct fg_str date, struct fg_str steps)
{
    char val[IMP_VALUE_MAX], day[11];
    double v = 0;
    if (imp_map_value(NULL, steps, val, &v) != FG_OK || val[0] == '-' || strchr(val, '.'))
        return csv_fail(cr, "Step count is not a whole number");
    memcpy(day, date.ptr, 10);
    day[10] = '\0';
    struct imp_measurement m;
    memset(&m, 0, sizeof m);
    m.source = IMP_SRC_GFIT_DAILY;
    m.measure = imp_map_measure(IMP_M_STEPS_DAILY);
    m.source_type = FG_STR_LIT("Step count");
    m.source_name = FG_STR_LIT("google-fit-daily");
    m.start = day;
    m.key_start = m.key_end = date;
    m.ucum = "/d";
    m.unit_display = "steps per day";
    m.value = v;
    m.key_unit = FG_STR_LIT("/d");
    m.key_value = steps;
    m.daily = true;
    return imp_run_emit(opts, emit, ctx, &m, r, cr->err);
}

enum fg_status imp_gfit_daily_csv_src(struct imp_src *src, const struct imp_options *opts,
                                      imp_emit_fn emit, void *ctx, struct imp_report *r,
                                      struct fg_error *err)
{
    struct csv_cols cols = {0, 0, 0, false};
    struct csv_reader *cr = fg_calloc(1, sizeof *cr);
    enum fg_status rc;
    imp_report_init(r);
    if (!cr)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    cr->src = src;
    cr->err = err;
    cr->next_line = 1;
    fg_buf_init(&cr->rec, IMP_MAX_CSV_LINE);
    rc = read_header(cr, &cols);
    for (bool got = true; rc == FG_OK;) {
        rc = csv_record(cr, &got);
        if (rc != FG_OK || !got)
            break;
        if (cr->nf == 1 && cell(cr, 0).len == 0)
            continue; /* blank line */
        if (cr->nf > cols.ncols) {
            rc = csv_fail(cr, "more cells than header columns");
            break;
        }
        struct fg_str date = cell(cr, cols.date);
        if (imp_time_check_date(date) != FG_OK) {
            rc = csv_fail(cr, "Date is not YYYY-MM-DD");
            break;
        }
        struct fg_str steps = cols.has_steps ? cell(cr, cols.steps) : fg_str_n("", 0);
        if (steps.len) /* an empty cell is "no data", not zero */
            rc = emit_day(cr, opts, emit, ctx, r, date, steps);
        r->bytes = cr->consumed;
        if (opts->progress)
            opts->progress(opts->progress_ctx, cr->consumed, src->total);
    }
    if (rc == FG_ENOMEM)
        fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    r->bytes = cr->consumed;
    fg_buf_cleanup(&cr->rec);
    fg_free(cr);
    return rc;
}

enum fg_status imp_gfit_daily_csv_mem(const void *data, size_t len, const struct imp_options *opts,
                                      imp_emit_fn emit, void *ctx, struct imp_report *r,
                                      struct fg_error *err)
{
    return imp_run_mem(imp_gfit_daily_csv_src, data, len, opts, emit, ctx, r, err);
}

enum fg_status imp_gfit_daily_csv_file(const char *path, const struct imp_options *opts,
                                       imp_emit_fn emit, void *ctx, struct imp_report *r,
                                       struct fg_error *err)
{
    return imp_run_file(imp_gfit_daily_csv_src, path, opts, emit, ctx, r, err);
}
