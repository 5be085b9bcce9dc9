/* portal.c - patient-portal rules: age, proxy view, confidentiality, release
 * (see portal.h; rules in /work/shared/docs/portal-rules.md).
 * Confidentiality codes: http://terminology.hl7.org/CodeSystem/v3-Confidentiality
 * and the _ActInformationSensitivityPolicy codes of v3-ActCode. */
#include "portal.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../fhir/date.h"

#define US_PER_DAY (INT64_C(86400) * 1000000)
#define LOINC "http://loinc.org"
#define NOTE_CATEGORY_SYSTEM "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"

static const char *const confidential_codes[] = {"R",   "V",   "ETH", "SUD",      "STD",
                                                 "SEX", "SDV", "HIV", "PREGNANCY"};

/* Growth-chart vitals (LOINC): body height and length, body weight,
 * BMI, head circumference, and the pediatric percentiles of each. */
static const char *const growth_codes[] = {"8302-2", "8306-3",  "29463-7", "3141-9", "39156-5",
                                           "59576-9", "77606-2", "9843-4", "8287-5", "8289-1"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

void smart_portal_settings_default(struct smart_portal_settings *s)
{
    static const char release[] = LOINC "|LP7839-6," LOINC "|11526-1," LOINC "|60567-5";
    memset(s, 0, sizeof *s);
    s->own_account_min_age = 13;
    s->teen_age = 13;
    s->adult_age = 18;
    s->adult_proxy_years = 5;
    s->release_delay_days = 4;
    s->note_max_years = 3;
    s->activation_days = 14;
    memcpy(s->release_codes, release, sizeof release);
}

const char *smart_portal_view_name(enum smart_portal_view v)
{
    switch (v) {
    case SMART_VIEW_LIMITED: return "limited";
    case SMART_VIEW_FULL: return "full";
    case SMART_VIEW_SELF: return "self";
    default: return "none";
    }
}

/* Floor division: days before 1970 round down. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t smart_portal_today(const struct smart_portal_settings *s, int64_t now_us)
{
    int64_t now_s = floor_div(now_us, 1000000);
    int64_t off_s = s->tz ? fg_tz_offset(s->tz, now_s) : (int64_t)s->utc_offset_min * 60;
    return floor_div(now_s + off_s, 86400);
}

enum fg_status smart_portal_age(struct fg_str birth_date, int64_t today, int *age)
{
    struct fhir_date_range r;
    if (birth_date.len > 10 || fhir_date_parse(birth_date, &r) != FG_OK ||
        r.precision > FHIR_PREC_DAY)
        return FG_EINVAL;
    /* the range's first day is the earliest possible birthday */
    char day[11];
    fg_clock_format_date(r.lo * 1000, day);
    return fhir_age_years(fg_str_n(day, 10), today * US_PER_DAY, age);
}

/* The day (local days) `years` calendar years after the UTC day of t_s
 * (29 February → 1 March in a common year, as for birthdays). */
static int64_t years_after(int64_t t_s, int years)
{
    int64_t y;
    unsigned m, d;
    fg_civil_from_days(floor_div(t_s, 86400), &y, &m, &d);
    y += years;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) {
        m = 3;
        d = 1;
    }
    return fg_days_from_civil(y, m, d) * 86400 + (t_s - floor_div(t_s, 86400) * 86400);
}

static bool proxy_in_force(int64_t now_s, const struct smart_proxy *p)
{
    if (p->revoked_at != 0 || p->start_at > now_s)
        return false;
    if (p->expires_at != 0 && p->expires_at <= now_s)
        return false;
    return true;
}

static bool adult_kind(enum smart_proxy_kind k)
{
    return k == SMART_PROXY_ADULT || k == SMART_PROXY_COURT_GUARDIAN;
}

enum smart_portal_view smart_portal_view_for(const struct smart_portal_settings *s, int64_t now_us,
                                             struct fg_str birth_date, bool self,
                                             const struct smart_proxy *proxy)
{
    int age = 0;
    bool known = smart_portal_age(birth_date, smart_portal_today(s, now_us), &age) == FG_OK;
    int64_t now_s = floor_div(now_us, 1000000);
    if (self)
        return known && age < s->own_account_min_age ? SMART_VIEW_NONE : SMART_VIEW_SELF;
    if (!proxy || !proxy_in_force(now_s, proxy))
        return SMART_VIEW_NONE;
    if (adult_kind(proxy->kind) && now_s >= years_after(proxy->start_at, s->adult_proxy_years))
        return SMART_VIEW_NONE;
    if (!known)
        return adult_kind(proxy->kind) ? SMART_VIEW_FULL : SMART_VIEW_NONE;
    if (age < s->teen_age)
        return SMART_VIEW_FULL;
    if (age < s->adult_age)
        return SMART_VIEW_LIMITED;
    return adult_kind(proxy->kind) ? SMART_VIEW_FULL : SMART_VIEW_NONE;
}

enum smart_portal_view smart_portal_view_of(const struct smart_portal_settings *s, int64_t now_us,
                                            const struct smart_portal_facts *f,
                                            struct fg_str patient_id, struct fg_str birth_date)
{
    enum smart_portal_view best = SMART_VIEW_NONE;
    if (f->own_patient[0] && fg_str_eq_c(patient_id, f->own_patient))
        return smart_portal_view_for(s, now_us, birth_date, true, NULL);
    for (size_t i = 0; i < f->n_proxies; i++) {
        if (!fg_str_eq_c(patient_id, f->proxies[i].patient_id))
            continue;
        enum smart_portal_view v =
            smart_portal_view_for(s, now_us, birth_date, false, &f->proxies[i]);
        if (v > best)
            best = v;
    }
    return best;
}

/* ------------------------------------------------------------ resources */

static const char *str_item(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool type_is(const cJSON *res, const char *type)
{
    const char *t = str_item(res, "resourceType");
    return t && strcmp(t, type) == 0;
}

static bool in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

bool smart_portal_confidential(const cJSON *resource)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(resource, "meta");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(meta, "security"))
    {
        if (in_list(str_item(c, "code"), confidential_codes, N_OF(confidential_codes)))
            return true;
    }
    return false;
}

/* True when a coding of the CodeableConcept cc has system (NULL = any) and a code in list. */
static bool concept_has(const cJSON *cc, const char *system, const char *const *list, size_t n)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
    {
        const char *sys = str_item(c, "system");
        if ((!system || (sys && strcmp(sys, system) == 0)) &&
            in_list(str_item(c, "code"), list, n))
            return true;
    }
    return false;
}

bool smart_portal_limited_class(const cJSON *resource)
{
    static const char *const whole[] = {"Patient", "Immunization", "AllergyIntolerance",
                                        "Appointment"};
    const char *type = str_item(resource, "resourceType");
    if (in_list(type, whole, N_OF(whole)))
        return true;
    if (type && strcmp(type, "Encounter") == 0) {
        const char *status = str_item(resource, "status");
        return status && strcmp(status, "planned") == 0;
    }
    if (type && strcmp(type, "Observation") == 0)
        return concept_has(cJSON_GetObjectItemCaseSensitive(resource, "code"), LOINC,
                           growth_codes, N_OF(growth_codes));
    return false;
}

/* True when coding c matches one "system|code" or "code" item of the comma list. */
static bool coding_listed(const cJSON *c, const char *list)
{
    const char *sys = str_item(c, "system"), *code = str_item(c, "code");
    struct fg_str rest = fg_str_c(list), item, isys, icode;
    if (!code)
        return false;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        item = fg_str_trim(item);
        if (!fg_str_split(item, '|', &isys, &icode)) {
            icode = isys;
            isys = FG_STR_NULL;
        }
        if (!fg_str_eq_c(icode, code) || !icode.len)
            continue;
        if (!isys.ptr || fg_str_eq_c(isys, sys ? sys : ""))
            return true;
    }
    return false;
}

static bool concept_listed(const cJSON *cc, const char *list)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
    {
        if (coding_listed(c, list))
            return true;
    }
    return false;
}

static bool delayed_code(const struct smart_portal_settings *s, const cJSON *res)
{
    const cJSON *cat;
    if (concept_listed(cJSON_GetObjectItemCaseSensitive(res, "code"), s->release_codes) ||
        concept_listed(cJSON_GetObjectItemCaseSensitive(res, "type"), s->release_codes))
        return true;
    cJSON_ArrayForEach(cat, cJSON_GetObjectItemCaseSensitive(res, "category"))
    {
        if (concept_listed(cat, s->release_codes))
            return true;
    }
    return false;
}

static bool released_tag(const cJSON *res)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(res, "meta"), "tag"))
    {
        const char *sys = str_item(c, "system"), *code = str_item(c, "code");
        if (sys && code && strcmp(sys, SMART_PORTAL_RELEASE_SYSTEM) == 0 &&
            strcmp(code, SMART_PORTAL_RELEASE_CODE) == 0)
            return true;
    }
    return false;
}

/* The first millisecond of a FHIR date/dateTime/instant string; false when absent or bad. */
static bool date_lo_ms(const char *s, int64_t *ms)
{
    struct fhir_date_range r;
    if (!s || fhir_date_parse(fg_str_c(s), &r) != FG_OK)
        return false;
    *ms = r.lo;
    return true;
}

bool smart_portal_unreleased(const struct smart_portal_settings *s, int64_t now_us,
                             const cJSON *resource)
{
    bool doc = type_is(resource, "DocumentReference");
    if ((!doc && !type_is(resource, "Observation") && !type_is(resource, "DiagnosticReport")) ||
        !delayed_code(s, resource) || released_tag(resource))
        return false;
    int64_t issued_ms;
    if (!date_lo_ms(str_item(resource, doc ? "date" : "issued"), &issued_ms) &&
        !date_lo_ms(str_item(cJSON_GetObjectItemCaseSensitive(resource, "meta"), "lastUpdated"),
                    &issued_ms))
        return true;
    return now_us / 1000 < issued_ms + (int64_t)s->release_delay_days * 86400 * 1000;
}

bool smart_portal_old_note(const struct smart_portal_settings *s, int64_t now_us,
                           const cJSON *resource)
{
    static const char *const note[] = {"clinical-note"};
    const cJSON *cat;
    bool is_note = false;
    if (!type_is(resource, "DocumentReference"))
        return false;
    cJSON_ArrayForEach(cat, cJSON_GetObjectItemCaseSensitive(resource, "category"))
    {
        if (concept_has(cat, NOTE_CATEGORY_SYSTEM, note, 1))
            is_note = true;
    }
    int64_t when_ms;
    const cJSON *period = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(resource, "context"), "period");
    if (!is_note || (!date_lo_ms(str_item(resource, "date"), &when_ms) &&
                     !date_lo_ms(str_item(period, "start"), &when_ms)))
        return false;
    /* older than note_max_years: before the same local day that many years ago */
    int64_t today = smart_portal_today(s, now_us), y;
    unsigned m, d;
    fg_civil_from_days(today, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    int64_t cutoff_day = fg_days_from_civil(y - s->note_max_years, m, d);
    return smart_portal_today(s, when_ms * 1000) < cutoff_day;
}

enum smart_portal_hide smart_portal_check(const struct smart_portal_settings *s, int64_t now_us,
                                          enum smart_portal_view view, const cJSON *resource)
{
    if (view == SMART_VIEW_NONE)
        return SMART_HIDE_NO_ACCESS;
    if (view == SMART_VIEW_LIMITED) {
        if (!smart_portal_limited_class(resource))
            return SMART_HIDE_CLASS;
        if (smart_portal_confidential(resource))
            return SMART_HIDE_CONFIDENTIAL;
    }
    if (smart_portal_unreleased(s, now_us, resource))
        return SMART_HIDE_UNRELEASED;
    if (smart_portal_old_note(s, now_us, resource))
        return SMART_HIDE_OLD_NOTE;
    return SMART_HIDE_NONE;
}

#define RELEASE_CODES_MAX 32 /* codes checked by text; a longer list parses the resource */

/* The non-empty codes of a "system|code,code" list; false when more than max. */
static bool listed_codes(const char *list, struct fg_str *codes, size_t max, size_t *n)
{
    struct fg_str rest = fg_str_c(list), item, isys, icode;
    *n = 0;
    while (rest.len) {
        fg_str_split(rest, ',', &item, &rest);
        item = fg_str_trim(item);
        if (!fg_str_split(item, '|', &isys, &icode))
            icode = isys;
        if (!icode.len)
            continue;
        if (*n == max)
            return false;
        codes[(*n)++] = icode;
    }
    return true;
}

/* Does text hold needle? Boyer-Moore-Horspool: the needle's own bytes
 * decide how far to skip, so a short needle is looked for in a fraction
 * of the text's bytes. */
static bool text_has(struct fg_str text, const char *needle, size_t n)
{
    if (n == 0 || n > text.len)
        return n == 0;
    size_t skip[256];
    for (size_t i = 0; i < 256; i++)
        skip[i] = n;
    for (size_t i = 0; i + 1 < n; i++)
        skip[(unsigned char)needle[i]] = n - 1 - i;
    for (size_t at = 0; at + n <= text.len;
         at += skip[(unsigned char)text.ptr[at + n - 1]])
        if (text.ptr[at + n - 1] == needle[n - 1] && memcmp(text.ptr + at, needle, n) == 0)
            return true;
    return false;
}

/* Is one of codes a whole JSON string of text? text has no backslash, so a
 * quote is always a string's delimiter: "<code>" occurs exactly where a
 * string (or a member name) equals the code. */
static bool text_has_string(struct fg_str text, const struct fg_str *codes, size_t n)
{
    char quoted[SMART_PORTAL_CODES_MAX + 2];
    for (size_t i = 0; i < n; i++) {
        if (codes[i].len > SMART_PORTAL_CODES_MAX)
            return true; /* cannot be: the setting is shorter */
        quoted[0] = '"';
        memcpy(quoted + 1, codes[i].ptr, codes[i].len);
        quoted[codes[i].len + 1] = '"';
        if (text_has(text, quoted, codes[i].len + 2))
            return true;
    }
    return false;
}

bool smart_portal_needs_content(const struct smart_portal_settings *s, enum smart_portal_view view,
                                struct fg_str type, struct fg_str text)
{
    if (view != SMART_VIEW_FULL && view != SMART_VIEW_SELF)
        return true; /* the limited view judges class and labels */
    if (fg_str_eq_c(type, "DocumentReference"))
        return true; /* release by type, old notes by category and date */
    if (!fg_str_eq_c(type, "Observation") && !fg_str_eq_c(type, "DiagnosticReport"))
        return false; /* neither rule applies to any other type */
    if (text.len == 0)
        return false; /* a delete marker: no content to judge */
    /* Unreleased needs a coding whose code is on the list; without escapes a
     * parsed string equals its raw text, so a code absent as a whole JSON
     * string in the text cannot be one. */
    struct fg_str codes[RELEASE_CODES_MAX];
    size_t n = 0;
    if (memchr(text.ptr, '\\', text.len) ||
        !listed_codes(s->release_codes, codes, RELEASE_CODES_MAX, &n))
        return true;
    return text_has_string(text, codes, n);
}

const char *smart_portal_confidential_codes(void)
{
    return "R,V,ETH,SUD,STD,SEX,SDV,HIV,PREGNANCY";
}

const char *smart_portal_growth_codes(void)
{
    return LOINC "|8302-2," LOINC "|8306-3," LOINC "|29463-7," LOINC "|3141-9," LOINC
                 "|39156-5," LOINC "|59576-9," LOINC "|77606-2," LOINC "|9843-4," LOINC
                 "|8287-5," LOINC "|8289-1";
}
