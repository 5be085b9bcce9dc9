/* search.h - a FHIR search request, parsed and typed.
 *
 * fhir_search_parse turns the decoded name/value pairs of a search (from a
 * GET query or a POST _search form) into a struct fhir_query that any store
 * backend can execute. It knows nothing of HTTP, tokens or permissions: the
 * policy module narrows a parsed query (fhir_query_add_*) before a store
 * sees it. Spec: http://hl7.org/fhir/R4/search.html
 *
 * Everything a query points to is owned by the pool it was parsed into.
 */
#ifndef FHIR_SEARCH_H
#define FHIR_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "../core/fg_str.h"
#include "date.h"
#include "searchparam.h"

enum fhir_prefix {
    FHIR_PREFIX_NONE, /* no prefix given: eq semantics */
    FHIR_PREFIX_EQ,
    FHIR_PREFIX_NE,
    FHIR_PREFIX_GT,
    FHIR_PREFIX_LT,
    FHIR_PREFIX_GE,
    FHIR_PREFIX_LE,
    FHIR_PREFIX_SA,
    FHIR_PREFIX_EB,
    FHIR_PREFIX_AP
};

enum fhir_modifier {
    FHIR_MOD_NONE,
    FHIR_MOD_MISSING,
    FHIR_MOD_EXACT,
    FHIR_MOD_CONTAINS,
    FHIR_MOD_NOT,
    FHIR_MOD_TEXT,
    FHIR_MOD_ABOVE,
    FHIR_MOD_BELOW,
    FHIR_MOD_IN,
    FHIR_MOD_NOT_IN,
    FHIR_MOD_OF_TYPE,
    FHIR_MOD_IDENTIFIER,
    FHIR_MOD_TYPE /* reference restricted to a type: subject:Patient */
};

/* One value of a comma-separated OR list, typed by the parameter. */
struct fhir_search_value {
    enum fhir_prefix prefix;
    struct fg_str text;              /* the value as given, decoded, without prefix */
    /* token: "code", "system|code", "|code", "system|" */
    bool has_system;                 /* a '|' was present */
    struct fg_str system;            /* empty with has_system = "no system" */
    struct fg_str code;              /* empty = any code in the system */
    /* date */
    struct fhir_date_range range;
    /* number and quantity: the value and its implicit precision range */
    double number;
    double number_lo, number_hi;
    struct fg_str unit_system;       /* quantity "5.4|http://unitsofmeasure.org|mg" */
    struct fg_str unit_code;
    /* reference: "Patient/1", "1", "http://our-base/Patient/1" */
    struct fg_str ref_type;          /* empty when not given */
    struct fg_str ref_id;
    struct fg_str ref_url;           /* absolute URL not on our base */
    /* :missing */
    bool missing;
};

struct fhir_search_param;

/* A chained parameter: subject:Patient.name=peter means "subject refers to
 * a Patient whose name matches peter". */
struct fhir_chain {
    struct fg_str target_type;           /* "Patient" */
    struct fhir_search_param *inner;     /* the parameter on the target */
};

/* One parameter occurrence. Repeated occurrences are ANDed; its values are ORed.
 * A chained parameter (chain != NULL) has no values of its own: they are on
 * the innermost chain->inner. */
struct fhir_search_param {
    const struct fhir_searchparam *def;  /* static table row */
    struct fg_str name;                  /* as written, without modifier */
    enum fhir_modifier modifier;
    struct fg_str modifier_type;         /* :Patient for FHIR_MOD_TYPE */
    struct fhir_chain *chain;            /* NULL unless chained */
    struct fhir_search_value *values;
    size_t n_values;
    bool from_policy;                    /* added by the policy module: never in links */
};

enum fhir_summary {
    FHIR_SUMMARY_NONE,
    FHIR_SUMMARY_TRUE,
    FHIR_SUMMARY_COUNT,
    FHIR_SUMMARY_TEXT,
    FHIR_SUMMARY_DATA,
    FHIR_SUMMARY_FALSE
};

enum fhir_total { FHIR_TOTAL_ACCURATE, FHIR_TOTAL_NONE, FHIR_TOTAL_ESTIMATE };

struct fhir_sort {
    const struct fhir_searchparam *def;  /* NULL for _id / _lastUpdated specials */
    struct fg_str name;
    bool descending;
};

struct fhir_include {
    bool reverse;                /* _revinclude */
    bool iterate;                /* :iterate (or :recurse) */
    bool wildcard;               /* _include=* / Observation:* */
    struct fg_str source_type;   /* Observation in _include=Observation:subject */
    const struct fhir_searchparam *def;  /* the reference parameter; NULL for wildcard */
    struct fg_str target_type;   /* optional :Patient; empty = any */
};

/* A parameter the server did not use: listed so the self link can leave
 * it out and strict handling can refuse it. */
struct fhir_ignored_param {
    struct fg_str name;
    struct fg_str reason;
};

struct fhir_query {
    struct fg_str type;                   /* the resource type searched */
    struct fhir_search_param *params;
    size_t n_params;
    struct fhir_sort *sorts;
    size_t n_sorts;
    struct fhir_include *includes;
    size_t n_includes;
    struct fhir_ignored_param *ignored;
    size_t n_ignored;
    struct fg_str *elements;              /* _elements */
    size_t n_elements;
    int count;                            /* _count (resolved: default applied) */
    enum fhir_summary summary;
    enum fhir_total total;
    struct fg_str cursor;                 /* _cursor: opaque paging position */
    /* Set by the policy module only: restrict to these patients' compartments
     * (matches, and the resources chained parameters test: those must be in
     * one of these compartments or in none). */
    struct fg_str *compartment_patients;
    size_t n_compartment_patients;
};

/* One decoded name=value pair from a query string or form body. */
struct fhir_kv {
    struct fg_str name;
    struct fg_str value;
};

enum fhir_search_handling { FHIR_HANDLING_LENIENT, FHIR_HANDLING_STRICT };

/* Splits a raw application/x-www-form-urlencoded string (a query string
 * without '?', or a POST body) into decoded pairs, allocated in pool.
 * Empty pairs and pairs without a name are skipped; "name" alone has an
 * empty value. FG_EINVAL (err filled, naming the parameter) on a bad
 * %-escape, decoded bytes that are not UTF-8 or are control characters
 * (NUL, overlong forms, surrogates), or more than max_pairs pairs (issue
 * code too-costly).
 * @test tests/unit/fhir/search_test.c */
enum fg_status fhir_form_parse(struct fg_pool *pool, struct fg_str raw, size_t max_pairs,
                               struct fhir_kv **pairs, size_t *n_pairs, struct fg_error *err);

/* Parses the pairs of a search on `type` into *out (pool-owned); on
 * failure *out is untouched.
 * base_url is this server's FHIR base ("http://host/fhir"): a reference
 * value that is an absolute URL on it is treated as relative.
 * Unknown parameters, composite and special ones, and _contained,
 * _containedType, _has, _list, _query, _filter, _text, _content are
 * recorded in out->ignored under lenient handling and refused under strict
 * handling (unknown: FG_EINVAL; the others: FG_ENOTSUP). A parameter with
 * an empty value is ignored under both. _format and _pretty are skipped
 * silently. Malformed values (a bad date, an unknown prefix or modifier,
 * a modifier that does not apply to the type, _count=abc) always give
 * FG_EINVAL with err naming the parameter; a modifier FHIR defines but the
 * server cannot evaluate (:above/:below/:in/:not-in/:of-type on a token,
 * :above/:below on a reference) gives FG_ENOTSUP. _count above
 * FG_MAX_COUNT is lowered to it. Over FG_MAX_SEARCH_PARAMS parameters,
 * FG_MAX_SEARCH_VALUES values or FG_MAX_INCLUDES includes: FG_EINVAL
 * (issue code too-costly).
 * @test tests/unit/fhir/search_test.c */
enum fg_status fhir_search_parse(struct fg_pool *pool, struct fg_str type, struct fg_str base_url,
                                 const struct fhir_kv *pairs, size_t n_pairs,
                                 enum fhir_search_handling handling, struct fhir_query *out,
                                 struct fg_error *err);

/* Writes the query's client-visible parameters back as a canonical query
 * string (no leading '?'; policy parameters, _cursor and ignored parameters
 * left out; _count only when not the default) into buf: filters in their
 * order, then _sort, _include/_revinclude, _elements, _summary, _total,
 * _count. It parses back to the same query. Used for the Bundle's self
 * link and paging links. FG_ETOOBIG / FG_ENOMEM from buf. */
struct fg_buf;
enum fg_status fhir_search_write_query(const struct fhir_query *q, struct fg_buf *buf);

/* The query as another FHIR server should run it (upstream mode): like
 * fhir_search_write_query, but with the policy parameters (a dropped one
 * would widen access), without _summary and _elements (the gateway applies
 * them to full resources, which policy needs), and with _count always;
 * a patient parameter defined on a reference restricted to Patient goes
 * as that reference, _include=* as one _include per reference parameter.
 * The compartment restriction is not written (the caller maps it). */
enum fg_status fhir_search_write_upstream_query(const struct fhir_query *q, struct fg_buf *buf);

/* The target type of a reference search value: as written ("Patient/1"),
 * from a :Type modifier, or the parameter's only target type ("patient"
 * targets Patient only); empty when open. */
struct fg_str fhir_search_ref_type(const struct fhir_search_param *p,
                                   const struct fhir_search_value *v);

/* Adds a policy restriction: the query may only match resources in the
 * compartment of one of the given patients. Pool-owned copy. A second call
 * narrows to the intersection with the first. FG_EINVAL for n == 0 or an
 * id that is not a FHIR id; FG_EFORBIDDEN when the intersection is empty
 * (the query is then unchanged: the caller must refuse it). */
enum fg_status fhir_query_restrict_compartment(struct fg_pool *pool, struct fhir_query *q,
                                               const struct fg_str *patient_ids, size_t n);

/* Adds a parameter from the policy module (ANDed, never shown in links),
 * parsed like a client's: e.g. name "category", value "sys|code,sys|code2".
 * Strict: an unknown or unsupported parameter, a result parameter (_count,
 * _include, ...) or an empty value is FG_EINVAL, since a dropped policy
 * filter would widen access. q is unchanged on failure. */
enum fg_status fhir_query_add_policy_param(struct fg_pool *pool, struct fhir_query *q,
                                           struct fg_str name, struct fg_str value,
                                           struct fg_error *err);

#endif
