/* cmd_account.c - `fhirgate account add` / `fhirgate account proxy`.
 * Rules: /work/shared/docs/portal-rules.md (user name, password, proxy kinds). */
#include "cmd_account.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../smart/authdb.h"
#include "../smart/authdb_accounts.h"
#include "../smart/password.h"
#include "cmd_account_internal.h"

void fg_account_usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate account add --user NAME [--patient ID | --practitioner ID]\n"
            "           --password-stdin\n"
            "       fhirgate account proxy [add] --user NAME --patient ID\n"
            "                --kind parent|guardian|adult|court-guardian\n"
            "                [--start DATE] [--expires DATE]\n"
            "                [--court-order DocumentReference/ID]\n"
            "       fhirgate account proxy list [--user NAME] [--patient ID]\n"
            "       fhirgate account proxy revoke ID\n"
            "       fhirgate account activation-code --patient ID\n"
            "add: creates a portal account (user name 5-24 letters and digits; password of\n"
            "     at least 10 characters with an upper-case and a lower-case letter and a\n"
            "     digit or symbol, not containing the user name), read from standard input.\n"
            "     --practitioner ID makes a practitioner account (EHR user; fhirUser\n"
            "     Practitioner/ID; its user/ scopes reach every patient).\n"
            "proxy: lets the user act for another patient (court-guardian needs --court-order,\n"
            "       the court order's DocumentReference); what the proxy sees follows the\n"
            "       patient's age today (portal rules); list prints JSON lines of every\n"
            "       relation (also ended ones); revoke ends one now.\n"
            "activation-code: a single-use sign-up code for the patient's own account at\n"
            "       /account/signup (valid activation_days, default 14; patients 13+).\n"
            "options:\n"
            "  --auth-db PATH   auth database (env FHIRGATE_AUTH_DB; default " SMART_AUTHDB_DEFAULT_PATH ")\n"
            "  --now DATE       the clock (env FHIRGATE_NOW; default now)\n"
            "  --days N         activation-code validity (default 14)\n"
            "exit: 0 done, 1 failure, 2 bad usage or rule broken, 3 already present\n");
}

static const char **slot_for(struct acc_opts *o, const char *name)
{
    static const char *const names[] = {"--auth-db", "--now",         "--user", "--patient",
                                        "--kind",    "--expires",     "--start", "--days",
                                        "--court-order", "--practitioner"};
    const char **slots[] = {&o->db,   &o->now,         &o->user,  &o->patient,
                            &o->kind, &o->expires,     &o->start, &o->days,
                            &o->court_order, &o->practitioner};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return slots[i];
    return NULL;
}

int fg_account_parse_args(int argc, char **argv, int first, struct acc_opts *o)
{
    const char *env_db = getenv("FHIRGATE_AUTH_DB"), *env_now = getenv("FHIRGATE_NOW");
    memset(o, 0, sizeof *o);
    o->db = env_db && env_db[0] ? env_db : SMART_AUTHDB_DEFAULT_PATH;
    o->now = env_now && env_now[0] ? env_now : NULL;
    for (int i = first; i < argc; i++) {
        if (!o->positional && argv[i][0] != '-') {
            o->positional = argv[i];
            continue;
        }
        if (strcmp(argv[i], "--password-stdin") == 0) {
            o->password_stdin = true;
            continue;
        }
        const char **slot = slot_for(o, argv[i]);
        if (!slot) {
            fprintf(stderr, "fhirgate account: unknown option \"%s\"\n", argv[i]);
            return ACC_USAGE;
        }
        if (i + 1 >= argc || argv[i + 1][0] == '\0') {
            fprintf(stderr, "fhirgate account: %s needs a value\n", argv[i]);
            return ACC_USAGE;
        }
        *slot = argv[++i];
    }
    return 0;
}

/* Reads one line (the password) from stdin into buf; strips the newline. */
static int read_password(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin)) {
        fprintf(stderr, "fhirgate account: no password on standard input\n");
        return ACC_USAGE;
    }
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n + 1 >= size) {
        fprintf(stderr, "fhirgate account: password too long\n");
        return ACC_USAGE;
    }
    buf[n] = '\0';
    return 0;
}

int fg_account_open_db(const struct acc_opts *o, struct fg_clock *clock, struct smart_authdb **db)
{
    struct fg_error err;
    fg_error_clear(&err);
    if (o->now && fg_clock_pin(clock, fg_str_c(o->now)) != FG_OK) {
        fprintf(stderr, "fhirgate account: --now wants YYYY-MM-DD or an instant, got \"%s\"\n",
                o->now);
        return ACC_USAGE;
    }
    if (smart_authdb_open(o->db, clock, NULL, db, &err) != FG_OK) {
        fprintf(stderr, "fhirgate account: cannot open %s: %s\n", o->db, err.diagnostics);
        return 1;
    }
    return 0;
}

static int check_rules(const struct acc_opts *o, const char *password)
{
    struct smart_password_rules rules = SMART_PASSWORD_RULES_DEFAULT;
    enum smart_rule r = smart_username_check(&rules, fg_str_c(o->user));
    if (r == SMART_RULE_OK)
        r = smart_password_check(&rules, fg_str_c(password), fg_str_c(o->user));
    if (r == SMART_RULE_OK)
        return 0;
    fprintf(stderr, "fhirgate account: %s\n", smart_rule_message(r));
    return ACC_USAGE;
}

static int account_add(const struct acc_opts *o)
{
    char password[SMART_PASSWORD_MAX_BYTES + 2], hash[SMART_PASSWORD_HASH_MAX];
    struct fg_clock clock = {0};
    struct smart_authdb *db = NULL;
    int rc;
    if (!o->password_stdin) {
        fprintf(stderr, "fhirgate account add: give the password on standard input with "
                        "--password-stdin\n");
        return ACC_USAGE;
    }
    rc = read_password(password, sizeof password);
    if (rc == 0)
        rc = check_rules(o, password);
    if (rc == 0 && smart_password_hash(fg_str_c(password), hash) != FG_OK) {
        fprintf(stderr, "fhirgate account add: cannot hash the password\n");
        rc = 1;
    }
    OPENSSL_cleanse(password, sizeof password);
    if (rc == 0)
        rc = fg_account_open_db(o, &clock, &db);
    if (rc != 0)
        return rc;
    int64_t id = 0;
    enum fg_status st =
        o->practitioner
            ? smart_authdb_account_add_practitioner(db, fg_str_c(o->user), hash,
                                                    fg_str_c(o->practitioner), &id)
            : smart_authdb_account_add(db, fg_str_c(o->user), hash,
                                       o->patient ? fg_str_c(o->patient) : FG_STR_NULL, &id);
    if (st == FG_OK && o->practitioner) {
        printf("account %s added (id %lld, practitioner %s)\n", o->user, (long long)id,
               o->practitioner);
    } else if (st == FG_OK) {
        printf("account %s added (id %lld, patient %s)\n", o->user, (long long)id,
               o->patient ? o->patient : "none");
    } else if (st == FG_ECONFLICT) {
        fprintf(stderr, "fhirgate account add: the user name %s is taken\n", o->user);
        rc = FG_ACCOUNT_EXISTS;
    } else {
        fprintf(stderr, "fhirgate account add: %s\n", fg_status_name(st));
        rc = 1;
    }
    smart_authdb_close(&db);
    return rc;
}

int fg_cmd_account(int argc, char **argv)
{
    struct acc_opts o;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fg_account_usage(stdout);
            return 0;
        }
    if (argc >= 2 && strcmp(argv[1], "proxy") == 0)
        return fg_account_proxy_cmd(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "activation-code") == 0)
        return fg_account_activation_cmd(argc, argv);
    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        fg_account_usage(stderr);
        return ACC_USAGE;
    }
    int rc = fg_account_parse_args(argc, argv, 2, &o);
    if (rc == 0 && (!o.user || o.positional)) {
        fprintf(stderr, "fhirgate account add: --user NAME is required (and nothing else)\n");
        rc = ACC_USAGE;
    }
    if (rc == 0 && o.practitioner && (o.patient || !fg_is_fhir_id(fg_str_c(o.practitioner)))) {
        fprintf(stderr, "fhirgate account add: --practitioner wants a FHIR id, and an account "
                        "is a patient's or a practitioner's, not both\n");
        rc = ACC_USAGE;
    }
    return rc == 0 ? account_add(&o) : rc;
}
