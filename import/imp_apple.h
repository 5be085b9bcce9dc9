/* imp_apple.h - streaming importer for Apple Health exports (export.xml or export.zip).
 *
 * export.xml is read with expat in 64 KiB chunks and never held whole: each Record is kept only
 * from its start tag to its end tag (its MetadataEntry children may carry a sync identifier),
 * then mapped (imp_map), built (imp_obs) and handed to the callback. Memory stays flat; the one
 * exception is the blood-pressure bookkeeping below, bounded by IMP_MAX_BP_PENDING.
 *
 * Security: the internal DTD subset Apple writes (ELEMENT/ATTLIST declarations) parses, but ANY
 * entity declaration (internal or external: billion laughs, XXE), any external DTD
 * (<!DOCTYPE x SYSTEM "...">) and any external entity reference stop the import with FG_EINVAL.
 * In a zip, entry names with ".." segments or absolute paths refuse the whole archive, and the
 * export entry must stay under opts->max_uncompressed bytes and opts->max_ratio : 1.
 *
 * Blood pressure (wearables.md §1.2):
 *  - a Correlation of type HKCorrelationTypeIdentifierBloodPressure becomes ONE 85354-9 panel
 *    (time, source, device and sync identifier of the Correlation; children in any order);
 *  - its child Records are never imported again, also when they are repeated at top level:
 *    top-level systolic/diastolic Records are held until the end of the file and dropped when a
 *    Correlation had a child with the same type, sourceName, startDate, endDate and value;
 *  - RULE for the remaining stand-alone Records: a systolic and a diastolic with the same
 *    sourceName, startDate and endDate are paired into a panel whose identifier equals the one
 *    the matching Correlation would give (so a later export that has the Correlation adds
 *    nothing); a reading left without a partner becomes a single 8480-6 or 8462-4 Observation
 *    (us-core-vital-signs; the US Core BP profile needs both components), never a half panel.
 *
 * Legacy 2015 exports (no DTD, `source=` instead of `sourceName=`, dates "20151107171924+0100",
 * attribute names with spaces) are refused with FG_EINVAL naming the line.
 * Every parse error names the line (XML_GetCurrentLineNumber) in err->diagnostics.
 * Spec: ../shared/docs/wearables.md §1, §4. @test tests/unit/import/apple_test.c
 */
#ifndef IMP_APPLE_H
#define IMP_APPLE_H

#include <stddef.h>

#include "imp_run.h"

/* Imports an export.xml or an export.zip (recognised by its "PK\3\4" signature) at path.
 * Calls emit(ctx, e) once per Observation; r (initialised here) receives the summary.
 * FG_EINVAL: malformed/legacy/hostile input (err names the line or the zip entry);
 * FG_ETOOBIG: a limit was passed; FG_ENOTFOUND: no export.xml in the zip; FG_EIO: the file
 * cannot be read; FG_ENOMEM; or the status emit returned. Observations emitted before a
 * failure have been handed out already: the caller imports in one transaction.
 * Borrows every argument. */
enum fg_status imp_apple_parse_file(const char *path, const struct imp_options *opts,
                                    imp_emit_fn emit, void *ctx, struct imp_report *r,
                                    struct fg_error *err);

/* The same for an export.xml held in memory (tests, fuzzing, uploads). */
enum fg_status imp_apple_parse_mem(const void *data, size_t len, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err);

/* The same for export.xml bytes pulled from src (used for the zip entry). */
enum fg_status imp_apple_parse_src(struct imp_src *src, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err);

#endif
