/* serve.c - `fhirgate serve`: configuration, store, server, signals.
 *
 * SIGTERM and SIGINT are blocked in every thread (MHD's threads inherit the
 * mask) and taken synchronously with sigwait, so no signal handler and no
 * global flag are needed: the main thread stops accepting, lets in-flight
 * requests finish, closes the store and exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../fhir/store_sqlite.h"
#include "../fhir/store_upstream.h"
#include "audit.h"
#include "auth.h"
#include "bulk.h"
#include "cli.h"
#include "config.h"
#include "server.h"

extern char **environ;

/* How long a stop waits for in-flight requests. */
#define SERVE_GRACE_MS 30000

static void usage(FILE *out)
{
    fprintf(out, "usage: fhirgate serve [options]\n"
                 "Serves the FHIR R4 REST API (and /healthz) over HTTP or HTTPS.\n"
                 "Settings: defaults < config file < FHIRGATE_* environment < options.\n"
                 "options:\n");
    fg_config_print_usage(out);
}

/* Creates the database's directory (one level, like the default "var/")
 * so a fresh checkout can serve; deeper paths must exist. */
static void make_db_dir(const char *db)
{
    const char *slash = strrchr(db, '/');
    char dir[FG_CONFIG_VALUE_MAX];
    if (!slash || slash == db || (size_t)(slash - db) >= sizeof dir)
        return;
    memcpy(dir, db, (size_t)(slash - db));
    dir[slash - db] = '\0';
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return; /* the store's open reports the real problem */
}

/* Upstream mode: the store is another FHIR server. */
static enum fg_status open_upstream(struct fg_server *srv, char *msg, size_t msg_size)
{
    const struct fg_config *c = &srv->cfg;
    struct fg_error err;
    fg_error_clear(&err);
    struct fhir_store_upstream_options opt = {
        .url = c->upstream,
        .base_url = c->base_url,
        .connect_timeout_ms = (int)c->upstream_connect_timeout_ms,
        .timeout_ms = (int)c->upstream_timeout_ms,
        .retries = (int)c->upstream_retries,
        .max_idle = (int)c->threads * 2,
        .auth = strcmp(c->upstream_auth, "bearer") == 0 ? FHIR_UPSTREAM_AUTH_BEARER
                : strcmp(c->upstream_auth, "client_credentials") == 0
                    ? FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS
                    : FHIR_UPSTREAM_AUTH_NONE,
        .bearer_token = c->upstream_token,
        .token_url = c->upstream_token_url,
        .client_id = c->upstream_client_id,
        .client_secret = c->upstream_client_secret,
        .scope = c->upstream_scope,
        .ca_file = c->upstream_ca_file,
        .paging_key = c->upstream_paging_key,
    };
    enum fg_status st = fhir_store_upstream_open(&opt, &srv->clock, &srv->store, &err);
    if (st != FG_OK && snprintf(msg, msg_size, "upstream %s: %s", err.expression,
                                err.diagnostics) < 0)
        msg[0] = '\0';
    return st;
}

static enum fg_status open_store(struct fg_server *srv, char *msg, size_t msg_size)
{
    if (srv->cfg.upstream[0])
        return open_upstream(srv, msg, msg_size);
    make_db_dir(srv->cfg.db);
    struct fg_error err;
    fg_error_clear(&err);
    struct fhir_store_sqlite_options opt = {
        .connections = (int)srv->cfg.threads + 1,
        .busy_timeout_ms = 0,
        .base_url = srv->cfg.base_url,
    };
    enum fg_status st = fhir_store_sqlite_open(srv->cfg.db, &srv->clock, &opt, &srv->store, &err);
    if (st != FG_OK && snprintf(msg, msg_size, "cannot open store %s: %s", srv->cfg.db,
                                err.diagnostics) < 0)
        msg[0] = '\0';
    return st;
}

static enum fg_status open_auth(struct fg_server *srv, char *msg, size_t msg_size)
{
    make_db_dir(srv->cfg.auth_db);
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = fg_auth_open(srv->cfg.auth_db, &srv->clock, srv->cfg.base_url,
                                     (size_t)srv->cfg.threads + 2, &srv->auth, &err);
    if (st == FG_OK)
        st = fg_audit_open(srv->cfg.auth_db, &srv->clock, &srv->log,
                           srv->cfg.audit_retention_days, &srv->audit, &err);
    if (st != FG_OK && snprintf(msg, msg_size, "cannot open auth database %s: %s",
                                srv->cfg.auth_db, err.diagnostics) < 0)
        msg[0] = '\0';
    return st;
}

/* Bulk export jobs: bulk_dir, or "bulk" beside the db file. */
static enum fg_status open_bulk(struct fg_server *srv, char *msg, size_t msg_size)
{
    char dir[FG_CONFIG_VALUE_MAX + 8];
    const char *db = srv->cfg.db;
    const char *slash = strrchr(db, '/');
    int w = srv->cfg.bulk_dir[0] ? snprintf(dir, sizeof dir, "%s", srv->cfg.bulk_dir)
            : slash ? snprintf(dir, sizeof dir, "%.*s/bulk", (int)(slash - db), db)
                    : snprintf(dir, sizeof dir, "bulk");
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = w < 0 || w >= (int)sizeof dir
                            ? fg_error_set(&err, FG_ETOOBIG, NULL, "bulk_dir is too long")
                            : fg_bulk_open(srv, dir, srv->cfg.bulk_file_ttl, &srv->bulk, &err);
    if (st != FG_OK && snprintf(msg, msg_size, "bulk export: %s", err.diagnostics) < 0)
        msg[0] = '\0';
    return st;
}

int fg_cmd_serve(int argc, char **argv)
{
    if (fg_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    struct fg_config cfg;
    struct fg_server srv;
    char msg[FG_CONFIG_MSG_MAX];
    if (fg_config_load(&cfg, argc, argv, environ, msg, sizeof msg) != FG_OK) {
        fprintf(stderr, "fhirgate serve: %s\n(see `fhirgate serve --help`)\n", msg);
        return FG_CLI_USAGE;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (fg_server_init(&srv, &cfg, msg, sizeof msg) != FG_OK) {
        fprintf(stderr, "fhirgate serve: %s\n", msg);
        return 1;
    }
    if (open_store(&srv, msg, sizeof msg) != FG_OK || open_auth(&srv, msg, sizeof msg) != FG_OK ||
        open_bulk(&srv, msg, sizeof msg) != FG_OK || fg_server_start(&srv, msg, sizeof msg) != FG_OK) {
        fprintf(stderr, "fhirgate serve: %s\n", msg);
        fg_server_cleanup(&srv);
        return 1;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    struct fg_log_field f[] = {FG_LF_CSTR("signal", sig == SIGINT ? "SIGINT" : "SIGTERM")};
    fg_log_write(&srv.log, "stopping", f, 1);
    fg_server_stop(&srv, SERVE_GRACE_MS);
    fg_server_cleanup(&srv);
    return 0;
}
