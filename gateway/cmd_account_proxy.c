/* cmd_account_proxy.c - `fhirgate account proxy add|list|revoke` and
 * `fhirgate account activation-code`. Rules: /work/shared/docs/portal-rules.md
 * (proxy kinds, court-appointed guardians, activation codes). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fg_error.h"
#include "../smart/authdb_accounts.h"
#include "../smart/authdb_activation.h"
#include "../smart/portal.h"
#include "cmd_account.h"
#include "cmd_account_internal.h"

static const struct {
    const char *name;
    enum smart_proxy_kind kind;
} kinds[] = {{"parent", SMART_PROXY_PARENT},
             {"guardian", SMART_PROXY_GUARDIAN},
             {"adult", SMART_PROXY_ADULT},
             {"court-guardian", SMART_PROXY_COURT_GUARDIAN}};

static const char *kind_name(enum smart_proxy_kind k)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k)
            return kinds[i].name;
    return "unknown";
}

static int parse_kind(const char *s, enum smart_proxy_kind *out)
{
    for (size_t i = 0; s && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    fprintf(stderr, "fhirgate account proxy: --kind must be parent, guardian, adult or "
                    "court-guardian\n");
    return ACC_USAGE;
}

/* Seconds of a YYYY-MM-DD or instant option; 0 or ACC_USAGE after a message. */
static int parse_when(const char *flag, const char *value, int64_t *out)
{
    struct fg_clock when = {0};
    if (fg_clock_pin(&when, fg_str_c(value)) != FG_OK) {
        fprintf(stderr, "fhirgate account proxy: %s wants YYYY-MM-DD or an instant, got \"%s\"\n",
                flag, value);
        return ACC_USAGE;
    }
    *out = fg_clock_now_s(&when);
    return 0;
}

/* A court order is a reference to the order's DocumentReference. */
static int set_court_order(const char *ref, struct smart_proxy *p)
{
    struct fg_str r = fg_str_c(ref), type, id;
    if (!fg_str_split(r, '/', &type, &id) || !fg_str_eq_c(type, "DocumentReference") ||
        !fg_is_fhir_id(id) || r.len > SMART_MAX_COURT_ORDER) {
        fprintf(stderr, "fhirgate account proxy: --court-order wants DocumentReference/ID (the "
                        "court order), got \"%s\"\n", ref);
        return ACC_USAGE;
    }
    memcpy(p->court_order, ref, r.len + 1);
    return 0;
}

/* Fills p from the options; 0 or ACC_USAGE after a message. */
static int proxy_from_opts(const struct acc_opts *o, const struct fg_clock *clock,
                           struct smart_proxy *p)
{
    memset(p, 0, sizeof *p);
    if (!o->user || !o->patient || !fg_is_fhir_id(fg_str_c(o->patient))) {
        fprintf(stderr, "fhirgate account proxy: --user NAME and --patient ID (a FHIR id) are "
                        "required\n");
        return ACC_USAGE;
    }
    if (parse_kind(o->kind, &p->kind) != 0)
        return ACC_USAGE;
    memcpy(p->patient_id, o->patient, strlen(o->patient) + 1);
    p->start_at = fg_clock_now_s(clock);
    if (o->start && parse_when("--start", o->start, &p->start_at) != 0)
        return ACC_USAGE;
    if (o->expires) {
        if (parse_when("--expires", o->expires, &p->expires_at) != 0)
            return ACC_USAGE;
        if (p->expires_at <= p->start_at || p->expires_at <= fg_clock_now_s(clock)) {
            fprintf(stderr, "fhirgate account proxy: --expires must be in the future and after "
                            "the start, got \"%s\"\n", o->expires);
            return ACC_USAGE;
        }
    }
    if (o->court_order && set_court_order(o->court_order, p) != 0)
        return ACC_USAGE;
    if (p->kind == SMART_PROXY_COURT_GUARDIAN && !p->court_order[0]) {
        fprintf(stderr, "fhirgate account proxy: a court guardian needs --court-order "
                        "DocumentReference/ID\n");
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

static int account_id_of(struct smart_authdb *db, const char *user, int64_t *id)
{
    struct smart_account acc;
    if (smart_authdb_account_get(db, fg_str_c(user), &acc) != FG_OK) {
        fprintf(stderr, "fhirgate account proxy: no account named %s\n", user);
        return 1;
    }
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    *id = acc.id;
    return 0;
}

static int proxy_add(struct smart_authdb *db, const struct fg_clock *clock,
                     const struct acc_opts *o)
{
    struct smart_proxy p;
    int64_t id = 0;
    int rc = proxy_from_opts(o, clock, &p);
    if (rc == 0)
        rc = account_id_of(db, o->user, &p.account_id);
    if (rc != 0)
        return rc;
    if (proxy_present(db, &p)) {
        fprintf(stderr, "fhirgate account proxy: %s already acts for %s\n", o->user, o->patient);
        return FG_ACCOUNT_EXISTS;
    }
    enum fg_status st = smart_authdb_proxy_add(db, &p, &id);
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate account proxy: %s\n", fg_status_name(st));
        return 1;
    }
    printf("proxy %lld added: %s (%s) acts for patient %s\n", (long long)id, o->user, o->kind,
           o->patient);
    return 0;
}

static void print_time(const char *key, int64_t t)
{
    char when[FG_INSTANT_MAX];
    if (t == 0) {
        printf(",\"%s\":null", key);
        return;
    }
    fg_clock_format_instant(t * 1000000, when);
    printf(",\"%s\":\"%s\"", key, when);
}

/* One JSON line; ids, kinds, instants and user names carry no characters to escape. */
static void print_proxy(struct smart_authdb *db, const struct smart_proxy *p, int64_t now)
{
    struct smart_account acc;
    const char *state = p->revoked_at ? "revoked"
                        : p->start_at > now ? "pending"
                        : p->expires_at && p->expires_at <= now ? "expired"
                                                               : "active";
    bool known = smart_authdb_account_get_by_id(db, p->account_id, &acc) == FG_OK;
    if (known)
        OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    printf("{\"id\":%lld,\"user\":\"%s\",\"patient\":\"%s\",\"kind\":\"%s\"", (long long)p->id,
           known ? acc.username : "", p->patient_id, kind_name(p->kind));
    print_time("start", p->start_at);
    print_time("expires", p->expires_at);
    print_time("revoked", p->revoked_at);
    if (p->court_order[0])
        printf(",\"courtOrder\":\"%s\"", p->court_order);
    printf(",\"state\":\"%s\"}\n", state);
}

static int proxy_list(struct smart_authdb *db, const struct fg_clock *clock,
                      const struct acc_opts *o)
{
    enum { CAP = 1024 };
    struct smart_proxy *rows = calloc(CAP, sizeof *rows);
    int64_t account = 0;
    size_t n = 0;
    int rc = rows ? 0 : 1;
    if (rc == 0 && o->user)
        rc = account_id_of(db, o->user, &account);
    if (rc == 0 && smart_authdb_proxies_list(db, account,
                                             o->patient ? fg_str_c(o->patient) : FG_STR_NULL,
                                             rows, CAP, &n) != FG_OK) {
        fprintf(stderr, "fhirgate account proxy list: cannot read the relations\n");
        rc = 1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        print_proxy(db, &rows[i], fg_clock_now_s(clock));
    free(rows);
    return rc;
}

static int proxy_revoke(struct smart_authdb *db, const struct acc_opts *o)
{
    int64_t id = 0;
    if (!o->positional || fg_parse_i64(fg_str_c(o->positional), 1, INT64_MAX, &id) != FG_OK) {
        fprintf(stderr, "fhirgate account proxy revoke: give the proxy's id (from `proxy list`)\n");
        return ACC_USAGE;
    }
    enum fg_status st = smart_authdb_proxy_revoke(db, id);
    if (st == FG_ENOTFOUND) {
        fprintf(stderr, "fhirgate account proxy revoke: no proxy %lld in force\n", (long long)id);
        return 1;
    }
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate account proxy revoke: %s\n", fg_status_name(st));
        return 1;
    }
    printf("proxy %lld revoked\n", (long long)id);
    return 0;
}

int fg_account_proxy_cmd(int argc, char **argv)
{
    struct acc_opts o;
    struct fg_clock clock = {0};
    struct smart_authdb *db = NULL;
    const char *verb = argc > 2 && argv[2][0] != '-' ? argv[2] : "add";
    int first = argc > 2 && argv[2][0] != '-' ? 3 : 2;
    if (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 && strcmp(verb, "revoke") != 0) {
        fg_account_usage(stderr);
        return ACC_USAGE;
    }
    int rc = fg_account_parse_args(argc, argv, first, &o);
    if (rc == 0 && o.positional && strcmp(verb, "revoke") != 0) {
        fprintf(stderr, "fhirgate account proxy %s: unexpected \"%s\"\n", verb, o.positional);
        rc = ACC_USAGE;
    }
    if (rc == 0)
        rc = fg_account_open_db(&o, &clock, &db);
    if (rc != 0)
        return rc;
    if (strcmp(verb, "add") == 0)
        rc = proxy_add(db, &clock, &o);
    else if (strcmp(verb, "list") == 0)
        rc = proxy_list(db, &clock, &o);
    else
        rc = proxy_revoke(db, &o);
    smart_authdb_close(&db);
    return rc;
}

int fg_account_activation_cmd(int argc, char **argv)
{
    struct acc_opts o;
    struct fg_clock clock = {0};
    struct smart_authdb *db = NULL;
    char code[SMART_ACTIVATION_SHOWN + 1];
    int64_t days = 14;
    const char *env_days = getenv("FHIRGATE_ACTIVATION_DAYS");
    int rc = fg_account_parse_args(argc, argv, 2, &o);
    if (rc != 0)
        return rc;
    const char *d = o.days ? o.days : env_days && env_days[0] ? env_days : NULL;
    if ((d && fg_parse_i64(fg_str_c(d), 1, 365, &days) != FG_OK) || o.positional || o.user ||
        !o.patient || !fg_is_fhir_id(fg_str_c(o.patient))) {
        fprintf(stderr, "usage: fhirgate account activation-code --patient ID [--days 1..365]\n");
        return ACC_USAGE;
    }
    rc = fg_account_open_db(&o, &clock, &db);
    if (rc != 0)
        return rc;
    enum fg_status st =
        smart_authdb_activation_issue(db, fg_str_c(o.patient), (int)days, code);
    if (st == FG_OK) {
        char until[FG_INSTANT_MAX];
        fg_clock_format_instant((fg_clock_now_s(&clock) + days * 86400) * 1000000, until);
        printf("{\"patient\":\"%s\",\"code\":\"%s\",\"expires\":\"%s\"}\n", o.patient, code,
               until);
        OPENSSL_cleanse(code, sizeof code);
    } else {
        fprintf(stderr, "fhirgate account activation-code: %s\n", fg_status_name(st));
        rc = 1;
    }
    smart_authdb_close(&db);
    return rc;
}
