/* imp_manual.c - Observations from hand-entered measurements (see imp_manual.h). */
#include "imp_manual.h"

#include <string.h>

#include "../core/fg_clock.h"
#include "../fhir/date.h"
#include "imp_time.h"

/* The units each measure accepts (UCUM, after normalisation) and their display. */
static const struct {
    enum imp_measure_id measure;
    const char *ucum;
    const char *display;
    enum imp_measure_id stored_as; /* glucose: the molar unit selects the molar code */
} units[] = {
    {IMP_M_BODY_WEIGHT, "kg", "kg", IMP_M_BODY_WEIGHT},
    {IMP_M_BODY_WEIGHT, "g", "g", IMP_M_BODY_WEIGHT},
    {IMP_M_BODY_WEIGHT, "[lb_av]", "lb", IMP_M_BODY_WEIGHT},
    {IMP_M_BODY_HEIGHT, "cm", "cm", IMP_M_BODY_HEIGHT},
    {IMP_M_BODY_HEIGHT, "[in_i]", "in", IMP_M_BODY_HEIGHT},
    {IMP_M_BMI, "kg/m2", "kg/m2", IMP_M_BMI},
    {IMP_M_HEART_RATE, "/min", "beats/minute", IMP_M_HEART_RATE},
    {IMP_M_BODY_TEMP, "Cel", "C", IMP_M_BODY_TEMP},
    {IMP_M_BODY_TEMP, "[degF]", "F", IMP_M_BODY_TEMP},
    {IMP_M_GLUCOSE_MASS, "mg/dL", "mg/dL", IMP_M_GLUCOSE_MASS},
    {IMP_M_GLUCOSE_MASS, "mmol/L", "mmol/L", IMP_M_GLUCOSE_MOLAR},
};

static bool has_zone(struct fg_str s)
{
    if (s.len > 0 && s.ptr[s.len - 1] == 'Z')
        return true;
    return s.len >= 6 && (s.ptr[s.len - 6] == '+' || s.ptr[s.len - 6] == '-') &&
           s.ptr[s.len - 3] == ':';
}

/* Checks e->when and gives its UTC form for the key. */
static enum fg_status parse_when(const struct imp_manual_entry *e, bool daily,
                                 char utc[FG_INSTANT_MAX], struct fg_error *err)
{
    struct fhir_date_range r;
    if (daily) {
        if (imp_time_check_date(e->when) != FG_OK)
            return fg_error_set(err, FG_EUNPROC, "when", "daily steps need a date YYYY-MM-DD");
        memcpy(utc, e->when.ptr, 10);
        utc[10] = '\0';
        return FG_OK;
    }
    if (fhir_date_parse(e->when, &r) != FG_OK || r.precision < FHIR_PREC_MINUTE ||
        !has_zone(e->when))
        return fg_error_set(err, FG_EUNPROC, "when",
                            "when must be a dateTime with a time and a zone");
    fg_clock_format_instant(r.lo * 1000, utc);
    return FG_OK;
}

static enum fg_status number(struct fg_str text, const char *field, double *v, struct fg_error *err)
{
    char canon[IMP_VALUE_MAX];
    double x = 0;
    if (imp_map_value(NULL, text, canon, &x) != FG_OK || x < 0)
        return fg_error_set(err, FG_EUNPROC, field, "%s must be a non-negative number", field);
    *v = x;
    return FG_OK;
}

static enum fg_status quantity(const struct imp_manual_entry *e, struct imp_measurement *m,
                               struct fg_error *err)
{
    const char *ucum = NULL;
    enum fg_status rc = imp_map_ucum_normalise(e->unit, "unit", &ucum, err);
    if (rc != FG_OK)
        return rc;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (units[i].measure == m->measure->id && strcmp(units[i].ucum, ucum) == 0) {
            m->measure = imp_map_measure(units[i].stored_as);
            m->ucum = units[i].ucum;
            m->unit_display = units[i].display;
            m->key_unit = fg_str_c(units[i].ucum);
            return number(e->value, "value", &m->value, err);
        }
    }
    return fg_error_set(err, FG_EUNPROC, "unit", "unit %s is not allowed for %.*s", ucum,
                        (int)(e->what.len > 32 ? 32 : e->what.len), e->what.ptr);
}

static enum fg_status panel(const struct imp_manual_entry *e, struct imp_measurement *m,
                            char kv[2 * IMP_VALUE_MAX + 2], struct fg_error *err)
{
    enum fg_status rc = number(e->systolic, "systolic", &m->systolic, err);
    if (rc == FG_OK)
        rc = number(e->diastolic, "diastolic", &m->diastolic, err);
    if (rc != FG_OK)
        return rc;
    /* both passed imp_map_value, so each is under IMP_VALUE_MAX bytes once trimmed; the raw
     * text may carry spaces: cap it */
    if (e->systolic.len >= IMP_VALUE_MAX || e->diastolic.len >= IMP_VALUE_MAX)
        return fg_error_set(err, FG_EUNPROC, "systolic", "values too long");
    memcpy(kv, e->systolic.ptr, e->systolic.len);
    kv[e->systolic.len] = '/';
    memcpy(kv + e->systolic.len + 1, e->diastolic.ptr, e->diastolic.len);
    m->key_value = fg_str_n(kv, e->systolic.len + 1 + e->diastolic.len);
    m->key_unit = FG_STR_LIT("mm[Hg]");
    m->has_systolic = m->has_diastolic = true;
    return FG_OK;
}

enum fg_status imp_manual_build(const struct imp_manual_entry *e, struct fg_str patient,
                                int64_t issued_us, cJSON **out, char key[IMP_KEY_MAX],
                                struct fg_error *err)
{
    const struct imp_measure *ms = NULL;
    struct imp_measurement m;
    char when[FG_INSTANT_MAX], start[IMP_TIME_MAX], kv[2 * IMP_VALUE_MAX + 2];
    enum fg_status rc;
    if (imp_map_manual(e->what, &ms) != FG_OK)
        return fg_error_set(err, FG_EUNPROC, "what", "unknown measurement kind");
    bool daily = ms->id == IMP_M_STEPS_DAILY;
    if (e->when.len >= sizeof start)
        return fg_error_set(err, FG_EUNPROC, "when", "when is too long");
    rc = parse_when(e, daily, when, err);
    if (rc != FG_OK)
        return rc;
    memcpy(start, e->when.ptr, e->when.len);
    start[e->when.len] = '\0';
    memset(&m, 0, sizeof m);
    m.source = IMP_SRC_MANUAL;
    m.measure = ms;
    m.source_type = e->what;
    m.source_name = FG_STR_LIT("manual-entry");
    m.start = start;
    m.key_start = m.key_end = fg_str_c(when);
    m.key_value = e->value;
    m.daily = daily;
    if (ms->id == IMP_M_BP_PANEL) {
        rc = panel(e, &m, kv, err);
    } else if (daily) {
        rc = number(e->value, "value", &m.value, err);
        m.ucum = "/d";
        m.unit_display = "steps per day";
        m.key_unit = FG_STR_LIT("/d");
    } else {
        rc = quantity(e, &m, err);
    }
    if (rc != FG_OK)
        return rc;
    return imp_obs_build(&m, patient, issued_us, out, key, err);
}
