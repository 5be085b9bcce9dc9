/* cmd_account.h - `fhirgate account add|proxy`: portal accounts in the auth database.
 * Settings: defaults < FHIRGATE_AUTH_DB / FHIRGATE_NOW < options.
 * Exit codes: 0 done, 1 failure, 2 bad usage or a rule broken,
 * 3 already present (`add` of an existing user name; `proxy` of a relation
 * already in force), so scripts can be idempotent.
 * @test tests/integration/account-cli.test.mjs */
#ifndef FG_CMD_ACCOUNT_H
#define FG_CMD_ACCOUNT_H

#define FG_ACCOUNT_EXISTS 3

int fg_cmd_account(int argc, char **argv);

#endif
