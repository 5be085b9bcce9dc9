/* password.h - account user names and passwords: portal rules and scrypt hashes.
 *
 * Rules: /work/shared/docs/portal-rules.md "Accounts" (user name 5..24
 * letters and digits; password at least 10 characters with an upper-case
 * letter, a lower-case letter and a digit or symbol, not equal to or
 * containing the user name, case-insensitively).
 * Hash: scrypt (RFC 7914) with N=2^15, r=8, p=1, a 16-byte random salt and a
 * 32-byte output, encoded "scrypt$15$8$1$<salt>$<hash>" where salt and hash
 * are base64url without padding. https://www.rfc-editor.org/rfc/rfc7914
 */
#ifndef SMART_PASSWORD_H
#define SMART_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

#define SMART_PASSWORD_MAX_BYTES 1024   /* longer input is refused before hashing */
#define SMART_PASSWORD_HASH_MAX 128     /* encoded hash, with NUL */

/* Settings (portal-rules.md: username_min/max, password_min). */
struct smart_password_rules {
    size_t username_min;
    size_t username_max;
    size_t password_min;
};
#define SMART_PASSWORD_RULES_DEFAULT ((struct smart_password_rules){5, 24, 10})

/* Which rule a user name or password broke; SMART_RULE_OK when none. */
enum smart_rule {
    SMART_RULE_OK = 0,
    SMART_RULE_USERNAME_LENGTH,      /* not 5..24 characters */
    SMART_RULE_USERNAME_CHARS,       /* something other than ASCII letters and digits */
    SMART_RULE_PASSWORD_SHORT,       /* under password_min characters */
    SMART_RULE_PASSWORD_LONG,        /* over SMART_PASSWORD_MAX_BYTES */
    SMART_RULE_PASSWORD_NO_UPPER,
    SMART_RULE_PASSWORD_NO_LOWER,
    SMART_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL,
    SMART_RULE_PASSWORD_HAS_USERNAME /* equals or contains the user name */
};

/* @test tests/unit/smart/password_test.c */
enum smart_rule smart_username_check(const struct smart_password_rules *rules, struct fg_str name);
/* Checks a new password against the rules (the first broken rule wins, in
 * the enum's order). Length counts bytes. */
enum smart_rule smart_password_check(const struct smart_password_rules *rules,
                                     struct fg_str password, struct fg_str username);
/* A short English sentence for the rule (static); the page catalogues may
 * translate by enum value instead. */
const char *smart_rule_message(enum smart_rule rule);

/* Hashes password with a fresh salt into out (NUL-terminated encoding).
 * FG_ETOOBIG when the password is longer than SMART_PASSWORD_MAX_BYTES,
 * FG_EIO when the random generator or scrypt fails. Intermediate buffers
 * are wiped. @test tests/unit/smart/password_test.c */
enum fg_status smart_password_hash(struct fg_str password, char out[SMART_PASSWORD_HASH_MAX]);

/* Verifies password against an encoding made by smart_password_hash (or
 * with other scrypt parameters in the accepted range 2^10..2^20, r 1..16,
 * p 1..4). *match is set to the result; the comparison is constant-time.
 * When encoded is NULL the same amount of work is done against a dummy hash
 * and *match is false, so "no such user" costs the same time as "wrong
 * password". FG_EINVAL when encoded is malformed (then *match is false),
 * FG_EIO when scrypt fails. */
enum fg_status smart_password_verify(struct fg_str password, const char *encoded, bool *match);

#endif
