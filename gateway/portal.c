/* portal.c - facts for the portal rules from the auth db and the store (see portal.h). */
#include "portal.h"

#include <cJSON.h>
#include <openssl/crypto.h>
#include <string.h>

#include "../fhir/store.h"
#include "../smart/authdb_accounts.h"
#include "auth.h"
#include "config.h"

enum fg_status fg_portal_birth_date(struct fg_server *srv, struct fg_pool *pool,
                                    struct fg_str patient_id, struct fg_str *out)
{
    struct fhir_resource res;
    struct fg_error err;
    *out = fg_str_n("", 0);
    if (!srv->store)
        return FG_OK;
    enum fg_status st = fhir_store_read(srv->store, pool, fg_str_c("Patient"), patient_id, &res,
                                        &err);
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

enum fg_status fg_portal_facts(struct smart_authdb *db, int64_t account_id,
                               struct smart_portal_facts *out)
{
    struct smart_account acc;
    memset(out, 0, sizeof *out);
    enum fg_status st = smart_authdb_account_get_by_id(db, account_id, &acc);
    if (st != FG_OK)
        return st;
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    memcpy(out->own_patient, acc.patient_id, sizeof out->own_patient);
    /* the relations in force now; the rules then apply age and adult expiry */
    return smart_authdb_proxies_for_account(db, account_id, out->proxies,
                                            SMART_PORTAL_MAX_PROXIES, &out->n_proxies);
}

enum smart_portal_view fg_portal_view(struct fg_server *srv, struct smart_authdb *db,
                                      struct fg_pool *pool, int64_t account_id,
                                      struct fg_str patient_id)
{
    struct smart_portal_settings s;
    struct smart_portal_facts *f = fg_pool_alloc(pool, sizeof *f);
    struct fg_str birth;
    if (!f || fg_portal_facts(db, account_id, f) != FG_OK ||
        fg_portal_birth_date(srv, pool, patient_id, &birth) != FG_OK)
        return SMART_VIEW_NONE;
    fg_config_portal(&srv->cfg, &s);
    return smart_portal_view_of(&s, fg_clock_now_us(&srv->clock), f, patient_id, birth);
}

static enum fg_status source_facts(void *arg, int64_t account_id, struct smart_portal_facts *out)
{
    struct fg_server *srv = arg;
    if (!srv->auth)
        return FG_ENOTFOUND;
    struct smart_authdb *db = fg_auth_acquire(srv->auth);
    enum fg_status st = fg_portal_facts(db, account_id, out);
    fg_auth_release(srv->auth, db);
    return st;
}

static enum fg_status source_birth_date(void *arg, struct fg_pool *pool, struct fg_str patient_id,
                                        struct fg_str *out)
{
    return fg_portal_birth_date(arg, pool, patient_id, out);
}

enum fg_status fg_portal_rule_register(struct fg_server *srv, struct smart_policy *p)
{
    struct smart_portal_rule_cfg *cfg = &srv->portal_rule;
    struct smart_policy_rule rule;
    fg_config_portal(&srv->cfg, &cfg->settings);
    cfg->clock = &srv->clock;
    cfg->source.facts = source_facts;
    cfg->source.birth_date = source_birth_date;
    cfg->source.arg = srv;
    smart_portal_rule(cfg, &rule);
    return smart_policy_add_rule(p, &rule);
}
