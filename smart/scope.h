/* scope.h - SMART App Launch 2.2 scopes: parse, write, check, narrow.
 *
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 * Grammar (v2): (patient|user|system)/(Type|*).[c][r][u][d][s][?param=value(&param=value)*]
 * with the letters in "cruds" order; v1 suffixes .read (= rs), .write
 * (= cud) and .* (= cruds) are accepted and remembered as v1. Special
 * scopes: openid fhirUser profile launch launch/patient launch/encounter
 * offline_access online_access. Scope tokens follow RFC 6749 §3.3
 * (%x21 / %x23-5B / %x5D-7E, separated by spaces).
 *
 * A token the server does not know (e.g. "https://example.org/x") is kept
 * as SMART_SCOPE_UNKNOWN and may be ignored; a token that looks like a
 * resource scope but is malformed (bad context, bad type characters, empty
 * or out-of-order permissions, broken query) fails the whole parse with
 * FG_EINVAL naming the token (the token endpoint answers invalid_scope).
 *
 * Query parameter values are percent-decoded when parsed and re-encoded
 * (only the bytes that would break the grammar) when written.
 */
#ifndef SMART_SCOPE_H
#define SMART_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define SMART_MAX_SCOPES 256        /* tokens in one scope string */
#define SMART_MAX_SCOPE_PARAMS 8    /* query parameters in one scope */
#define SMART_MAX_SCOPE_FILTERS 32  /* granular scopes that apply to one type */
#define SMART_MAX_TYPE_LEN 64

enum smart_scope_kind {
    SMART_SCOPE_RESOURCE = 0,
    SMART_SCOPE_OPENID,
    SMART_SCOPE_FHIRUSER,
    SMART_SCOPE_PROFILE,
    SMART_SCOPE_LAUNCH,
    SMART_SCOPE_LAUNCH_PATIENT,
    SMART_SCOPE_LAUNCH_ENCOUNTER,
    SMART_SCOPE_OFFLINE_ACCESS,
    SMART_SCOPE_ONLINE_ACCESS,
    SMART_SCOPE_UNKNOWN
};

enum smart_context { SMART_CTX_PATIENT, SMART_CTX_USER, SMART_CTX_SYSTEM };

/* Permission bits, in "cruds" order. */
#define SMART_PERM_C 0x01u
#define SMART_PERM_R 0x02u
#define SMART_PERM_U 0x04u
#define SMART_PERM_D 0x08u
#define SMART_PERM_S 0x10u
#define SMART_PERM_ALL 0x1fu

struct smart_scope_param {
    char *name;  /* owned by the smart_scopes */
    char *value; /* owned; percent-decoded */
};

struct smart_scope {
    enum smart_scope_kind kind;
    /* SMART_SCOPE_RESOURCE only: */
    enum smart_context context;
    char *type;                       /* owned; "*" or a resource type */
    unsigned perms;                   /* SMART_PERM_* bits, never 0 */
    bool v1;                          /* requested as .read/.write/.* */
    struct smart_scope_param *params; /* owned; AND of name=value conditions */
    size_t n_params;
    /* SMART_SCOPE_UNKNOWN only: the token as given (owned). */
    char *text;
};

/* A parsed scope set. Embedded: smart_scopes_init / smart_scopes_cleanup.
 * Exact duplicates are kept once. */
struct smart_scopes {
    struct smart_scope *items; /* owned */
    size_t n, cap;
};

/* The granular filters that apply to one type and interaction. */
struct smart_scope_filters {
    bool unrestricted; /* a scope without query covers the type: no filter */
    size_t n;          /* else: resources matching ANY of these scopes' params (OR of ANDs) */
    const struct smart_scope *scopes[SMART_MAX_SCOPE_FILTERS]; /* borrowed from the set */
};

void smart_scopes_init(struct smart_scopes *s);
/* Frees everything the set owns and leaves it empty. Safe on an empty set. */
void smart_scopes_cleanup(struct smart_scopes *s);

/* Parses a space-separated scope string into s (which must be empty;
 * tokens are appended). FG_ETOOBIG past FG_MAX_SCOPE_BYTES or
 * SMART_MAX_SCOPES tokens, FG_EINVAL on a malformed token (err names it),
 * FG_ENOMEM. On failure s is left empty. Empty input gives an empty set.
 * @test tests/unit/smart/scope_test.c */
enum fg_status smart_scopes_parse(struct fg_str text, struct smart_scopes *s, struct fg_error *err);

/* Appends the canonical string to out: tokens in order, single spaces, v1
 * scopes written as v1 when their permissions still map to .read/.write/.*,
 * otherwise as "cruds" letters. Parsing the output gives the same set. */
enum fg_status smart_scopes_write(const struct smart_scopes *s, struct fg_buf *out);

/* Appends a copy of src to s (skipped when an equal scope is present).
 * FG_ENOMEM, FG_ETOOBIG past SMART_MAX_SCOPES. */
enum fg_status smart_scopes_add(struct smart_scopes *s, const struct smart_scope *src);

/* True when s holds a special scope of that kind. */
bool smart_scopes_has(const struct smart_scopes *s, enum smart_scope_kind kind);

/* The permission bit for an interaction letter c r u d s (0 for others). */
unsigned smart_perm_bit(char interaction);

/* True when some resource scope with this context grants interaction on
 * type (exact type or "*"). A granular scope counts: the caller must then
 * apply smart_scopes_filters_for. */
bool smart_scopes_allows(const struct smart_scopes *s, enum smart_context ctx, struct fg_str type,
                         char interaction);

/* Fills out with the filters for (ctx, type, interaction): unrestricted when
 * any covering scope has no query, else the granular scopes (OR). The
 * pointers borrow from s. FG_EFORBIDDEN when no scope grants it,
 * FG_ETOOBIG past SMART_MAX_SCOPE_FILTERS. */
enum fg_status smart_scopes_filters_for(const struct smart_scopes *s, enum smart_context ctx,
                                        struct fg_str type, char interaction,
                                        struct smart_scope_filters *out);

/* Fills out (empty on entry) with what may be granted of requested under
 * allowed: special scopes both hold; resource scopes narrowed to the common
 * permissions, the more specific type and the narrower query (pairs whose
 * queries are unrelated give nothing); unknown scopes are dropped.
 * FG_ENOMEM / FG_ETOOBIG; on failure out is left empty. */
enum fg_status smart_scopes_intersect(const struct smart_scopes *requested,
                                      const struct smart_scopes *allowed,
                                      struct smart_scopes *out);

/* True when everything narrower grants, wider grants too (refresh may
 * narrow, never widen). Permissions of several wider scopes combine. */
bool smart_scopes_is_subset(const struct smart_scopes *narrower, const struct smart_scopes *wider);

#endif
