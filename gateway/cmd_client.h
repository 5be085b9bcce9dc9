/* cmd_client.h - operator commands on the authorization server's database:
 * `fhirgate client add|list|remove` and `fhirgate token issue`. */
#ifndef FG_CMD_CLIENT_H
#define FG_CMD_CLIENT_H

#include "../core/fg_clock.h"
#include "../smart/authdb.h"
#include "config.h"

/* `fhirgate client add --name N --redirect-uri U [--redirect-uri U2]
 * --type public|confidential-symmetric|confidential-asymmetric
 * [--jwks FILE|--jwks-uri URL] [--scope "..."]` prints the client as JSON
 * (with the client_secret, once, for symmetric clients); `client list`
 * prints one JSON object per line; `client remove ID` deletes a client and
 * revokes its grants. Config flags (--auth-db, ...) apply.
 * Exit 0, 1 on failure, 2 on bad usage.
 * @test tests/integration/smart-clients.test.mjs */
int fg_cmd_client(int argc, char **argv);

/* `fhirgate token issue --client ID [--patient ID] [--user NAME] --scope
 * "..."` prints a token response (JSON) for scripts and tests.
 * @test tests/integration/smart-token.test.mjs */
int fg_cmd_token(int argc, char **argv);

/* Shared by both: consumes config flags from argv (others are left for the
 * command: rest and n_rest receive them), opens the auth database. */
struct fg_cmd_auth {
    struct fg_config cfg;
    struct fg_clock clock;
    struct smart_authdb *db;
    char *rest[64];
    int n_rest;
};
int fg_cmd_auth_open(const char *name, int argc, char **argv, struct fg_cmd_auth *c);
void fg_cmd_auth_close(struct fg_cmd_auth *c);

#endif
