/* cli.c - helpers shared by the subcommands. */
#include "cli.h"

#include <string.h>

bool fg_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}
