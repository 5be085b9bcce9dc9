/* imp_apple.c - streaming Apple Health export.xml importer on expat (see imp_apple.h).
 * Spec: ../shared/docs/wearables.md §1.2-1.4; expat: https://libexpat.github.io/doc/api/latest/
 */
#include "imp_apple.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "imp_apple_internal.h"
#include "imp_time.h"
#include "imp_zip.h"

#define APPLE_CHUNK (64u * 1024u)

struct apple_parser {
    XML_Parser xp;
    const struct imp_options *opts;
    imp_emit_fn emit;
    void *ctx;
    struct imp_report *r;
    struct fg_error *err;
    enum fg_status rc; /* first failure inside a handler */
    unsigned depth;
    unsigned rec_depth;  /* depth of the open Record, 0 = none */
    unsigned corr_depth; /* depth of the open Correlation, 0 = none */
    unsigned skip_depth; /* depth of a skipped subtree, 0 = none */
    bool corr_is_bp;
    bool saw_root;
    struct apple_rec rec, corr, csys, cdia;
    struct apple_bp bp;
};

/* ---- records ---- */

void apple_rec_init(struct apple_rec *r)
{
    memset(r, 0, sizeof *r);
    fg_buf_init(&r->arena, IMP_MAX_ATTR_BYTES);
}

void apple_rec_reset(struct apple_rec *r)
{
    fg_buf_reset(&r->arena);
    memset(r->set, 0, sizeof r->set);
    r->line = 0;
}

void apple_rec_cleanup(struct apple_rec *r)
{
    fg_buf_cleanup(&r->arena);
    memset(r->set, 0, sizeof r->set);
}

void apple_rec_move(struct apple_rec *dst, struct apple_rec *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
    fg_buf_init(&src->arena, IMP_MAX_ATTR_BYTES);
}

enum fg_status apple_rec_set(struct apple_rec *r, enum apple_field f, const char *v)
{
    size_t n = strlen(v), off = r->arena.len;
    enum fg_status st = fg_buf_append(&r->arena, v, n + 1);
    if (st != FG_OK)
        return st;
    r->off[f] = off;
    r->len[f] = n;
    r->set[f] = true;
    return FG_OK;
}

struct fg_str apple_rec_get(const struct apple_rec *r, enum apple_field f)
{
    if (!r->set[f])
        return fg_str_n("", 0);
    return fg_str_n(r->arena.data + r->off[f], r->len[f]);
}

/* ---- errors ---- */

static void fail(struct apple_parser *st, enum fg_status code, unsigned long line, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static void fail(struct apple_parser *st, enum fg_status code, unsigned long line, const char *fmt,
                 ...)
{
    if (st->rc != FG_OK)
        return;
    char msg[FG_ERROR_DIAG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    /* a truncated message is still a message: keep what fits */
    st->rc = fg_error_set(st->err, code, NULL, "export.xml line %lu: %s", line, msg);
    XML_StopParser(st->xp, XML_FALSE);
}

static void fail_status(struct apple_parser *st, enum fg_status code)
{
    if (code == FG_ENOMEM)
        fail(st, code, XML_GetCurrentLineNumber(st->xp), "out of memory");
    else if (code == FG_ETOOBIG)
        fail(st, code, XML_GetCurrentLineNumber(st->xp), "a record is larger than allowed");
    else if (st->rc == FG_OK) {
        st->rc = code; /* already described (emit / builder) */
        XML_StopParser(st->xp, XML_FALSE);
    }
}

static unsigned long line_of(struct apple_parser *st)
{
    return (unsigned long)XML_GetCurrentLineNumber(st->xp);
}

void apple_skip(struct apple_parser *st, struct fg_str type, const char *reason)
{
    imp_report_skip(st->r, type, reason);
}

/* ---- building measurements ---- */

struct apple_times {
    char sf[IMP_TIME_MAX], su[IMP_TIME_MAX], ef[IMP_TIME_MAX], eu[IMP_TIME_MAX];
};

static enum fg_status parse_times(struct apple_parser *st, const struct apple_rec *rec,
                                  struct apple_times *t)
{
    int64_t s, e;
    struct fg_str start = apple_rec_get(rec, AF_START), end = apple_rec_get(rec, AF_END);
    for (int i = 0; i < 2; i++) {
        struct fg_str v = i ? end : start;
        if (imp_time_apple(v, i ? t->ef : t->sf, i ? t->eu : t->su, i ? &e : &s) == FG_OK)
            continue;
        if (imp_time_is_legacy(v))
            fail(st, FG_EINVAL, rec->line,
                 "legacy 2015 Apple Health export format (date \"%.*s\"); not supported, "
                 "export again from a current iPhone",
                 (int)v.len, v.ptr);
        else
            fail(st, FG_EINVAL, rec->line, "%s \"%.*s\" is not \"YYYY-MM-DD HH:MM:SS +HHMM\"",
                 i ? "endDate" : "startDate", (int)(v.len > 40 ? 40 : v.len), v.ptr);
        return FG_EINVAL;
    }
    if (e < s) {
        fail(st, FG_EINVAL, rec->line, "endDate is before startDate");
        return FG_EINVAL;
    }
    return FG_OK;
}

static void set_device(struct imp_measurement *m, const struct apple_rec *rec)
{
    if (imp_obs_parse_hkdevice(apple_rec_get(rec, AF_DEVICE), &m->device) == FG_OK) {
        m->has_device = true;
        return;
    }
    struct fg_str name = apple_rec_get(rec, AF_DEV_NAME), mfr = apple_rec_get(rec, AF_DEV_MFR);
    if (name.len == 0)
        return; /* a contained Device SHALL have a deviceName */
    memset(&m->device, 0, sizeof m->device);
    m->device.name = name;
    m->device.manufacturer = mfr;
    m->has_device = true;
}

static void base_measurement(struct imp_measurement *m, const struct apple_rec *hdr,
                             const struct apple_times *t)
{
    memset(m, 0, sizeof *m);
    m->source = IMP_SRC_APPLE;
    m->source_name = apple_rec_get(hdr, AF_SOURCE);
    m->start = t->sf;
    m->end = t->ef;
    m->key_start = fg_str_c(t->su);
    m->key_end = fg_str_c(t->eu);
    m->sync_id = apple_rec_get(hdr, AF_SYNC);
    set_device(m, hdr);
}

enum fg_status apple_emit_record(struct apple_parser *st, const struct apple_rec *rec)
{
    const struct imp_map_row *row = NULL;
    struct fg_str type = apple_rec_get(rec, AF_TYPE), unit = apple_rec_get(rec, AF_UNIT);
    enum fg_status rc = imp_map_apple(type, unit, &row, NULL);
    if (rc == FG_ENOTFOUND) {
        apple_skip(st, type, "no LOINC mapping for this type");
        return FG_OK;
    }
    if (rc != FG_OK) {
        apple_skip(st, type, "unit has no UCUM mapping");
        return FG_OK;
    }
    struct apple_times t;
    struct imp_measurement m;
    char val[IMP_VALUE_MAX];
    rc = parse_times(st, rec, &t);
    if (rc != FG_OK)
        return rc;
    base_measurement(&m, rec, &t);
    struct fg_str raw = apple_rec_get(rec, AF_VALUE);
    if (imp_map_value(row, raw, val, &m.value) != FG_OK) {
        fail(st, FG_EINVAL, rec->line, "value \"%.*s\" of %.*s is not a number",
             (int)(raw.len > 40 ? 40 : raw.len), raw.ptr, (int)type.len, type.ptr);
        return FG_EINVAL;
    }
    m.measure = imp_map_measure(row->measure);
    m.source_type = type;
    m.ucum = row->ucum;
    m.unit_display = row->unit_display;
    m.key_unit = unit;
    m.key_value = raw;
    return imp_run_emit(st->opts, st->emit, st->ctx, &m, st->r, st->err);
}

static enum fg_status bp_value(struct apple_parser *st, const struct apple_rec *rec, double *v)
{
    const struct imp_map_row *row = NULL;
    char val[IMP_VALUE_MAX];
    struct fg_str raw = apple_rec_get(rec, AF_VALUE);
    if (imp_map_apple(apple_rec_get(rec, AF_TYPE), apple_rec_get(rec, AF_UNIT), &row, NULL) !=
        FG_OK)
        return FG_ENOTFOUND;
    if (imp_map_value(row, raw, val, v) != FG_OK) {
        fail(st, FG_EINVAL, rec->line, "blood-pressure value \"%.*s\" is not a number",
             (int)(raw.len > 40 ? 40 : raw.len), raw.ptr);
        return FG_EINVAL;
    }
    return FG_OK;
}

enum fg_status apple_emit_panel(struct apple_parser *st, const struct apple_rec *hdr,
                                const struct apple_rec *sys, const struct apple_rec *dia)
{
    struct apple_times t;
    struct imp_measurement m;
    double s = 0, d = 0;
    enum fg_status rc = bp_value(st, sys, &s);
    if (rc == FG_OK)
        rc = bp_value(st, dia, &d);
    if (rc == FG_ENOTFOUND) {
        apple_skip(st, FG_STR_LIT(APPLE_BP_CORRELATION), "unit has no UCUM mapping");
        return FG_OK;
    }
    if (rc == FG_OK)
        rc = parse_times(st, hdr, &t);
    if (rc != FG_OK)
        return rc;
    base_measurement(&m, hdr, &t);
    if (hdr == sys)
        m.sync_id = fg_str_n("", 0); /* paired lone readings: the pair has no sync id */
    if (!m.has_device)
        set_device(&m, sys);
    /* "<systolic>/<diastolic>" as written by the source: the panel's value in the key */
    struct fg_str sv = apple_rec_get(sys, AF_VALUE), dv = apple_rec_get(dia, AF_VALUE);
    char kv[2 * 64 + 2];
    int n = snprintf(kv, sizeof kv, "%.*s/%.*s", (int)(sv.len > 64 ? 64 : sv.len), sv.ptr,
                     (int)(dv.len > 64 ? 64 : dv.len), dv.ptr);
    if (n < 0 || (size_t)n >= sizeof kv)
        return FG_EINVAL;
    m.measure = imp_map_measure(IMP_M_BP_PANEL);
    m.source_type = FG_STR_LIT(APPLE_BP_CORRELATION);
    m.has_systolic = m.has_diastolic = true;
    m.systolic = s;
    m.diastolic = d;
    m.key_unit = apple_rec_get(sys, AF_UNIT);
    m.key_value = fg_str_n(kv, (size_t)n);
    return imp_run_emit(st->opts, st->emit, st->ctx, &m, st->r, st->err);
}

/* ---- expat handlers ---- */

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2) {
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    }
    return NULL;
}

static void begin_rec(struct apple_parser *st, struct apple_rec *rec, const XML_Char **atts,
                      bool is_record)
{
    static const struct {
        const char *name;
        enum apple_field f;
    } map[] = {{"type", AF_TYPE},         {"unit", AF_UNIT},     {"value", AF_VALUE},
               {"sourceName", AF_SOURCE}, {"device", AF_DEVICE}, {"startDate", AF_START},
               {"endDate", AF_END}};
    apple_rec_reset(rec);
    rec->line = line_of(st);
    if (!attr(atts, "sourceName") && attr(atts, "source")) {
        fail(st, FG_EINVAL, rec->line,
             "legacy 2015 Apple Health export format (source= attribute); not supported, "
             "export again from a current iPhone");
        return;
    }
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const char *v = attr(atts, map[i].name);
        enum fg_status rc = v ? apple_rec_set(rec, map[i].f, v) : FG_OK;
        if (rc != FG_OK) {
            fail_status(st, rc);
            return;
        }
    }
    if (!rec->set[AF_TYPE] || !rec->set[AF_START] || !rec->set[AF_END] ||
        (is_record && !rec->set[AF_SOURCE]))
        fail(st, FG_EINVAL, rec->line, "%s without type, sourceName, startDate or endDate",
             is_record ? "Record" : "Correlation");
}

static void metadata(struct apple_parser *st, struct apple_rec *rec, const XML_Char **atts)
{
    const char *k = attr(atts, "key"), *v = attr(atts, "value");
    if (!k || !v)
        return;
    enum apple_field f = AF_COUNT;
    if (strcmp(k, "HKMetadataKeySyncIdentifier") == 0 ||
        (strcmp(k, "HKExternalUUID") == 0 && !rec->set[AF_SYNC]))
        f = AF_SYNC;
    else if (strcmp(k, "HKDeviceName") == 0)
        f = AF_DEV_NAME;
    else if (strcmp(k, "HKDeviceManufacturerName") == 0)
        f = AF_DEV_MFR;
    enum fg_status rc = f == AF_COUNT ? FG_OK : apple_rec_set(rec, f, v);
    if (rc != FG_OK)
        fail_status(st, rc);
}

static void on_top_level(struct apple_parser *st, const XML_Char *name, const XML_Char **atts)
{
    if (strcmp(name, "Record") == 0) {
        st->rec_depth = st->depth;
        begin_rec(st, &st->rec, atts, true);
    } else if (strcmp(name, "Correlation") == 0) {
        st->corr_depth = st->depth;
        apple_rec_reset(&st->csys);
        apple_rec_reset(&st->cdia);
        begin_rec(st, &st->corr, atts, false);
        st->corr_is_bp = fg_str_eq_c(apple_rec_get(&st->corr, AF_TYPE), APPLE_BP_CORRELATION);
    } else if (strcmp(name, "ExportDate") == 0) {
        const char *v = attr(atts, "value");
        if (v && imp_time_is_legacy(fg_str_c(v)))
            fail(st, FG_EINVAL, line_of(st),
                 "legacy 2015 Apple Health export format (ExportDate \"%s\"); not supported, "
                 "export again from a current iPhone",
                 v);
    } else if (strcmp(name, "Me") != 0) {
        st->skip_depth = st->depth;
        apple_skip(st, fg_str_c(name), "not a measurement");
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct apple_parser *st = ud;
    st->depth++;
    if (st->rc != FG_OK)
        return;
    if (st->depth == 1) {
        if (strcmp(name, "HealthData") != 0)
            fail(st, FG_EINVAL, line_of(st), "root element <%.40s> is not <HealthData>", name);
        st->saw_root = true;
        return;
    }
    if (st->rec_depth) {
        if (st->depth == st->rec_depth + 1 && strcmp(name, "MetadataEntry") == 0)
            metadata(st, &st->rec, atts);
        return;
    }
    if (st->corr_depth) {
        if (st->depth != st->corr_depth + 1)
            return;
        if (strcmp(name, "Record") == 0) {
            st->rec_depth = st->depth;
            begin_rec(st, &st->rec, atts, true);
        } else if (strcmp(name, "MetadataEntry") == 0) {
            metadata(st, &st->corr, atts);
        }
        return;
    }
    if (st->skip_depth || st->depth != 2)
        return;
    on_top_level(st, name, atts);
}

static bool rec_is(const struct apple_rec *rec, const char *type)
{
    return fg_str_eq_c(apple_rec_get(rec, AF_TYPE), type);
}

static void end_child_record(struct apple_parser *st)
{
    if (!st->corr_is_bp)
        return; /* children of other correlations (Food) also appear at top level */
    enum fg_status rc = FG_OK;
    if (rec_is(&st->rec, APPLE_SYSTOLIC) || rec_is(&st->rec, APPLE_DIASTOLIC)) {
        rc = apple_bp_note_child(&st->bp, &st->rec);
        struct apple_rec *slot = rec_is(&st->rec, APPLE_SYSTOLIC) ? &st->csys : &st->cdia;
        if (rc == FG_OK && !slot->set[AF_TYPE]) {
            apple_rec_cleanup(slot);
            apple_rec_move(slot, &st->rec);
        }
    }
    if (rc != FG_OK)
        fail_status(st, rc);
}

static void end_top_record(struct apple_parser *st)
{
    enum fg_status rc;
    if (rec_is(&st->rec, APPLE_SYSTOLIC) || rec_is(&st->rec, APPLE_DIASTOLIC)) {
        unsigned long line = st->rec.line;
        rc = apple_bp_hold(&st->bp, &st->rec);
        if (rc == FG_ETOOBIG)
            fail(st, rc, line, "more than %u top-level blood-pressure records", IMP_MAX_BP_PENDING);
    } else {
        rc = apple_emit_record(st, &st->rec);
    }
    if (rc != FG_OK)
        fail_status(st, rc);
}

static void end_correlation(struct apple_parser *st)
{
    enum fg_status rc = FG_OK;
    bool s = st->csys.set[AF_TYPE], d = st->cdia.set[AF_TYPE];
    if (!st->corr_is_bp)
        apple_skip(st, apple_rec_get(&st->corr, AF_TYPE), "no LOINC mapping for this type");
    else if (s && d)
        rc = apple_emit_panel(st, &st->corr, &st->csys, &st->cdia);
    else if (s || d)
        rc = apple_emit_record(st, s ? &st->csys : &st->cdia); /* half a panel: lone reading */
    else
        apple_skip(st, apple_rec_get(&st->corr, AF_TYPE), "correlation without readings");
    if (rc != FG_OK)
        fail_status(st, rc);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct apple_parser *st = ud;
    (void)name;
    if (st->rc == FG_OK) {
        if (st->rec_depth && st->depth == st->rec_depth) {
            st->rec_depth = 0;
            if (st->corr_depth)
                end_child_record(st);
            else
                end_top_record(st);
        } else if (st->corr_depth && st->depth == st->corr_depth) {
            st->corr_depth = 0;
            end_correlation(st);
        } else if (st->skip_depth == st->depth) {
            st->skip_depth = 0;
        }
    }
    st->depth--;
}

/* Billion laughs and XXE both need an entity declaration: refuse every one. */
static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *system_id, const XML_Char *public_id,
                                   const XML_Char *notation)
{
    struct apple_parser *st = ud;
    (void)is_param, (void)value, (void)value_len, (void)base, (void)public_id, (void)notation;
    fail(st, FG_EINVAL, line_of(st),
         "entity declaration \"%.40s\" refused (%s entities are not allowed in an export)", name,
         system_id ? "external" : "XML");
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    struct apple_parser *st = ud;
    (void)name, (void)has_internal_subset;
    if (sysid || pubid)
        fail(st, FG_EINVAL, line_of(st), "external DTD refused");
}

static int XMLCALL on_external_ref(XML_Parser p, const XML_Char *context, const XML_Char *base,
                                   const XML_Char *system_id, const XML_Char *public_id)
{
    struct apple_parser *st = XML_GetUserData(p);
    (void)context, (void)base, (void)system_id, (void)public_id;
    fail(st, FG_EINVAL, line_of(st), "external entity refused");
    return XML_STATUS_ERROR;
}

/* ---- driver ---- */

static enum fg_status feed(struct apple_parser *st, struct imp_src *src)
{
    for (;;) {
        void *buf = XML_GetBuffer(st->xp, (int)APPLE_CHUNK);
        size_t got = 0;
        if (!buf)
            return fg_error_set(st->err, FG_ENOMEM, NULL, "out of memory reading export.xml");
        enum fg_status rc = src->read(src, buf, APPLE_CHUNK, &got, st->err);
        if (rc != FG_OK)
            return rc;
        st->r->bytes += got;
        if (XML_ParseBuffer(st->xp, (int)got, got == 0) != XML_STATUS_OK) {
            if (st->rc != FG_OK)
                return st->rc;
            return fg_error_set(st->err, FG_EINVAL, NULL, "export.xml line %lu: %s",
                                (unsigned long)XML_GetCurrentLineNumber(st->xp),
                                XML_ErrorString(XML_GetErrorCode(st->xp)));
        }
        if (st->rc != FG_OK)
            return st->rc;
        /* expat keeps an unfinished tag in memory: a hostile multi-GB attribute must not */
        XML_Index at = XML_GetCurrentByteIndex(st->xp);
        uint32_t cap = st->opts->max_xml_token ? st->opts->max_xml_token : IMP_MAX_XML_TOKEN;
        if (at >= 0 && st->r->bytes - (uint64_t)at > cap)
            return fg_error_set(st->err, FG_ETOOBIG, NULL,
                                "export.xml line %lu: a tag is larger than %u bytes",
                                (unsigned long)XML_GetCurrentLineNumber(st->xp), cap);
        if (st->opts->progress)
            st->opts->progress(st->opts->progress_ctx, st->r->bytes, src->total);
        if (got == 0)
            return FG_OK;
    }
}

enum fg_status imp_apple_parse_src(struct imp_src *src, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err)
{
    enum fg_status rc = FG_ENOMEM;
    struct apple_parser st;
    memset(&st, 0, sizeof st);
    st.opts = opts;
    st.emit = emit;
    st.ctx = ctx;
    st.r = r;
    st.err = err;
    apple_rec_init(&st.rec);
    apple_rec_init(&st.corr);
    apple_rec_init(&st.csys);
    apple_rec_init(&st.cdia);
    imp_report_init(r);
    st.xp = XML_ParserCreate(NULL);
    if (!st.xp) {
        rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        goto out;
    }
    XML_SetUserData(st.xp, &st);
    XML_SetElementHandler(st.xp, on_start, on_end);
    XML_SetEntityDeclHandler(st.xp, on_entity_decl);
    XML_SetStartDoctypeDeclHandler(st.xp, on_doctype);
    XML_SetExternalEntityRefHandler(st.xp, on_external_ref);
    XML_SetParamEntityParsing(st.xp, XML_PARAM_ENTITY_PARSING_NEVER);
    rc = feed(&st, src);
    if (rc != FG_OK)
        goto out;
    if (!st.saw_root) {
        rc = fg_error_set(err, FG_EINVAL, NULL, "export.xml has no <HealthData> element");
        goto out;
    }
    rc = apple_bp_finish(&st.bp, &st);
out:
    if (st.xp)
        XML_ParserFree(st.xp);
    apple_bp_cleanup(&st.bp);
    apple_rec_cleanup(&st.rec);
    apple_rec_cleanup(&st.corr);
    apple_rec_cleanup(&st.csys);
    apple_rec_cleanup(&st.cdia);
    return rc;
}

enum fg_status imp_apple_parse_mem(const void *data, size_t len, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err)
{
    return imp_run_mem(imp_apple_parse_src, data, len, opts, emit, ctx, r, err);
}

static bool is_zip(const char *path)
{
    unsigned char sig[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(sig, 1, sizeof sig, f);
    fclose(f);
    return n == 4 && memcmp(sig, "PK\x03\x04", 4) == 0;
}

enum fg_status imp_apple_parse_file(const char *path, const struct imp_options *opts,
                                    imp_emit_fn emit, void *ctx, struct imp_report *r,
                                    struct fg_error *err)
{
    struct imp_src src;
    if (is_zip(path)) {
        struct imp_zip *z = NULL;
        imp_report_init(r);
        enum fg_status rc = imp_zip_open_export(path, opts, &z, err);
        if (rc != FG_OK)
            return rc;
        imp_zip_src(z, &src);
        rc = imp_apple_parse_src(&src, opts, emit, ctx, r, err);
        imp_zip_free(&z);
        return rc;
    }
    return imp_run_file(imp_apple_parse_src, path, opts, emit, ctx, r, err);
}
