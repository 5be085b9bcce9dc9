/* bulk.c - the export job table and its worker thread (see bulk.h).
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#bulk-data-status-request */
#include "bulk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <openssl/rand.h>

#include "../core/fg_buf.h"
#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "auth.h"
#include "bulk_internal.h"
#include "server.h"

#define BULK_WAKE_MS 500        /* the worker's idle poll */
#define BULK_SCAN_S 60          /* disk scans for expired jobs of other processes */
#define BULK_JOB_FILE "job.json"

struct fg_bulk {
    struct fg_server *srv; /* borrowed */
    char *dir;             /* owned */
    int64_t ttl_us;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool started, stop;
    struct bulk_job *jobs; /* newest first */
    size_t n_jobs;
    int64_t last_scan_us;
};

/* Copies src into dst (size bytes), cut when too long. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static char *join_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = fg_malloc(n);
    if (p && snprintf(p, n, "%s/%s", a, b) >= (int)n) {
        fg_free(p);
        p = NULL;
    }
    return p;
}

bool fg_bulk_job_id_ok(struct fg_str id)
{
    if (id.len != FG_BULK_JOB_ID_LEN)
        return false;
    for (size_t i = 0; i < id.len; i++) {
        char c = id.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* Removes a job directory and the files in it (no subdirectories are made). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = join_path(dir, e->d_name);
            if (p)
                unlink(p);
            fg_free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void job_free(struct bulk_job *j)
{
    if (!j)
        return;
    fg_free(j->owner);
    fg_access_copy_free(&j->access);
    fg_free(j->request_url);
    for (size_t i = 0; i < j->n_members; i++)
        fg_free(j->members[i]);
    fg_free(j->members);
    fg_free(j->dir);
    fg_free(j->manifest);
    fg_free(j->outputs);
    fg_pool_free(&j->pool);
    fg_free(j);
}

/* Unlinks j from the table (lock held). */
static void unlink_job(struct fg_bulk *b, struct bulk_job *j)
{
    for (struct bulk_job **p = &b->jobs; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            b->n_jobs--;
            return;
        }
    }
}

static struct bulk_job *find_job(struct fg_bulk *b, struct fg_str id)
{
    for (struct bulk_job *j = b->jobs; j; j = j->next)
        if (fg_str_eq_c(id, j->id))
            return j;
    return NULL;
}

/* ---- the manifest ---- */

static bool add_output(cJSON *arr, const char *base, const struct bulk_job *j,
                       const struct bulk_output *o)
{
    char path[256];
    struct fg_buf url;
    fg_buf_init(&url, FG_CONFIG_VALUE_MAX + sizeof path);
    if (snprintf(path, sizeof path, "/bulk/jobs/%s/%s%s", j->id, o->type, FG_BULK_FILE_SUFFIX) >=
        (int)sizeof path)
        return false;
    cJSON *item = cJSON_CreateObject();
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        return false;
    }
    bool ok = fg_auth_url(base, path, &url) == FG_OK &&
              fg_buf_append_char(&url, '\0') == FG_OK &&
              cJSON_AddStringToObject(item, "type", o->type) &&
              cJSON_AddStringToObject(item, "url", fg_buf_str(&url).ptr) &&
              cJSON_AddNumberToObject(item, "count", (double)o->count);
    fg_buf_cleanup(&url);
    return ok;
}

/* The completion manifest of a finished job (caller owns, fg_free). */
static char *build_manifest(const char *base, const struct bulk_job *j)
{
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(j->transaction_us, when);
    cJSON *m = cJSON_CreateObject();
    cJSON *out = NULL;
    bool ok = m && cJSON_AddStringToObject(m, "transactionTime", when) &&
              cJSON_AddStringToObject(m, "request", j->request_url) &&
              cJSON_AddBoolToObject(m, "requiresAccessToken", 1) &&
              (out = cJSON_AddArrayToObject(m, "output")) != NULL &&
              cJSON_AddArrayToObject(m, "error") != NULL;
    for (size_t i = 0; ok && i < j->n_outputs; i++)
        ok = add_output(out, base, j, &j->outputs[i]);
    char *text = ok ? cJSON_PrintUnformatted(m) : NULL;
    cJSON_Delete(m);
    char *copy = text ? fg_strdup(text) : NULL;
    cJSON_free(text);
    return copy;
}

/* job.json: owner, expiry, manifest and outputs, written to a temporary
 * file and renamed, for other processes sharing the directory. */
static void write_job_file(const struct bulk_job *j)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *outs = NULL;
    bool ok = o && cJSON_AddStringToObject(o, "owner", j->owner) &&
              cJSON_AddNumberToObject(o, "expires_us", (double)j->expires_us) &&
              cJSON_AddRawToObject(o, "manifest", j->manifest) &&
              (outs = cJSON_AddArrayToObject(o, "outputs")) != NULL;
    for (size_t i = 0; ok && i < j->n_outputs; i++) {
        cJSON *s = cJSON_CreateString(j->outputs[i].type);
        ok = s && cJSON_AddItemToArray(outs, s);
        if (!ok)
            cJSON_Delete(s);
    }
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    char *tmp = join_path(j->dir, "." BULK_JOB_FILE ".tmp");
    char *final = join_path(j->dir, BULK_JOB_FILE);
    int fd = text && tmp && final ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        size_t n = strlen(text);
        bool written = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
        close(fd);
        if (!written || rename(tmp, final) != 0)
            unlink(tmp);
    }
    cJSON_free(text);
    fg_free(tmp);
    fg_free(final);
}

/* The parsed job.json in job directory dir (caller owns, cJSON_Delete), or
 * NULL when it is missing, unreadable, past FG_MAX_BULK_JOB_FILE or not
 * JSON. Read whole: its manifest holds a URL per output. */
static cJSON *load_job_file(const char *dir)
{
    char *path = join_path(dir, BULK_JOB_FILE);
    FILE *f = path ? fopen(path, "rb") : NULL;
    fg_free(path);
    if (!f)
        return NULL;
    struct fg_buf text;
    fg_buf_init(&text, FG_MAX_BULK_JOB_FILE);
    char chunk[4096];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = fg_buf_append(&text, chunk, n) == FG_OK;
    ok = ok && !ferror(f) && text.len;
    fclose(f);
    cJSON *j = ok ? cJSON_ParseWithLength(fg_buf_str(&text).ptr, text.len) : NULL;
    fg_buf_cleanup(&text);
    return j;
}

static void json_free(void *p)
{
    cJSON_Delete(p);
}

/* A finished job of another process (or of before a restart), read from
 * its job.json into pool: manifest text, expiry, outputs. FG_ENOTFOUND. */
static enum fg_status read_job_file(struct fg_bulk *b, struct fg_str id, const char *owner,
                                    struct fg_pool *pool, cJSON **out)
{
    char name[FG_BULK_JOB_ID_LEN + 1];
    if (!fg_bulk_job_id_ok(id))
        return FG_ENOTFOUND;
    memcpy(name, id.ptr, id.len);
    name[id.len] = '\0';
    char *dir = join_path(b->dir, name);
    cJSON *j = dir ? load_job_file(dir) : NULL;
    fg_free(dir);
    const cJSON *own = cJSON_GetObjectItemCaseSensitive(j, "owner");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_us");
    if (!cJSON_IsString(own) || strcmp(own->valuestring, owner) != 0 || !cJSON_IsNumber(exp) ||
        exp->valuedouble <= (double)fg_clock_now_us(&b->srv->clock) ||
        fg_pool_on_free(pool, json_free, j) != FG_OK) {
        cJSON_Delete(j);
        return FG_ENOTFOUND;
    }
    *out = j;
    return FG_OK;
}

/* ---- the worker ---- */

static void set_progress(void *arg, struct bulk_job *job, const char *text)
{
    struct fg_bulk *b = arg;
    pthread_mutex_lock(&b->lock);
    copy_text(job->progress, sizeof job->progress, text);
    pthread_mutex_unlock(&b->lock);
}

/* Drops finished jobs past their expiry (lock held), and every BULK_SCAN_S
 * expired job directories other processes left. */
static void expire(struct fg_bulk *b)
{
    int64_t now = fg_clock_now_us(&b->srv->clock);
    for (struct bulk_job *j = b->jobs, *next; j; j = next) {
        next = j->next;
        if ((j->state == FG_BULK_DONE || j->state == FG_BULK_FAILED) && j->expires_us <= now) {
            remove_dir(j->dir);
            unlink_job(b, j);
            job_free(j);
        }
    }
    int64_t mono = fg_clock_mono_us();
    if (b->last_scan_us && mono - b->last_scan_us < BULK_SCAN_S * INT64_C(1000000))
        return;
    b->last_scan_us = mono;
    DIR *d = opendir(b->dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        struct fg_str id = fg_str_c(e->d_name);
        if (!fg_bulk_job_id_ok(id) || find_job(b, id))
            continue;
        char *jd = join_path(b->dir, e->d_name);
        cJSON *j = jd ? load_job_file(jd) : NULL;
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expires_us");
        if (cJSON_IsNumber(exp) && exp->valuedouble <= (double)now)
            remove_dir(jd);
        cJSON_Delete(j);
        fg_free(jd);
    }
    if (d)
        closedir(d);
}

/* Records the end of a run (lock held). */
static void finish(struct fg_bulk *b, struct bulk_job *j, enum fg_status st,
                   const struct fg_error *err)
{
    if (atomic_load(&j->cancel)) {
        remove_dir(j->dir);
        unlink_job(b, j);
        job_free(j);
        return;
    }
    j->expires_us = fg_clock_now_us(&b->srv->clock) + b->ttl_us;
    if (st == FG_OK)
        j->manifest = build_manifest(b->srv->cfg.base_url, j);
    if (st == FG_OK && j->manifest) {
        j->state = FG_BULK_DONE;
        write_job_file(j);
        return;
    }
    j->state = FG_BULK_FAILED;
    copy_text(j->error, sizeof j->error,
              err->diagnostics[0] ? err->diagnostics : "the export failed");
    remove_dir(j->dir);
}

static void *worker(void *arg)
{
    struct fg_bulk *b = arg;
    pthread_mutex_lock(&b->lock);
    while (!b->stop) {
        struct bulk_job *job = NULL;
        for (struct bulk_job *j = b->jobs; j; j = j->next)
            if (j->state == FG_BULK_QUEUED)
                job = j; /* the oldest: the list is newest first */
        if (!job) {
            expire(b);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += BULK_WAKE_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&b->wake, &b->lock, &ts);
            continue;
        }
        job->state = FG_BULK_RUNNING;
        pthread_mutex_unlock(&b->lock);
        struct fg_error err;
        fg_error_clear(&err);
        enum fg_status st = fg_bulk_export_run(b->srv, job, set_progress, b, &err);
        if (st != FG_OK) {
            struct fg_log_field f[] = {FG_LF_CSTR("job", job->id),
                                       FG_LF_CSTR("error", err.diagnostics)};
            fg_log_write(&b->srv->log, "bulk-export-failed", f, 2);
        }
        pthread_mutex_lock(&b->lock);
        finish(b, job, st, &err);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* ---- the table ---- */

enum fg_status fg_bulk_open(struct fg_server *srv, const char *dir, int64_t ttl_s,
                            struct fg_bulk **out, struct fg_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fg_error_set(err, FG_EIO, NULL, "cannot create bulk_dir %s: %s", dir,
                            strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(dir, W_OK | X_OK) != 0)
        return fg_error_set(err, FG_EIO, NULL, "bulk_dir %s is not a writable directory", dir);
    struct fg_bulk *b = fg_malloc(sizeof *b);
    if (!b)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    memset(b, 0, sizeof *b);
    b->srv = srv;
    b->dir = fg_strdup(dir);
    b->ttl_us = ttl_s * INT64_C(1000000);
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->wake, NULL);
    if (!b->dir || pthread_create(&b->thread, NULL, worker, b) != 0) {
        fg_bulk_close(&b);
        return fg_error_set(err, FG_ENOMEM, NULL, "cannot start the bulk export worker");
    }
    b->started = true;
    *out = b;
    return FG_OK;
}

void fg_bulk_close(struct fg_bulk **bp)
{
    if (!bp || !*bp)
        return;
    struct fg_bulk *b = *bp;
    pthread_mutex_lock(&b->lock);
    b->stop = true;
    for (struct bulk_job *j = b->jobs; j; j = j->next)
        if (j->state == FG_BULK_RUNNING)
            atomic_store(&j->cancel, true);
    pthread_cond_broadcast(&b->wake);
    pthread_mutex_unlock(&b->lock);
    if (b->started)
        pthread_join(b->thread, NULL);
    while (b->jobs) {
        struct bulk_job *j = b->jobs;
        b->jobs = j->next;
        if (j->state != FG_BULK_DONE)
            remove_dir(j->dir); /* finished jobs stay on disk with their job.json */
        job_free(j);
    }
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->lock);
    fg_free(b->dir);
    fg_free(b);
    *bp = NULL;
}

/* A new job from spec (caller owns; NULL on no memory). */
static struct bulk_job *job_new(struct fg_bulk *b, const struct fg_bulk_spec *spec)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[FG_BULK_JOB_ID_LEN / 2];
    struct bulk_job *j = fg_malloc(sizeof *j);
    if (!j)
        return NULL;
    memset(j, 0, sizeof *j);
    atomic_init(&j->cancel, false);
    if (RAND_bytes(raw, sizeof raw) != 1) {
        fg_free(j);
        return NULL;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        j->id[2 * i] = hex[raw[i] >> 4];
        j->id[2 * i + 1] = hex[raw[i] & 15];
    }
    j->level = spec->level;
    j->confined = spec->confined;
    j->pool = fg_pool_new();
    j->request_url = fg_strdup(spec->request_url);
    j->dir = join_path(b->dir, j->id);
    j->transaction_us = fg_clock_now_us(&b->srv->clock);
    bool ok = j->pool && j->request_url && j->dir &&
              fg_bulk_params_copy(j->pool, &spec->params, &j->params) == FG_OK;
    if (ok && spec->n_members) {
        j->members = fg_malloc(spec->n_members * sizeof *j->members);
        ok = j->members != NULL;
        for (size_t i = 0; ok && i < spec->n_members; i++) {
            j->members[i] = fg_strndup(spec->members[i].ptr, spec->members[i].len);
            ok = j->members[i] != NULL;
            if (ok)
                j->n_members = i + 1;
        }
    }
    if (!ok) {
        job_free(j);
        return NULL;
    }
    copy_text(j->progress, sizeof j->progress, "queued");
    return j;
}

enum fg_status fg_bulk_submit(struct fg_bulk *b, const struct fg_bulk_spec *spec,
                              struct fg_access_copy *access,
                              char id[FG_BULK_JOB_ID_LEN + 1], struct fg_error *err)
{
    struct bulk_job *j = job_new(b, spec);
    char *owner = j ? fg_strdup(fg_access_copy_owner(access)) : NULL;
    if (!j || !owner) {
        fg_access_copy_free(&access);
        job_free(j);
        fg_free(owner);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    j->access = access;
    j->owner = owner;
    pthread_mutex_lock(&b->lock);
    size_t mine = 0;
    for (struct bulk_job *k = b->jobs; k; k = k->next)
        if ((k->state == FG_BULK_QUEUED || k->state == FG_BULK_RUNNING) &&
            strcmp(k->owner, owner) == 0)
            mine++;
    bool full = b->n_jobs >= FG_MAX_BULK_JOBS || mine >= FG_MAX_BULK_JOBS_PER_CLIENT;
    bool made = !full && mkdir(j->dir, 0700) == 0;
    if (made) {
        memcpy(id, j->id, sizeof j->id);
        j->next = b->jobs;
        b->jobs = j;
        b->n_jobs++;
        pthread_cond_broadcast(&b->wake);
    }
    pthread_mutex_unlock(&b->lock);
    if (made)
        return FG_OK;
    job_free(j);
    if (full)
        return fg_error_set_http(err, FG_EBUSY, 429, "throttled", NULL,
                                 "too many export jobs are waiting; retry when one has "
                                 "finished (or DELETE one)");
    return fg_error_set(err, FG_EIO, NULL, "cannot create the export's directory");
}

enum fg_status fg_bulk_status(struct fg_bulk *b, struct fg_str id, const char *owner,
                              struct fg_pool *pool, struct fg_bulk_status *out)
{
    memset(out, 0, sizeof *out);
    enum fg_status st = FG_ENOTFOUND;
    pthread_mutex_lock(&b->lock);
    struct bulk_job *j = find_job(b, id);
    if (j && strcmp(j->owner, owner) == 0 && !atomic_load(&j->cancel)) {
        st = FG_OK;
        out->state = j->state;
        out->progress = fg_pool_strdup(pool, j->progress);
        out->error = fg_pool_strdup(pool, j->error);
        out->expires_us = j->expires_us;
        if (j->manifest)
            out->manifest = fg_pool_str(pool, fg_str_c(j->manifest));
        if (!out->progress || !out->error || (j->manifest && !out->manifest.ptr))
            st = FG_ENOMEM;
    }
    pthread_mutex_unlock(&b->lock);
    if (j)
        return st;
    cJSON *doc = NULL;
    st = read_job_file(b, id, owner, pool, &doc);
    if (st != FG_OK)
        return st;
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, "manifest"));
    out->state = FG_BULK_DONE;
    out->manifest = text ? fg_pool_str(pool, fg_str_c(text)) : FG_STR_NULL;
    out->expires_us = (int64_t)cJSON_GetObjectItemCaseSensitive(doc, "expires_us")->valuedouble;
    cJSON_free(text);
    return out->manifest.ptr ? FG_OK : FG_ENOMEM;
}

enum fg_status fg_bulk_cancel(struct fg_bulk *b, struct fg_str id, const char *owner)
{
    enum fg_status st = FG_ENOTFOUND;
    pthread_mutex_lock(&b->lock);
    struct bulk_job *j = find_job(b, id);
    if (j && strcmp(j->owner, owner) == 0 && !atomic_load(&j->cancel)) {
        st = FG_OK;
        if (j->state == FG_BULK_RUNNING) {
            atomic_store(&j->cancel, true); /* the worker removes it when the run stops */
        } else {
            remove_dir(j->dir);
            unlink_job(b, j);
            job_free(j);
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (j)
        return st;
    struct fg_pool *pool = fg_pool_new();
    cJSON *doc = NULL;
    st = pool ? read_job_file(b, id, owner, pool, &doc) : FG_ENOMEM;
    if (st == FG_OK) {
        char name[FG_BULK_JOB_ID_LEN + 1];
        memcpy(name, id.ptr, FG_BULK_JOB_ID_LEN);
        name[FG_BULK_JOB_ID_LEN] = '\0';
        char *jd = join_path(b->dir, name);
        if (jd)
            remove_dir(jd);
        fg_free(jd);
    }
    fg_pool_free(&pool);
    return st;
}

/* Is name "<type>.ndjson" for one of the outputs? *type: that type. */
static bool output_named(struct fg_str name, const char *type)
{
    size_t tl = strlen(type), sl = sizeof FG_BULK_FILE_SUFFIX - 1;
    return name.len == tl + sl && memcmp(name.ptr, type, tl) == 0 &&
           memcmp(name.ptr + tl, FG_BULK_FILE_SUFFIX, sl) == 0;
}

enum fg_status fg_bulk_file(struct fg_bulk *b, struct fg_str id, const char *owner,
                            struct fg_str name, struct fg_pool *pool, const char **path,
                            struct fg_str *type)
{
    const char *found = NULL;
    pthread_mutex_lock(&b->lock);
    struct bulk_job *j = find_job(b, id);
    bool mine = j && strcmp(j->owner, owner) == 0 && j->state == FG_BULK_DONE;
    for (size_t i = 0; mine && i < j->n_outputs && !found; i++)
        if (output_named(name, j->outputs[i].type))
            found = j->outputs[i].type;
    pthread_mutex_unlock(&b->lock);
    cJSON *doc = NULL;
    if (!j && read_job_file(b, id, owner, pool, &doc) == FG_OK) {
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(doc, "outputs"))
        {
            if (!found && cJSON_IsString(o) && output_named(name, o->valuestring))
                found = o->valuestring;
        }
    }
    if (!found)
        return FG_ENOTFOUND;
    *type = fg_pool_str(pool, fg_str_c(found));
    *path = fg_pool_printf(pool, "%s/%.*s/%s%s", b->dir, (int)id.len, id.ptr, found,
                           FG_BULK_FILE_SUFFIX);
    return *path && type->ptr ? FG_OK : FG_ENOMEM;
}
