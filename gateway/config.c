/* config.c - settings from defaults, a config file, the environment and flags.
 * The table below is the single list of keys; see config.h for precedence. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../core/fg_str.h"
#include "audit.h"
#include "../core/fg_tz.h"
#include "../smart/portal.h"
#include "cors.h"

enum key_kind { KEY_INT, KEY_STR };

struct key_row {
    const char *key;
    enum key_kind kind;
    size_t offset;
    size_t size;        /* KEY_STR: bytes of the char array */
    int64_t min, max;   /* KEY_INT */
    const char *help;
};

#define INT_ROW(k, field, lo, hi, h) \
    {k, KEY_INT, offsetof(struct fg_config, field), 0, (lo), (hi), (h)}
#define STR_ROW(k, field, h) \
    {k, KEY_STR, offsetof(struct fg_config, field), sizeof(((struct fg_config *)0)->field), 0, 0, (h)}

static const struct key_row key_rows[] = {
    INT_ROW("port", port, 0, 65535, "TCP port (0 = any free port)"),
    STR_ROW("bind", bind, "address to listen on"),
    STR_ROW("db", db, "SQLite database file"),
    STR_ROW("auth_db", auth_db, "authorization server SQLite file (clients, grants, keys)"),
    STR_ROW("base_url", base_url, "public FHIR base URL (default http://<bind>:<port>/fhir)"),
    INT_ROW("threads", threads, 1, 256, "worker threads (default: cores)"),
    INT_ROW("max_body_bytes", max_body_bytes, 1, INT64_C(1) << 32, "request body limit in bytes"),
    INT_ROW("import_max_upload_bytes", import_max_upload_bytes, 1, INT64_C(1) << 40,
            "wearable export upload limit in bytes ($import-wearables; spooled to disk)"),
    INT_ROW("import_batch", import_batch, 0, FG_MAX_BUNDLE_ENTRIES - 1,
            "Observations per transaction of a $import-wearables import (0 = 1000)"),
    STR_ROW("tls_cert", tls_cert, "PEM certificate file (enables HTTPS)"),
    STR_ROW("tls_key", tls_key, "PEM private key file"),
    STR_ROW("access_log", access_log, "access log file, '-' = stdout, 'off' = none"),
    STR_ROW("now", now, "pin the clock: YYYY-MM-DD or an instant (tests)"),
    INT_ROW("max_connections", max_connections, 1, 65536, "concurrent connections"),
    INT_ROW("connection_timeout", connection_timeout, 1, 3600, "idle connection timeout, s"),
    STR_ROW("cors_origins", cors_origins,
            "origins allowed CORS on token and FHIR endpoints besides those of the registered "
            "redirect URIs (space or comma separated)"),
    INT_ROW("own_account_min_age", own_account_min_age, 0, 150, "youngest age with an own account"),
    INT_ROW("teen_proxy_age", teen_proxy_age, 0, 150, "age from which proxies see the limited view"),
    INT_ROW("adult_age", adult_age, 1, 150, "age at which child proxy access ends"),
    INT_ROW("adult_proxy_years", adult_proxy_years, 1, 100, "years an adult proxy grant lasts"),
    INT_ROW("release_delay_days", release_delay_days, 0, 3650,
            "days before a delayed-release result is shown without release"),
    INT_ROW("note_max_years", note_max_years, 1, 200, "clinical notes older than this are hidden"),
    INT_ROW("activation_days", activation_days, 1, 365, "sign-up activation code validity, days"),
    INT_ROW("portal_utc_offset", portal_utc_offset, -840, 840,
            "minutes east of UTC of the portal's calendar day (ages, birthdays)"),
    STR_ROW("portal_time_zone", portal_time_zone,
            "IANA time zone of the portal's calendar day, e.g. America/Chicago (from "
            "/usr/share/zoneinfo; follows daylight saving time; excludes portal_utc_offset)"),
    STR_ROW("release_delay_codes", release_delay_codes,
            "delayed-release result codes: system|code or code, comma-separated"),
    STR_ROW("auth_mode", auth_mode, "where /fhir tokens are verified: local, jwks, introspection"),
    STR_ROW("auth_jwks_uri", auth_jwks_uri, "auth_mode jwks: the external server's JWKS URL"),
    STR_ROW("auth_introspection_url", auth_introspection_url,
            "auth_mode introspection: the RFC 7662 endpoint"),
    STR_ROW("auth_introspection_client_id", auth_introspection_client_id,
            "auth_mode introspection: client id (client_secret_basic)"),
    STR_ROW("auth_introspection_client_secret", auth_introspection_client_secret,
            "auth_mode introspection: client secret"),
    STR_ROW("auth_audience", auth_audience, "external tokens: required aud (default base_url)"),
    STR_ROW("auth_issuer", auth_issuer, "external tokens: required iss (default: not checked)"),
    INT_ROW("audit_retention_days", audit_retention_days, 0, 36500,
            "days the audit log keeps a row (0 = forever); older rows are pruned hourly"),
    INT_ROW("bench_endpoints", bench_endpoints, 0, 1,
            "1 = serve /_bench/read/{type}/{id} without authorization (benchmarks only)"),
    STR_ROW("upstream", upstream, "upstream FHIR base URL: serve it instead of the db"),
    STR_ROW("upstream_auth", upstream_auth, "none, bearer or client_credentials"),
    STR_ROW("upstream_token", upstream_token, "static bearer token for the upstream"),
    STR_ROW("upstream_token_url", upstream_token_url, "upstream OAuth token endpoint"),
    STR_ROW("upstream_client_id", upstream_client_id, "client_credentials client id"),
    STR_ROW("upstream_client_secret", upstream_client_secret, "client_credentials secret"),
    STR_ROW("upstream_scope", upstream_scope, "client_credentials scope (optional)"),
    INT_ROW("upstream_timeout_ms", upstream_timeout_ms, 1, 600000, "upstream request timeout"),
    INT_ROW("upstream_connect_timeout_ms", upstream_connect_timeout_ms, 1, 60000,
            "upstream connect timeout"),
    INT_ROW("upstream_retries", upstream_retries, 0, 5, "extra tries of a failed upstream GET"),
    STR_ROW("upstream_ca_file", upstream_ca_file, "PEM CA bundle for an https upstream"),
    STR_ROW("upstream_paging_key", upstream_paging_key,
            "secret sealing upstream paging links (share it across processes)"),
    STR_ROW("bulk_dir", bulk_dir,
            "bulk export files (default: the directory \"bulk\" beside the db file)"),
    INT_ROW("bulk_file_ttl", bulk_file_ttl, 1, INT64_C(30) * 86400,
            "seconds a finished bulk export's files are kept"),
};
#define N_KEYS (sizeof key_rows / sizeof key_rows[0])

static void set_msg(char *msg, size_t msg_size, const char *fmt, const char *a, const char *b)
{
    /* Truncation of a message is acceptable: it is text for people. */
    if (msg && msg_size && snprintf(msg, msg_size, fmt, a, b) < 0)
        msg[0] = '\0';
}

static bool copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

void fg_config_defaults(struct fg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 8080;
    copy_str(cfg->bind, sizeof cfg->bind, "127.0.0.1");
    copy_str(cfg->db, sizeof cfg->db, "var/fhirgate.db");
    copy_str(cfg->auth_db, sizeof cfg->auth_db, "var/fhirgate-auth.db");
    copy_str(cfg->auth_mode, sizeof cfg->auth_mode, "local");
    cfg->max_body_bytes = FG_MAX_BODY_BYTES;
    cfg->import_max_upload_bytes = (int64_t)FG_MAX_IMPORT_UPLOAD_BYTES;
    cfg->audit_retention_days = FG_AUDIT_RETENTION_DAYS;
    copy_str(cfg->access_log, sizeof cfg->access_log, "-");
    cfg->max_connections = FG_MAX_CONNECTIONS;
    cfg->connection_timeout = FG_CONNECTION_TIMEOUT_S;
    copy_str(cfg->upstream_auth, sizeof cfg->upstream_auth, "none");
    cfg->upstream_timeout_ms = 30000;
    cfg->upstream_connect_timeout_ms = 2000;
    cfg->upstream_retries = 1;
    cfg->bulk_file_ttl = FG_BULK_FILE_TTL_S;
    struct smart_portal_settings portal;
    smart_portal_settings_default(&portal);
    cfg->own_account_min_age = portal.own_account_min_age;
    cfg->teen_proxy_age = portal.teen_age;
    cfg->adult_age = portal.adult_age;
    cfg->adult_proxy_years = portal.adult_proxy_years;
    cfg->release_delay_days = portal.release_delay_days;
    cfg->note_max_years = portal.note_max_years;
    cfg->activation_days = portal.activation_days;
    cfg->portal_utc_offset = portal.utc_offset_min;
    copy_str(cfg->release_delay_codes, sizeof cfg->release_delay_codes, portal.release_codes);
}

void fg_config_portal(const struct fg_config *cfg, struct smart_portal_settings *out)
{
    smart_portal_settings_default(out);
    out->own_account_min_age = (int)cfg->own_account_min_age;
    out->teen_age = (int)cfg->teen_proxy_age;
    out->adult_age = (int)cfg->adult_age;
    out->adult_proxy_years = (int)cfg->adult_proxy_years;
    out->release_delay_days = (int)cfg->release_delay_days;
    out->note_max_years = (int)cfg->note_max_years;
    out->activation_days = (int)cfg->activation_days;
    out->utc_offset_min = (int)cfg->portal_utc_offset;
    copy_str(out->release_codes, sizeof out->release_codes, cfg->release_delay_codes);
}

static const struct key_row *find_key(const char *key, size_t len)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strlen(key_rows[i].key) == len && memcmp(key_rows[i].key, key, len) == 0)
            return &key_rows[i];
    return NULL;
}

static enum fg_status set_row(struct fg_config *cfg, const struct key_row *row, const char *value,
                              char *msg, size_t msg_size)
{
    char *base = (char *)cfg;
    if (row->kind == KEY_STR) {
        if (!copy_str(base + row->offset, row->size, value)) {
            set_msg(msg, msg_size, "%s: value too long (%s)", row->key, "limit exceeded");
            return FG_ETOOBIG;
        }
        return FG_OK;
    }
    int64_t v;
    if (fg_parse_i64(fg_str_c(value), row->min, row->max, &v) != FG_OK) {
        char range[64];
        if (snprintf(range, sizeof range, "an integer in %lld..%lld", (long long)row->min,
                     (long long)row->max) >= (int)sizeof range)
            range[0] = '\0';
        if (msg && msg_size &&
            snprintf(msg, msg_size, "%s: \"%s\" is not %s", row->key, value, range) < 0)
            msg[0] = '\0';
        return FG_EINVAL;
    }
    *(int64_t *)(void *)(base + row->offset) = v;
    if (row->offset == offsetof(struct fg_config, portal_utc_offset))
        cfg->portal_utc_offset_set = true; /* even to 0: it conflicts with portal_time_zone */
    return FG_OK;
}

enum fg_status fg_config_set(struct fg_config *cfg, const char *key, const char *value,
                             char *msg, size_t msg_size)
{
    const struct key_row *row = find_key(key, strlen(key));
    if (!row) {
        set_msg(msg, msg_size, "unknown setting \"%s\"%s", key, "");
        return FG_ENOTFOUND;
    }
    return set_row(cfg, row, value, msg, msg_size);
}

/* Splits one config-file line into key and value (both trimmed, in place).
 * Returns FG_OK with *key NULL for a blank or comment line. */
static enum fg_status split_line(char *line, char **key, char **value)
{
    *key = NULL;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    struct fg_str whole = fg_str_trim(fg_str_c(line));
    if (whole.len == 0)
        return FG_OK;
    struct fg_str k, v;
    if (!fg_str_split(whole, '=', &k, &v))
        return FG_EINVAL;
    k = fg_str_trim(k);
    v = fg_str_trim(v);
    if (k.len == 0)
        return FG_EINVAL;
    ((char *)k.ptr)[k.len] = '\0';
    ((char *)v.ptr)[v.len] = '\0';
    *key = (char *)k.ptr;
    *value = (char *)v.ptr;
    return FG_OK;
}

enum fg_status fg_config_load_file(struct fg_config *cfg, const char *path, char *msg,
                                   size_t msg_size)
{
    enum fg_status rc = FG_EIO;
    char line[FG_CONFIG_LINE_MAX];
    char inner[FG_CONFIG_MSG_MAX];
    char where[FG_CONFIG_VALUE_MAX + 32];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        set_msg(msg, msg_size, "cannot open config file %s: %s", path, strerror(errno));
        goto out;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (snprintf(where, sizeof where, "%s:%u", path, lineno) >= (int)sizeof where)
            where[0] = '\0';
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
            set_msg(msg, msg_size, "%s: line too long%s", where, "");
            rc = FG_EINVAL;
            goto out;
        }
        char *key, *value;
        if (split_line(line, &key, &value) != FG_OK) {
            set_msg(msg, msg_size, "%s: expected `key = value`%s", where, "");
            rc = FG_EINVAL;
            goto out;
        }
        if (!key)
            continue;
        rc = fg_config_set(cfg, key, value, inner, sizeof inner);
        if (rc != FG_OK) {
            set_msg(msg, msg_size, "%s: %s", where, inner);
            rc = rc == FG_ENOTFOUND ? FG_EINVAL : rc;
            goto out;
        }
    }
    if (ferror(f)) {
        set_msg(msg, msg_size, "cannot read config file %s%s", path, "");
        rc = FG_EIO;
        goto out;
    }
    if (!copy_str(cfg->config_file, sizeof cfg->config_file, path))
        cfg->config_file[0] = '\0';
    rc = FG_OK;
out:
    if (f)
        fclose(f);
    return rc;
}

/* "FHIRGATE_BASE_URL=..." -> row for "base_url", or NULL. */
static const struct key_row *env_row(const char *entry, const char **value)
{
    static const char prefix[] = "FHIRGATE_";
    if (strncmp(entry, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *name = entry + sizeof prefix - 1;
    const char *eq = strchr(name, '=');
    if (!eq)
        return NULL;
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *k = key_rows[i].key;
        size_t n = strlen(k);
        if ((size_t)(eq - name) != n)
            continue;
        size_t j = 0;
        while (j < n && toupper((unsigned char)k[j]) == name[j])
            j++;
        if (j == n) {
            *value = eq + 1;
            return &key_rows[i];
        }
    }
    return NULL;
}

enum fg_status fg_config_apply_env(struct fg_config *cfg, char *const *envp, char *msg,
                                   size_t msg_size)
{
    char inner[FG_CONFIG_MSG_MAX];
    for (size_t i = 0; envp && envp[i]; i++) {
        const char *value;
        const struct key_row *row = env_row(envp[i], &value);
        if (!row)
            continue;
        enum fg_status st = set_row(cfg, row, value, inner, sizeof inner);
        if (st != FG_OK) {
            set_msg(msg, msg_size, "environment: %s%s", inner, "");
            return st;
        }
    }
    return FG_OK;
}

/* "--base-url" (len 8 after "--") -> row "base_url". */
static const struct key_row *flag_row(const char *name, size_t len)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *k = key_rows[i].key;
        if (strlen(k) != len)
            continue;
        size_t j = 0;
        while (j < len && (name[j] == k[j] || (name[j] == '-' && k[j] == '_')))
            j++;
        if (j == len)
            return &key_rows[i];
    }
    return NULL;
}

enum fg_status fg_config_flag(struct fg_config *cfg, int argc, char **argv, int *i, char *msg,
                              size_t msg_size)
{
    const char *arg = argv[*i];
    if (strncmp(arg, "--", 2) != 0)
        return FG_ENOTFOUND;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    bool is_config = len == 6 && memcmp(name, "config", 6) == 0;
    const struct key_row *row = is_config ? NULL : flag_row(name, len);
    if (!row && !is_config)
        return FG_ENOTFOUND;
    const char *value = eq ? eq + 1 : NULL;
    int used = 1;
    if (!value) {
        if (*i + 1 >= argc) {
            set_msg(msg, msg_size, "option %s needs a value%s", arg, "");
            return FG_EINVAL;
        }
        value = argv[*i + 1];
        used = 2;
    }
    if (!is_config) {
        char inner[FG_CONFIG_MSG_MAX];
        enum fg_status st = set_row(cfg, row, value, inner, sizeof inner);
        if (st != FG_OK) {
            set_msg(msg, msg_size, "option --%s", inner, "");
            return FG_EINVAL;
        }
    }
    *i += used;
    return FG_OK;
}

static bool is_ipv6(const char *addr)
{
    return strchr(addr, ':') != NULL;
}

enum fg_status fg_config_derive_base_url(struct fg_config *cfg, int64_t port)
{
    const char *scheme = cfg->tls_cert[0] ? "https" : "http";
    bool v6 = is_ipv6(cfg->bind);
    int n = snprintf(cfg->base_url, sizeof cfg->base_url, "%s://%s%s%s:%lld/fhir", scheme,
                     v6 ? "[" : "", cfg->bind, v6 ? "]" : "", (long long)port);
    if (n < 0 || (size_t)n >= sizeof cfg->base_url) {
        cfg->base_url[0] = '\0';
        return FG_ETOOBIG;
    }
    cfg->base_url_derived = true;
    return FG_OK;
}

/* portal_time_zone: a name that can only be a file under the zoneinfo
 * directory (the file itself is read when the server starts), and never
 * together with portal_utc_offset: which of the two decides "today" would
 * be a guess, so a deployment must say. */
static enum fg_status check_portal_zone(const struct fg_config *cfg, char *msg, size_t msg_size)
{
    if (cfg->portal_time_zone[0] == '\0')
        return FG_OK;
    if (!fg_tz_name_ok(fg_str_c(cfg->portal_time_zone))) {
        set_msg(msg, msg_size,
                "portal_time_zone: \"%s\" is not a time zone name like America/Chicago%s",
                cfg->portal_time_zone, "");
        return FG_EINVAL;
    }
    if (cfg->portal_utc_offset_set) {
        set_msg(msg, msg_size, "portal_time_zone and portal_utc_offset are both set: "
                "give one%s%s", "", "");
        return FG_EINVAL;
    }
    return FG_OK;
}

enum fg_status fg_config_finish(struct fg_config *cfg, char *msg, size_t msg_size)
{
    if (check_portal_zone(cfg, msg, msg_size) != FG_OK)
        return FG_EINVAL;
    if (cfg->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = n < 1 ? 1 : n > 256 ? 256 : n;
    }
    if ((cfg->tls_cert[0] == '\0') != (cfg->tls_key[0] == '\0')) {
        set_msg(msg, msg_size, "tls_cert and tls_key must be given together%s%s", "", "");
        return FG_EINVAL;
    }
    if (cfg->base_url[0] == '\0' || cfg->base_url_derived) {
        if (fg_config_derive_base_url(cfg, cfg->port) != FG_OK) {
            set_msg(msg, msg_size, "base_url: too long%s%s", "", "");
            return FG_ETOOBIG;
        }
    }
    struct fg_clock probe = {0};
    if (cfg->now[0] && fg_clock_pin(&probe, fg_str_c(cfg->now)) != FG_OK) {
        set_msg(msg, msg_size, "now: \"%s\" is not YYYY-MM-DD or an instant%s", cfg->now, "");
        return FG_EINVAL;
    }
    struct fg_str bad;
    if (!fg_cors_list_valid(fg_str_c(cfg->cors_origins), &bad)) {
        char shown[201];
        size_t n = bad.len < sizeof shown - 1 ? bad.len : sizeof shown - 1;
        memcpy(shown, bad.ptr, n);
        shown[n] = '\0';
        set_msg(msg, msg_size, "cors_origins: \"%s\" is not an origin (scheme://host[:port])%s",
                shown, "");
        return FG_EINVAL;
    }
    if (strcmp(cfg->upstream_auth, "none") != 0 && strcmp(cfg->upstream_auth, "bearer") != 0 &&
        strcmp(cfg->upstream_auth, "client_credentials") != 0) {
        set_msg(msg, msg_size, "upstream_auth: \"%s\" is not none, bearer or client_credentials%s",
                cfg->upstream_auth, "");
        return FG_EINVAL;
    }
    size_t len = strlen(cfg->base_url);
    while (len > 0 && cfg->base_url[len - 1] == '/')
        cfg->base_url[--len] = '\0';
    if (strncmp(cfg->base_url, "http://", 7) != 0 && strncmp(cfg->base_url, "https://", 8) != 0) {
        set_msg(msg, msg_size, "base_url: \"%s\" is not an http(s) URL%s", cfg->base_url, "");
        return FG_EINVAL;
    }
    return FG_OK;
}

/* The --config flag's value (last one wins), or NULL. */
static const char *config_flag_value(int argc, char **argv)
{
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            found = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            found = argv[i] + 9;
    }
    return found;
}

static const char *env_value(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
            return envp[i] + n + 1;
    return NULL;
}

enum fg_status fg_config_load(struct fg_config *cfg, int argc, char **argv, char *const *envp,
                              char *msg, size_t msg_size)
{
    enum fg_status st;
    fg_config_defaults(cfg);
    const char *file = config_flag_value(argc, argv);
    if (!file)
        file = env_value(envp, "FHIRGATE_CONFIG");
    if (file && file[0]) {
        st = fg_config_load_file(cfg, file, msg, msg_size);
        if (st != FG_OK)
            return st;
    }
    st = fg_config_apply_env(cfg, envp, msg, msg_size);
    if (st != FG_OK)
        return st;
    for (int i = 1; i < argc;) {
        st = fg_config_flag(cfg, argc, argv, &i, msg, msg_size);
        if (st == FG_ENOTFOUND) {
            set_msg(msg, msg_size, "unknown option \"%s\"%s", argv[i], "");
            return FG_EINVAL;
        }
        if (st != FG_OK)
            return st;
    }
    return fg_config_finish(cfg, msg, msg_size);
}

void fg_config_print_usage(FILE *out)
{
    fprintf(out, "  --config FILE          settings file (`key = value` lines)  [FHIRGATE_CONFIG]\n");
    for (size_t i = 0; i < N_KEYS; i++) {
        char flag[48], env[48];
        size_t j = 0;
        for (const char *k = key_rows[i].key; *k && j + 1 < sizeof flag; k++, j++) {
            flag[j] = *k == '_' ? '-' : *k;
            env[j] = (char)toupper((unsigned char)*k);
        }
        flag[j] = env[j] = '\0';
        fprintf(out, "  --%-20s %s  [FHIRGATE_%s]\n", flag, key_rows[i].help, env);
    }
}
