/* imp_gfit.c - Google Takeout "All Data" JSON importer (see imp_gfit.h).
 * Spec: ../shared/docs/wearables.md §2.2; Takeout layout from real exports.
 */
#include "imp_gfit.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "imp_json.h"
#include "imp_time.h"

#define GFIT_MAX_VALUES 8
#define GFIT_KEY_MAX 64

enum gfit_field { PF_TYPE = 0, PF_ORIGIN, PF_START, PF_END, PF_COUNT };

/* One data point: its strings in a capped arena, values by position. */
struct gfit_point {
    struct fg_buf arena;
    size_t off[PF_COUNT], len[PF_COUNT];
    bool set[PF_COUNT];
    size_t voff[GFIT_MAX_VALUES], vlen[GFIT_MAX_VALUES];
    bool vset[GFIT_MAX_VALUES];
    unsigned long line;
};

struct gfit_parser {
    struct imp_json_lex lx;
    const struct imp_options *opts;
    imp_emit_fn emit;
    void *ctx;
    struct imp_report *r;
    struct fg_error *err;
    struct fg_buf stream; /* the file's "Data Source" */
    bool have_stream;
    const char *skip_reason; /* non-NULL: every point of this stream is skipped */
    struct gfit_point pt;
    char key[GFIT_KEY_MAX]; /* the member name just read ("" when longer) */
};

/* ---- small JSON walking helpers ---- */

static enum fg_status expect(struct gfit_parser *st, enum imp_json_tok want, const char *what)
{
    enum imp_json_tok t;
    enum fg_status rc = imp_json_next(&st->lx, &t);
    if (rc == FG_OK && t != want)
        rc = imp_json_error(&st->lx, what);
    return rc;
}

/* Reads the next member of an object: ',' or '}' (not before the first), the key (copied to
 * st->key) and ':'. *done at '}'. */
static enum fg_status next_member(struct gfit_parser *st, bool *first, bool *done)
{
    enum imp_json_tok t;
    enum fg_status rc = imp_json_next(&st->lx, &t);
    *done = false;
    if (rc != FG_OK)
        return rc;
    if (t == IMP_JT_OBJ_CLOSE) {
        *done = true;
        return FG_OK;
    }
    if (!*first) {
        if (t != IMP_JT_COMMA)
            return imp_json_error(&st->lx, "',' or '}' expected");
        rc = imp_json_next(&st->lx, &t);
        if (rc != FG_OK)
            return rc;
    }
    *first = false;
    if (t != IMP_JT_STRING)
        return imp_json_error(&st->lx, "an object key was expected");
    struct fg_str k = fg_buf_str(&st->lx.text);
    if (k.len < sizeof st->key) {
        memcpy(st->key, k.ptr, k.len);
        st->key[k.len] = '\0';
    } else {
        st->key[0] = '\0';
    }
    return expect(st, IMP_JT_COLON, "':' expected");
}

/* Reads the first token of the next array element into *t; *done at ']'. */
static enum fg_status next_elem(struct gfit_parser *st, bool *first, bool *done,
                                enum imp_json_tok *t)
{
    enum fg_status rc = imp_json_next(&st->lx, t);
    *done = false;
    if (rc != FG_OK)
        return rc;
    if (*t == IMP_JT_ARR_CLOSE) {
        *done = true;
        return FG_OK;
    }
    if (!*first) {
        if (*t != IMP_JT_COMMA)
            return imp_json_error(&st->lx, "',' or ']' expected");
        rc = imp_json_next(&st->lx, t);
        if (rc != FG_OK)
            return rc;
    }
    *first = false;
    return FG_OK;
}

static enum fg_status value_token(struct gfit_parser *st, enum imp_json_tok *t)
{
    return imp_json_next(&st->lx, t);
}

/* ---- data points ---- */

static enum fg_status pt_store(struct gfit_parser *st, size_t *off, size_t *len)
{
    struct fg_str v = fg_buf_str(&st->lx.text);
    *off = st->pt.arena.len;
    *len = v.len;
    enum fg_status rc = fg_buf_append(&st->pt.arena, v.ptr, v.len);
    if (rc == FG_OK)
        rc = fg_buf_append_char(&st->pt.arena, '\0');
    if (rc == FG_ETOOBIG)
        return imp_json_error(&st->lx, "data point too large");
    return rc;
}

static struct fg_str pt_get(const struct gfit_point *p, size_t off, size_t len)
{
    return fg_str_n(p->arena.data + off, len);
}

static enum fg_status pt_field(struct gfit_parser *st, enum gfit_field f, enum imp_json_tok t)
{
    if (t != IMP_JT_STRING && !(t == IMP_JT_NUMBER && (f == PF_START || f == PF_END)))
        return imp_json_skip(&st->lx, t);
    st->pt.set[f] = true;
    return pt_store(st, &st->pt.off[f], &st->pt.len[f]);
}

/* {"fpVal": 1.5} or {"intVal": 3}: stores the number at position i; other kinds are skipped. */
static enum fg_status parse_typed_value(struct gfit_parser *st, size_t i)
{
    bool first = true, done = false;
    enum fg_status rc;
    for (;;) {
        rc = next_member(st, &first, &done);
        if (rc != FG_OK || done)
            break;
        enum imp_json_tok t;
        bool numeric = strcmp(st->key, "fpVal") == 0 || strcmp(st->key, "intVal") == 0;
        rc = value_token(st, &t);
        if (rc != FG_OK)
            return rc;
        if (numeric && t == IMP_JT_NUMBER && i < GFIT_MAX_VALUES) {
            st->pt.vset[i] = true;
            rc = pt_store(st, &st->pt.voff[i], &st->pt.vlen[i]);
        } else {
            rc = imp_json_skip(&st->lx, t);
        }
        if (rc != FG_OK)
            return rc;
    }
    return rc;
}

/* Takeout: "fitValue": [{"value": {"fpVal": ...}}, ...]; REST: "value": [{"fpVal": ...}]. */
static enum fg_status parse_values(struct gfit_parser *st, bool takeout)
{
    bool first = true, done = false;
    enum imp_json_tok t;
    enum fg_status rc;
    for (size_t i = 0;; i++) {
        rc = next_elem(st, &first, &done, &t);
        if (rc != FG_OK || done)
            break;
        if (t != IMP_JT_OBJ_OPEN)
            return imp_json_error(&st->lx, "a value object was expected");
        if (!takeout) {
            rc = parse_typed_value(st, i);
        } else {
            bool f2 = true, d2 = false;
            while (rc == FG_OK) {
                rc = next_member(st, &f2, &d2);
                if (rc != FG_OK || d2)
                    break;
                bool is_value = strcmp(st->key, "value") == 0;
                rc = value_token(st, &t);
                if (rc != FG_OK)
                    break;
                rc = is_value && t == IMP_JT_OBJ_OPEN ? parse_typed_value(st, i)
                                                      : imp_json_skip(&st->lx, t);
            }
        }
        if (rc != FG_OK)
            return rc;
    }
    return rc;
}

static void pt_reset(struct gfit_point *p, unsigned long line)
{
    fg_buf_reset(&p->arena);
    memset(p->set, 0, sizeof p->set);
    memset(p->vset, 0, sizeof p->vset);
    p->line = line;
}

static enum fg_status point_time(struct gfit_parser *st, enum gfit_field f, int64_t *ns)
{
    const struct gfit_point *p = &st->pt;
    if (!p->set[f] || imp_time_parse_nanos(pt_get(p, p->off[f], p->len[f]), ns) != FG_OK)
        return fg_error_set(st->err, FG_EINVAL, NULL,
                            "Takeout JSON line %lu: %s is missing or not an integer", p->line,
                            f == PF_START ? "startTimeNanos" : "endTimeNanos");
    return FG_OK;
}

/* Joins the present positional values with '/' for the identifier key. */
static enum fg_status key_values(const struct gfit_point *p, char *out, size_t cap, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < GFIT_MAX_VALUES; i++) {
        if (!p->vset[i])
            continue;
        if (k + p->vlen[i] + 2 > cap)
            return FG_ETOOBIG;
        if (k)
            out[k++] = '/';
        memcpy(out + k, p->arena.data + p->voff[i], p->vlen[i]);
        k += p->vlen[i];
    }
    *n = k;
    return FG_OK;
}

static enum fg_status emit_point(struct gfit_parser *st)
{
    const struct gfit_point *p = &st->pt;
    struct fg_str type =
        p->set[PF_TYPE] ? pt_get(p, p->off[PF_TYPE], p->len[PF_TYPE]) : fg_str_n("", 0);
    const struct imp_map_row *row = NULL;
    if (st->skip_reason) {
        imp_report_skip(st->r, type, st->skip_reason);
        return FG_OK;
    }
    if (imp_map_gfit(type, fg_buf_str(&st->stream), &row) != FG_OK) {
        imp_report_skip(st->r, type, "no LOINC mapping for this type");
        return FG_OK;
    }
    bool panel = row->measure == IMP_M_BP_PANEL;
    if (!p->vset[0] || (panel && !p->vset[1])) {
        imp_report_skip(st->r, type, "data point without its value");
        return FG_OK;
    }
    int64_t s, e;
    enum fg_status rc = point_time(st, PF_START, &s);
    if (rc == FG_OK)
        rc = point_time(st, PF_END, &e);
    if (rc != FG_OK)
        return rc;
    if (e < s)
        return fg_error_set(st->err, FG_EINVAL, NULL,
                            "Takeout JSON line %lu: endTimeNanos is before startTimeNanos",
                            p->line);
    char sf[IMP_TIME_MAX], ef[IMP_TIME_MAX], sk[24], ek[24], kv[256], val[IMP_VALUE_MAX];
    size_t kvn = 0;
    imp_time_format_nanos(s, sf);
    imp_time_format_nanos(e, ef);
    int n1 = snprintf(sk, sizeof sk, "%lld", (long long)s);
    int n2 = snprintf(ek, sizeof ek, "%lld", (long long)e);
    if (n1 < 0 || (size_t)n1 >= sizeof sk || n2 < 0 || (size_t)n2 >= sizeof ek ||
        key_values(p, kv, sizeof kv, &kvn) != FG_OK)
        return fg_error_set(st->err, FG_EINVAL, NULL, "Takeout JSON line %lu: values too long",
                            p->line);
    struct imp_measurement m;
    memset(&m, 0, sizeof m);
    m.source = IMP_SRC_GFIT;
    m.measure = imp_map_measure(row->measure);
    m.source_type = type;
    m.source_name = p->set[PF_ORIGIN] ? pt_get(p, p->off[PF_ORIGIN], p->len[PF_ORIGIN])
                                      : fg_buf_str(&st->stream);
    m.start = sf;
    m.end = ef;
    m.key_start = fg_str_c(sk);
    m.key_end = fg_str_c(ek);
    m.ucum = row->ucum;
    m.unit_display = row->unit_display;
    m.key_unit = fg_str_c(row->ucum);
    m.key_value = fg_str_n(kv, kvn);
    for (size_t i = 0; i < (panel ? 2u : 1u); i++) {
        double v = 0;
        if (imp_map_value(row, pt_get(p, p->voff[i], p->vlen[i]), val, &v) != FG_OK)
            return fg_error_set(st->err, FG_EINVAL, NULL,
                                "Takeout JSON line %lu: value out of range", p->line);
        if (!panel)
            m.value = v;
        else if (i == 0)
            m.systolic = v;
        else
            m.diastolic = v;
    }
    m.has_systolic = m.has_diastolic = panel;
    return imp_run_emit(st->opts, st->emit, st->ctx, &m, st->r, st->err);
}

static enum fg_status parse_point(struct gfit_parser *st)
{
    static const struct {
        const char *key;
        enum gfit_field f;
    } fields[] = {{"dataTypeName", PF_TYPE},
                  {"originDataSourceId", PF_ORIGIN},
                  {"startTimeNanos", PF_START},
                  {"endTimeNanos", PF_END}};
    bool first = true, done = false;
    enum fg_status rc;
    pt_reset(&st->pt, st->lx.line);
    for (;;) {
        rc = next_member(st, &first, &done);
        if (rc != FG_OK || done)
            break;
        enum imp_json_tok t;
        rc = value_token(st, &t);
        if (rc != FG_OK)
            return rc;
        bool handled = false;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0] && !handled; i++) {
            if (strcmp(st->key, fields[i].key) == 0) {
                rc = pt_field(st, fields[i].f, t);
                handled = true;
            }
        }
        if (!handled) {
            bool takeout = strcmp(st->key, "fitValue") == 0;
            if ((takeout || strcmp(st->key, "value") == 0) && t == IMP_JT_ARR_OPEN)
                rc = parse_values(st, takeout);
            else
                rc = imp_json_skip(&st->lx, t);
        }
        if (rc != FG_OK)
            return rc;
    }
    return rc == FG_OK ? emit_point(st) : rc;
}

static enum fg_status parse_points(struct gfit_parser *st)
{
    bool first = true, done = false;
    enum imp_json_tok t;
    enum fg_status rc;
    for (;;) {
        rc = next_elem(st, &first, &done, &t);
        if (rc != FG_OK || done)
            break;
        if (t != IMP_JT_OBJ_OPEN)
            return imp_json_error(&st->lx, "a data point object was expected");
        rc = parse_point(st);
        if (rc != FG_OK)
            return rc;
        st->r->bytes = st->lx.consumed;
        if (st->opts->progress)
            st->opts->progress(st->opts->progress_ctx, st->lx.consumed, st->lx.src->total);
    }
    return rc;
}

/* ---- file level ---- */

static const char *stream_skip_reason(struct fg_str s)
{
    if (fg_str_starts_with(s, "raw:"))
        return "raw stream: Google's merged stream holds the same points";
    if (fg_str_starts_with(s, "derived:") &&
        (fg_str_contains(s, ":merge") || fg_str_contains(s, ":resting_heart_rate")))
        return NULL;
    return "derived stream other than Google's merged one";
}

static enum fg_status on_data_source(struct gfit_parser *st, enum imp_json_tok t)
{
    if (t != IMP_JT_STRING)
        return imp_json_error(&st->lx, "\"Data Source\" must be a string");
    fg_buf_reset(&st->stream);
    enum fg_status rc = fg_buf_append_str(&st->stream, fg_buf_str(&st->lx.text));
    if (rc != FG_OK)
        return rc == FG_ETOOBIG ? imp_json_error(&st->lx, "\"Data Source\" too long") : rc;
    st->have_stream = true;
    st->skip_reason = stream_skip_reason(fg_buf_str(&st->stream));
    return FG_OK;
}

static enum fg_status parse_top(struct gfit_parser *st)
{
    bool first = true, done = false, points = false;
    enum fg_status rc = expect(st, IMP_JT_OBJ_OPEN, "a Takeout All Data file is a JSON object");
    while (rc == FG_OK) {
        rc = next_member(st, &first, &done);
        if (rc != FG_OK || done)
            break;
        enum imp_json_tok t;
        rc = value_token(st, &t);
        if (rc != FG_OK)
            break;
        if (strcmp(st->key, "Data Source") == 0) {
            rc = on_data_source(st, t);
        } else if (strcmp(st->key, "Data Points") == 0) {
            if (!st->have_stream)
                return imp_json_error(&st->lx, "\"Data Points\" before \"Data Source\"");
            if (t != IMP_JT_ARR_OPEN)
                return imp_json_error(&st->lx, "\"Data Points\" must be an array");
            points = true;
            rc = parse_points(st);
        } else if (strcmp(st->key, "dataSource") == 0) {
            return imp_json_error(&st->lx, "a Google Fit REST dataSources listing holds no data "
                                           "points; export \"All Data\" from Google Takeout");
        } else {
            rc = imp_json_skip(&st->lx, t);
        }
    }
    if (rc == FG_OK)
        rc = expect(st, IMP_JT_EOF, "data after the end of the JSON object");
    if (rc == FG_OK && !points)
        rc = fg_error_set(st->err, FG_EINVAL, NULL,
                          "not a Google Takeout All Data file (no \"Data Points\")");
    return rc;
}

enum fg_status imp_gfit_parse_src(struct imp_src *src, const struct imp_options *opts,
                                  imp_emit_fn emit, void *ctx, struct imp_report *r,
                                  struct fg_error *err)
{
    struct gfit_parser *st = fg_calloc(1, sizeof *st);
    imp_report_init(r);
    if (!st)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    st->opts = opts;
    st->emit = emit;
    st->ctx = ctx;
    st->r = r;
    st->err = err;
    imp_json_init(&st->lx, src, err, "Takeout JSON");
    fg_buf_init(&st->stream, 1024);
    fg_buf_init(&st->pt.arena, IMP_MAX_ATTR_BYTES);
    enum fg_status rc = parse_top(st);
    if (rc == FG_ENOMEM)
        fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    r->bytes = st->lx.consumed;
    fg_buf_cleanup(&st->pt.arena);
    fg_buf_cleanup(&st->stream);
    imp_json_cleanup(&st->lx);
    fg_free(st);
    return rc;
}

enum fg_status imp_gfit_parse_mem(const void *data, size_t len, const struct imp_options *opts,
                                  imp_emit_fn emit, void *ctx, struct imp_report *r,
                                  struct fg_error *err)
{
    return imp_run_mem(imp_gfit_parse_src, data, len, opts, emit, ctx, r, err);
}

enum fg_status imp_gfit_parse_file(const char *path, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err)
{
    return imp_run_file(imp_gfit_parse_src, path, opts, emit, ctx, r, err);
}
