/* authdb_activation.h - sign-up activation codes (portal-rules.md "Accounts").
 *
 * Staff issue a code for one patient (`fhirgate account activation-code`);
 * the patient types it at /account/signup to create their own account. A
 * code is 15 characters from a 30-letter alphabet without look-alikes
 * (no 0 O 1 I L U), shown as XXXXX-XXXXX-XXXXX: 73 random bits. Only its
 * SHA-256 digest is stored. It is single use and expires after
 * activation_days (14). Typed input is normalized first: letters in any
 * case, dashes and spaces ignored.
 */
#ifndef SMART_AUTHDB_ACTIVATION_H
#define SMART_AUTHDB_ACTIVATION_H

#include "authdb.h"
#include "authdb_accounts.h"
#include "token.h"

#define SMART_ACTIVATION_CHARS 15
#define SMART_ACTIVATION_SHOWN 17  /* with the two dashes */
#define SMART_ACTIVATION_INPUT_MAX 64 /* longest typed input looked at */

/* A new random code, formatted XXXXX-XXXXX-XXXXX (NUL-terminated).
 * FG_EIO when the random generator fails. */
enum fg_status smart_activation_code_new(char out[SMART_ACTIVATION_SHOWN + 1]);

/* Normalizes typed input into out (15 upper-case alphabet letters, NUL-
 * terminated): case folded, '-' and ' ' dropped. FG_EINVAL when anything
 * else remains, the length is not 15, or input is longer than
 * SMART_ACTIVATION_INPUT_MAX; out is then "".
 * @test tests/unit/smart/authdb_activation_test.c */
enum fg_status smart_activation_code_normalize(struct fg_str input,
                                               char out[SMART_ACTIVATION_CHARS + 1]);

/* Stores the digest of a new code for patient_id, valid until
 * now + days; shown receives the code (the only time it exists in clear).
 * FG_EINVAL for an empty or too long patient id or days < 1. */
enum fg_status smart_authdb_activation_issue(struct smart_authdb *db, struct fg_str patient_id,
                                             int days, char shown[SMART_ACTIVATION_SHOWN + 1]);

/* Consumes a code (typed input, normalized here) at now: marks it used and
 * copies its patient into patient_out. FG_ENOTFOUND when the code is
 * malformed, unknown, used or expired (one answer for all, so the page
 * reveals nothing). Call inside smart_authdb_begin_write ... commit with
 * the account creation, so a failed sign-up rolls the code back.
 * @test tests/unit/smart/authdb_activation_test.c */
enum fg_status smart_authdb_activation_consume(struct smart_authdb *db, struct fg_str input,
                                               char patient_out[SMART_MAX_PATIENT_ID + 1]);

/* Records the account created with a consumed code (for the operator's
 * audit); FG_ENOTFOUND when the code is unknown. */
enum fg_status smart_authdb_activation_set_account(struct smart_authdb *db, struct fg_str input,
                                                   int64_t account_id);

#endif
