/* index.h - the search index values of one resource.
 *
 * fhir_index_extract walks a parsed resource along the compiled paths of
 * every search parameter of its type (searchparam.h) and returns one entry
 * per value found: a CodeableConcept with three codings gives three token
 * entries, a Period gives one date range, and so on. Backends that keep
 * their own index (SQLite) store these; nothing here knows about storage.
 * Value rules: http://hl7.org/fhir/R4/search.html#ptypes
 */
#ifndef FHIR_INDEX_H
#define FHIR_INDEX_H

#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_error.h"
#include "../core/fg_pool.h"
#include "searchparam.h"

struct fhir_index_entry {
    const struct fhir_searchparam *def;
    /* token: Coding/CodeableConcept/Identifier/ContactPoint/code/boolean/id */
    struct fg_str system;
    struct fg_str code;
    struct fg_str text;      /* display / CodeableConcept.text / Identifier.type.text, normalized; for :text.
                              * string entries: the value as written (for :exact) */
    /* string (normalized: lower case, accents removed) and uri (as is) */
    struct fg_str str;
    /* date: inclusive ms range */
    int64_t lo, hi;
    /* number / quantity */
    double number;
    struct fg_str unit_system;
    struct fg_str unit_code; /* Quantity.code, else Quantity.unit */
    /* reference: "Patient/1" relative → type+id; absolute not on our base → url */
    struct fg_str ref_type;
    struct fg_str ref_id;
    struct fg_str ref_url;
};

/* Extracts the entries of `resource` (of resource type `type`) into a
 * pool-owned array. Values that cannot be indexed (an unparseable date)
 * are skipped, never fatal: validation is not this module's job.
 * The slices of an entry borrow from `resource` (normalized strings from
 * the pool): keep the cJSON tree alive as long as the entries are used.
 * A CodeableConcept gives one entry per coding (text = its display) plus
 * one with only text = CodeableConcept.text. Absolute references fill
 * ref_url and, when the URL ends in Type/id, ref_type/ref_id too (the
 * caller decides whether the base is ours); canonical/uri values of a
 * reference parameter fill ref_url. Composite and special parameters give
 * no entries. An unknown type gives none.
 * FG_ENOMEM only. @test tests/unit/fhir/index_test.c */
enum fg_status fhir_index_extract(struct fg_pool *pool, const cJSON *resource, struct fg_str type,
                                  struct fhir_index_entry **entries, size_t *n_entries);

/* References written as absolute URLs on base_url (this server's FHIR
 * base; empty: none) become type + id, so they match relative searches:
 * "http://host/fhir/Patient/1" -> Patient/1. Other entries are untouched. */
void fhir_index_rebase(struct fg_str base_url, struct fhir_index_entry *e, size_t n);

/* The patient ids whose compartment holds the resource, by the R4 Patient
 * CompartmentDefinition (a Patient is in its own). Pool-owned array (the
 * ids borrow from `resource`); duplicates removed. Only relative
 * references ("Patient/1") count: an absolute URL may name a patient of
 * another server. FG_ENOMEM only. */
enum fg_status fhir_compartment_patients(struct fg_pool *pool, const cJSON *resource,
                                         struct fg_str type, struct fg_str **ids, size_t *n_ids);

/* True when resources of `type` can belong to a patient compartment. */
bool fhir_compartment_type_in_patient(struct fg_str type);

/* Normalizes a string for string search: lower case, Latin accents removed
 * (é → e, ß → ss), white space runs folded to one space and trimmed;
 * other bytes (invalid UTF-8 too) copied as they are. Pool-owned and
 * NUL-terminated; the NULL slice on no memory. */
struct fg_str fhir_normalize_string(struct fg_pool *pool, struct fg_str s);

#endif
