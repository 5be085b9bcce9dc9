/* imp_run.c - options, emit and report shared by the wearable importers (see imp_run.h). */
#include "imp_run.h"

#include <string.h>
#include <sys/types.h>

void imp_report_init(struct imp_report *r)
{
    memset(r, 0, sizeof *r);
}

void imp_report_skip(struct imp_report *r, struct fg_str type, const char *reason)
{
    r->skipped++;
    size_t n = type.len < sizeof r->skips[0].type - 1 ? type.len : sizeof r->skips[0].type - 1;
    for (size_t i = 0; i < r->nskips; i++) {
        struct imp_skip *s = &r->skips[i];
        if (s->reason == reason && strlen(s->type) == n && memcmp(s->type, type.ptr, n) == 0) {
            s->count++;
            return;
        }
    }
    if (r->nskips == IMP_REPORT_SKIP_TYPES) {
        r->skips_other++;
        return;
    }
    struct imp_skip *s = &r->skips[r->nskips++];
    if (n)
        memcpy(s->type, type.ptr, n);
    s->type[n] = '\0';
    s->reason = reason;
    s->count = 1;
}

uint64_t imp_report_count(const struct imp_report *r, const char *loinc)
{
    for (int i = 0; i < IMP_M_COUNT; i++) {
        if (strcmp(imp_map_measure((enum imp_measure_id)i)->loinc, loinc) == 0)
            return r->per_measure[i];
    }
    return 0;
}

enum fg_status imp_run_emit(const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                            const struct imp_measurement *m, struct imp_report *r,
                            struct fg_error *err)
{
    cJSON *obs = NULL;
    char key[IMP_KEY_MAX];
    if (opts->check_only) {
        r->emitted++;
        r->per_measure[m->measure->id]++;
        return FG_OK;
    }
    enum fg_status rc = imp_obs_build(m, opts->patient, opts->issued_us, &obs, key, err);
    if (rc != FG_OK)
        return rc;
    struct imp_emit e = {obs, IMP_KEY_SYSTEM, key, m->measure, m->daily, &obs};
    rc = emit ? emit(ctx, &e) : FG_OK;
    if (rc == FG_OK) {
        r->emitted++;
        r->per_measure[m->measure->id]++;
    } else {
        fg_error_set(err, rc, NULL, "the import was stopped by its receiver");
    }
    cJSON_Delete(obs);
    return rc;
}

static enum fg_status mem_read(struct imp_src *src, void *buf, size_t cap, size_t *got,
                               struct fg_error *err)
{
    (void)err;
    struct imp_src_mem *m = src->impl;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
    if (n)
        memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    *got = n;
    return FG_OK;
}

void imp_src_from_mem(struct imp_src *src, struct imp_src_mem *m, const void *data, size_t len)
{
    m->data = data;
    m->len = data ? len : 0;
    m->pos = 0;
    src->read = mem_read;
    src->total = m->len;
    src->impl = m;
}

static enum fg_status file_read(struct imp_src *src, void *buf, size_t cap, size_t *got,
                                struct fg_error *err)
{
    struct imp_src_file *sf = src->impl;
    size_t n = fread(buf, 1, cap, sf->f);
    if (n == 0 && ferror(sf->f))
        return fg_error_set(err, FG_EIO, NULL, "reading the import file failed");
    *got = n;
    return FG_OK;
}

enum fg_status imp_src_file_open(struct imp_src *src, struct imp_src_file *sf, const char *path,
                                 struct fg_error *err)
{
    sf->f = fopen(path, "rb");
    if (!sf->f)
        return fg_error_set(err, FG_EIO, NULL, "the import file cannot be opened");
    src->total = 0;
    if (fseeko(sf->f, 0, SEEK_END) == 0) {
        off_t size = ftello(sf->f);
        if (size > 0)
            src->total = (uint64_t)size;
    }
    if (fseeko(sf->f, 0, SEEK_SET) != 0) {
        fclose(sf->f);
        sf->f = NULL;
        return fg_error_set(err, FG_EIO, NULL, "the import file cannot be read");
    }
    src->read = file_read;
    src->impl = sf;
    return FG_OK;
}

void imp_src_file_close(struct imp_src_file *sf)
{
    if (sf->f)
        fclose(sf->f);
    sf->f = NULL;
}

enum fg_status imp_run_mem(imp_parse_src_fn parse, const void *data, size_t len,
                           const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                           struct imp_report *r, struct fg_error *err)
{
    struct imp_src src;
    struct imp_src_mem m;
    imp_src_from_mem(&src, &m, data, len);
    return parse(&src, opts, emit, ctx, r, err);
}

enum fg_status imp_run_file(imp_parse_src_fn parse, const char *path,
                            const struct imp_options *opts, imp_emit_fn emit, void *ctx,
                            struct imp_report *r, struct fg_error *err)
{
    struct imp_src src;
    struct imp_src_file sf = {NULL};
    enum fg_status rc = imp_src_file_open(&src, &sf, path, err);
    if (rc == FG_OK)
        rc = parse(&src, opts, emit, ctx, r, err);
    else
        imp_report_init(r);
    imp_src_file_close(&sf);
    return rc;
}
