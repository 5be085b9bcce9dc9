/* auth.h - the server's authorization-server state: a pool of auth
 * database connections, the signing keyring and its published JWKS, and
 * the issuer (the FHIR base URL).
 *
 * One struct fg_auth hangs off struct fg_server (srv->auth). Each pooled
 * smart_authdb is one SQLite connection with its own token cache; a request
 * borrows one with fg_auth_acquire and gives it back with fg_auth_release
 * (blocking while all are in use; the pool holds threads + 2 so MHD's
 * workers never wait in practice). The signing keys are loaded (a first
 * RSA key created and stored) at open and kept current while the server
 * runs (keyset.h: `fhirgate keys rotate` from another process is picked up
 * within about a second; retired keys leave the JWKS at their retire time).
 * SMART App Launch 2.2: https://hl7.org/fhir/smart-app-launch/
 */
#ifndef FG_AUTH_H
#define FG_AUTH_H

#include <stddef.h>

#include "../core/fg_buf.h"
#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "../smart/authdb.h"
#include "../smart/keys.h"
#include "keyset.h"

#define FG_AUTH_MAX_POOL 260

struct fg_auth;
struct fg_jwks_cache;

/* Opens n connections (1..FG_AUTH_MAX_POOL) to the auth database at path
 * (created and migrated as needed), loads or creates the signing keys.
 * clock and base_url are borrowed and must outlive the handle (base_url is
 * read on every use, so a port-0 server may update it after open). Caller
 * owns *out (fg_auth_close). On failure *out is untouched, err says why.
 * @test tests/integration/smart-discovery.test.mjs */
enum fg_status fg_auth_open(const char *path, const struct fg_clock *clock, const char *base_url,
                            size_t n, struct fg_auth **out, struct fg_error *err);

/* Closes every connection and frees the keys; sets *a to NULL. NULL-safe. */
void fg_auth_close(struct fg_auth **a);

/* Borrows a connection (waits while all are in use). Never NULL. */
struct smart_authdb *fg_auth_acquire(struct fg_auth *a);
/* Gives back a connection from fg_auth_acquire. NULL db is a no-op. */
void fg_auth_release(struct fg_auth *a, struct smart_authdb *db);

/* The issuer: the FHIR base URL (borrowed). */
const char *fg_auth_issuer(const struct fg_auth *a);

/* Appends the absolute URL of a server path ("/auth/token") to out: the
 * base URL without its final "/fhir" segment (or its origin when it does
 * not end in /fhir), then path. @test tests/unit/gateway/auth_test.c */
enum fg_status fg_auth_url(const char *base_url, const char *path, struct fg_buf *out);

/* The current signing keys and JWKS (keyset.h), brought up to date first.
 * db: a connection the caller holds, or NULL (one is borrowed when the keys
 * need a look). Give the snapshot back with fg_auth_keyset_put. Never NULL.
 * @test tests/integration/keys.test.mjs */
const struct fg_keyset *fg_auth_keyset(struct fg_auth *a, struct smart_authdb *db);
void fg_auth_keyset_put(struct fg_auth *a, const struct fg_keyset *ks);

const struct fg_clock *fg_auth_clock(const struct fg_auth *a);

/* The cache of clients' JWKS fetched by URL (jwks_fetch.h); borrowed. */
struct fg_jwks_cache *fg_auth_jwks_cache(struct fg_auth *a);

#endif
