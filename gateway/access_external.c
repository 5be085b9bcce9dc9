/* access_external.c - external authorization server tokens through
 * liboauth2 (see access_external.h). */
#include "access_external.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <oauth2/oauth2.h>
#include <oauth2/util.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "access_token.h"
#include "server.h"

/* Seconds since 1970 beyond which an exp is nonsense (year 9999). */
#define EXTERNAL_MAX_EXP 253402300799.0

struct fg_external {
    oauth2_log_t *log;               /* owned */
    oauth2_cfg_token_verify_t *verify; /* owned */
    pthread_mutex_t lock;            /* liboauth2's cache and log are shared */
    char audience[FG_CONFIG_VALUE_MAX]; /* "" = the FHIR base URL at verify time */
    char issuer[FG_CONFIG_VALUE_MAX];   /* "" = not checked */
};

static void set_msg(char *msg, size_t size, const char *text, const char *detail)
{
    if (snprintf(msg, size, "%s%s", text, detail ? detail : "") < 0 && size)
        msg[0] = '\0';
}

/* liboauth2 logs through this sink: only warnings and worse, never tokens
 * (it does not log token values at those levels). */
static void log_sink(oauth2_log_sink_t *sink, const char *filename, unsigned long line,
                     const char *function, oauth2_log_level_t level, const char *text)
{
    (void)sink;
    (void)filename;
    (void)line;
    (void)function;
    (void)level;
    (void)text;
}

enum fg_status fg_external_new(const struct fg_config *cfg, struct fg_external **out, char *msg,
                               size_t msg_size)
{
    *out = NULL;
    const char *mode = cfg->auth_mode[0] ? cfg->auth_mode : "local";
    if (strcmp(mode, "local") == 0)
        return FG_OK;
    bool jwks = strcmp(mode, "jwks") == 0;
    if (!jwks && strcmp(mode, "introspection") != 0) {
        set_msg(msg, msg_size, "auth_mode must be local, jwks or introspection, not ", mode);
        return FG_EINVAL;
    }
    const char *url = jwks ? cfg->auth_jwks_uri : cfg->auth_introspection_url;
    if (!url[0]) {
        set_msg(msg, msg_size, jwks ? "auth_mode jwks needs auth_jwks_uri"
                                    : "auth_mode introspection needs auth_introspection_url",
                NULL);
        return FG_EINVAL;
    }
    struct fg_external *v = fg_calloc(1, sizeof *v);
    if (!v)
        return FG_ENOMEM;
    pthread_mutex_init(&v->lock, NULL);
    memcpy(v->audience, cfg->auth_audience, sizeof v->audience);
    memcpy(v->issuer, cfg->auth_issuer, sizeof v->issuer);
    oauth2_log_sink_t *sink = oauth2_log_sink_create(OAUTH2_LOG_ERROR, log_sink, NULL);
    v->log = sink ? oauth2_init(OAUTH2_LOG_ERROR, sink) : NULL;
    char options[3 * FG_CONFIG_VALUE_MAX];
    int n = jwks ? snprintf(options, sizeof options, "verify.exp=required")
                 : snprintf(options, sizeof options,
                            "introspect.auth=client_secret_basic&client_id=%s&client_secret=%s",
                            cfg->auth_introspection_client_id,
                            cfg->auth_introspection_client_secret);
    char *rv = NULL;
    if (v->log && n >= 0 && (size_t)n < sizeof options)
        rv = oauth2_cfg_token_verify_add_options(v->log, &v->verify,
                                                 jwks ? "jwks_uri" : "introspect", url, options);
    if (!v->log || n < 0 || (size_t)n >= sizeof options || rv || !v->verify) {
        set_msg(msg, msg_size, "cannot set up token verification: ", rv ? rv : "out of memory");
        free(rv);
        fg_external_free(&v);
        return FG_EINVAL;
    }
    *out = v;
    return FG_OK;
}

void fg_external_free(struct fg_external **pv)
{
    if (!pv || !*pv)
        return;
    struct fg_external *v = *pv;
    if (v->verify)
        oauth2_cfg_token_verify_free(v->log, v->verify);
    if (v->log)
        oauth2_shutdown(v->log);
    pthread_mutex_destroy(&v->lock);
    fg_free(v);
    *pv = NULL;
}

static bool aud_matches(const cJSON *aud, const char *want)
{
    if (cJSON_IsString(aud))
        return strcmp(aud->valuestring, want) == 0;
    const cJSON *one;
    if (!cJSON_IsArray(aud))
        return false;
    cJSON_ArrayForEach(one, aud)
    {
        if (cJSON_IsString(one) && strcmp(one->valuestring, want) == 0)
            return true;
    }
    return false;
}

static const char *claim_str(const cJSON *claims, const char *name)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(claims, name);
    return cJSON_IsString(c) ? c->valuestring : NULL;
}

/* The scope claim as one space-separated string (pool-owned). */
static const char *scope_text(const cJSON *claims, struct fg_pool *pool)
{
    const char *s = claim_str(claims, "scope");
    if (s)
        return s;
    const cJSON *scp = cJSON_GetObjectItemCaseSensitive(claims, "scp"), *one;
    if (!cJSON_IsArray(scp))
        return "";
    struct fg_buf b;
    fg_buf_init(&b, 8192);
    enum fg_status st = FG_OK;
    cJSON_ArrayForEach(one, scp)
    {
        if (!cJSON_IsString(one))
            continue;
        if (b.len)
            st = fg_buf_append_char(&b, ' ');
        if (st == FG_OK)
            st = fg_buf_append_c(&b, one->valuestring);
    }
    struct fg_str out = st == FG_OK ? fg_pool_str(pool, fg_buf_str(&b)) : FG_STR_NULL;
    fg_buf_cleanup(&b);
    return out.ptr ? out.ptr : NULL;
}

enum fg_status fg_external_claims(const cJSON *claims, const char *audience, const char *issuer,
                                  int64_t now_s, struct fg_pool *pool, struct smart_access *a,
                                  const char **why)
{
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(claims, "active");
    *why = NULL;
    if (active && !cJSON_IsTrue(active))
        *why = "the access token is not active";
    else if (!cJSON_IsNumber(exp) || exp->valuedouble <= (double)now_s)
        *why = "the access token has expired (or has no exp)";
    else if (exp->valuedouble > EXTERNAL_MAX_EXP)
        *why = "the access token's exp is out of range";
    else if (!aud_matches(cJSON_GetObjectItemCaseSensitive(claims, "aud"), audience))
        *why = "the access token is not meant for this server (aud)";
    else if (issuer && issuer[0] &&
             (!claim_str(claims, "iss") || strcmp(claim_str(claims, "iss"), issuer) != 0))
        *why = "the access token comes from another issuer";
    if (*why)
        return FG_EUNAUTH;
    const char *client = claim_str(claims, "client_id");
    if (!client)
        client = claim_str(claims, "azp");
    const char *patient = claim_str(claims, "patient");
    const char *sub = claim_str(claims, "sub");
    const char *scopes = scope_text(claims, pool);
    if (!scopes) {
        *why = "out of memory";
        return FG_ENOMEM;
    }
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = smart_access_set(a, fg_str_c(client ? client : ""), 0,
                                         fg_str_c(sub ? sub : ""), fg_str_c(patient ? patient : ""),
                                         FG_STR_NULL, fg_str_c(scopes), (int64_t)exp->valuedouble,
                                         &err);
    if (st != FG_OK) {
        *why = "the access token's claims are invalid (scope, patient or client_id)";
        return FG_EUNAUTH;
    }
    /* fhirUser (a Patient or a Practitioner): the policy decides its reach. */
    const char *fu = claim_str(claims, "fhirUser");
    struct fg_str ref = fu ? fg_pool_str(pool, fg_str_c(fu)) : FG_STR_NULL;
    if (fu && !ref.ptr) {
        *why = "out of memory";
        return FG_ENOMEM;
    }
    if (ref.len && smart_access_set_fhir_user_ref(a, ref) != FG_OK) {
        *why = "the access token's fhirUser is invalid";
        return FG_EUNAUTH;
    }
    if (patient && patient[0])
        smart_access_add_user_patient(a, a->launch_patient);
    return FG_OK;
}

static cJSON *to_cjson(json_t *payload)
{
    char *text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    cJSON *out = text ? cJSON_Parse(text) : NULL;
    free(text);
    return out;
}

enum fg_status fg_external_verify(struct fg_external *v, struct fg_req *req, struct fg_str token,
                                  struct smart_access *a)
{
    char *tok = fg_pool_strndup(req->pool, token.ptr, token.len);
    if (!tok)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    json_t *payload = NULL;
    pthread_mutex_lock(&v->lock);
    bool ok = oauth2_token_verify(v->log, NULL, v->verify, tok, &payload);
    pthread_mutex_unlock(&v->lock);
    cJSON *claims = ok ? to_cjson(payload) : NULL;
    if (payload)
        json_decref(payload);
    if (!claims)
        return fg_access_challenge(req, "invalid_token", "the access token is not valid");
    const char *why = NULL;
    const char *aud = v->audience[0] ? v->audience : fg_req_base_url(req);
    enum fg_status st = fg_external_claims(claims, aud, v->issuer,
                                           fg_clock_now_us(&req->srv->clock) / 1000000,
                                           req->pool, a, &why);
    cJSON_Delete(claims);
    if (st == FG_ENOMEM)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    if (st != FG_OK)
        return fg_access_challenge(req, "invalid_token", why);
    return FG_OK;
}
