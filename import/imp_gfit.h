/* imp_gfit.h - importers for Google Takeout Fit exports: "All Data" JSON and the
 * "Daily activity metrics" CSV.
 *
 * All Data JSON ({"Data Source": "...", "Data Points": [...]}) is read as a token stream
 * (imp_json), one data point at a time; nothing else is kept, so memory stays flat for files of
 * hundreds of MB. What a file holds is decided from its contents (each point's dataTypeName and
 * the file's "Data Source"), never from the file name (Takeout truncates names).
 *   - Times: startTimeNanos / endTimeNanos are parsed as int64 from the token text (never
 *     through a double; values above 2^53 stay exact), number or string form.
 *   - Values: Takeout's fitValue[].value.{fpVal,intVal} and the REST form value[].{fpVal,...},
 *     positional: blood pressure = [systolic, diastolic, body position, location], glucose =
 *     [level mmol/L, ...] (wearables.md §2.2).
 *   - Streams, RULE: only Google's merged streams ("derived:<type>:...:merge_*" or ":merged")
 *     and the resting-heart-rate stream are imported; "raw:..." streams and other derived
 *     streams are skipped (counted with a reason), because the merged stream already holds
 *     every raw point - importing both would create each reading twice. The identifier is built
 *     from originDataSourceId + dataTypeName + start/end nanos + values, which a point keeps in
 *     both streams, so even a raw file imported through another path maps to the same key.
 *   - A file with "Data Points" before "Data Source", or without either, is refused (a Google
 *     Fit REST dataSources listing is named as such).
 *
 * Daily activity metrics CSV: the header decides (columns in any order, names matched
 * exactly); only "Step count" is imported, as 41950-7 per day (value /d, effectiveDateTime =
 * the date); an empty cell means no data. Location columns (latitude/longitude) and every other
 * column are never read. The identifier is per patient and day (value left out), and each
 * emit has replace = true: a later export with a fuller day replaces the day.
 * Spec: ../shared/docs/wearables.md §2.2, §2.3, §4. @test tests/unit/import/gfit_test.c
 */
#ifndef IMP_GFIT_H
#define IMP_GFIT_H

#include <stddef.h>

#include "imp_run.h"

/* Imports one Takeout "All Data" JSON file. Emits one Observation per mapped data point;
 * r (initialised here) receives the summary. FG_EINVAL (err names the line) on malformed or
 * unexpected JSON; FG_ETOOBIG; FG_EIO; FG_ENOMEM; or emit's status. Borrows everything. */
enum fg_status imp_gfit_parse_file(const char *path, const struct imp_options *opts,
                                   imp_emit_fn emit, void *ctx, struct imp_report *r,
                                   struct fg_error *err);
enum fg_status imp_gfit_parse_mem(const void *data, size_t len, const struct imp_options *opts,
                                  imp_emit_fn emit, void *ctx, struct imp_report *r,
                                  struct fg_error *err);
enum fg_status imp_gfit_parse_src(struct imp_src *src, const struct imp_options *opts,
                                  imp_emit_fn emit, void *ctx, struct imp_report *r,
                                  struct fg_error *err);

/* Imports a "Daily activity metrics" CSV (the all-days file). FG_EINVAL (err names the line)
 * when there is no Date column, a date is not YYYY-MM-DD, a step count is not a non-negative
 * integer, or a row has more cells than the header. Otherwise as above. */
enum fg_status imp_gfit_daily_csv_file(const char *path, const struct imp_options *opts,
                                       imp_emit_fn emit, void *ctx, struct imp_report *r,
                                       struct fg_error *err);
enum fg_status imp_gfit_daily_csv_mem(const void *data, size_t len, const struct imp_options *opts,
                                      imp_emit_fn emit, void *ctx, struct imp_report *r,
                                      struct fg_error *err);
enum fg_status imp_gfit_daily_csv_src(struct imp_src *src, const struct imp_options *opts,
                                      imp_emit_fn emit, void *ctx, struct imp_report *r,
                                      struct fg_error *err);

#endif
