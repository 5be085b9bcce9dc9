/* main.c - `fhirgate <command> [options]`: the table of subcommands.
 * Adding a command is one row below plus its function (declared in cli.h). */
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../conformance/cmd_conformance.h"
#include "../conformance/cmd_validate.h"
#include "cli.h"
#include "cmd_client.h"
#include "cmd_import.h"
#include "ehr_launch.h"
#include "cmd_account.h"
#include "cmd_keys.h"
#include "cmd_seed.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct fg_cli_command commands[] = {
    {"serve", fg_cmd_serve, "run the FHIR server (see `fhirgate serve --help`)"},
    {"seed", fg_cmd_seed, "load the fixtures (synthetic patients) into the store, idempotently"},
    {"client", fg_cmd_client, "register, list or remove OAuth clients (apps)"},
    {"token", fg_cmd_token, "issue a token for a client (scripts and tests)"},
    {"launch", fg_cmd_launch, "start an EHR launch of an app and print its launch URL"},
    {"keys", fg_cmd_keys, "list or rotate the authorization server's signing keys"},
    {"account", fg_cmd_account, "portal accounts: `account add` (sign-in user), `account proxy`"},
    {"import", fg_cmd_import, "import Apple Health / Google Fit exports for a patient"},
    {"validate", fg_cmd_validate, "validate FHIR JSON files against R4 and US Core 7.0.0"},
    {"conformance", fg_cmd_conformance, "run the US Core self-test against a FHIR server URL"},
    {"version", cmd_version, "print the version and library versions"},
    {"help", cmd_help, "list the commands, or `help COMMAND` for one"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct fg_cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: fhirgate <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n`fhirgate <command> --help` shows a command's options.\n");
}

static int cmd_version(int argc, char **argv)
{
    if (fg_cli_wants_help(argc, argv)) {
        printf("usage: fhirgate version\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "fhirgate version: unexpected argument \"%s\"\n", argv[1]);
        return FG_CLI_USAGE;
    }
    printf("fhirgate %s (libmicrohttpd %s, SQLite %s)\n", FG_VERSION, MHD_get_version(),
           sqlite3_libversion());
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    const struct fg_cli_command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "fhirgate help: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return FG_CLI_USAGE;
    }
    char *sub[] = {argv[1], "--help", NULL};
    return c->run(2, sub);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FG_CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv + 1);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    const struct fg_cli_command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "fhirgate: unknown command \"%s\" (try `fhirgate help`)\n", argv[1]);
        return FG_CLI_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
