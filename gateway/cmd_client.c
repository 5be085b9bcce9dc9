/* cmd_client.c - `fhirgate client add|list|remove` (see cmd_client.h). */
#include "cmd_client.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/fg_mem.h"
#include "auth_clients.h"
#include "cli.h"

extern char **environ;

#define JWKS_FILE_MAX (64 * 1024)
#define CLIENT_EXISTS 3 /* exit code of `client add --client-id` for a taken id */

static void make_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[FG_CONFIG_VALUE_MAX];
    if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir)
        return;
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return;
}

int fg_cmd_auth_open(const char *name, int argc, char **argv, struct fg_cmd_auth *c)
{
    memset(c, 0, sizeof *c);
    char msg[FG_CONFIG_MSG_MAX];
    fg_config_defaults(&c->cfg);
    if (fg_config_apply_env(&c->cfg, environ, msg, sizeof msg) != FG_OK) {
        fprintf(stderr, "fhirgate %s: %s\n", name, msg);
        return FG_CLI_USAGE;
    }
    for (int i = 1; i < argc;) {
        enum fg_status st = fg_config_flag(&c->cfg, argc, argv, &i, msg, sizeof msg);
        if (st == FG_ENOTFOUND) {
            if (c->n_rest >= (int)(sizeof c->rest / sizeof c->rest[0])) {
                fprintf(stderr, "fhirgate %s: too many arguments\n", name);
                return FG_CLI_USAGE;
            }
            c->rest[c->n_rest++] = argv[i++];
        } else if (st != FG_OK) {
            fprintf(stderr, "fhirgate %s: %s\n", name, msg);
            return FG_CLI_USAGE;
        }
    }
    if (fg_config_finish(&c->cfg, msg, sizeof msg) != FG_OK) {
        fprintf(stderr, "fhirgate %s: %s\n", name, msg);
        return FG_CLI_USAGE;
    }
    if (c->cfg.now[0] && fg_clock_pin(&c->clock, fg_str_c(c->cfg.now)) != FG_OK)
        return FG_CLI_USAGE;
    make_parent_dir(c->cfg.auth_db);
    struct fg_error err;
    fg_error_clear(&err);
    if (smart_authdb_open(c->cfg.auth_db, &c->clock, NULL, &c->db, &err) != FG_OK) {
        fprintf(stderr, "fhirgate %s: cannot open auth database %s: %s\n", name, c->cfg.auth_db,
                err.diagnostics);
        return 1;
    }
    return 0;
}

void fg_cmd_auth_close(struct fg_cmd_auth *c)
{
    smart_authdb_close(&c->db);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate client add --name NAME --redirect-uri URI [--redirect-uri URI2]\n"
            "           --type public|confidential-symmetric|confidential-asymmetric\n"
            "           [--jwks FILE | --jwks-uri URL] [--scope \"...\"] [--launch-uri URL]\n"
            "           [--client-id ID]\n"
            "       fhirgate client list\n"
            "       fhirgate client remove CLIENT_ID\n"
            "Manages the apps registered with the authorization server (--auth-db).\n"
            "`add` prints the client as JSON; a confidential-symmetric client's\n"
            "client_secret is shown this once only. --launch-uri: where an EHR launch\n"
            "opens the app (`fhirgate launch`, the portal's \"Open\" button).\n"
            "--client-id: choose the id (A-Z a-z 0-9 . _ ~ -) instead of a random one;\n"
            "exit 3 when it is taken.\n");
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = fg_malloc(JWKS_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, JWKS_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!buf || n > JWKS_FILE_MAX) {
        fg_free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

int fg_cmd_print_json(cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return 1;
    printf("%s\n", text);
    OPENSSL_cleanse(text, strlen(text));
    cJSON_free(text);
    return 0;
}

static int client_add(struct fg_cmd_auth *c)
{
    struct fg_client_spec spec = {0};
    const char *uris[SMART_MAX_REDIRECT_URIS];
    const char *type = NULL, *jwks_file = NULL;
    for (int i = 1; i < c->n_rest; i++) {
        const char *a = c->rest[i];
        if (i + 1 >= c->n_rest) {
            fprintf(stderr, "fhirgate client add: %s needs a value\n", a);
            return FG_CLI_USAGE;
        }
        const char *v = c->rest[++i];
        if (strcmp(a, "--name") == 0)
            spec.name = v;
        else if (strcmp(a, "--type") == 0)
            type = v;
        else if (strcmp(a, "--jwks") == 0)
            jwks_file = v;
        else if (strcmp(a, "--jwks-uri") == 0)
            spec.jwks_uri = v;
        else if (strcmp(a, "--scope") == 0)
            spec.scopes = v;
        else if (strcmp(a, "--launch-uri") == 0)
            spec.launch_uri = v;
        else if (strcmp(a, "--client-id") == 0)
            spec.client_id = v;
        else if (strcmp(a, "--redirect-uri") == 0 && spec.n_redirect_uris < SMART_MAX_REDIRECT_URIS)
            uris[spec.n_redirect_uris++] = v;
        else {
            fprintf(stderr, "fhirgate client add: unexpected \"%s\"\n", a);
            return FG_CLI_USAGE;
        }
    }
    spec.redirect_uris = uris;
    if (!spec.name || !type || fg_client_type_parse(type, &spec.type) != FG_OK) {
        fprintf(stderr, "fhirgate client add: --name and --type "
                        "public|confidential-symmetric|confidential-asymmetric are required\n");
        return FG_CLI_USAGE;
    }
    char *jwks = NULL;
    if (jwks_file) {
        jwks = read_file(jwks_file);
        if (!jwks) {
            fprintf(stderr, "fhirgate client add: cannot read %s (or over 64 KiB)\n", jwks_file);
            return 1;
        }
        spec.jwks = jwks;
    }
    struct smart_client cl;
    char secret[SMART_TOKEN_SIZE];
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = fg_client_create(c->db, &spec, &cl, secret, &err);
    fg_free(jwks);
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate client add: %s\n", err.diagnostics);
        return st == FG_EINVAL ? FG_CLI_USAGE : st == FG_ECONFLICT ? CLIENT_EXISTS : 1;
    }
    int rc = fg_cmd_print_json(fg_client_json(&cl, secret));
    OPENSSL_cleanse(secret, sizeof secret);
    smart_client_cleanup(&cl);
    return rc;
}

struct id_list {
    char (*ids)[SMART_MAX_CLIENT_ID + 1];
    size_t n, cap;
};

static enum fg_status collect(void *arg, struct fg_str id)
{
    struct id_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = fg_realloc(l->ids, cap * sizeof *l->ids);
        if (!p)
            return FG_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    if (id.len > SMART_MAX_CLIENT_ID)
        return FG_OK;
    memcpy(l->ids[l->n], id.ptr, id.len);
    l->ids[l->n++][id.len] = '\0';
    return FG_OK;
}

static int client_list(struct fg_cmd_auth *c)
{
    struct id_list l = {0};
    int rc = smart_authdb_client_ids(c->db, collect, &l) == FG_OK ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        struct smart_client cl;
        if (smart_authdb_client_get(c->db, fg_str_c(l.ids[i]), &cl) != FG_OK)
            continue;
        rc = fg_cmd_print_json(fg_client_json(&cl, NULL));
        smart_client_cleanup(&cl);
    }
    fg_free(l.ids);
    return rc;
}

static int client_remove(struct fg_cmd_auth *c)
{
    if (c->n_rest != 2) {
        fprintf(stderr, "fhirgate client remove: give one CLIENT_ID\n");
        return FG_CLI_USAGE;
    }
    enum fg_status st = smart_authdb_client_delete(c->db, fg_str_c(c->rest[1]));
    if (st == FG_ENOTFOUND) {
        fprintf(stderr, "fhirgate client remove: no client \"%s\"\n", c->rest[1]);
        return 1;
    }
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate client remove: the database refused (%d)\n", (int)st);
        return 1;
    }
    printf("removed %s (its grants are revoked)\n", c->rest[1]);
    return 0;
}

int fg_cmd_auth_dispatch(const char *name, int argc, char **argv, const struct fg_cmd_sub *subs,
                         size_t n_subs, void (*print_usage)(FILE *out))
{
    if (fg_cli_wants_help(argc, argv) || argc < 2) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? FG_CLI_USAGE : 0;
    }
    struct fg_cmd_auth c;
    int rc = fg_cmd_auth_open(name, argc, argv, &c);
    if (rc != 0) {
        fg_cmd_auth_close(&c);
        return rc;
    }
    const char *sub = c.n_rest ? c.rest[0] : "";
    const struct fg_cmd_sub *found = NULL;
    for (size_t i = 0; i < n_subs && !found; i++)
        if (strcmp(sub, subs[i].name) == 0)
            found = &subs[i];
    if (found) {
        rc = found->run(&c);
    } else {
        print_usage(stderr);
        rc = FG_CLI_USAGE;
    }
    fg_cmd_auth_close(&c);
    return rc;
}

int fg_cmd_client(int argc, char **argv)
{
    static const struct fg_cmd_sub subs[] = {
        {"add", client_add},
        {"list", client_list},
        {"remove", client_remove},
    };
    return fg_cmd_auth_dispatch("client", argc, argv, subs, sizeof subs / sizeof subs[0], usage);
}
