/* fg_epoch.h - a change counter shared by every process using one database
 * (the auth database's revocations, the record store's commits).
 *
 * Why: a token lookup in SQLite costs a read transaction (file-lock system
 * calls: about 7 µs here, measured), too much for every API request (issue
 * 5 allows 5 % of an authenticated read). A process may instead cache what
 * it learnt about a token together with the epoch it read *before* the
 * lookup, and trust the cache only while the epoch is unchanged. Every
 * revocation bumps the epoch *after* its transaction commits, so a cached
 * answer never outlives a revocation: the next request anywhere sees a new
 * epoch and looks again. Reading the epoch is one atomic load from a
 * MAP_SHARED page (no system call).
 *
 * The record store uses the same scheme for its commits (the portal rules
 * cache a Patient's birthDate keyed by it).
 *
 * The counter lives in a small file next to the database ("<db>-epoch",
 * mode 0600). Writers that bypass fhirgate (a sqlite3 shell) do not bump it.
 */
#ifndef FG_EPOCH_H
#define FG_EPOCH_H

#include <stddef.h>
#include <stdint.h>

#include "fg_error.h"

struct fg_epoch {
    void *map;      /* owned mapping; NULL when closed */
    size_t map_len;
};

/* Maps (creating if needed) the counter file at path; NULL path gives a
 * private in-memory counter (tests, :memory: databases). FG_EIO on a file
 * error. On failure out is zeroed. @test tests/unit/smart/authdb_test.c */
enum fg_status fg_epoch_open(const char *path, struct fg_epoch *out, struct fg_error *err);
void fg_epoch_close(struct fg_epoch *e);

/* The current value (acquire load). */
uint64_t fg_epoch_read(const struct fg_epoch *e);
/* Adds one (release); call after the revoking transaction committed. */
void fg_epoch_bump(struct fg_epoch *e);

#endif
