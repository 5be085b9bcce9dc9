/* cmd_client.h - operator commands on the authorization server's database:
 * `fhirgate client add|list|remove` and `fhirgate token issue`. */
#ifndef FG_CMD_CLIENT_H
#define FG_CMD_CLIENT_H

#include <stddef.h>
#include <stdio.h>

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

/* A command made of subcommands (`fhirgate NAME SUB ...`): prints usage for
 * --help (exit 0) or no arguments (exit 2), opens the auth database, runs
 * the subcommand whose name is the first non-config argument (usage and
 * exit 2 when there is none), closes. A subcommand sees c->rest[0] = SUB. */
struct fg_cmd_sub {
    const char *name;
    int (*run)(struct fg_cmd_auth *c);
};
int fg_cmd_auth_dispatch(const char *name, int argc, char **argv, const struct fg_cmd_sub *subs,
                         size_t n_subs, void (*print_usage)(FILE *out));

/* Prints o (taken: deleted here) as one line of JSON, then wipes the text
 * (it may hold a client secret). 0, or 1 when o is NULL or printing fails. */
struct cJSON;
int fg_cmd_print_json(struct cJSON *o);

#endif
