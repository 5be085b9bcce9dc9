/* portal.h - the patient-portal rules as pure functions of a clock value.
 *
 * Rules and defaults: /work/shared/docs/portal-rules.md. Nothing here reads
 * a database or the wall clock: every function takes `now` (µs since the
 * epoch, from the server's fg_clock) or a local day, so tests pin time on
 * both sides of a birthday. The per-request glue (which relationship a
 * token's user has to its patient, filtering results, narrowing searches)
 * is portal_access.h; the policy module calls that.
 *
 * Decisions written down here:
 * - "Today" is the calendar day in the deployment's time zone (setting
 *   portal_time_zone, an IANA name such as America/Chicago, read from the
 *   tz database by core/fg_tz.h, so daylight saving time is followed), or
 *   else at a fixed UTC offset (setting portal_utc_offset, minutes;
 *   default 0 = UTC). A birthday starts at local midnight. The local day
 *   of any instant (a note's date too) comes from smart_portal_today.
 * - A 29 February birthday falls on 1 March in common years (the person
 *   has not completed the year until 28 February has ended).
 * - A partial birthDate ("2013", "2013-05") is taken at its earliest day,
 *   so the patient is never younger than they could be: teen
 *   confidentiality and the end of child proxy access never come late.
 *   A missing or bad birthDate makes the age unknown: a child proxy then
 *   sees nothing (SMART_VIEW_NONE); the patient's own view and an adult
 *   proxy do not depend on it.
 * - A minor's proxy follows the age table whatever its kind (a court
 *   guardian of a 15-year-old sees the teen view); the kind matters from
 *   18: child kinds (parent, guardian) end, adult kinds (adult,
 *   court-guardian) continue until adult_proxy_years after their start or
 *   their own expiry, whichever comes first.
 * - An own account of a patient under own_account_min_age sees nothing.
 * - Confidential: any meta.security code R or V (v3-Confidentiality) or a
 *   sensitivity code (ETH SUD STD SEX SDV HIV PREGNANCY), matched by code
 *   in any system, so the same test can narrow a search
 *   (`_security:not=R,V,...`) and filter a resource.
 * - Limited (teen-proxy) classes: Patient, Immunization,
 *   AllergyIntolerance, Appointment, Encounter with status planned (a
 *   booked visit), and Observation whose code has a LOINC growth-chart
 *   code (height/length, weight, BMI, head circumference and their
 *   pediatric percentiles).
 * - Release: an Observation or DiagnosticReport with a code or category,
 *   or a DocumentReference with a type or category (the same report as a
 *   document), on the delayed-release list (setting release_delay_codes,
 *   "system|code" or "code" items separated by commas) is hidden from
 *   portal views until it carries meta.tag SMART_PORTAL_RELEASE_SYSTEM|
 *   released (set by an operator or the upstream), or release_delay_days
 *   after `issued` (a DocumentReference: `date`; else meta.lastUpdated;
 *   neither → hidden until released).
 * - Old notes: a DocumentReference with category clinical-note whose
 *   `date` (else context.period.start) is more than note_max_years before
 *   today is unavailable; undated notes stay available.
 */
#ifndef SMART_PORTAL_H
#define SMART_PORTAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"
#include "../core/fg_tz.h"
#include "authdb_accounts.h"

/* meta.tag system|code that marks a delayed-release result as released. */
#define SMART_PORTAL_RELEASE_SYSTEM "urn:fhirgate:portal-release"
#define SMART_PORTAL_RELEASE_CODE "released"

#define SMART_PORTAL_CODES_MAX 1024 /* bytes of the release_delay_codes setting */

struct smart_portal_settings {
    int own_account_min_age; /* [own_account_min_age] 13 */
    int teen_age;            /* [teen_proxy_age] 13: proxies see the limited view from here */
    int adult_age;           /* [adult_age] 18: child proxy access ends */
    int adult_proxy_years;   /* [adult_proxy_years] 5 */
    int release_delay_days;  /* [release_delay_days] 4 */
    int note_max_years;      /* [note_max_years] 3 */
    int activation_days;     /* [activation_days] 14 */
    int utc_offset_min;      /* [portal_utc_offset] 0; used when tz is NULL */
    const struct fg_tz *tz;  /* [portal_time_zone] borrowed (immutable, shared by threads);
                                NULL = the fixed utc_offset_min */
    char release_codes[SMART_PORTAL_CODES_MAX]; /* [release_delay_codes] */
};

/* The defaults of portal-rules.md (pathology results on the delayed list). */
void smart_portal_settings_default(struct smart_portal_settings *s);

enum smart_portal_view {
    SMART_VIEW_NONE = 0, /* nothing of this patient */
    SMART_VIEW_LIMITED,  /* teen proxy: the limited classes, never confidential */
    SMART_VIEW_FULL,     /* proxy with the whole record (child 0-12, adult proxy) */
    SMART_VIEW_SELF      /* the patient's own account: the whole record */
};

/* "none", "limited", "full", "self". */
const char *smart_portal_view_name(enum smart_portal_view v);

/* The local calendar day (days since 1970-01-01) of the instant now_us in
 * the settings' zone (tz), else at their fixed offset. Every age, birthday
 * and note-age decision takes its day from here.
 * @test tests/unit/smart/portal_test.c */
int64_t smart_portal_today(const struct smart_portal_settings *s, int64_t now_us);

/* Age in whole years on local day `today` of a FHIR birthDate (YYYY,
 * YYYY-MM or YYYY-MM-DD; partial dates at their earliest day).
 * FG_EINVAL for anything else or a birth after today; *age untouched then.
 * @test tests/unit/smart/portal_test.c */
enum fg_status smart_portal_age(struct fg_str birth_date, int64_t today, int *age);

/* The view an account gets of a patient at now_us: self (proxy NULL) or
 * through proxy (in force or not: start, expiry and revocation are checked
 * here too). birth_date may be empty (unknown).
 * @test tests/unit/smart/portal_test.c */
enum smart_portal_view smart_portal_view_for(const struct smart_portal_settings *s, int64_t now_us,
                                             struct fg_str birth_date, bool self,
                                             const struct smart_proxy *proxy);

#define SMART_PORTAL_MAX_PROXIES 32

/* What the rules need to know about an account: its own patient and its
 * proxy relations (any state: the view checks start, expiry, revocation). */
struct smart_portal_facts {
    char own_patient[SMART_MAX_PATIENT_ID + 1]; /* "" when none */
    struct smart_proxy proxies[SMART_PORTAL_MAX_PROXIES];
    size_t n_proxies;
};

/* The view an account with facts f has of patient at now_us: its own
 * record (self), else the widest view any of its proxies for that patient
 * gives. @test tests/unit/smart/portal_test.c */
enum smart_portal_view smart_portal_view_of(const struct smart_portal_settings *s, int64_t now_us,
                                            const struct smart_portal_facts *f,
                                            struct fg_str patient_id, struct fg_str birth_date);

/* Why a resource is hidden from a view (SMART_HIDE_NONE = visible). */
enum smart_portal_hide {
    SMART_HIDE_NONE = 0,
    SMART_HIDE_NO_ACCESS,    /* view NONE */
    SMART_HIDE_CLASS,        /* not in the limited classes */
    SMART_HIDE_CONFIDENTIAL, /* confidential, limited view */
    SMART_HIDE_UNRELEASED,   /* delayed-release result not released yet */
    SMART_HIDE_OLD_NOTE      /* clinical note older than note_max_years */
};

/* True when resource (a parsed FHIR resource, borrowed) is labelled confidential. */
bool smart_portal_confidential(const cJSON *resource);
/* True when it belongs to the limited (teen-proxy) classes. */
bool smart_portal_limited_class(const cJSON *resource);
/* True when it is a delayed-release result not released at now_us. */
bool smart_portal_unreleased(const struct smart_portal_settings *s, int64_t now_us,
                             const cJSON *resource);
/* True when it is a clinical note too old to be shown at now_us. */
bool smart_portal_old_note(const struct smart_portal_settings *s, int64_t now_us,
                           const cJSON *resource);

/* The whole decision for one resource of the patient's record.
 * @test tests/unit/smart/portal_test.c */
enum smart_portal_hide smart_portal_check(const struct smart_portal_settings *s, int64_t now_us,
                                          enum smart_portal_view view, const cJSON *resource);

/* False when smart_portal_check(s, now, view, doc) is SMART_HIDE_NONE at
 * every time for every parse doc of `text`, a stored resource of `type`:
 * the caller may then skip parsing it. Conservative: true for the limited
 * view, for types the release and old-note rules judge by content
 * (DocumentReference), and for results whose text names a delayed-release
 * code as a JSON string or holds any escape (a code could hide in it).
 * @test tests/unit/smart/portal_test.c */
bool smart_portal_needs_content(const struct smart_portal_settings *s, enum smart_portal_view view,
                                struct fg_str type, struct fg_str text);

/* The confidentiality codes as one `_security:not=` value ("R,V,ETH,..."). */
const char *smart_portal_confidential_codes(void);
/* The growth-chart codes as one `code=` value ("http://loinc.org|8302-2,..."). */
const char *smart_portal_growth_codes(void);

#endif
