/* authdb_keys.h - storing the server's signing keys (keys.h) in the auth database.
 *
 * The private JWKs sit in the signing_keys table of the owner-only auth
 * database file. smart_authdb_keys_ensure is what server start calls: it
 * loads the ring and, if there is no key yet, creates and stores one under
 * the write lock (so two processes starting together end up with one key).
 */
#ifndef SMART_AUTHDB_KEYS_H
#define SMART_AUTHDB_KEYS_H

#include "authdb.h"
#include "keys.h"

/* Loads every stored key into ring (empty on entry). FG_EINVAL when a row
 * does not hold a usable key. @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_keys_load(struct smart_authdb *db, struct smart_keyring *ring);

/* Inserts or updates one key (its private JWK, created and retire times). */
enum fg_status smart_authdb_key_save(struct smart_authdb *db, const struct smart_signing_key *key);

/* What changes whenever the stored keys do (a key added, retired or
 * deleted): cheap to read, so a running server can poll it and reload the
 * ring when another process (`fhirgate keys rotate`) changed the keys. */
struct smart_keys_stamp {
    int64_t n;           /* rows */
    int64_t created_sum; /* sum of created_at */
    int64_t retire_sum;  /* sum of retire_at */
};
enum fg_status smart_authdb_keys_stamp(struct smart_authdb *db, struct smart_keys_stamp *out);

/* Loads the ring; creates, stores and adds a first key when there is none. */
enum fg_status smart_authdb_keys_ensure(struct smart_authdb *db, struct smart_keyring *ring);

/* Rotates (smart_keyring_rotate at now) and stores the result: the new key,
 * the old one's retire time, and deletes pruned keys. On failure the
 * database is unchanged (the ring may hold the new key: reload it). */
enum fg_status smart_authdb_keys_rotate(struct smart_authdb *db, struct smart_keyring *ring,
                                        int64_t retire_after_s);

#endif
