/* auth_issue.c - grants, tokens, id_tokens and the token response. */
#include "auth_issue.h"

#include <cJSON.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "../smart/jwt.h"
#include "../smart/keys.h"
#include "config.h"

void fg_issue_cleanup(struct fg_issue *is)
{
    OPENSSL_cleanse(is->access_token, sizeof is->access_token);
    OPENSSL_cleanse(is->refresh_token, sizeof is->refresh_token);
    fg_free(is->id_token);
    is->id_token = NULL;
}

bool fg_scope_has(const char *scopes, const char *word)
{
    struct fg_str rest = fg_str_c(scopes ? scopes : ""), tok;
    while (rest.len) {
        struct fg_str whole = rest;
        if (!fg_str_split(whole, ' ', &tok, &rest)) {
            tok = whole;
            rest.len = 0;
        }
        if (fg_str_eq_c(tok, word))
            return true;
    }
    return false;
}

void fg_auth_subject(int64_t account_id, const char *patient_id, const char *client_id,
                     char out[FG_SUBJECT_MAX])
{
    int n;
    if (account_id > 0)
        n = snprintf(out, FG_SUBJECT_MAX, "user-%" PRId64, account_id);
    else if (patient_id && patient_id[0])
        n = snprintf(out, FG_SUBJECT_MAX, "patient-%s", patient_id);
    else
        n = snprintf(out, FG_SUBJECT_MAX, "client-%s", client_id ? client_id : "");
    if (n < 0)
        out[0] = '\0';
}

const char *fg_auth_fhir_user(struct fg_pool *pool, int64_t account_id,
                              const char *practitioner_id, const char *own_patient_id,
                              const char *patient_id)
{
    if (account_id > 0) {
        if (practitioner_id && practitioner_id[0])
            return fg_pool_printf(pool, "Practitioner/%s", practitioner_id);
        return own_patient_id && own_patient_id[0]
                   ? fg_pool_printf(pool, "Patient/%s", own_patient_id)
                   : NULL;
    }
    if (patient_id && patient_id[0])
        return fg_pool_printf(pool, "Patient/%s", patient_id);
    return NULL;
}

static enum fg_status add_token(struct smart_authdb *db, const char *grant_id,
                                enum smart_token_kind kind, const char *token, const char *scopes,
                                int64_t expires_at, const char *parent, char digest[SMART_DIGEST_SIZE])
{
    struct smart_token_row row = {.kind = kind, .scopes = scopes, .expires_at = expires_at};
    smart_token_digest(fg_str_c(token), row.digest);
    memcpy(row.grant_id, grant_id, sizeof row.grant_id);
    if (parent)
        memcpy(row.parent_digest, parent, SMART_DIGEST_SIZE);
    memcpy(digest, row.digest, SMART_DIGEST_SIZE);
    return smart_authdb_token_add(db, &row);
}

static enum fg_status ensure_grant(struct smart_authdb *db, struct fg_issue *is, const char *scopes)
{
    if (is->grant_id && is->grant_id[0]) {
        size_t n = strlen(is->grant_id);
        if (n >= sizeof is->grant_out)
            return FG_EINVAL;
        memcpy(is->grant_out, is->grant_id, n + 1);
        return FG_OK;
    }
    struct smart_grant g = {.account_id = is->account_id, .scopes = (char *)scopes};
    size_t cl = strlen(is->client_id), pl = is->patient_id ? strlen(is->patient_id) : 0;
    if (cl >= sizeof g.client_id || pl >= sizeof g.patient_id)
        return FG_EINVAL;
    memcpy(g.client_id, is->client_id, cl + 1);
    if (pl)
        memcpy(g.patient_id, is->patient_id, pl + 1);
    size_t el = is->encounter_id ? strlen(is->encounter_id) : 0;
    if (el >= sizeof g.encounter_id)
        return FG_EINVAL;
    if (el)
        memcpy(g.encounter_id, is->encounter_id, el + 1);
    enum fg_status st = smart_authdb_grant_add(db, &g);
    if (st == FG_OK)
        memcpy(is->grant_out, g.id, sizeof g.id);
    return st;
}

static enum fg_status sign_id_token(struct fg_auth *a, const struct smart_signing_key *key,
                                    struct fg_issue *is, int64_t now)
{
    if (!key)
        return FG_EIO;
    char sub[FG_SUBJECT_MAX];
    fg_auth_subject(is->account_id, is->patient_id, is->client_id, sub);
    char user[FG_CONFIG_VALUE_MAX + FG_FHIR_USER_MAX];
    int n = snprintf(user, sizeof user, "%s/%s", fg_auth_issuer(a), is->fhir_user);
    if (n < 0 || (size_t)n >= sizeof user)
        return FG_ETOOBIG;
    enum fg_status st = FG_ENOMEM;
    cJSON *c = cJSON_CreateObject();
    char *text = NULL;
    bool ok = c && cJSON_AddStringToObject(c, "iss", fg_auth_issuer(a)) &&
              cJSON_AddStringToObject(c, "sub", sub) &&
              cJSON_AddStringToObject(c, "aud", is->client_id) &&
              cJSON_AddNumberToObject(c, "exp", (double)(now + FG_ID_TOKEN_LIFETIME_S)) &&
              cJSON_AddNumberToObject(c, "iat", (double)now) &&
              cJSON_AddStringToObject(c, "fhirUser", user) &&
              (!is->nonce || cJSON_AddStringToObject(c, "nonce", is->nonce));
    if (ok)
        text = cJSON_PrintUnformatted(c);
    if (text)
        st = smart_jwt_sign_rs256(key->jwk, key->kid, fg_str_c(text), &is->id_token);
    cJSON_free(text);
    cJSON_Delete(c);
    return st;
}

enum fg_status fg_auth_issue(struct fg_auth *a, struct smart_authdb *db, struct fg_issue *is,
                             struct fg_error *err)
{
    const char *grant_scopes = is->grant_scopes ? is->grant_scopes : is->scopes;
    int64_t now = fg_clock_now_s(fg_auth_clock(a));
    is->refresh_token[0] = '\0';
    enum fg_status st = ensure_grant(db, is, grant_scopes);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "cannot record the grant");
    char parent[SMART_DIGEST_SIZE] = "";
    bool offline = fg_scope_has(grant_scopes, "offline_access");
    if (offline || fg_scope_has(grant_scopes, "online_access")) {
        int64_t life = offline ? FG_REFRESH_OFFLINE_LIFETIME_S : FG_REFRESH_ONLINE_LIFETIME_S;
        st = smart_token_new(is->refresh_token);
        if (st == FG_OK)
            st = add_token(db, is->grant_out, SMART_TOKEN_REFRESH, is->refresh_token,
                           grant_scopes, now + life, NULL, parent);
        if (st != FG_OK)
            return fg_error_set(err, st, NULL, "cannot store the refresh token");
    }
    char digest[SMART_DIGEST_SIZE];
    int64_t life_s = is->lifetime_s > 0 ? is->lifetime_s : FG_ACCESS_TOKEN_LIFETIME_S;
    st = smart_token_new(is->access_token);
    if (st == FG_OK)
        st = add_token(db, is->grant_out, SMART_TOKEN_ACCESS, is->access_token, is->scopes,
                       now + life_s, parent[0] ? parent : NULL, digest);
    if (st != FG_OK)
        return fg_error_set(err, st, NULL, "cannot store the access token");
    is->expires_in = life_s;
    if (is->fhir_user && fg_scope_has(is->scopes, "openid") &&
        fg_scope_has(is->scopes, "fhirUser")) {
        const struct fg_keyset *ks = fg_auth_keyset(a, db);
        st = sign_id_token(a, smart_keyring_current(&ks->ring), is, now);
        fg_auth_keyset_put(a, ks);
        if (st != FG_OK)
            return fg_error_set(err, st, NULL, "cannot sign the id_token");
    }
    return FG_OK;
}

bool fg_auth_add_fhir_context(cJSON *o, const char *refs)
{
    if (!refs || !refs[0])
        return true;
    cJSON *arr = cJSON_AddArrayToObject(o, "fhirContext");
    bool ok = arr != NULL;
    for (const char *p = refs; ok && *p;) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char ref[SMART_MAX_FHIR_CONTEXT + 1];
        cJSON *item = cJSON_CreateObject();
        ok = item && n < sizeof ref && cJSON_AddItemToArray(arr, item);
        if (!ok) {
            cJSON_Delete(item);
            break;
        }
        memcpy(ref, p, n);
        ref[n] = '\0';
        ok = cJSON_AddStringToObject(item, "reference", ref) != NULL;
        p += n + (end != NULL);
    }
    return ok;
}

enum fg_status fg_auth_token_response(const struct fg_issue *is, struct fg_buf *out)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddStringToObject(o, "access_token", is->access_token) &&
              cJSON_AddStringToObject(o, "token_type", "Bearer") &&
              cJSON_AddNumberToObject(o, "expires_in", (double)is->expires_in) &&
              cJSON_AddStringToObject(o, "scope", is->scopes ? is->scopes : "") &&
              (!is->refresh_token[0] ||
               cJSON_AddStringToObject(o, "refresh_token", is->refresh_token)) &&
              (!is->patient_id || !is->patient_id[0] ||
               cJSON_AddStringToObject(o, "patient", is->patient_id)) &&
              (!is->encounter_id || !is->encounter_id[0] ||
               cJSON_AddStringToObject(o, "encounter", is->encounter_id)) &&
              fg_auth_add_fhir_context(o, is->fhir_context) &&
              (!is->style_url || (cJSON_AddTrueToObject(o, "need_patient_banner") &&
                                  cJSON_AddStringToObject(o, "smart_style_url", is->style_url))) &&
              (!is->id_token || cJSON_AddStringToObject(o, "id_token", is->id_token));
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    enum fg_status st = text ? fg_buf_append_c(out, text) : FG_ENOMEM;
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        cJSON_free(text);
    }
    cJSON_Delete(o);
    return st;
}
