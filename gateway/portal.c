/* portal.c - facts for the portal rules from the auth db and the store (see portal.h). */
#include "portal.h"

#include "../smart/authdb_portalcache.h"
#include "auth.h"
#include "config.h"

enum fg_status fg_portal_birth_date(struct fg_server *srv, struct fg_pool *pool,
                                    struct fg_str patient_id, struct fg_str *out)
{
    return fg_portal_births_get(srv->portal_births, srv->store, pool, patient_id, out);
}

enum fg_status fg_portal_facts(struct smart_authdb *db, int64_t account_id,
                               struct smart_portal_facts *out)
{
    return smart_authdb_portal_facts(db, account_id, out);
}

enum smart_portal_view fg_portal_view_env(const struct fg_portal_env *env, struct smart_authdb *db,
                                          struct fg_pool *pool, int64_t account_id,
                                          struct fg_str patient_id)
{
    struct smart_portal_settings s;
    struct smart_portal_facts *f = fg_pool_alloc(pool, sizeof *f);
    struct fg_str birth;
    if (!f || !env->store || fg_portal_facts(db, account_id, f) != FG_OK ||
        fg_portal_births_get(env->births, env->store, pool, patient_id, &birth) != FG_OK)
        return SMART_VIEW_NONE;
    fg_config_portal(env->cfg, &s);
    return smart_portal_view_of(&s, env->now_us, f, patient_id, birth);
}

enum smart_portal_view fg_portal_view(struct fg_server *srv, struct smart_authdb *db,
                                      struct fg_pool *pool, int64_t account_id,
                                      struct fg_str patient_id)
{
    struct fg_portal_env env = {&srv->cfg, fg_clock_now_us(&srv->clock), srv->store,
                                srv->portal_births};
    return fg_portal_view_env(&env, db, pool, account_id, patient_id);
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
    if (!srv->portal_births) {
        srv->portal_births = fg_portal_births_new();
        if (!srv->portal_births)
            return FG_ENOMEM;
    }
    cfg->clock = &srv->clock;
    cfg->source.facts = source_facts;
    cfg->source.birth_date = source_birth_date;
    cfg->source.arg = srv;
    smart_portal_rule(cfg, &rule);
    return smart_policy_add_rule(p, &rule);
}
