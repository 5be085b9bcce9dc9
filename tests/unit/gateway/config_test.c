/* config_test.c - defaults < file < environment < flags, and bad values. */
#include "../test.h"

#include <unistd.h>

#include "gateway/config.h"
#include "smart/portal.h"

static char msg[FG_CONFIG_MSG_MAX];

/* Writes text to a fresh temp file; returns its path (static buffer per call site). */
static void write_file(char *path, size_t size, const char *text)
{
    snprintf(path, size, "/tmp/fg_config_test_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    size_t n = strlen(text);
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
}

static void test_defaults(void)
{
    struct fg_config c;
    char *argv[] = {"serve", NULL};
    char *env[] = {NULL};
    CHECK_INT(fg_config_load(&c, 1, argv, env, msg, sizeof msg), FG_OK);
    CHECK_INT(c.port, 8080);
    CHECK_STR(c.bind, "127.0.0.1");
    CHECK_STR(c.db, "var/fhirgate.db");
    CHECK_STR(c.base_url, "http://127.0.0.1:8080/fhir");
    CHECK_STR(c.access_log, "-");
    CHECK_INT(c.max_body_bytes, 16 * 1024 * 1024);
    CHECK(c.threads >= 1);
    CHECK(c.base_url_derived);
}

static void test_precedence(void)
{
    char path[64];
    write_file(path, sizeof path,
               "# comment line\n"
               "port = 9001\n"
               "bind=127.0.0.2   # trailing comment\n"
               "\n"
               "db = /tmp/file.db\n"
               "threads = 3\n");
    struct fg_config c;
    /* file only */
    char *argv1[] = {"serve", "--config", path, NULL};
    char *env0[] = {NULL};
    CHECK_INT(fg_config_load(&c, 3, argv1, env0, msg, sizeof msg), FG_OK);
    CHECK_INT(c.port, 9001);
    CHECK_STR(c.bind, "127.0.0.2");
    CHECK_STR(c.db, "/tmp/file.db");
    CHECK_INT(c.threads, 3);
    CHECK_STR(c.base_url, "http://127.0.0.2:9001/fhir");
    /* environment beats the file; FHIRGATE_CONFIG names the file */
    char cfgenv[96];
    snprintf(cfgenv, sizeof cfgenv, "FHIRGATE_CONFIG=%s", path);
    char *env1[] = {cfgenv, "FHIRGATE_PORT=9002", "FHIRGATE_BASE_URL=https://proxy.example/fhir/",
                    "FHIRGATE_UNRELATED=x", "PATH=/bin", NULL};
    char *argv0[] = {"serve", NULL};
    CHECK_INT(fg_config_load(&c, 1, argv0, env1, msg, sizeof msg), FG_OK);
    CHECK_INT(c.port, 9002);
    CHECK_STR(c.db, "/tmp/file.db");
    CHECK_STR(c.base_url, "https://proxy.example/fhir");
    CHECK(!c.base_url_derived);
    /* flags beat the environment, in both spellings */
    char *argv2[] = {"serve", "--port=9003", "--db", "/tmp/flag.db", "--max-body-bytes", "1024",
                     "--now", "2026-01-02", NULL};
    CHECK_INT(fg_config_load(&c, 8, argv2, env1, msg, sizeof msg), FG_OK);
    CHECK_INT(c.port, 9003);
    CHECK_STR(c.db, "/tmp/flag.db");
    CHECK_INT(c.max_body_bytes, 1024);
    CHECK_STR(c.now, "2026-01-02");
    CHECK_STR(c.bind, "127.0.0.2");
    unlink(path);
}

static void test_bad_values(void)
{
    static const struct {
        const char *flag, *value, *msg_part;
    } rows[] = {
        {"--port", "65536", "port"},
        {"--port", "-1", "port"},
        {"--port", "80a", "port"},
        {"--port", "", "port"},
        {"--threads", "0", "threads"},
        {"--max-body-bytes", "0", "max_body_bytes"},
        {"--connection-timeout", "99999", "connection_timeout"},
        {"--now", "2026-13-01", "now"},
        {"--now", "yesterday", "now"},
        {"--base-url", "ftp://x/fhir", "base_url"},
        {"--tls-cert", "/tmp/c.pem", "tls_key"},
        {"--portal-utc-offset", "841", "portal_utc_offset"},
        {"--adult-age", "0", "adult_age"},
        {"--activation-days", "366", "activation_days"},
    };
    char *env[] = {NULL};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_config c;
        char *argv[] = {"serve", (char *)rows[i].flag, (char *)rows[i].value, NULL};
        msg[0] = '\0';
        CHECK(fg_config_load(&c, 3, argv, env, msg, sizeof msg) != FG_OK);
        CHECK(strstr(msg, rows[i].msg_part) != NULL);
    }
    struct fg_config c;
    char *bad_env[] = {"FHIRGATE_PORT=http", NULL};
    char *argv0[] = {"serve", NULL};
    CHECK_INT(fg_config_load(&c, 1, argv0, bad_env, msg, sizeof msg), FG_EINVAL);
    CHECK(strstr(msg, "environment") != NULL);
    char *unknown[] = {"serve", "--prot", "1", NULL};
    CHECK_INT(fg_config_load(&c, 3, unknown, bad_env + 1, msg, sizeof msg), FG_EINVAL);
    CHECK(strstr(msg, "--prot") != NULL);
    char *missing[] = {"serve", "--port", NULL};
    CHECK_INT(fg_config_load(&c, 2, missing, bad_env + 1, msg, sizeof msg), FG_EINVAL);
    char *stray[] = {"serve", "extra", NULL};
    CHECK_INT(fg_config_load(&c, 2, stray, bad_env + 1, msg, sizeof msg), FG_EINVAL);
}

static void test_file_errors(void)
{
    static const struct {
        const char *text;
        const char *where;
    } rows[] = {
        {"port = 1\nbogus_key = 2\n", ":2: unknown setting \"bogus_key\""},
        {"port 8080\n", ":1: expected"},
        {"# x\n\nport = nope\n", ":3: port"},
        {" = 5\n", ":1: expected"},
    };
    char *env[] = {NULL};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char path[64];
        write_file(path, sizeof path, rows[i].text);
        struct fg_config c;
        char *argv[] = {"serve", "--config", path, NULL};
        msg[0] = '\0';
        CHECK_INT(fg_config_load(&c, 3, argv, env, msg, sizeof msg), FG_EINVAL);
        CHECK(strstr(msg, path) != NULL);
        CHECK(strstr(msg, rows[i].where) != NULL);
        if (!strstr(msg, rows[i].where))
            fprintf(stderr, "  msg: %s\n", msg);
        unlink(path);
    }
    struct fg_config c;
    char *argv[] = {"serve", "--config", "/nonexistent/fhirgate.conf", NULL};
    CHECK(fg_config_load(&c, 3, argv, env, msg, sizeof msg) != FG_OK);
    CHECK(strstr(msg, "/nonexistent/fhirgate.conf") != NULL);
}

static void test_flag_passthrough(void)
{
    struct fg_config c;
    fg_config_defaults(&c);
    char *argv[] = {"seed", "--patients", "5", "--port", "1", NULL};
    int i = 1;
    CHECK_INT(fg_config_flag(&c, 5, argv, &i, msg, sizeof msg), FG_ENOTFOUND);
    CHECK_INT(i, 1);
    i = 3;
    CHECK_INT(fg_config_flag(&c, 5, argv, &i, msg, sizeof msg), FG_OK);
    CHECK_INT(i, 5);
    CHECK_INT(c.port, 1);
}

/* Upstream keys: defaults, file < environment < flag, and bad values. */
static void test_upstream_keys(void)
{
    struct fg_config c;
    char *argv0[] = {"serve", NULL};
    char *env0[] = {NULL};
    CHECK_INT(fg_config_load(&c, 1, argv0, env0, msg, sizeof msg), FG_OK);
    CHECK_STR(c.upstream, "");
    CHECK_STR(c.upstream_auth, "none");
    CHECK_INT(c.upstream_timeout_ms, 30000);
    CHECK_INT(c.upstream_retries, 1);
    char path[64];
    write_file(path, sizeof path,
               "upstream = http://file.example/fhir\n"
               "upstream_auth = client_credentials\n"
               "upstream_client_secret = from-file\n");
    char cfgenv[96];
    snprintf(cfgenv, sizeof cfgenv, "FHIRGATE_CONFIG=%s", path);
    char *env1[] = {cfgenv, "FHIRGATE_UPSTREAM_CLIENT_SECRET=from-env", NULL};
    char *argv1[] = {"serve", "--upstream", "https://flag.example/fhir", "--upstream-retries", "0",
                     NULL};
    CHECK_INT(fg_config_load(&c, 5, argv1, env1, msg, sizeof msg), FG_OK);
    CHECK_STR(c.upstream, "https://flag.example/fhir");
    CHECK_STR(c.upstream_auth, "client_credentials");
    CHECK_STR(c.upstream_client_secret, "from-env");
    CHECK_INT(c.upstream_retries, 0);
    unlink(path);
    static const char *const bad[][2] = {
        {"--upstream-auth", "basic"},
        {"--upstream-retries", "6"},
        {"--upstream-timeout-ms", "0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv2[] = {"serve", (char *)bad[i][0], (char *)bad[i][1], NULL};
        CHECK_INT(fg_config_load(&c, 3, argv2, env0, msg, sizeof msg), FG_EINVAL);
        CHECK(strstr(msg, "upstream_") != NULL);
    }
}

static void test_ipv6_base_url(void)
{
    struct fg_config c;
    char *argv[] = {"serve", "--bind", "::1", "--port", "81", NULL};
    char *env[] = {NULL};
    CHECK_INT(fg_config_load(&c, 5, argv, env, msg, sizeof msg), FG_OK);
    CHECK_STR(c.base_url, "http://[::1]:81/fhir");
}

/* The portal settings: portal-rules.md's defaults, and every key reaches the rules. */
static void test_portal_settings(void)
{
    struct fg_config cfg;
    struct smart_portal_settings s, d;
    char *argv[] = {"serve", "--own-account-min-age", "14", "--teen-proxy-age", "12",
                    "--adult-age", "19", "--adult-proxy-years", "2", "--release-delay-days", "7",
                    "--note-max-years", "5", "--activation-days", "30",
                    "--portal-utc-offset", "-360", "--release-delay-codes", "http://loinc.org|1-8",
                    NULL};
    char *env[] = {NULL};
    smart_portal_settings_default(&d);
    fg_config_defaults(&cfg);
    fg_config_portal(&cfg, &s);
    CHECK(memcmp(&s, &d, sizeof s) == 0);
    CHECK_INT(d.own_account_min_age, 13);
    CHECK_INT(d.adult_age, 18);
    CHECK_INT(d.adult_proxy_years, 5);
    CHECK_INT(d.release_delay_days, 4);
    CHECK_INT(d.note_max_years, 3);
    CHECK_INT(d.activation_days, 14);
    CHECK_INT(fg_config_load(&cfg, 19, argv, env, msg, sizeof msg), FG_OK);
    fg_config_portal(&cfg, &s);
    CHECK_INT(s.own_account_min_age, 14);
    CHECK_INT(s.teen_age, 12);
    CHECK_INT(s.adult_age, 19);
    CHECK_INT(s.adult_proxy_years, 2);
    CHECK_INT(s.release_delay_days, 7);
    CHECK_INT(s.note_max_years, 5);
    CHECK_INT(s.activation_days, 30);
    CHECK_INT(s.utc_offset_min, -360);
    CHECK_STR(s.release_codes, "http://loinc.org|1-8");
}

/* portal_time_zone from the file, the environment and a flag; a bad name or
 * a zone together with portal_utc_offset (from anywhere, even 0) refused. */
static void test_portal_time_zone(void)
{
    static const struct {
        const char *file, *env, *flag_key, *flag_value;
        enum fg_status st;
        const char *want; /* the zone, or a part of the message */
    } rows[] = {
        {"portal_time_zone = America/Chicago\n", NULL, NULL, NULL, FG_OK, "America/Chicago"},
        {NULL, "FHIRGATE_PORTAL_TIME_ZONE=Europe/London", NULL, NULL, FG_OK, "Europe/London"},
        {NULL, NULL, "--portal-time-zone", "Australia/Lord_Howe", FG_OK, "Australia/Lord_Howe"},
        {"portal_time_zone = UTC\n", NULL, "--portal-time-zone", "America/Chicago", FG_OK,
         "America/Chicago"},
        {NULL, NULL, "--portal-time-zone", "../etc/passwd", FG_EINVAL, "not a time zone name"},
        {NULL, NULL, "--portal-time-zone", "/etc/localtime", FG_EINVAL, "not a time zone name"},
        {"portal_utc_offset = -360\n", NULL, "--portal-time-zone", "America/Chicago", FG_EINVAL,
         "both set"},
        {"portal_time_zone = America/Chicago\n", "FHIRGATE_PORTAL_UTC_OFFSET=0", NULL, NULL,
         FG_EINVAL, "both set"},
        {"portal_utc_offset = -360\n", NULL, NULL, NULL, FG_OK, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char path[64] = "";
        char *argv[6] = {"serve"};
        int argc = 1;
        char *env[2] = {(char *)rows[i].env, NULL};
        if (rows[i].file) {
            write_file(path, sizeof path, rows[i].file);
            argv[argc++] = "--config";
            argv[argc++] = path;
        }
        if (rows[i].flag_key) {
            argv[argc++] = (char *)rows[i].flag_key;
            argv[argc++] = (char *)rows[i].flag_value;
        }
        struct fg_config c;
        msg[0] = '\0';
        enum fg_status st = fg_config_load(&c, argc, argv, env, msg, sizeof msg);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu: %s\n", i, msg);
        CHECK_INT(st, rows[i].st);
        if (st == FG_OK)
            CHECK_STR(c.portal_time_zone, rows[i].want);
        else
            CHECK(strstr(msg, rows[i].want) != NULL);
        if (path[0])
            unlink(path);
    }
}

TEST_MAIN(test_defaults, test_precedence, test_bad_values, test_file_errors, test_upstream_keys,
          test_flag_passthrough, test_ipv6_base_url, test_portal_settings, test_portal_time_zone)
