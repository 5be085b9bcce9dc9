/* cmd_account_internal.h - shared by cmd_account.c and cmd_account_proxy.c only. */
#ifndef FG_CMD_ACCOUNT_INTERNAL_H
#define FG_CMD_ACCOUNT_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/fg_clock.h"
#include "../smart/authdb.h"

#define ACC_USAGE 2

struct acc_opts {
    const char *db, *now, *user, *patient, *kind, *expires, *start, *days, *court_order;
    const char *practitioner; /* account add --practitioner ID: a practitioner account */
    const char *positional; /* the one argument without a flag (revoke ID), or NULL */
    bool password_stdin;
};

void fg_account_usage(FILE *out);
/* Parses argv[first..) into o (borrowed strings); 0 or ACC_USAGE after a message. */
int fg_account_parse_args(int argc, char **argv, int first, struct acc_opts *o);
/* Pins clock from o->now and opens the auth db; 0, 1 or ACC_USAGE after a message. */
int fg_account_open_db(const struct acc_opts *o, struct fg_clock *clock, struct smart_authdb **db);

/* `account proxy [add|list|revoke]` and `account activation-code`. */
int fg_account_proxy_cmd(int argc, char **argv);
int fg_account_activation_cmd(int argc, char **argv);

#endif
