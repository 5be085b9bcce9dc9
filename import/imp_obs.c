/* imp_obs.c - one US Core Observation from one wearable measurement (see imp_obs.h). */
#include "imp_obs.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"

/* ---- HKDevice ---- */

/* True when s at i starts ", key:" with key made of letters and spaces. */
static bool field_start(struct fg_str s, size_t i)
{
    if (i + 2 >= s.len || s.ptr[i] != ',' || s.ptr[i + 1] != ' ')
        return false;
    for (size_t j = i + 2; j < s.len && j < i + 2 + 32; j++) {
        char c = s.ptr[j];
        if (c == ':')
            return j > i + 2;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' '))
            return false;
    }
    return false;
}

enum fg_status imp_obs_parse_hkdevice(struct fg_str s, struct imp_device *out)
{
    struct imp_device d = {FG_STR_NULL, FG_STR_NULL, FG_STR_NULL, FG_STR_NULL, FG_STR_NULL};
    if (!fg_str_starts_with(s, "<<HKDevice:") || s.len < 2 || s.ptr[s.len - 1] != '>')
        return FG_EINVAL;
    size_t end = s.len - 1, i = 0;
    const char *close = memchr(s.ptr, '>', end);
    if (!close)
        return FG_EINVAL;
    i = (size_t)(close - s.ptr) + 1;
    bool any = false;
    while (i < end && field_start(s, i)) {
        size_t k = i + 2, colon = k;
        while (s.ptr[colon] != ':')
            colon++;
        size_t v = colon + 1, e = v;
        while (e < end && !field_start(s, e))
            e++;
        struct fg_str key = fg_str_n(s.ptr + k, colon - k), val = fg_str_n(s.ptr + v, e - v);
        if (fg_str_eq_c(key, "name"))
            d.name = val;
        else if (fg_str_eq_c(key, "manufacturer"))
            d.manufacturer = val;
        else if (fg_str_eq_c(key, "model"))
            d.model = val;
        else if (fg_str_eq_c(key, "hardware"))
            d.hardware = val;
        else if (fg_str_eq_c(key, "software"))
            d.software = val;
        any = any || val.len > 0;
        i = e;
    }
    if (i != end || !any)
        return FG_EINVAL;
    *out = d;
    return FG_OK;
}

/* ---- identifier ---- */

static const char *const kind_names[] = {"apple", "gfit", "gfit-daily", "manual"};

/* Feeds "<len>:<bytes>|" (length-prefixed, so no two field lists hash alike). Hot path: no
 * printf. */
static bool hash_field(EVP_MD_CTX *md, struct fg_str f)
{
    char len[24];
    size_t k = sizeof len, n = f.len;
    len[--k] = ':';
    do {
        len[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    return EVP_DigestUpdate(md, len + k, sizeof len - k) == 1 &&
           (f.len == 0 || EVP_DigestUpdate(md, f.ptr, f.len) == 1) &&
           EVP_DigestUpdate(md, "|", 1) == 1;
}

enum fg_status imp_obs_key(const struct imp_measurement *m, struct fg_str patient,
                           char key[IMP_KEY_MAX])
{
    enum fg_status rc = FG_EIO;
    unsigned char dig[32];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return FG_ENOMEM;
    struct fg_str kind = fg_str_c(kind_names[m->source]);
    bool ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && hash_field(md, patient) &&
              hash_field(md, kind);
    if (ok && m->sync_id.len > 0) {
        ok = hash_field(md, FG_STR_LIT("sync")) && hash_field(md, m->source_name) &&
             hash_field(md, m->sync_id);
    } else if (ok) {
        ok = hash_field(md, m->source_type) && hash_field(md, m->source_name) &&
             hash_field(md, m->key_start) && hash_field(md, m->key_end) &&
             hash_field(md, m->key_unit) &&
             hash_field(md, m->daily ? FG_STR_LIT("daily") : m->key_value);
    }
    if (!ok || EVP_DigestFinal_ex(md, dig, &dlen) != 1 || dlen != sizeof dig)
        goto out;
    static const char hex[] = "0123456789abcdef";
    memcpy(key, "sha256:", 7);
    for (size_t i = 0; i < sizeof dig; i++) {
        key[7 + 2 * i] = hex[dig[i] >> 4];
        key[8 + 2 * i] = hex[dig[i] & 15];
    }
    key[7 + 64] = '\0';
    rc = FG_OK;
out:
    EVP_MD_CTX_free(md);
    return rc;
}

/* ---- builder ---- */

/* Collects allocation failures so the build reads straight; checked once at the end. */
struct build {
    bool oom;
};

static cJSON *chk(struct build *b, cJSON *node)
{
    if (!node)
        b->oom = true;
    return node;
}

static void add_str(struct build *b, cJSON *obj, const char *name, const char *v)
{
    if (obj)
        chk(b, cJSON_AddStringToObject(obj, name, v));
}

static void add_slice(struct build *b, cJSON *obj, const char *name, struct fg_str v)
{
    char *c = fg_strndup(v.ptr ? v.ptr : "", v.len);
    if (!c) {
        b->oom = true;
        return;
    }
    add_str(b, obj, name, c);
    fg_free(c);
}

static cJSON *add_obj(struct build *b, cJSON *parent, const char *name)
{
    cJSON *o = chk(b, cJSON_CreateObject());
    if (!o)
        return NULL;
    if (!parent) {
        cJSON_Delete(o);
        return NULL;
    }
    if (name ? !cJSON_AddItemToObject(parent, name, o) : !cJSON_AddItemToArray(parent, o)) {
        cJSON_Delete(o);
        b->oom = true;
        return NULL;
    }
    return o;
}

static cJSON *add_arr(struct build *b, cJSON *parent, const char *name)
{
    return parent ? chk(b, cJSON_AddArrayToObject(parent, name)) : NULL;
}

static void add_coding(struct build *b, cJSON *codings, const char *system, const char *code,
                       const char *display)
{
    cJSON *c = add_obj(b, codings, NULL);
    add_str(b, c, "system", system);
    add_str(b, c, "code", code);
    if (display)
        add_str(b, c, "display", display);
}

static void add_quantity(struct build *b, cJSON *parent, double v, const char *unit,
                         const char *ucum)
{
    cJSON *q = add_obj(b, parent, "valueQuantity");
    if (q)
        chk(b, cJSON_AddNumberToObject(q, "value", v));
    add_str(b, q, "unit", unit);
    add_str(b, q, "system", IMP_UCUM_SYSTEM);
    add_str(b, q, "code", ucum);
}

static void add_ref(struct build *b, cJSON *parent, const char *name, struct fg_str patient,
                    bool as_array)
{
    char ref[8 + 64 + 1];
    if (patient.len > 64) { /* fg_is_fhir_id was checked: cannot happen */
        b->oom = true;
        return;
    }
    memcpy(ref, "Patient/", 8);
    memcpy(ref + 8, patient.ptr, patient.len);
    ref[8 + patient.len] = '\0';
    cJSON *holder = as_array ? add_arr(b, parent, name) : parent;
    cJSON *r = add_obj(b, holder, as_array ? NULL : name);
    add_str(b, r, "reference", ref);
}

static void add_meta(struct build *b, cJSON *obs, const struct imp_measure *ms)
{
    cJSON *meta = add_obj(b, obs, "meta");
    cJSON *prof = add_arr(b, meta, "profile");
    cJSON *url = prof ? chk(b, cJSON_CreateString(ms->profile)) : NULL;
    if (url && !cJSON_AddItemToArray(prof, url)) {
        cJSON_Delete(url);
        b->oom = true;
    }
    cJSON *tags = add_arr(b, meta, "tag");
    add_coding(b, tags, IMP_TAG_SYSTEM, "patient-supplied", "Patient Supplied");
}

static void add_device(struct build *b, cJSON *obs, const struct imp_device *d)
{
    cJSON *contained = add_arr(b, obs, "contained");
    cJSON *dev = add_obj(b, contained, NULL);
    add_str(b, dev, "resourceType", "Device");
    add_str(b, dev, "id", "device");
    cJSON *names = (d->name.len || d->hardware.len) ? add_arr(b, dev, "deviceName") : NULL;
    if (d->name.len) {
        cJSON *n = add_obj(b, names, NULL);
        add_slice(b, n, "name", d->name);
        add_str(b, n, "type", "user-friendly-name");
    }
    if (d->hardware.len) {
        cJSON *n = add_obj(b, names, NULL);
        add_slice(b, n, "name", d->hardware);
        add_str(b, n, "type", "model-name");
    }
    if (d->manufacturer.len)
        add_slice(b, dev, "manufacturer", d->manufacturer);
    if (d->model.len)
        add_slice(b, dev, "modelNumber", d->model);
    if (d->software.len) {
        cJSON *v = add_obj(b, add_arr(b, dev, "version"), NULL);
        add_slice(b, v, "value", d->software);
    }
    cJSON *ref = add_obj(b, obs, "device");
    add_str(b, ref, "reference", "#device");
}

static void add_code(struct build *b, cJSON *obs, const struct imp_measurement *m)
{
    const struct imp_measure *ms = m->measure;
    cJSON *codings = add_arr(b, add_obj(b, obs, "code"), "coding");
    add_coding(b, codings, IMP_LOINC_SYSTEM, ms->loinc, ms->display);
    if (ms->loinc2)
        add_coding(b, codings, IMP_LOINC_SYSTEM, ms->loinc2, ms->display2);
    if (m->source_type.len && (m->source == IMP_SRC_APPLE || m->source == IMP_SRC_GFIT)) {
        cJSON *c = add_obj(b, codings, NULL);
        add_str(b, c, "system", m->source == IMP_SRC_APPLE ? IMP_HK_SYSTEM : IMP_GFIT_SYSTEM);
        add_slice(b, c, "code", m->source_type);
    }
}

static void add_category(struct build *b, cJSON *obs, const struct imp_measure *ms)
{
    cJSON *cats = add_arr(b, obs, "category");
    add_coding(b, add_arr(b, add_obj(b, cats, NULL), "coding"), IMP_CATEGORY_SYSTEM, ms->category,
               NULL);
    if (ms->pa_category)
        add_coding(b, add_arr(b, add_obj(b, cats, NULL), "coding"), IMP_PA_CATEGORY_SYSTEM,
                   "PhysicalActivity", NULL);
}

static void add_component(struct build *b, cJSON *comps, enum imp_measure_id id, double v)
{
    const struct imp_measure *ms = imp_map_measure(id);
    cJSON *c = add_obj(b, comps, NULL);
    add_coding(b, add_arr(b, add_obj(b, c, "code"), "coding"), IMP_LOINC_SYSTEM, ms->loinc,
               ms->display);
    add_quantity(b, c, v, "mmHg", "mm[Hg]");
}

static void add_effective(struct build *b, cJSON *obs, const struct imp_measurement *m)
{
    if (!m->end || strcmp(m->start, m->end) == 0) {
        add_str(b, obs, "effectiveDateTime", m->start);
        return;
    }
    cJSON *p = add_obj(b, obs, "effectivePeriod");
    add_str(b, p, "start", m->start);
    add_str(b, p, "end", m->end);
}

enum fg_status imp_obs_build(const struct imp_measurement *m, struct fg_str patient,
                             int64_t issued_us, cJSON **out, char key[IMP_KEY_MAX],
                             struct fg_error *err)
{
    enum fg_status rc = FG_ENOMEM;
    struct build b = {false};
    char k[IMP_KEY_MAX];
    cJSON *obs = NULL;
    bool panel = m->measure->id == IMP_M_BP_PANEL;
    if (!fg_is_fhir_id(patient)) {
        rc = fg_error_set(err, FG_EINVAL, "patient", "patient id is not a FHIR id");
        goto out;
    }
    if (panel && (!m->has_systolic || !m->has_diastolic)) {
        rc = fg_error_set(err, FG_EINVAL, NULL, "a blood-pressure panel needs both values");
        goto out;
    }
    rc = imp_obs_key(m, patient, k);
    if (rc != FG_OK)
        goto out;
    rc = FG_ENOMEM;
    obs = cJSON_CreateObject();
    if (!obs)
        goto out;
    add_str(&b, obs, "resourceType", "Observation");
    add_meta(&b, obs, m->measure);
    if (m->has_device)
        add_device(&b, obs, &m->device);
    cJSON *id = add_obj(&b, add_arr(&b, obs, "identifier"), NULL);
    add_str(&b, id, "system", IMP_KEY_SYSTEM);
    add_str(&b, id, "value", k);
    add_str(&b, obs, "status", "final");
    add_category(&b, obs, m->measure);
    add_code(&b, obs, m);
    add_ref(&b, obs, "subject", patient, false);
    add_effective(&b, obs, m);
    if (issued_us > 0) {
        char when[FG_INSTANT_MAX];
        fg_clock_format_instant(issued_us, when);
        add_str(&b, obs, "issued", when);
    }
    add_ref(&b, obs, "performer", patient, true);
    if (panel) {
        cJSON *comps = add_arr(&b, obs, "component");
        add_component(&b, comps, IMP_M_BP_SYSTOLIC, m->systolic);
        add_component(&b, comps, IMP_M_BP_DIASTOLIC, m->diastolic);
    } else {
        add_quantity(&b, obs, m->value, m->unit_display, m->ucum);
    }
    if (b.oom)
        goto out;
    memcpy(key, k, sizeof k);
    *out = obs;
    obs = NULL;
    rc = FG_OK;
out:
    cJSON_Delete(obs);
    return rc;
}
