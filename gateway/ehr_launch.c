/* ehr_launch.c - the launch URL and `fhirgate launch` (see ehr_launch.h). */
#include "ehr_launch.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_client.h"

static enum fg_status copy_id(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        return FG_EINVAL;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
    return FG_OK;
}

enum fg_status fg_ehr_launch_url(struct smart_authdb *db, const struct smart_client *cl,
                                 int64_t account_id, const char *patient_id,
                                 const char *encounter_id, const char *iss, struct fg_buf *out)
{
    struct smart_launch l;
    char id[SMART_TOKEN_SIZE];
    memset(&l, 0, sizeof l);
    if (!cl->launch_uri || !cl->launch_uri[0])
        return FG_ENOTFOUND;
    enum fg_status st = copy_id(l.client_id, sizeof l.client_id, cl->client_id);
    if (st == FG_OK)
        st = copy_id(l.patient_id, sizeof l.patient_id, patient_id);
    if (st == FG_OK)
        st = copy_id(l.encounter_id, sizeof l.encounter_id, encounter_id);
    l.account_id = account_id;
    if (st == FG_OK)
        st = smart_authdb_launch_create(db, &l, id);
    if (st != FG_OK)
        return st;
    st = fg_buf_append_c(out, cl->launch_uri);
    if (st == FG_OK)
        st = fg_buf_append_c(out, strchr(cl->launch_uri, '?') ? "&iss=" : "?iss=");
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(out, fg_str_c(iss));
    if (st == FG_OK)
        st = fg_buf_append_c(out, "&launch=");
    if (st == FG_OK)
        st = fg_buf_append_url_encoded(out, fg_str_c(id));
    OPENSSL_cleanse(id, sizeof id);
    return st;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate launch --client ID --user NAME [--patient ID] [--encounter ID]\n"
            "           [--base-url URL]\n"
            "Starts an EHR launch of the app for the user (a practitioner, or a portal user\n"
            "for a patient they may act for) and prints the URL to open:\n"
            "the app's launch URI with ?iss=<FHIR base>&launch=<id>. The launch is single\n"
            "use and expires after five minutes; the user still signs in and consents.\n");
}

struct launch_opts {
    const char *client, *user, *patient, *encounter;
};

static int parse(struct fg_cmd_auth *c, struct launch_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < c->n_rest; i++) {
        const char *a = c->rest[i];
        const char **slot = strcmp(a, "--client") == 0      ? &o->client
                            : strcmp(a, "--user") == 0      ? &o->user
                            : strcmp(a, "--patient") == 0   ? &o->patient
                            : strcmp(a, "--encounter") == 0 ? &o->encounter
                                                            : NULL;
        if (!slot || i + 1 >= c->n_rest) {
            fprintf(stderr, "fhirgate launch: unexpected \"%s\"\n", a);
            return FG_CLI_USAGE;
        }
        *slot = c->rest[++i];
    }
    if (!o->client || !o->user || (o->encounter && !o->patient)) {
        fprintf(stderr, "fhirgate launch: --client and --user are required "
                        "(and --encounter needs --patient)\n");
        return FG_CLI_USAGE;
    }
    return 0;
}

static int run(struct fg_cmd_auth *c, const struct launch_opts *o)
{
    struct smart_client cl;
    struct smart_account acc;
    if (smart_authdb_client_get(c->db, fg_str_c(o->client), &cl) != FG_OK) {
        fprintf(stderr, "fhirgate launch: no client \"%s\"\n", o->client);
        return 1;
    }
    int rc = 0;
    memset(&acc, 0, sizeof acc);
    if (smart_authdb_account_get(c->db, fg_str_c(o->user), &acc) != FG_OK) {
        fprintf(stderr, "fhirgate launch: no user \"%s\"\n", o->user);
        rc = 1;
    }
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    struct fg_buf url;
    fg_buf_init(&url, 8192);
    enum fg_status st = rc == 0 ? fg_ehr_launch_url(c->db, &cl, acc.id, o->patient, o->encounter,
                                                    c->cfg.base_url, &url)
                                : FG_OK;
    if (rc == 0 && st == FG_ENOTFOUND) {
        fprintf(stderr, "fhirgate launch: the client has no launch URI (client add --launch-uri)\n");
        rc = 1;
    } else if (rc == 0 && st == FG_EINVAL) {
        fprintf(stderr, "fhirgate launch: --patient and --encounter want FHIR ids\n");
        rc = FG_CLI_USAGE;
    } else if (rc == 0 && st != FG_OK) {
        fprintf(stderr, "fhirgate launch: %s\n", fg_status_name(st));
        rc = 1;
    }
    if (rc == 0)
        printf("%.*s\n", (int)url.len, url.data);
    OPENSSL_cleanse(url.data, url.len);
    fg_buf_cleanup(&url);
    smart_client_cleanup(&cl);
    return rc;
}

int fg_cmd_launch(int argc, char **argv)
{
    if (fg_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    struct fg_cmd_auth c;
    int rc = fg_cmd_auth_open("launch", argc, argv, &c);
    struct launch_opts o;
    if (rc == 0)
        rc = parse(&c, &o);
    if (rc == FG_CLI_USAGE)
        usage(stderr);
    if (rc == 0)
        rc = run(&c, &o);
    fg_cmd_auth_close(&c);
    return rc;
}
