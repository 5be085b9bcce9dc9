/* cmd_keys.h - `fhirgate keys list|rotate`: the authorization server's
 * signing keys (RS256, id_tokens) in the auth database.
 *
 * `keys rotate` makes a new key current; the previous current key stays in
 * the published JWKS for FG_KEY_RETIRE_AFTER_S (the lifetime of the
 * id_tokens it signed, plus the JWKS cache time) and is then dropped; keys
 * already past their retire time are deleted. A running server picks the
 * change up within about a second (keyset.h); no restart.
 */
#ifndef FG_CMD_KEYS_H
#define FG_CMD_KEYS_H

#include "auth_issue.h"

/* id_tokens live FG_ID_TOKEN_LIFETIME_S; clients may cache the JWKS for
 * the discovery max-age (300 s): an old key stays published that long after
 * the last token it could have signed. */
#define FG_KEY_RETIRE_AFTER_S (FG_ID_TOKEN_LIFETIME_S + 300)

/* `fhirgate keys list` prints one JSON object per key (kid, created,
 * retires, status current|retiring|retired); `fhirgate keys rotate` prints
 * the new kid and the previous key's retire time as JSON. Config flags
 * (--auth-db, --now) apply. Exit 0, 1 on failure, 2 on bad usage.
 * @test tests/integration/keys.test.mjs */
int fg_cmd_keys(int argc, char **argv);

#endif
