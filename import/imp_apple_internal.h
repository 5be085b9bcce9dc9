/* imp_apple_internal.h - shared between imp_apple.c (expat handlers), imp_apple_bp.c (the
 * blood-pressure bookkeeping) and imp_zip.c. Not part of the module's API. */
#ifndef IMP_APPLE_INTERNAL_H
#define IMP_APPLE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <expat.h>

#include "../core/fg_buf.h"
#include "imp_apple.h"

#define APPLE_BP_CORRELATION "HKCorrelationTypeIdentifierBloodPressure"
#define APPLE_SYSTOLIC "HKQuantityTypeIdentifierBloodPressureSystolic"
#define APPLE_DIASTOLIC "HKQuantityTypeIdentifierBloodPressureDiastolic"

/* The attributes (and useful metadata) of one Record or Correlation, copied out of expat's
 * callback into one capped arena. */
enum apple_field {
    AF_TYPE = 0,
    AF_UNIT,
    AF_VALUE,
    AF_SOURCE,
    AF_DEVICE,
    AF_START,
    AF_END,
    AF_SYNC,     /* HKMetadataKeySyncIdentifier or HKExternalUUID */
    AF_DEV_NAME, /* HKDeviceName metadata */
    AF_DEV_MFR,  /* HKDeviceManufacturerName metadata */
    AF_COUNT
};

struct apple_rec {
    struct fg_buf arena; /* owned; field bytes, each NUL-terminated */
    size_t off[AF_COUNT];
    size_t len[AF_COUNT];
    bool set[AF_COUNT];
    unsigned long line;
};

void apple_rec_init(struct apple_rec *r);
void apple_rec_reset(struct apple_rec *r);
void apple_rec_cleanup(struct apple_rec *r);
/* Moves src into dst (dst must be clean); src is left empty. */
void apple_rec_move(struct apple_rec *dst, struct apple_rec *src);
enum fg_status apple_rec_set(struct apple_rec *r, enum apple_field f, const char *v);
/* The field's bytes (empty slice when unset); borrows r's arena. */
struct fg_str apple_rec_get(const struct apple_rec *r, enum apple_field f);

/* Top-level BP records held to the end of the file and signatures of correlation children. */
struct apple_bp {
    struct apple_rec *held;
    size_t nheld, capheld;
    uint64_t *sigs;
    size_t nsigs, capsigs;
};

struct apple_parser;

void apple_bp_cleanup(struct apple_bp *bp);
/* Takes rec's contents (rec is left empty). FG_ETOOBIG past IMP_MAX_BP_PENDING. */
enum fg_status apple_bp_hold(struct apple_bp *bp, struct apple_rec *rec);
/* Remembers a correlation child so its top-level copy is dropped. */
enum fg_status apple_bp_note_child(struct apple_bp *bp, const struct apple_rec *child);
/* At the end of the file: drops held records that were correlation children, pairs the rest
 * into panels, emits lone readings. */
enum fg_status apple_bp_finish(struct apple_bp *bp, struct apple_parser *st);

/* Emit helpers of imp_apple.c used by imp_apple_bp.c. */
enum fg_status apple_emit_record(struct apple_parser *st, const struct apple_rec *rec);
/* hdr gives source, times, device, sync id (a Correlation or the systolic record itself). */
enum fg_status apple_emit_panel(struct apple_parser *st, const struct apple_rec *hdr,
                                const struct apple_rec *sys, const struct apple_rec *dia);
void apple_skip(struct apple_parser *st, struct fg_str type, const char *reason);

#endif
