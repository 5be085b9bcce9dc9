/* imp_apple_bp.c - blood pressure in Apple exports: correlations once, lone readings paired.
 *
 * The rule (documented in imp_apple.h): top-level systolic/diastolic Records wait until the end
 * of the file; those that repeat a Correlation child are dropped; the rest are paired by
 * (sourceName, startDate, endDate) into panels, and a reading without a partner becomes a single
 * 8480-6 / 8462-4 Observation. Spec: ../shared/docs/wearables.md §1.2.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "imp_apple_internal.h"

void apple_bp_cleanup(struct apple_bp *bp)
{
    for (size_t i = 0; i < bp->nheld; i++)
        apple_rec_cleanup(&bp->held[i]);
    fg_free(bp->held);
    fg_free(bp->sigs);
    memset(bp, 0, sizeof *bp);
}

/* FNV-1a over the fields that identify one reading. */
static uint64_t signature(const struct apple_rec *r)
{
    static const enum apple_field fields[] = {AF_TYPE, AF_SOURCE, AF_START, AF_END, AF_VALUE};
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        struct fg_str s = apple_rec_get(r, fields[i]);
        for (size_t k = 0; k < s.len; k++) {
            h ^= (unsigned char)s.ptr[k];
            h *= UINT64_C(1099511628211);
        }
        h ^= 0x1f; /* field separator */
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static enum fg_status grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return FG_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > IMP_MAX_BP_PENDING)
        ncap = IMP_MAX_BP_PENDING;
    if (need > ncap)
        return FG_ETOOBIG;
    void *np = fg_realloc(*p, ncap * elem);
    if (!np)
        return FG_ENOMEM;
    *p = np;
    *cap = ncap;
    return FG_OK;
}

enum fg_status apple_bp_hold(struct apple_bp *bp, struct apple_rec *rec)
{
    void *p = bp->held;
    enum fg_status rc = grow(&p, &bp->capheld, bp->nheld + 1, sizeof *bp->held);
    bp->held = p;
    if (rc != FG_OK)
        return rc;
    apple_rec_move(&bp->held[bp->nheld++], rec);
    return FG_OK;
}

enum fg_status apple_bp_note_child(struct apple_bp *bp, const struct apple_rec *child)
{
    void *p = bp->sigs;
    enum fg_status rc = grow(&p, &bp->capsigs, bp->nsigs + 1, sizeof *bp->sigs);
    bp->sigs = p;
    if (rc != FG_OK)
        return rc;
    bp->sigs[bp->nsigs++] = signature(child);
    return FG_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_slice(struct fg_str a, struct fg_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Orders by startDate, endDate, sourceName, then type (Diastolic sorts before Systolic). */
static int cmp_held(const void *a, const void *b)
{
    static const enum apple_field order[] = {AF_START, AF_END, AF_SOURCE, AF_TYPE};
    const struct apple_rec *x = a, *y = b;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int c = cmp_slice(apple_rec_get(x, order[i]), apple_rec_get(y, order[i]));
        if (c)
            return c;
    }
    return x->line < y->line ? -1 : x->line > y->line;
}

static bool same_reading_slot(const struct apple_rec *a, const struct apple_rec *b)
{
    return cmp_slice(apple_rec_get(a, AF_START), apple_rec_get(b, AF_START)) == 0 &&
           cmp_slice(apple_rec_get(a, AF_END), apple_rec_get(b, AF_END)) == 0 &&
           cmp_slice(apple_rec_get(a, AF_SOURCE), apple_rec_get(b, AF_SOURCE)) == 0;
}

static bool is_type(const struct apple_rec *r, const char *t)
{
    return fg_str_eq_c(apple_rec_get(r, AF_TYPE), t);
}

enum fg_status apple_bp_finish(struct apple_bp *bp, struct apple_parser *st)
{
    enum fg_status rc = FG_OK;
    if (bp->nsigs)
        qsort(bp->sigs, bp->nsigs, sizeof *bp->sigs, cmp_u64);
    /* drop copies of correlation children, compacting the rest */
    size_t keep = 0;
    for (size_t i = 0; i < bp->nheld; i++) {
        uint64_t sig = signature(&bp->held[i]);
        if (bp->nsigs && bsearch(&sig, bp->sigs, bp->nsigs, sizeof sig, cmp_u64)) {
            apple_skip(st, apple_rec_get(&bp->held[i], AF_TYPE),
                       "already imported in its blood-pressure correlation");
            apple_rec_cleanup(&bp->held[i]);
            continue;
        }
        if (keep != i)
            bp->held[keep] = bp->held[i];
        keep++;
    }
    bp->nheld = keep;
    if (bp->nheld > 1)
        qsort(bp->held, bp->nheld, sizeof *bp->held, cmp_held);
    for (size_t i = 0; i < bp->nheld && rc == FG_OK; i++) {
        struct apple_rec *a = &bp->held[i];
        struct apple_rec *b = i + 1 < bp->nheld ? &bp->held[i + 1] : NULL;
        if (b && is_type(a, APPLE_DIASTOLIC) && is_type(b, APPLE_SYSTOLIC) &&
            same_reading_slot(a, b)) {
            rc = apple_emit_panel(st, b, b, a);
            i++;
        } else {
            rc = apple_emit_record(st, a);
        }
    }
    return rc;
}
