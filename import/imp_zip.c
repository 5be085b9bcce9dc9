/* imp_zip.c - the export.xml entry of an Apple Health export.zip (see imp_zip.h). */
#include "imp_zip.h"

#include <string.h>
#include <strings.h>

#include <zip.h>

#include "../core/fg_mem.h"

struct imp_zip {
    zip_t *za;
    zip_file_t *zf;
    uint64_t declared; /* uncompressed size from the directory */
    uint64_t read;     /* bytes streamed so far */
};

bool imp_zip_name_safe(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[0] == '/' || name[0] == '\\')
        return false;
    if (n >= 2 && name[1] == ':')
        return false; /* C:foo */
    /* any ".." path segment, with either separator */
    for (size_t i = 0; i < n; i++) {
        bool seg_start = i == 0 || name[i - 1] == '/' || name[i - 1] == '\\';
        if (seg_start && name[i] == '.' && i + 1 < n && name[i + 1] == '.' &&
            (i + 2 == n || name[i + 2] == '/' || name[i + 2] == '\\'))
            return false;
    }
    return true;
}

/* 0 = not an export.xml; 1 = export.xml somewhere; 2 = apple_health_export/export.xml. */
static int export_rank(const char *name, size_t *depth)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t d = 0;
    for (const char *p = name; *p; p++)
        d += *p == '/';
    *depth = d;
    if (strcasecmp(base, "export.xml") != 0)
        return 0;
    return strcasecmp(name, "apple_health_export/export.xml") == 0 ? 2 : 1;
}

static enum fg_status find_entry(zip_t *za, zip_uint64_t *idx, struct fg_error *err)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    int best_rank = 0;
    size_t best_depth = (size_t)-1;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name)
            return fg_error_set(err, FG_EINVAL, NULL, "export.zip: entry %lld has no name",
                                (long long)i);
        if (!imp_zip_name_safe(name))
            return fg_error_set(err, FG_EINVAL, NULL,
                                "export.zip: entry \"%.120s\" has an unsafe path; refused", name);
        size_t depth = 0;
        int rank = export_rank(name, &depth);
        if (rank > best_rank || (rank == best_rank && rank > 0 && depth < best_depth)) {
            best_rank = rank;
            best_depth = depth;
            *idx = (zip_uint64_t)i;
        }
    }
    if (best_rank == 0)
        return fg_error_set(err, FG_ENOTFOUND, NULL, "export.zip holds no export.xml");
    return FG_OK;
}

static enum fg_status check_limits(zip_t *za, zip_uint64_t idx, const struct imp_options *opts,
                                   uint64_t *size, struct fg_error *err)
{
    zip_stat_t zs;
    uint64_t max = opts->max_uncompressed ? opts->max_uncompressed : IMP_MAX_ZIP_UNCOMPRESSED;
    uint64_t ratio = opts->max_ratio ? opts->max_ratio : IMP_MAX_ZIP_RATIO;
    zip_stat_init(&zs);
    if (zip_stat_index(za, idx, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE) ||
        !(zs.valid & ZIP_STAT_COMP_SIZE))
        return fg_error_set(err, FG_EINVAL, NULL, "export.zip: export.xml has no sizes");
    if (zs.size > max)
        return fg_error_set(err, FG_ETOOBIG, NULL,
                            "export.zip: export.xml is %llu bytes uncompressed, over the "
                            "limit of %llu",
                            (unsigned long long)zs.size, (unsigned long long)max);
    /* size > comp * ratio, written without overflow */
    if (zs.size / ratio > zs.comp_size || (zs.size / ratio == zs.comp_size && zs.size % ratio))
        return fg_error_set(err, FG_ETOOBIG, NULL,
                            "export.zip: export.xml expands more than %llu:1 (zip bomb?)",
                            (unsigned long long)ratio);
    *size = zs.size;
    return FG_OK;
}

enum fg_status imp_zip_open_export(const char *path, const struct imp_options *opts,
                                   struct imp_zip **out, struct fg_error *err)
{
    enum fg_status rc = FG_ENOMEM;
    int zerr = 0;
    zip_uint64_t idx = 0;
    struct imp_zip *z = fg_calloc(1, sizeof *z);
    if (!z)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    z->za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z->za) {
        rc = fg_error_set(err, zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ ? FG_EIO : FG_EINVAL,
                          NULL, "export.zip cannot be opened as a zip archive");
        goto out;
    }
    rc = find_entry(z->za, &idx, err);
    if (rc == FG_OK)
        rc = check_limits(z->za, idx, opts, &z->declared, err);
    if (rc != FG_OK)
        goto out;
    z->zf = zip_fopen_index(z->za, idx, 0);
    if (!z->zf) {
        rc = fg_error_set(err, FG_EINVAL, NULL, "export.zip: export.xml cannot be read (%s)",
                          zip_strerror(z->za));
        goto out;
    }
    *out = z;
    z = NULL;
    rc = FG_OK;
out:
    imp_zip_free(&z);
    return rc;
}

static enum fg_status zip_read(struct imp_src *src, void *buf, size_t cap, size_t *got,
                               struct fg_error *err)
{
    struct imp_zip *z = src->impl;
    zip_int64_t n = zip_fread(z->zf, buf, cap);
    if (n < 0)
        return fg_error_set(err, FG_EINVAL, NULL, "export.zip: export.xml is damaged (%s)",
                            zip_file_strerror(z->zf));
    z->read += (uint64_t)n;
    if (z->read > z->declared)
        return fg_error_set(err, FG_ETOOBIG, NULL,
                            "export.zip: export.xml is longer than its declared size");
    *got = (size_t)n;
    return FG_OK;
}

void imp_zip_src(struct imp_zip *z, struct imp_src *src)
{
    src->read = zip_read;
    src->total = z->declared;
    src->impl = z;
}

void imp_zip_free(struct imp_zip **zp)
{
    struct imp_zip *z = zp ? *zp : NULL;
    if (!z)
        return;
    if (z->zf)
        zip_fclose(z->zf);
    if (z->za)
        zip_discard(z->za);
    fg_free(z);
    *zp = NULL;
}
