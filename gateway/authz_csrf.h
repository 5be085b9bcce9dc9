/* authz_csrf.h - the CSRF check of every /auth form: the hidden field
 * "csrf" must equal the token stored with the browser session
 * (smart/authdb_sessions.h), compared in constant time. A request without
 * a session, or with a missing or different token, is refused (403 page).
 */
#ifndef FG_AUTHZ_CSRF_H
#define FG_AUTHZ_CSRF_H

#include <stdbool.h>

#include "../core/fg_str.h"

/* True when given equals expected (both non-empty), in constant time for
 * equal lengths. @test tests/unit/gateway/authz_csrf_test.c */
bool fg_authz_csrf_ok(const char *expected, struct fg_str given);

#endif
