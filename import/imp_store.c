/* imp_store.c - batches of imported Observations into the record store (see imp_store.h). */
#include "imp_store.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../core/fg_pool.h"

#define ID_HEX 64 /* the id: the 64 hex digits of the identifier's sha256 */

struct pend {
    cJSON *obs; /* owned */
    char id[ID_HEX + 1];
    bool replace; /* daily aggregate */
    bool keep;    /* to be written in this batch */
    bool update;  /* exists with another value: PUT */
};

struct imp_store {
    struct fhir_store *store;
    char patient[FG_MAX_ID_LEN + 1];
    const struct imp_agent *agent;
    struct pend *pend;
    size_t n, cap;
    size_t *slots; /* open-addressing set over pend (index + 1; 0 = free) */
    size_t nslots;
    struct imp_store_counts counts;
    struct fg_error err;
};

static const char prov_type_system[] =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

enum fg_status imp_store_new(struct fhir_store *store, struct fg_str patient,
                             const struct imp_agent *agent, size_t batch, struct imp_store **out,
                             struct fg_error *err)
{
    if (!fg_is_fhir_id(patient))
        return fg_error_set(err, FG_EINVAL, "patient", "the patient id is not a FHIR id");
    if (batch == 0 || batch > FG_MAX_BUNDLE_ENTRIES - 1)
        batch = IMP_STORE_BATCH;
    struct imp_store *s = fg_calloc(1, sizeof *s);
    size_t nslots = 1;
    while (nslots < 2 * batch)
        nslots <<= 1;
    if (s) {
        s->pend = fg_calloc(batch, sizeof *s->pend);
        s->slots = fg_calloc(nslots, sizeof *s->slots);
    }
    if (!s || !s->pend || !s->slots) {
        if (s) {
            fg_free(s->pend);
            fg_free(s->slots);
        }
        fg_free(s);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    s->store = store;
    memcpy(s->patient, patient.ptr, patient.len);
    s->patient[patient.len] = '\0';
    s->agent = agent;
    s->cap = batch;
    s->nslots = nslots;
    fg_error_clear(&s->err);
    *out = s;
    return FG_OK;
}

/* ---- the Provenance ---- */

/* One Provenance.agent of type_code; takes who (deleted on failure). */
static cJSON *agent_entry(const char *type_code, cJSON *who)
{
    cJSON *a = who ? cJSON_CreateObject() : NULL;
    cJSON *type = a ? cJSON_AddObjectToObject(a, "type") : NULL;
    cJSON *codings = type ? cJSON_AddArrayToObject(type, "coding") : NULL;
    cJSON *c = codings ? cJSON_CreateObject() : NULL;
    if (c && !cJSON_AddItemToArray(codings, c)) {
        cJSON_Delete(c);
        c = NULL;
    }
    bool ok = c && cJSON_AddStringToObject(c, "system", prov_type_system) &&
              cJSON_AddStringToObject(c, "code", type_code);
    if (!ok || !cJSON_AddItemToObject(a, "who", who)) {
        cJSON_Delete(who);
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

static cJSON *who_patient(struct fg_str patient)
{
    cJSON *w = cJSON_CreateObject();
    char ref[FG_MAX_ID_LEN + 16];
    int n = snprintf(ref, sizeof ref, "Patient/%.*s", (int)patient.len, patient.ptr);
    if (!w || n < 0 || (size_t)n >= sizeof ref || !cJSON_AddStringToObject(w, "reference", ref)) {
        cJSON_Delete(w);
        return NULL;
    }
    return w;
}

/* The app or export program: a logical Device reference (identifier = client id). */
static cJSON *who_source(const struct imp_agent *agent)
{
    cJSON *w = cJSON_CreateObject();
    bool ok = w && cJSON_AddStringToObject(w, "display", agent->display ? agent->display : "");
    if (ok && agent->client_id) {
        cJSON *id = cJSON_AddObjectToObject(w, "identifier");
        ok = cJSON_AddStringToObject(w, "type", "Device") && id &&
             cJSON_AddStringToObject(id, "system", IMP_CLIENT_SYSTEM) &&
             cJSON_AddStringToObject(id, "value", agent->client_id);
    }
    if (!ok) {
        cJSON_Delete(w);
        return NULL;
    }
    return w;
}

cJSON *imp_store_provenance(struct fg_str patient, const struct imp_agent *agent,
                            const struct fg_str *targets, size_t n, int64_t recorded_us)
{
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(recorded_us, when);
    cJSON *p = cJSON_CreateObject();
    bool ok = p && cJSON_AddStringToObject(p, "resourceType", "Provenance");
    cJSON *tg = ok ? cJSON_AddArrayToObject(p, "target") : NULL;
    ok = ok && tg;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        char *ref = fg_malloc(targets[i].len + 1);
        if (ref) {
            memcpy(ref, targets[i].ptr, targets[i].len);
            ref[targets[i].len] = '\0';
        }
        ok = r && ref && cJSON_AddStringToObject(r, "reference", ref) &&
             cJSON_AddItemToArray(tg, r);
        if (!ok)
            cJSON_Delete(r);
        fg_free(ref);
    }
    ok = ok && cJSON_AddStringToObject(p, "recorded", when);
    cJSON *agents = ok ? cJSON_AddArrayToObject(p, "agent") : NULL;
    cJSON *author = agents ? agent_entry("author", who_patient(patient)) : NULL;
    cJSON *assembler = author ? agent_entry(agent->client_id ? "composer" : "assembler",
                                            who_source(agent))
                              : NULL;
    if (author && !cJSON_AddItemToArray(agents, author)) {
        cJSON_Delete(author);
        author = NULL;
    }
    if (assembler && !cJSON_AddItemToArray(agents, assembler)) {
        cJSON_Delete(assembler);
        assembler = NULL;
    }
    if (!ok || !author || !assembler) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

/* ---- the batch ---- */

static size_t slot_of(const struct imp_store *s, const char *id)
{
    uint64_t h = 0;
    for (int i = 0; i < 16 && id[i]; i++)
        h = h * 16 + (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    return (size_t)(h & (s->nslots - 1));
}

/* True when id is already in the batch; otherwise adds pend[idx]. */
static bool seen_or_add(struct imp_store *s, size_t idx)
{
    size_t i = slot_of(s, s->pend[idx].id);
    while (s->slots[i]) {
        if (strcmp(s->pend[s->slots[i] - 1].id, s->pend[idx].id) == 0)
            return true;
        i = (i + 1) & (s->nslots - 1);
    }
    s->slots[i] = idx + 1;
    return false;
}

static double quantity_value(const cJSON *obs, bool *has)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, "value");
    *has = cJSON_IsNumber(v);
    return *has ? v->valuedouble : 0;
}

/* Does the stored version of a daily aggregate hold the same value as p? */
static bool same_value(const struct fhir_resource *stored, const struct pend *p)
{
    cJSON *old = cJSON_ParseWithLength(stored->json.ptr, stored->json.len);
    bool h1 = false, h2 = false;
    double a = quantity_value(old, &h1), b = quantity_value(p->obs, &h2);
    cJSON_Delete(old);
    return h1 && h2 && a == b;
}

/* Decides, for every Observation of the batch, whether it is written. */
static enum fg_status sort_out(struct imp_store *s, struct fg_pool *pool, struct fg_error *err)
{
    memset(s->slots, 0, s->nslots * sizeof *s->slots);
    for (size_t i = 0; i < s->n; i++) {
        struct pend *p = &s->pend[i];
        struct fhir_resource old;
        p->keep = false;
        p->update = false;
        if (seen_or_add(s, i))
            continue;
        enum fg_status rc = fhir_store_read(s->store, pool, fg_str_c("Observation"),
                                            fg_str_c(p->id), &old, err);
        if (rc == FG_ENOTFOUND) {
            fg_error_clear(err);
            p->keep = true;
        } else if (rc == FG_EGONE) {
            fg_error_clear(err); /* deleted by someone on purpose: not brought back */
        } else if (rc != FG_OK) {
            return rc;
        } else if (p->replace && !same_value(&old, p)) {
            p->keep = true;
            p->update = true;
        }
    }
    return FG_OK;
}

/* One transaction: the kept Observations and their Provenance. */
static enum fg_status write_batch(struct imp_store *s, struct fg_pool *pool, size_t *n_written,
                                  struct fg_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->pend[i].keep;
    *n_written = k;
    if (k == 0)
        return FG_OK;
    struct fhir_write *w = fg_pool_zalloc(pool, (k + 1) * sizeof *w);
    struct fhir_write_result *res = fg_pool_zalloc(pool, (k + 1) * sizeof *res);
    struct fg_str *targets = fg_pool_zalloc(pool, k * sizeof *targets);
    if (!w || !res || !targets)
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    k = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct pend *p = &s->pend[i];
        if (!p->keep)
            continue;
        w[k] = (struct fhir_write){.kind = p->update ? FHIR_WRITE_UPDATE : FHIR_WRITE_CREATE,
                                   .type = fg_str_c("Observation"),
                                   .id = fg_str_c(p->id),
                                   .resource = p->obs};
        const char *ref = fg_pool_printf(pool, "Observation/%s", p->id);
        if (!ref)
            return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
        targets[k++] = fg_str_c(ref);
    }
    cJSON *prov = imp_store_provenance(fg_str_c(s->patient), s->agent, targets, k,
                                       fg_clock_now_us(s->store->clock));
    if (!prov || fg_pool_on_free(pool, (void (*)(void *))cJSON_Delete, prov) != FG_OK) {
        cJSON_Delete(prov);
        return fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
    }
    w[k] = (struct fhir_write){.kind = FHIR_WRITE_CREATE, .type = fg_str_c("Provenance"),
                               .resource = prov};
    return fhir_store_write(s->store, pool, w, k + 1, res, err);
}

static void count_batch(struct imp_store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct pend *p = &s->pend[i];
        if (!p->keep)
            s->counts.existing++;
        else if (p->update)
            s->counts.replaced++;
        else
            s->counts.created++;
    }
}

enum fg_status imp_store_flush(struct imp_store *s, struct fg_error *err)
{
    enum fg_status rc = FG_OK;
    struct fg_pool *pool = NULL;
    size_t written = 0;
    if (s->n == 0)
        return FG_OK;
    /* A concurrent import of the same records: sort out again and retry once. */
    for (int attempt = 0; attempt < 2; attempt++) {
        fg_pool_free(&pool);
        pool = fg_pool_new();
        if (!pool) {
            rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = sort_out(s, pool, err);
        if (rc == FG_OK)
            rc = write_batch(s, pool, &written, err);
        if (rc != FG_ECONFLICT)
            break;
        fg_error_clear(err);
    }
    if (rc != FG_OK)
        goto out;
    count_batch(s);
    if (written)
        s->counts.batches++;
out:
    fg_pool_free(&pool);
    for (size_t i = 0; i < s->n; i++) {
        cJSON_Delete(s->pend[i].obs);
        s->pend[i].obs = NULL;
    }
    s->n = 0;
    return rc;
}

enum fg_status imp_store_emit(void *ctx, const struct imp_emit *e)
{
    struct imp_store *s = ctx;
    const char *v = e->identifier_value;
    if (strncmp(v, "sha256:", 7) != 0 || strlen(v + 7) != ID_HEX)
        return fg_error_set(&s->err, FG_EINVAL, "identifier", "unexpected import identifier");
    struct pend *p = &s->pend[s->n];
    if (e->take && *e->take == e->obs) { /* the builder's tree: kept without a copy */
        p->obs = *e->take;
        *e->take = NULL;
    } else {
        p->obs = cJSON_Duplicate(e->obs, true);
    }
    if (!p->obs)
        return fg_error_set(&s->err, FG_ENOMEM, NULL, "out of memory");
    memcpy(p->id, v + 7, ID_HEX + 1);
    p->replace = e->replace;
    s->n++;
    s->counts.received++;
    if (s->n < s->cap)
        return FG_OK;
    return imp_store_flush(s, &s->err);
}

const struct imp_store_counts *imp_store_counts(const struct imp_store *s)
{
    return &s->counts;
}

const struct fg_error *imp_store_error(const struct imp_store *s)
{
    return &s->err;
}

void imp_store_free(struct imp_store **s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < (*s)->n; i++)
        cJSON_Delete((*s)->pend[i].obs);
    fg_free((*s)->pend);
    fg_free((*s)->slots);
    fg_free(*s);
    *s = NULL;
}
