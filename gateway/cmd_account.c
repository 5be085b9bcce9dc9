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

#define ACC_USAGE 2

struct acc_opts {
    const char *db, *now, *user, *patient, *kind, *expires, *court_order;
    bool password_stdin;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate account add --user NAME [--patient ID] --password-stdin\n"
            "       fhirgate account proxy --user NAME --patient ID\n"
            "                --kind parent|guardian|adult|court-guardian\n"
            "                [--expires DATE] [--court-order REF]\n"
            "add: creates a portal account (user name 5-24 letters and digits; password of\n"
            "     at least 10 characters with an upper-case and a lower-case letter and a\n"
            "     digit or symbol, not containing the user name), read from standard input.\n"
            "proxy: lets the user act for another patient (court-guardian needs --court-order).\n"
            "options:\n"
            "  --auth-db PATH   auth database (env FHIRGATE_AUTH_DB; default " SMART_AUTHDB_DEFAULT_PATH ")\n"
            "  --now DATE       the clock (env FHIRGATE_NOW; default now)\n"
            "exit: 0 done, 1 failure, 2 bad usage or rule broken, 3 already present\n");
}

static const char **slot_for(struct acc_opts *o, const char *name)
{
    static const char *const names[] = {"--auth-db", "--now",     "--user",       "--patient",
                                        "--kind",    "--expires", "--court-order"};
    const char **slots[] = {&o->db,   &o->now,     &o->user,       &o->patient,
                            &o->kind, &o->expires, &o->court_order};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return slots[i];
    return NULL;
}

static int parse_args(int argc, char **argv, struct acc_opts *o)
{
    const char *env_db = getenv("FHIRGATE_AUTH_DB"), *env_now = getenv("FHIRGATE_NOW");
    memset(o, 0, sizeof *o);
    o->db = env_db && env_db[0] ? env_db : SMART_AUTHDB_DEFAULT_PATH;
    o->now = env_now && env_now[0] ? env_now : NULL;
    for (int i = 2; i < argc; i++) {
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
    if (!o->user) {
        fprintf(stderr, "fhirgate account: --user is required\n");
        return ACC_USAGE;
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

static int open_db(const struct acc_opts *o, struct fg_clock *clock, struct smart_authdb **db)
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
        rc = open_db(o, &clock, &db);
    if (rc != 0)
        return rc;
    int64_t id = 0;
    enum fg_status st = smart_authdb_account_add(
        db, fg_str_c(o->user), hash, o->patient ? fg_str_c(o->patient) : FG_STR_NULL, &id);
    if (st == FG_OK) {
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

static int parse_kind(const char *s, enum smart_proxy_kind *out)
{
    static const struct {
        const char *name;
        enum smart_proxy_kind kind;
    } kinds[] = {{"parent", SMART_PROXY_PARENT},
                 {"guardian", SMART_PROXY_GUARDIAN},
                 {"adult", SMART_PROXY_ADULT},
                 {"court-guardian", SMART_PROXY_COURT_GUARDIAN}};
    for (size_t i = 0; s && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    fprintf(stderr, "fhirgate account proxy: --kind must be parent, guardian, adult or "
                    "court-guardian\n");
    return ACC_USAGE;
}

/* Fills p from the options; 0 or ACC_USAGE after a message. */
static int proxy_from_opts(const struct acc_opts *o, const struct fg_clock *clock,
                           struct smart_proxy *p)
{
    memset(p, 0, sizeof *p);
    if (!o->patient || strlen(o->patient) > SMART_MAX_PATIENT_ID) {
        fprintf(stderr, "fhirgate account proxy: --patient ID is required (at most %d "
                        "characters)\n", SMART_MAX_PATIENT_ID);
        return ACC_USAGE;
    }
    if (parse_kind(o->kind, &p->kind) != 0)
        return ACC_USAGE;
    memcpy(p->patient_id, o->patient, strlen(o->patient) + 1);
    p->start_at = fg_clock_now_s(clock);
    if (o->expires) {
        struct fg_clock when = {0};
        if (fg_clock_pin(&when, fg_str_c(o->expires)) != FG_OK ||
            fg_clock_now_s(&when) <= p->start_at) {
            fprintf(stderr, "fhirgate account proxy: --expires wants a future YYYY-MM-DD or "
                            "instant, got \"%s\"\n", o->expires);
            return ACC_USAGE;
        }
        p->expires_at = fg_clock_now_s(&when);
    }
    if (o->court_order) {
        size_t n = strlen(o->court_order);
        if (n > SMART_MAX_COURT_ORDER) {
            fprintf(stderr, "fhirgate account proxy: --court-order is too long\n");
            return ACC_USAGE;
        }
        memcpy(p->court_order, o->court_order, n + 1);
    }
    if (p->kind == SMART_PROXY_COURT_GUARDIAN && !p->court_order[0]) {
        fprintf(stderr, "fhirgate account proxy: a court guardian needs --court-order REF\n");
        return ACC_USAGE;
    }
    return 0;
}

/* True when the account already holds a proxy in force for the same patient and kind. */
static bool proxy_present(struct smart_authdb *db, const struct smart_proxy *p)
{
    struct smart_proxy have[64];
    size_t n = 0;
    if (smart_authdb_proxies_for_account(db, p->account_id, have, 64, &n) != FG_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (have[i].kind == p->kind && strcmp(have[i].patient_id, p->patient_id) == 0)
            return true;
    return false;
}

static int account_proxy(const struct acc_opts *o)
{
    struct fg_clock clock = {0};
    struct smart_authdb *db = NULL;
    struct smart_proxy p;
    struct smart_account acc;
    int rc = open_db(o, &clock, &db);
    if (rc != 0)
        return rc;
    rc = proxy_from_opts(o, &clock, &p);
    if (rc != 0)
        goto out;
    if (smart_authdb_account_get(db, fg_str_c(o->user), &acc) != FG_OK) {
        fprintf(stderr, "fhirgate account proxy: no account named %s\n", o->user);
        rc = 1;
        goto out;
    }
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    p.account_id = acc.id;
    if (proxy_present(db, &p)) {
        fprintf(stderr, "fhirgate account proxy: %s already acts for %s\n", o->user, o->patient);
        rc = FG_ACCOUNT_EXISTS;
        goto out;
    }
    enum fg_status st = smart_authdb_proxy_add(db, &p, NULL);
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate account proxy: %s\n", fg_status_name(st));
        rc = 1;
        goto out;
    }
    printf("proxy added: %s (%s) acts for patient %s\n", o->user, o->kind, o->patient);
out:
    smart_authdb_close(&db);
    return rc;
}

int fg_cmd_account(int argc, char **argv)
{
    struct acc_opts o;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "proxy") != 0)) {
        usage(stderr);
        return ACC_USAGE;
    }
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    return strcmp(argv[1], "add") == 0 ? account_add(&o) : account_proxy(&o);
}
