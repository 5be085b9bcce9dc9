/* cli.h - the `fhirgate <command>` subcommands.
 *
 * Each command is one function with the signature of fg_cli_fn and one row
 * in the table in gateway/main.c (name, function, one-line help). A command
 * gets argv starting at its own name (argv[0] = "serve"), prints its usage
 * for --help/-h (exit 0), and exits FG_CLI_USAGE (2) after a clear message
 * on an unknown option or a bad value.
 */
#ifndef FG_CLI_H
#define FG_CLI_H

#include <stdbool.h>

#define FG_VERSION "0.1.0"
#define FG_CLI_USAGE 2

typedef int (*fg_cli_fn)(int argc, char **argv);

struct fg_cli_command {
    const char *name;
    fg_cli_fn run;
    const char *help;    /* one line */
};

/* True when argv[1..] holds --help or -h. */
bool fg_cli_wants_help(int argc, char **argv);

/* `fhirgate serve [options]`: runs the HTTP server until SIGTERM/SIGINT.
 * Exit 0 after a clean stop, 1 when it cannot start, 2 on bad usage.
 * @test tests/integration/server.test.mjs */
int fg_cmd_serve(int argc, char **argv);

#endif
