/* imp_zip.h - the export.xml entry of an Apple Health export.zip, read as a checked stream.
 *
 * Finds apple_health_export/export.xml (any letter case), else an entry named export.xml at
 * any depth (the shallowest wins; export_cda.xml is never taken). Before anything is read the
 * whole central directory is checked: an entry name with a ".." segment, a leading '/' or '\\',
 * a drive letter or a NUL refuses the archive (path traversal). The chosen entry must declare
 * at most opts->max_uncompressed bytes and a compression ratio of at most opts->max_ratio : 1
 * (zip bomb); while streaming, reading more bytes than declared also stops the import.
 * libzip: https://libzip.org/documentation/ . @test tests/unit/import/apple_test.c
 */
#ifndef IMP_ZIP_H
#define IMP_ZIP_H

#include "imp_run.h"

struct imp_zip;

/* Opens the archive at path and its export.xml entry. On success *out is the reader (caller
 * owns, free with imp_zip_free). FG_EINVAL: not a zip, or a hostile entry name (err names it);
 * FG_ENOTFOUND: no export.xml; FG_ETOOBIG: size or ratio over the limit; FG_EIO; FG_ENOMEM.
 * On failure *out is untouched. */
enum fg_status imp_zip_open_export(const char *path, const struct imp_options *opts,
                                   struct imp_zip **out, struct fg_error *err);

/* Fills src to stream the entry's bytes (total = declared uncompressed size). Borrows z. */
void imp_zip_src(struct imp_zip *z, struct imp_src *src);

/* Closes the archive and sets *z to NULL; no-op on NULL. */
void imp_zip_free(struct imp_zip **z);

/* True when name is acceptable inside an archive (no traversal). Exposed for tests. */
bool imp_zip_name_safe(const char *name);

#endif
