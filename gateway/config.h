/* config.h - the server's settings and where they come from.
 *
 * Precedence, lowest first: built-in defaults < the config file
 * (`--config FILE` or FHIRGATE_CONFIG; lines `key = value`, '#' starts a
 * comment) < environment variables FHIRGATE_<KEY> (upper case, e.g.
 * FHIRGATE_PORT, FHIRGATE_BASE_URL) < command-line flags `--<key>` with '_'
 * written as '-' (`--base-url`, `--max-body-bytes`; `--flag value` or
 * `--flag=value`). Every key has one row in config.c's table, so adding a
 * setting is a row. Numbers go through fg_parse_i64 with the row's range.
 *
 * Keys: port bind db base_url threads max_body_bytes import_max_upload_bytes import_batch
 * tls_cert tls_key
 * access_log now max_connections connection_timeout auth_db auth_mode
 * auth_jwks_uri auth_introspection_url auth_introspection_client_id
 * auth_introspection_client_secret auth_audience auth_issuer bench_endpoints cors_origins
 * audit_retention_days,
 * and upstream upstream_auth upstream_token upstream_token_url upstream_client_id
 * upstream_client_secret upstream_scope upstream_timeout_ms
 * upstream_connect_timeout_ms upstream_retries upstream_ca_file upstream_paging_key,
 * and the portal rules (portal-rules.md; smart/portal.h): own_account_min_age
 * teen_proxy_age adult_age adult_proxy_years release_delay_days
 * note_max_years activation_days portal_utc_offset portal_time_zone
 * release_delay_codes,
 * and bulk export: bulk_dir bulk_file_ttl.
 */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fg_limits.h"
#include "../core/fg_status.h"

#define FG_CONFIG_VALUE_MAX 1024   /* longest string setting (paths, URLs) */
#define FG_CONFIG_LINE_MAX 4096    /* longest config-file line */
#define FG_CONFIG_MSG_MAX 512      /* error message buffer callers should pass */

struct fg_config {
    int64_t port;                  /* 0..65535; 0 = any free port (logged at start) */
    char bind[64];                 /* IPv4 or IPv6 literal */
    char db[FG_CONFIG_VALUE_MAX];  /* SQLite file */
    char auth_db[FG_CONFIG_VALUE_MAX]; /* the authorization server's SQLite file */
    char base_url[FG_CONFIG_VALUE_MAX]; /* "" until fg_config_finish derives it */
    int64_t threads;               /* worker threads; 0 until finish (= cores) */
    int64_t max_body_bytes;        /* request body limit (413 past it) */
    int64_t import_max_upload_bytes; /* $import-wearables upload limit (spooled to disk) */
    int64_t import_batch;          /* Observations per import transaction; 0 = the default */
    int64_t audit_retention_days;  /* audit rows older than this are pruned; 0 = kept forever */
    char tls_cert[FG_CONFIG_VALUE_MAX]; /* PEM file; "" = plain HTTP */
    char tls_key[FG_CONFIG_VALUE_MAX];
    char access_log[FG_CONFIG_VALUE_MAX]; /* "-" = stdout, "off" = none, else a file */
    char now[40];                  /* "" = real clock; "YYYY-MM-DD" or an instant pins it */
    int64_t max_connections;
    int64_t connection_timeout;    /* seconds idle before a connection is closed */
    char cors_origins[FG_CONFIG_VALUE_MAX]; /* extra CORS origins for the token endpoint and
                                              the FHIR API, separated by spaces or commas;
                                              checked by fg_config_finish */
    /* portal rules (defaults from portal-rules.md) */
    int64_t own_account_min_age;   /* 13 */
    int64_t teen_proxy_age;        /* 13 */
    int64_t adult_age;             /* 18 */
    int64_t adult_proxy_years;     /* 5 */
    int64_t release_delay_days;    /* 4 */
    int64_t note_max_years;        /* 3 */
    int64_t activation_days;       /* 14 */
    int64_t portal_utc_offset;     /* minutes east of UTC for "today" (0) */
    bool portal_utc_offset_set;    /* portal_utc_offset was given (file, env or flag) */
    char portal_time_zone[FG_MAX_TZ_NAME + 1]; /* IANA name; "" = portal_utc_offset. Set
                                                  both and fg_config_finish refuses */
    char release_delay_codes[FG_CONFIG_VALUE_MAX]; /* "system|code,..." */
    /* Where /fhir bearer tokens are verified (gateway/access_external.h):
     * "local" (this server's tokens), "jwks" or "introspection". */
    char auth_mode[32];
    char auth_jwks_uri[FG_CONFIG_VALUE_MAX];
    char auth_introspection_url[FG_CONFIG_VALUE_MAX];
    char auth_introspection_client_id[256];
    char auth_introspection_client_secret[256];
    char auth_audience[FG_CONFIG_VALUE_MAX]; /* expected aud; "" = base_url */
    char auth_issuer[FG_CONFIG_VALUE_MAX];   /* expected iss; "" = not checked */
    int64_t bench_endpoints;       /* 1 = serve /_bench/read/{type}/{id} (no authorization) */
    /* Upstream mode (store_upstream.h): "" = the embedded db. Secrets
     * (token, client secret) belong in the config file or environment. */
    char upstream[FG_CONFIG_VALUE_MAX];
    char upstream_auth[32];        /* none | bearer | client_credentials */
    char upstream_token[FG_CONFIG_VALUE_MAX];
    char upstream_token_url[FG_CONFIG_VALUE_MAX];
    char upstream_client_id[256];
    char upstream_client_secret[FG_CONFIG_VALUE_MAX];
    char upstream_scope[FG_CONFIG_VALUE_MAX];
    int64_t upstream_timeout_ms;
    int64_t upstream_connect_timeout_ms;
    int64_t upstream_retries;
    char upstream_ca_file[FG_CONFIG_VALUE_MAX]; /* "" = the system's CA store */
    char upstream_paging_key[FG_CONFIG_VALUE_MAX]; /* "" = random per process */
    /* Bulk export (gateway/bulk.h): where job files go ("" = "bulk" beside
     * the db file) and how long a finished job's files are kept. */
    char bulk_dir[FG_CONFIG_VALUE_MAX];
    int64_t bulk_file_ttl;         /* seconds */
    char config_file[FG_CONFIG_VALUE_MAX]; /* the file that was read, or "" */
    bool base_url_derived;         /* base_url was built from bind and port */
};

/* The portal-rule settings of cfg (smart/portal.h). */
struct smart_portal_settings;
void fg_config_portal(const struct fg_config *cfg, struct smart_portal_settings *out);

/* Fills cfg with the built-in defaults. */
void fg_config_defaults(struct fg_config *cfg);

/* Sets one key from a text value (the file, environment and flag paths all
 * end here). FG_ENOTFOUND for an unknown key, FG_EINVAL for a bad value,
 * FG_ETOOBIG for a too long one; msg (size msg_size) says which.
 * @test tests/unit/gateway/config_test.c */
enum fg_status fg_config_set(struct fg_config *cfg, const char *key, const char *value,
                             char *msg, size_t msg_size);

/* Reads `key = value` lines from path. Errors name path:line.
 * @test tests/unit/gateway/config_test.c */
enum fg_status fg_config_load_file(struct fg_config *cfg, const char *path, char *msg,
                                   size_t msg_size);

/* Applies FHIRGATE_<KEY> variables from envp (a NULL-terminated
 * "NAME=value" array such as environ). FHIRGATE_CONFIG is not a key and is
 * skipped here (see fg_config_load). */
enum fg_status fg_config_apply_env(struct fg_config *cfg, char *const *envp, char *msg,
                                   size_t msg_size);

/* Tries to consume the config flag at argv[*i] (and its value at
 * argv[*i + 1] when not written `--flag=value`), advancing *i past it.
 * FG_ENOTFOUND (nothing consumed, msg untouched) when argv[*i] is not a
 * config flag, so a command can handle flags of its own; FG_EINVAL with msg
 * for a missing or bad value. `--config` is consumed and ignored here. */
enum fg_status fg_config_flag(struct fg_config *cfg, int argc, char **argv, int *i, char *msg,
                              size_t msg_size);

/* Fills derived values: threads = online cores when 0; base_url =
 * "http(s)://<bind>:<port>/fhir" when unset (IPv6 in brackets); strips a
 * trailing '/' from base_url. FG_EINVAL when only one of tls_cert/tls_key
 * is set, or portal_time_zone is not a zone name (fg_tz_name_ok) or is set
 * together with portal_utc_offset. */
enum fg_status fg_config_finish(struct fg_config *cfg, char *msg, size_t msg_size);

/* (Re)builds base_url from scheme, bind and the given port (the server
 * calls it once it knows the port bound for port 0). */
enum fg_status fg_config_derive_base_url(struct fg_config *cfg, int64_t port);

/* The whole sequence for commands that take only config flags: defaults,
 * the config file (flag --config wins over FHIRGATE_CONFIG), environment,
 * flags (argv[0] is the command name and skipped), finish. An unknown flag
 * or stray argument is FG_EINVAL naming it.
 * @test tests/unit/gateway/config_test.c */
enum fg_status fg_config_load(struct fg_config *cfg, int argc, char **argv, char *const *envp,
                              char *msg, size_t msg_size);

/* Prints one line of usage text per key (flag, env variable, default). */
void fg_config_print_usage(FILE *out);

#endif
