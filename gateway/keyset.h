/* keyset.h - the signing keys a running server uses and publishes, kept
 * current while it runs.
 *
 * A keyset is one immutable snapshot: the keyring (the current key signs
 * id_tokens) and the public JWKS built from it. The holder hands out
 * reference-counted snapshots, so a request keeps using the one it got
 * while a newer one replaces it. A new snapshot is built
 *  - when the stored keys changed (`fhirgate keys rotate` in another
 *    process): the holder compares smart_authdb_keys_stamp at most once per
 *    FG_KEYSET_RECHECK_US of monotonic time, and
 *  - when a retired key's retire time passes (it leaves the JWKS then:
 *    every token it signed has expired).
 */
#ifndef FG_KEYSET_H
#define FG_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fg_str.h"
#include "../smart/authdb.h"
#include "../smart/authdb_keys.h"
#include "../smart/keys.h"

#define FG_KEYSET_RECHECK_US 1000000

struct fg_keyset {
    struct smart_keyring ring; /* read-only while referenced */
    struct fg_str jwks;        /* {"keys":[...]}: every key not retired at build time */
    int64_t refresh_at;        /* the earliest future retire time in the ring; 0 = none */
    size_t refs;               /* the holder's; guarded by its lock */
    char *jwks_text;           /* owns jwks */
};

struct fg_keyset_holder;

/* Loads the stored keys (creating a first key when there is none, see
 * smart_authdb_keys_ensure) and builds the first snapshot at now_s. Caller
 * owns *out (fg_keyset_holder_close). @test tests/unit/gateway/keyset_test.c */
enum fg_status fg_keyset_holder_open(struct smart_authdb *db, int64_t now_s, int64_t mono_us,
                                     struct fg_keyset_holder **out);

/* Frees the holder and its snapshot; every snapshot must have been put
 * back. Sets *h to NULL; NULL-safe. */
void fg_keyset_holder_close(struct fg_keyset_holder **h);

/* True when fg_keyset_get wants a database connection: a stamp check is
 * due or a retire time has passed. */
bool fg_keyset_check_due(struct fg_keyset_holder *h, int64_t now_s, int64_t mono_us);

/* The current snapshot with a reference taken (give it back with
 * fg_keyset_put). With db non-NULL it first rebuilds the snapshot when a
 * retire time has passed or, a check being due, the stored keys changed. A failed
 * rebuild keeps the old snapshot (*rebuild_failed set, may be NULL). Never NULL. */
const struct fg_keyset *fg_keyset_get(struct fg_keyset_holder *h, struct smart_authdb *db,
                                      int64_t now_s, int64_t mono_us, bool *rebuild_failed);

/* Drops the reference from fg_keyset_get. */
void fg_keyset_put(struct fg_keyset_holder *h, const struct fg_keyset *ks);

#endif
