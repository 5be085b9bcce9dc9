/* bulk_test.c - the export job table's on-disk side: a finished job that
 * only its job.json knows (written by another process sharing bulk_dir, or
 * before a restart) is answered and its files served, and once expired its
 * directory is removed by the worker's scan - also when the manifest is
 * large (a URL per output under a long base URL: past 64 KiB). */
#include "../test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "gateway/bulk.h"
#include "gateway/server.h"

#define ID_LIVE "0123456789abcdef0123456789abcdef"
#define ID_OLD "fedcba9876543210fedcba9876543210"
#define NOW_US (INT64_C(1795000000) * 1000000)
#define N_OUTPUTS 100 /* x ~1 KiB URLs: a manifest of ~100 KiB */

static char *path_of(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    CHECK(p != NULL && snprintf(p, n, "%s/%s", a, b) == (int)n - 1);
    return p;
}

/* <dir>/<id>/job.json as bulk.c writes it, with n_outputs outputs. */
static void write_job(const char *dir, const char *id, int64_t expires_us, size_t n_outputs)
{
    char url[1100];
    memset(url, 'x', sizeof url - 1);
    url[sizeof url - 1] = '\0';
    memcpy(url, "https://h/", 10);
    cJSON *manifest = cJSON_CreateObject();
    cJSON_AddStringToObject(manifest, "transactionTime", "2026-11-19T00:00:00Z");
    cJSON_AddStringToObject(manifest, "request", "https://h/fhir/$export");
    cJSON_AddBoolToObject(manifest, "requiresAccessToken", 1);
    cJSON *out = cJSON_AddArrayToObject(manifest, "output");
    cJSON_AddArrayToObject(manifest, "error");
    for (size_t i = 0; i < n_outputs; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "Observation");
        cJSON_AddStringToObject(o, "url", url);
        cJSON_AddNumberToObject(o, "count", 1);
        cJSON_AddItemToArray(out, o);
    }
    cJSON *job = cJSON_CreateObject();
    cJSON_AddStringToObject(job, "owner", "o");
    cJSON_AddNumberToObject(job, "expires_us", (double)expires_us);
    cJSON_AddItemToObject(job, "manifest", manifest);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(job, "outputs"), cJSON_CreateString("Observation"));
    char *text = cJSON_PrintUnformatted(job);
    CHECK(text != NULL && strlen(text) > 65536);
    char *jd = path_of(dir, id), *jf = path_of(jd, "job.json"), *nd = path_of(jd, "Observation.ndjson");
    CHECK(mkdir(jd, 0700) == 0);
    FILE *f = fopen(jf, "wb");
    CHECK(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0);
    f = fopen(nd, "wb");
    CHECK(f != NULL && fputs("{\"resourceType\":\"Observation\"}\n", f) >= 0 && fclose(f) == 0);
    cJSON_free(text);
    cJSON_Delete(job);
    free(jd);
    free(jf);
    free(nd);
}

static bool exists(const char *dir, const char *id)
{
    char *p = path_of(dir, id);
    struct stat sb;
    bool yes = stat(p, &sb) == 0;
    free(p);
    return yes;
}

static void remove_tree(const char *dir, const char *id)
{
    char *jd = path_of(dir, id);
    DIR *d = opendir(jd);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *p = path_of(jd, e->d_name);
        unlink(p);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(jd);
    free(jd);
}

static void test_large_job_file(void)
{
    static struct fg_server srv; /* what the table uses: the clock and the log */
    memset(&srv, 0, sizeof srv);
    srv.clock.pinned_us = NOW_US;
    fg_log_init(&srv.log, stderr, &srv.clock);
    char dir[] = "/tmp/fhirgate-bulk-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    write_job(dir, ID_LIVE, NOW_US + INT64_C(3600000000), N_OUTPUTS);
    write_job(dir, ID_OLD, NOW_US - 1, N_OUTPUTS);

    struct fg_bulk *b = NULL;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fg_bulk_open(&srv, dir, 3600, &b, &err), FG_OK);
    struct fg_pool *pool = fg_pool_new();
    struct fg_bulk_status s;
    CHECK_INT(fg_bulk_status(b, fg_str_c(ID_LIVE), "o", pool, &s), FG_OK);
    CHECK_INT(s.state, FG_BULK_DONE);
    cJSON *m = cJSON_ParseWithLength(s.manifest.ptr, s.manifest.len);
    CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "output")), N_OUTPUTS);
    cJSON_Delete(m);
    CHECK_INT(fg_bulk_status(b, fg_str_c(ID_LIVE), "someone else", pool, &s), FG_ENOTFOUND);
    const char *path = NULL;
    struct fg_str type = FG_STR_NULL;
    CHECK_INT(fg_bulk_file(b, fg_str_c(ID_LIVE), "o", fg_str_c("Observation.ndjson"), pool, &path,
                           &type),
              FG_OK);
    CHECK_SLICE(type, "Observation");
    CHECK(path != NULL && access(path, R_OK) == 0);
    CHECK_INT(fg_bulk_file(b, fg_str_c(ID_LIVE), "o", fg_str_c("job.json"), pool, &path, &type),
              FG_ENOTFOUND);
    /* the expired one: gone at the worker's first scan */
    CHECK_INT(fg_bulk_status(b, fg_str_c(ID_OLD), "o", pool, &s), FG_ENOTFOUND);
    for (int i = 0; i < 100 && exists(dir, ID_OLD); i++)
        usleep(20000);
    CHECK(!exists(dir, ID_OLD));
    CHECK(exists(dir, ID_LIVE));

    fg_bulk_close(&b);
    fg_pool_free(&pool);
    remove_tree(dir, ID_OLD);
    remove_tree(dir, ID_LIVE);
    CHECK(rmdir(dir) == 0);
    fg_log_cleanup(&srv.log);
}

TEST_MAIN(test_large_job_file)
