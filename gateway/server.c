/* server.c - the server context's lifecycle around one libmicrohttpd daemon.
 * https://www.gnu.org/software/libmicrohttpd/manual/libmicrohttpd.html */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../core/fg_tz.h"
#include "../conformance/capability.h"
#include <openssl/evp.h>

#include "access_external.h"
#include "access_rules.h"
#include "audit.h"
#include "bulk.h"
#include "auth.h"
#include "auth_http.h"
#include "cli.h"
#include "portal_births.h"
#include "request.h"

/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_FILE_MAX (1024 * 1024)
/* MHD's per-connection memory holds the request line, the headers and the
 * read buffer, and the response headers. */
#define CONNECTION_MEMORY (FG_MAX_HEADER_BYTES * 2)

static void set_msg(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Truncation of a message is acceptable: it is text for people. */
    if (vsnprintf(msg, size, fmt, ap) < 0 && size)
        msg[0] = '\0';
    va_end(ap);
}

enum fg_status fg_server_init(struct fg_server *srv, const struct fg_config *cfg, char *msg,
                              size_t msg_size)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    srv->routes = fg_routes;
    srv->n_routes = fg_routes_count;
    if (fg_request_prepare_routes(srv) != FG_OK) {
        set_msg(msg, msg_size, "a route table has more than %d routes", FG_MAX_ROUTES);
        return FG_ETOOBIG;
    }
    atomic_init(&srv->in_flight, 0);
    pthread_mutex_init(&srv->capability_lock, NULL);
    if (cfg->now[0] && fg_clock_pin(&srv->clock, fg_str_c(cfg->now)) != FG_OK) {
        set_msg(msg, msg_size, "now: \"%s\" is not YYYY-MM-DD or an instant", cfg->now);
        return FG_EINVAL;
    }
    FILE *out = NULL;
    if (strcmp(cfg->access_log, "-") == 0) {
        out = stdout;
    } else if (strcmp(cfg->access_log, "off") != 0 && cfg->access_log[0]) {
        out = fopen(cfg->access_log, "a");
        if (!out) {
            set_msg(msg, msg_size, "cannot open access log %s: %s", cfg->access_log,
                    strerror(errno));
            return FG_EIO;
        }
        srv->access_file = out;
    }
    static const char bare[] = "ok\n";
    srv->bench_resp = MHD_create_response_from_buffer(sizeof bare - 1, (void *)bare,
                                                      MHD_RESPMEM_PERSISTENT);
    if (!srv->bench_resp ||
        MHD_add_response_header(srv->bench_resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain") !=
            MHD_YES) {
        if (srv->bench_resp)
            MHD_destroy_response(srv->bench_resp);
        if (srv->access_file)
            fclose(srv->access_file);
        set_msg(msg, msg_size, "out of memory");
        return FG_ENOMEM;
    }
    fg_log_init(&srv->access_log, out, &srv->wall);
    fg_log_init(&srv->log, stderr, &srv->wall);
    smart_policy_init(&srv->policy);
    srv->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* NULL: slower, still correct */
    enum fg_status st = fg_access_rules_register(srv, msg, msg_size);
    if (st == FG_OK)
        st = fg_external_new(&srv->cfg, &srv->verifier, msg, msg_size);
    if (st != FG_OK) {
        EVP_MD_free(srv->sha256);
        srv->sha256 = NULL;
        MHD_destroy_response(srv->bench_resp);
        srv->bench_resp = NULL;
        if (srv->access_file)
            fclose(srv->access_file);
        srv->access_file = NULL;
        fg_tz_free(&srv->portal_tz);
    }
    return st;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct fg_server *srv = cls;
    char text[512];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    if (n < 0)
        return;
    size_t len = strnlen(text, sizeof text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    struct fg_log_field f[] = {FG_LF_STR("message", fg_str_n(text, len))};
    fg_log_write(&srv->log, "mhd", f, 1);
}

/* Reads a whole (small) file into a NUL-terminated heap string. */
static enum fg_status read_file(const char *path, char **out, char *msg, size_t msg_size)
{
    enum fg_status rc = FG_EIO;
    struct fg_buf b;
    fg_buf_init(&b, TLS_FILE_MAX);
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_msg(msg, msg_size, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = fg_buf_append(&b, chunk, n);
        if (rc != FG_OK) {
            set_msg(msg, msg_size, "%s: larger than %d bytes", path, TLS_FILE_MAX);
            goto out;
        }
    }
    if (ferror(f)) {
        rc = FG_EIO;
        set_msg(msg, msg_size, "cannot read %s", path);
        goto out;
    }
    rc = fg_buf_take(&b, out, NULL);
out:
    if (f)
        fclose(f);
    fg_buf_cleanup(&b);
    return rc;
}

struct listen_addr {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    bool is_v6;
};

static enum fg_status parse_bind(const struct fg_config *cfg, struct listen_addr *a, char *msg,
                                 size_t msg_size)
{
    memset(a, 0, sizeof *a);
    uint16_t port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->bind, &a->v4.sin_addr) == 1) {
        a->v4.sin_family = AF_INET;
        a->v4.sin_port = port;
        return FG_OK;
    }
    if (inet_pton(AF_INET6, cfg->bind, &a->v6.sin6_addr) == 1) {
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_port = port;
        a->is_v6 = true;
        return FG_OK;
    }
    set_msg(msg, msg_size, "bind: \"%s\" is not an IPv4 or IPv6 address", cfg->bind);
    return FG_EINVAL;
}

#define OPT_INT(o, v) ((struct MHD_OptionItem){(o), (intptr_t)(v), NULL})
#define OPT_PTR(o, p) ((struct MHD_OptionItem){(o), 0, (void *)(p)})
#define OPT_FN(o, fn, cls) ((struct MHD_OptionItem){(o), (intptr_t)(fn), (cls)})

enum fg_status fg_server_start(struct fg_server *srv, char *msg, size_t msg_size)
{
    const struct fg_config *cfg = &srv->cfg;
    struct listen_addr addr;
    enum fg_status st = parse_bind(cfg, &addr, msg, msg_size);
    if (st != FG_OK)
        return st;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (addr.is_v6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[16];
    size_t n = 0;
    opts[n++] = OPT_FN(MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv);
    opts[n++] = OPT_FN(MHD_OPTION_URI_LOG_CALLBACK, fg_request_begin, srv);
    opts[n++] = OPT_FN(MHD_OPTION_NOTIFY_COMPLETED, fg_request_end, srv);
    opts[n++] = OPT_PTR(MHD_OPTION_SOCK_ADDR, addr.is_v6 ? (void *)&addr.v6 : (void *)&addr.v4);
    opts[n++] = OPT_INT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY);
    opts[n++] = OPT_INT(MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections);
    opts[n++] = OPT_INT(MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout);
    if (cfg->threads > 1)
        opts[n++] = OPT_INT(MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads);
    if (cfg->tls_cert[0]) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            set_msg(msg, msg_size, "this libmicrohttpd has no TLS support");
            return FG_ENOTSUP;
        }
        st = read_file(cfg->tls_cert, &srv->tls_cert_pem, msg, msg_size);
        if (st == FG_OK)
            st = read_file(cfg->tls_key, &srv->tls_key_pem, msg, msg_size);
        if (st != FG_OK)
            return st;
        flags |= MHD_USE_TLS;
        opts[n++] = OPT_PTR(MHD_OPTION_HTTPS_MEM_CERT, srv->tls_cert_pem);
        opts[n++] = OPT_PTR(MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key_pem);
        opts[n++] = OPT_PTR(MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES);
    }
    opts[n++] = OPT_INT(MHD_OPTION_END, 0);
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, fg_request_handle, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon) {
        set_msg(msg, msg_size, "cannot listen on %s port %lld (in use, or bad TLS files?)",
                cfg->bind, (long long)cfg->port);
        return FG_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (uint16_t)cfg->port;
    if (cfg->port == 0 && srv->cfg.base_url_derived)
        fg_config_derive_base_url(&srv->cfg, srv->port);
    struct fg_log_field f[] = {
        FG_LF_CSTR("bind", cfg->bind),
        FG_LF_INT("port", srv->port),
        FG_LF_CSTR("base_url", cfg->base_url),
        FG_LF_INT("threads", cfg->threads),
        FG_LF_CSTR("tls", cfg->tls_cert[0] ? "on" : "off"),
        FG_LF_CSTR("store", srv->store ? srv->store->ops->name : "none"),
    };
    fg_log_write(&srv->log, "listening", f, sizeof f / sizeof f[0]);
    return FG_OK;
}

void fg_server_stop(struct fg_server *srv, int grace_ms)
{
    if (!srv->daemon)
        return;
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    int waited = 0;
    const struct timespec tick = {0, 10 * 1000 * 1000};
    while (atomic_load(&srv->in_flight) > 0 && waited < grace_ms) {
        nanosleep(&tick, NULL);
        waited += 10;
    }
    long left = atomic_load(&srv->in_flight);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    struct fg_log_field f[] = {FG_LF_INT("waited_ms", waited), FG_LF_INT("unfinished", left)};
    fg_log_write(&srv->log, "stopped", f, 2);
}

enum fg_status fg_server_capability(struct fg_server *srv, struct fg_str *out)
{
    enum fg_status st = FG_OK;
    pthread_mutex_lock(&srv->capability_lock);
    if (!srv->capability_json) {
        struct fg_buf b;
        fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
        struct fg_capability_oauth oauth;
        struct fg_capability_info info = {
            .base_url = srv->cfg.base_url,
            .software_version = FG_VERSION,
            .now_us = fg_clock_now_us(&srv->clock),
            .oauth = srv->auth ? &oauth : NULL,
        };
        struct fg_pool *urls = srv->auth ? fg_pool_new() : NULL;
        if (srv->auth && (!urls || fg_auth_oauth_uris(srv->cfg.base_url, urls, &oauth) != FG_OK))
            st = FG_ENOMEM;
        if (st == FG_OK)
            st = fg_capability_write(&info, &b);
        fg_pool_free(&urls);
        if (st == FG_OK)
            st = fg_buf_take(&b, &srv->capability_json, &srv->capability_len);
        fg_buf_cleanup(&b);
    }
    if (st == FG_OK)
        *out = fg_str_n(srv->capability_json, srv->capability_len);
    pthread_mutex_unlock(&srv->capability_lock);
    return st;
}

void fg_server_cleanup(struct fg_server *srv)
{
    fg_server_stop(srv, 0);
    fg_free(srv->capability_json);
    srv->capability_json = NULL;
    pthread_mutex_destroy(&srv->capability_lock);
    fg_bulk_close(&srv->bulk); /* its worker uses the store and the auth db */
    fg_audit_close(&srv->audit); /* after the last request: writes what is queued */
    fhir_store_close(&srv->store);
    fg_auth_close(&srv->auth);
    fg_external_free(&srv->verifier);
    fg_portal_births_free(&srv->portal_births);
    fg_tz_free(&srv->portal_tz);
    EVP_MD_free(srv->sha256);
    srv->sha256 = NULL;
    if (srv->bench_resp)
        MHD_destroy_response(srv->bench_resp);
    srv->bench_resp = NULL;
    if (srv->tls_key_pem)
        OPENSSL_cleanse(srv->tls_key_pem, strlen(srv->tls_key_pem));
    fg_free(srv->tls_cert_pem);
    fg_free(srv->tls_key_pem);
    srv->tls_cert_pem = NULL;
    srv->tls_key_pem = NULL;
    fg_log_cleanup(&srv->access_log);
    fg_log_cleanup(&srv->log);
    if (srv->access_file)
        fclose(srv->access_file);
    srv->access_file = NULL;
}
