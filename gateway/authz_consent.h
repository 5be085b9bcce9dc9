/* authz_consent.h - the consent page's permission list: each requested
 * scope in plain language (catalogue in i18n_*.c), with the exact scope
 * string its checkbox grants, and for Condition and Observation the
 * category sub-scopes a patient may grant instead of the whole type
 * (ONC (g)(10) G-5; SMART 2.2 "finer-grained resource constraints").
 *
 * Categories offered (system|code):
 *   Condition: condition-category encounter-diagnosis, problem-list-item;
 *              US Core condition-category health-concern.
 *   Observation: observation-category laboratory, social-history,
 *              vital-signs, survey; US Core us-core-category sdoh and
 *              clinical-test. "Clinical Test" (G-6) maps to
 *              http://hl7.org/fhir/us/core/CodeSystem/us-core-category|clinical-test,
 *              the category of US Core 5's Observation Clinical Test profile.
 * Sub-scopes carry only the read/search letters the request held.
 */
#ifndef FG_AUTHZ_CONSENT_H
#define FG_AUTHZ_CONSENT_H

#include <stdbool.h>
#include <stddef.h>

#include "../smart/scope.h"
#include "i18n.h"

#define FG_CONSENT_MAX_ITEMS 128
#define FG_CONSENT_SCOPE_MAX 512
#define FG_CONSENT_TEXT_MAX 256

struct fg_consent_item {
    char scope[FG_CONSENT_SCOPE_MAX]; /* the exact scope string the checkbox grants */
    char text[FG_CONSENT_TEXT_MAX];   /* plain language in the page language */
    bool sub;                         /* a category sub-scope of the item before it */
};

struct fg_consent_list {
    struct fg_consent_item items[FG_CONSENT_MAX_ITEMS];
    size_t n;
    bool offline; /* offline_access was asked: show the notice */
};

/* Builds the list for the requested (already narrowed) scopes in lang.
 * Unknown scope kinds and "launch" / "launch/encounter" are not shown.
 * FG_ETOOBIG when there are more than FG_CONSENT_MAX_ITEMS items or a
 * scope string does not fit. @test tests/unit/gateway/authz_consent_test.c */
enum fg_status fg_consent_build(const struct smart_scopes *requested, enum fg_lang lang,
                                struct fg_consent_list *out);

/* The granted scope string from the checked values: each value must be
 * exactly one of list's scope strings (anything else: FG_EINVAL, the form
 * is never trusted); duplicates count once; order follows the list.
 * FG_ENOTFOUND when nothing was checked. out gets "a b c". */
enum fg_status fg_consent_granted(const struct fg_consent_list *list, const struct fg_str *values,
                                  size_t n_values, struct fg_buf *out);

#endif
