/* portal_births.c - birthDates cached by patient id and store change marker (see portal_births.h). */
#include "portal_births.h"

#include <cJSON.h>
#include <pthread.h>
#include <string.h>

#include "../core/fg_mem.h"

#define ID_MAX 64    /* longer ids are not cached */
#define BIRTH_MAX 31 /* longer (invalid) birthDates are not cached */

struct births_entry {
    char id[ID_MAX + 1]; /* "" = empty slot */
    char birth[BIRTH_MAX + 1];
    uint64_t marker;     /* the store's change marker read before the read */
};

struct fg_portal_births {
    pthread_mutex_t lock; /* guards everything below */
    struct births_entry slots[FG_PORTAL_BIRTHS_SLOTS];
    uint64_t hits, misses;
};

struct fg_portal_births *fg_portal_births_new(void)
{
    struct fg_portal_births *c = fg_calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

void fg_portal_births_free(struct fg_portal_births **c)
{
    if (!c || !*c)
        return;
    pthread_mutex_destroy(&(*c)->lock);
    fg_free(*c);
    *c = NULL;
}

/* The birthDate from the store (a read and a parse). */
static enum fg_status read_birth(struct fhir_store *store, struct fg_pool *pool,
                                 struct fg_str patient_id, struct fg_str *out)
{
    struct fhir_resource res;
    struct fg_error err;
    *out = fg_str_n("", 0);
    enum fg_status st = fhir_store_read(store, pool, fg_str_c("Patient"), patient_id, &res, &err);
    if (st == FG_ENOTFOUND || st == FG_EGONE)
        return FG_OK;
    if (st != FG_OK)
        return st;
    cJSON *doc = cJSON_ParseWithLength(res.json.ptr, res.json.len);
    if (!doc)
        return FG_OK;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(doc, "birthDate");
    if (cJSON_IsString(b)) {
        *out = fg_pool_str(pool, fg_str_c(b->valuestring));
        st = out->ptr ? FG_OK : FG_ENOMEM;
    }
    cJSON_Delete(doc);
    return st;
}

/* FNV-1a of the id. */
static struct births_entry *slot_of(struct fg_portal_births *c, struct fg_str id)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < id.len; i++)
        h = (h ^ (unsigned char)id.ptr[i]) * 16777619u;
    return &c->slots[h % FG_PORTAL_BIRTHS_SLOTS];
}

static bool entry_is(const struct births_entry *e, struct fg_str id)
{
    return e->id[0] && strlen(e->id) == id.len && memcmp(e->id, id.ptr, id.len) == 0;
}

/* A hit copies the cached birthDate into the pool; false on a miss. */
static bool lookup(struct fg_portal_births *c, struct fg_pool *pool, struct fg_str id,
                   uint64_t marker, struct fg_str *out, enum fg_status *st)
{
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    struct births_entry *e = slot_of(c, id);
    if (entry_is(e, id) && e->marker == marker) {
        hit = true;
        c->hits++;
        *out = fg_pool_str(pool, fg_str_c(e->birth));
        *st = out->ptr ? FG_OK : FG_ENOMEM;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void remember(struct fg_portal_births *c, struct fg_str id, uint64_t marker,
                     struct fg_str birth)
{
    if (id.len > ID_MAX || birth.len > BIRTH_MAX || memchr(id.ptr, '\0', id.len) ||
        memchr(birth.ptr, '\0', birth.len))
        return;
    pthread_mutex_lock(&c->lock);
    struct births_entry *e = slot_of(c, id);
    memcpy(e->id, id.ptr, id.len);
    e->id[id.len] = '\0';
    memcpy(e->birth, birth.ptr, birth.len);
    e->birth[birth.len] = '\0';
    e->marker = marker;
    pthread_mutex_unlock(&c->lock);
}

enum fg_status fg_portal_births_get(struct fg_portal_births *c, struct fhir_store *store,
                                    struct fg_pool *pool, struct fg_str patient_id,
                                    struct fg_str *out)
{
    uint64_t marker = 0;
    enum fg_status st = FG_OK;
    *out = fg_str_n("", 0);
    if (!store || !patient_id.len)
        return FG_OK;
    /* Read the marker before the store: a write committed after this point
     * bumps it and so invalidates what we are about to cache. */
    bool cacheable = c && fhir_store_change_marker(store, &marker);
    if (cacheable && lookup(c, pool, patient_id, marker, out, &st))
        return st;
    st = read_birth(store, pool, patient_id, out);
    if (st == FG_OK && cacheable)
        remember(c, patient_id, marker, *out);
    return st;
}

void fg_portal_births_stats(struct fg_portal_births *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
