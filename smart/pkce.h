/* pkce.h - Proof Key for Code Exchange, S256 only (RFC 7636; SMART 2.2 requires
 * S256 and forbids `plain`).
 *
 * https://www.rfc-editor.org/rfc/rfc7636#section-4
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#considerations-for-pkce-support
 */
#ifndef SMART_PKCE_H
#define SMART_PKCE_H

#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define SMART_PKCE_VERIFIER_MIN 43
#define SMART_PKCE_VERIFIER_MAX 128
#define SMART_PKCE_CHALLENGE_LEN 43 /* base64url of a SHA-256 digest */

/* True when s is a syntactically valid code_verifier: 43..128 characters
 * of [A-Za-z0-9-._~] (RFC 7636 §4.1). */
bool smart_pkce_verifier_valid(struct fg_str s);

/* Checks the authorization request's code_challenge_method and
 * code_challenge: method must be exactly "S256" (missing → FG_EINVAL,
 * "plain" or anything else → FG_ENOTSUP) and the challenge 43 base64url
 * characters (FG_EINVAL). err (may be NULL) names the parameter.
 * @test tests/unit/smart/pkce_test.c */
enum fg_status smart_pkce_check_request(struct fg_str method, struct fg_str challenge,
                                        struct fg_error *err);

/* Verifies code_verifier against the stored S256 challenge:
 * BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
 * FG_OK on a match; FG_EINVAL when the verifier is missing, empty, not
 * RFC 7636 syntax, equal to the challenge (a `plain` attempt) or does not
 * match. err (may be NULL) says which.
 * @test tests/unit/smart/pkce_test.c */
enum fg_status smart_pkce_verify(struct fg_str verifier, struct fg_str challenge,
                                 struct fg_error *err);

#endif
