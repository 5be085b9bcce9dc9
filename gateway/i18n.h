/* i18n.h - the texts of the patient-facing /auth pages, one catalogue per
 * language (gateway/i18n_en.c, gateway/i18n_es.c), and the language choice
 * from Accept-Language (RFC 9110 §12.5.4, quality values) or "lang=".
 * Every message exists in every language (tests/unit/gateway/i18n_test.c).
 */
#ifndef FG_I18N_H
#define FG_I18N_H

#include "../core/fg_str.h"

enum fg_lang { FG_LANG_EN = 0, FG_LANG_ES, FG_LANG_COUNT };

enum fg_msg {
    FG_MSG_HTML_LANG,        /* "en" */
    FG_MSG_SWITCH_LABEL,     /* the link to the other language, in that language */
    FG_MSG_SWITCH_TO,        /* the other language's code ("es") */
    FG_MSG_SIGNIN_TITLE,
    FG_MSG_SIGNIN_INTRO,     /* "%s" = the app's name is shown separately */
    FG_MSG_USERNAME,
    FG_MSG_PASSWORD,
    FG_MSG_SIGNIN_BUTTON,
    FG_MSG_BAD_CREDENTIALS,
    FG_MSG_LOCKED,
    FG_MSG_PICK_TITLE,
    FG_MSG_PICK_INTRO,
    FG_MSG_PICK_SELF,        /* suffix after the user's own record */
    FG_MSG_CONTINUE,
    FG_MSG_PICK_REQUIRED,
    FG_MSG_CONSENT_TITLE,
    FG_MSG_CONSENT_INTRO,    /* after the app's name: "wants to:" */
    FG_MSG_CONSENT_FOR,      /* "For the record of" */
    FG_MSG_OFFLINE_NOTICE,
    FG_MSG_ALLOW,
    FG_MSG_DENY,
    FG_MSG_NOTHING_CHOSEN,
    FG_MSG_ERROR_TITLE,
    FG_MSG_ERR_CLIENT,
    FG_MSG_ERR_REDIRECT,
    FG_MSG_ERR_CSRF,
    FG_MSG_ERR_EXPIRED,
    FG_MSG_ERR_INTERNAL,
    /* consent: how a permission reads ("Read" + " " + noun) */
    FG_MSG_VERB_READ,
    FG_MSG_VERB_WRITE,
    FG_MSG_VERB_READ_WRITE,
    FG_MSG_SCOPE_OPENID,
    FG_MSG_SCOPE_FHIRUSER,
    FG_MSG_SCOPE_PROFILE,
    FG_MSG_SCOPE_LAUNCH_PATIENT,
    FG_MSG_SCOPE_OFFLINE,
    FG_MSG_SCOPE_ONLINE,
    FG_MSG_NOUN_ALL,         /* "*" */
    FG_MSG_NOUN_OTHER,       /* a type without its own noun: "%s records" style suffix */
    FG_MSG_NOUN_ALLERGY,
    FG_MSG_NOUN_CAREPLAN,
    FG_MSG_NOUN_CARETEAM,
    FG_MSG_NOUN_CONDITION,
    FG_MSG_NOUN_COVERAGE,
    FG_MSG_NOUN_DEVICE,
    FG_MSG_NOUN_REPORT,
    FG_MSG_NOUN_DOCUMENT,
    FG_MSG_NOUN_ENCOUNTER,
    FG_MSG_NOUN_GOAL,
    FG_MSG_NOUN_IMMUNIZATION,
    FG_MSG_NOUN_LOCATION,
    FG_MSG_NOUN_MEDICATION,
    FG_MSG_NOUN_MEDREQUEST,
    FG_MSG_NOUN_OBSERVATION,
    FG_MSG_NOUN_ORGANIZATION,
    FG_MSG_NOUN_PATIENT,
    FG_MSG_NOUN_PRACTITIONER,
    FG_MSG_NOUN_PROCEDURE,
    FG_MSG_NOUN_PROVENANCE,
    FG_MSG_NOUN_QUESTIONNAIRE_RESPONSE,
    FG_MSG_NOUN_RELATED_PERSON,
    FG_MSG_NOUN_SERVICE_REQUEST,
    FG_MSG_NOUN_SPECIMEN,
    /* Condition and Observation categories (G-5) */
    FG_MSG_NOUN_COND_ENCOUNTER_DX,
    FG_MSG_NOUN_COND_PROBLEM,
    FG_MSG_NOUN_COND_HEALTH_CONCERN,
    FG_MSG_NOUN_OBS_LAB,
    FG_MSG_NOUN_OBS_SOCIAL,
    FG_MSG_NOUN_OBS_VITALS,
    FG_MSG_NOUN_OBS_SURVEY,
    FG_MSG_NOUN_OBS_SDOH,
    FG_MSG_NOUN_OBS_CLINICAL_TEST,
    /* linked apps (apps_pages.c) */
    FG_MSG_APPS_TITLE,
    FG_MSG_APPS_SIGNIN_INTRO,
    FG_MSG_APPS_SELF,
    FG_MSG_APPS_OTHER,
    FG_MSG_APPS_NONE,
    FG_MSG_APPS_MAY,
    FG_MSG_APPS_AUTHORIZED,
    FG_MSG_APPS_LAST_USED,
    FG_MSG_APPS_NEVER,
    FG_MSG_APPS_DID,
    FG_MSG_APPS_COL_TYPE,
    FG_MSG_APPS_COL_READ,
    FG_MSG_APPS_COL_WRITTEN,
    FG_MSG_APPS_NEWEST,
    FG_MSG_APPS_ALL_ACTIVITY,
    FG_MSG_APPS_NOTHING_YET,
    FG_MSG_APPS_REVOKE,
    FG_MSG_APPS_REVOKED,
    FG_MSG_APPS_REVOKED_ON,
    FG_MSG_APPS_REVOKED_DONE,
    FG_MSG_APPS_PROXIES_TITLE,
    FG_MSG_APPS_PROXIES_NONE,
    FG_MSG_APPS_PROXY_PARENT,
    FG_MSG_APPS_PROXY_GUARDIAN,
    FG_MSG_APPS_PROXY_ADULT,
    FG_MSG_APPS_PROXY_COURT,
    FG_MSG_APPS_PROXY_SINCE,
    FG_MSG_APPS_PROXY_UNTIL,
    FG_MSG_APPS_PROXY_REVOKE,
    FG_MSG_APPS_PROXY_REVOKED_DONE,
    FG_MSG_APPS_SIGNOUT,
    FG_MSG_APPS_ACTIVITY_TITLE,
    FG_MSG_APPS_BACK,
    FG_MSG_APPS_COL_WHEN,
    FG_MSG_APPS_COL_WHAT,
    FG_MSG_APPS_COL_RESULT,
    FG_MSG_APPS_RESULT_OK,
    FG_MSG_APPS_RESULT_REFUSED,
    FG_MSG_APPS_ACT_READ,
    FG_MSG_APPS_ACT_SEARCH,
    FG_MSG_APPS_ACT_CREATE,
    FG_MSG_APPS_ACT_UPDATE,
    FG_MSG_APPS_ACT_DELETE,
    FG_MSG_APPS_ACT_OTHER,
    FG_MSG_APPS_NOT_YOURS,
    /* the wearables pages (portal_wear.c) */
    FG_MSG_WEAR_TITLE,
    FG_MSG_WEAR_INTRO,
    FG_MSG_WEAR_SIGNIN_INTRO,
    FG_MSG_WEAR_UPLOAD_TITLE,
    FG_MSG_WEAR_UPLOAD_HELP,
    FG_MSG_WEAR_FILE,
    FG_MSG_WEAR_SOURCE,
    FG_MSG_WEAR_APPLE,
    FG_MSG_WEAR_GOOGLE,
    FG_MSG_WEAR_IMPORT_BUTTON,
    FG_MSG_WEAR_MANUAL_TITLE,
    FG_MSG_WEAR_MANUAL_HELP,
    FG_MSG_WEAR_WHAT,
    FG_MSG_WEAR_WEIGHT,
    FG_MSG_WEAR_BP,
    FG_MSG_WEAR_GLUCOSE,
    FG_MSG_WEAR_STEPS,
    FG_MSG_WEAR_WHEN,
    FG_MSG_WEAR_ZONE,
    FG_MSG_WEAR_VALUE,
    FG_MSG_WEAR_UNIT,
    FG_MSG_WEAR_SYSTOLIC,
    FG_MSG_WEAR_DIASTOLIC,
    FG_MSG_WEAR_SAVE,
    FG_MSG_WEAR_SAVED,
    FG_MSG_WEAR_ALREADY,
    FG_MSG_WEAR_BAD_FIELD,
    FG_MSG_WEAR_RESULT_NEW,
    FG_MSG_WEAR_RESULT_KNOWN,
    FG_MSG_WEAR_RESULT_SKIPPED,
    FG_MSG_WEAR_BAD_FILE,
    FG_MSG_WEAR_NO_RECORD,
    FG_MSG_WEAR_SIGNOUT,
    /* /account/signup (gateway/signup.c) */
    FG_MSG_SIGNUP_TITLE,
    FG_MSG_SIGNUP_INTRO,
    FG_MSG_ACTIVATION_CODE,
    FG_MSG_PASSWORD_REPEAT,
    FG_MSG_SIGNUP_RULES,
    FG_MSG_SIGNUP_BUTTON,
    FG_MSG_SIGNUP_BAD_CODE,
    FG_MSG_SIGNUP_TOO_YOUNG,
    FG_MSG_SIGNUP_TAKEN,
    FG_MSG_SIGNUP_HAS_ACCOUNT,
    FG_MSG_SIGNUP_MISMATCH,
    FG_MSG_SIGNUP_DONE_TITLE,
    FG_MSG_SIGNUP_DONE,
    FG_MSG_RULE_USERNAME_LENGTH,
    FG_MSG_RULE_USERNAME_CHARS,
    FG_MSG_RULE_PASSWORD_SHORT,
    FG_MSG_RULE_PASSWORD_LONG,
    FG_MSG_RULE_PASSWORD_NO_UPPER,
    FG_MSG_RULE_PASSWORD_NO_LOWER,
    FG_MSG_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL,
    FG_MSG_RULE_PASSWORD_HAS_USERNAME,
    FG_MSG_SCOPE_LAUNCH,
    FG_MSG_SCOPE_LAUNCH_ENCOUNTER,
    FG_MSG_LAUNCH_OTHER_USER,
    FG_MSG_LAUNCH_NO_ACCESS,
    FG_MSG_LAUNCH_NO_PATIENT,
    FG_MSG_APPS_OPEN_TITLE,
    FG_MSG_APPS_OPEN_INTRO,
    FG_MSG_APPS_OPEN_BUTTON,
    FG_MSG_APPS_OPEN_WITH,
    FG_MSG_APPS_OPEN_FAILED,
    FG_MSG_COUNT
};

/* The catalogues (one array per language, indexed by enum fg_msg). */
extern const char *const fg_i18n_en[FG_MSG_COUNT];
extern const char *const fg_i18n_es[FG_MSG_COUNT];

/* The text of msg in lang (English for an unknown language). Never NULL
 * for a complete catalogue. */
const char *fg_i18n(enum fg_lang lang, enum fg_msg msg);

/* The language code "en" / "es" to lang; false for anything else. */
bool fg_lang_from_code(struct fg_str code, enum fg_lang *out);

/* Picks the page language from an Accept-Language header value: the
 * supported language with the highest quality (ties: the first listed;
 * "es-MX" counts as es; q=0 excludes; "*" means English). English when
 * nothing supported is listed or the header is absent or malformed.
 * @test tests/unit/gateway/i18n_test.c */
enum fg_lang fg_lang_negotiate(struct fg_str accept_language);

#endif
