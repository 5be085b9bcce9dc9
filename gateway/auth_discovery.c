/* auth_discovery.c - SMART and OpenID discovery documents and the JWKS.
 *
 * https://hl7.org/fhir/smart-app-launch/conformance.html (smart-configuration)
 * https://openid.net/specs/openid-connect-discovery-1_0.html §3
 * US Core 7 scopes: https://hl7.org/fhir/us/core/scopes.html
 * Answered as JSON whatever the Accept header says, with absolute URLs
 * derived from the configured base URL, readable from any origin (CORS).
 */
#include <string.h>

#include "../core/fg_mem.h"
#include "auth.h"
#include "auth_http.h"
#include "auth_routes.h"
#include "server.h"

/* Public discovery data may be cached briefly. */
#define DISCOVERY_CACHE "public, max-age=300"

static const char *const capabilities[] = {
    "launch-standalone", "client-public", "client-confidential-symmetric",
    "client-confidential-asymmetric", "sso-openid-connect", "context-standalone-patient",
    "permission-offline", "permission-online", "permission-patient", "permission-v1",
    "permission-v2", "authorize-post",
    /* the EHR launch (gateway/authz_launch.c, README "EHR launch") */
    "launch-ehr", "context-banner", "context-style", "context-ehr-patient",
    "context-ehr-encounter", "permission-user",
};

/* US Core 7 resource types with a required patient/<type>.rs scope. */
static const char *const uscore_types[] = {
    "AllergyIntolerance", "CarePlan", "CareTeam", "Condition", "Coverage", "Device",
    "DiagnosticReport", "DocumentReference", "Encounter", "Goal", "Immunization", "Location",
    "Medication", "MedicationDispense", "MedicationRequest", "Observation", "Organization",
    "Patient", "Practitioner", "PractitionerRole", "Procedure", "Provenance",
    "QuestionnaireResponse", "RelatedPerson", "ServiceRequest", "Specimen",
};

/* Granular category scopes (checklist §2.9, US Core 7 scopes.md). */
static const char *const granular_scopes[] = {
    "patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis",
    "patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item",
    "patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|survey",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|exam",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|imaging",
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|procedure",
    "patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh",
};

static const char *const special_scopes[] = {
    "openid", "fhirUser", "launch", "launch/patient", "launch/encounter", "offline_access",
    "online_access",
    /* the linked-apps API and Consent/AuditEvent of one's own record (gateway/apps.h) */
    "patient/Consent.rs", "user/Consent.rs", "user/Consent.u", "patient/AuditEvent.rs",
};

static const char *const grant_types[] = {"authorization_code", "refresh_token",
                                          "client_credentials"};
static const char *const auth_methods[] = {"client_secret_basic", "client_secret_post",
                                           "private_key_jwt"};
static const char *const assertion_algs[] = {"RS384", "ES384", "RS256", "ES256"};
static const char *const response_types[] = {"code"};
static const char *const s256[] = {"S256"};
static const char *const rs256[] = {"RS256"};
static const char *const subject_types[] = {"public"};
static const char *const claims[] = {"iss", "sub", "aud", "exp", "iat", "fhirUser", "nonce"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool add_strings(cJSON *o, const char *name, const char *const *v, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(o, name);
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i]);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return arr != NULL;
}

static bool add_scopes(cJSON *o)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "scopes_supported");
    if (!arr)
        return false;
    for (size_t i = 0; i < N(special_scopes) + N(uscore_types) + N(granular_scopes); i++) {
        char buf[256];
        const char *text;
        if (i < N(special_scopes)) {
            text = special_scopes[i];
        } else if (i < N(special_scopes) + N(uscore_types)) {
            int n = snprintf(buf, sizeof buf, "patient/%s.rs", uscore_types[i - N(special_scopes)]);
            if (n < 0 || (size_t)n >= sizeof buf)
                return false;
            text = buf;
        } else {
            text = granular_scopes[i - N(special_scopes) - N(uscore_types)];
        }
        cJSON *s = cJSON_CreateString(text);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

static bool add_url(struct fg_req *req, cJSON *o, const char *name, const char *path)
{
    const char *url = fg_auth_abs_url(req, path);
    return url && cJSON_AddStringToObject(o, name, url);
}

/* The members both documents share. */
static bool add_common(struct fg_req *req, cJSON *o)
{
    return cJSON_AddStringToObject(o, "issuer", fg_req_base_url(req)) &&
           add_url(req, o, "jwks_uri", FG_AUTH_PATH_JWKS) &&
           add_url(req, o, "authorization_endpoint", FG_AUTH_PATH_AUTHORIZE) &&
           add_url(req, o, "token_endpoint", FG_AUTH_PATH_TOKEN) &&
           add_url(req, o, "registration_endpoint", FG_AUTH_PATH_REGISTER) &&
           add_url(req, o, "introspection_endpoint", FG_AUTH_PATH_INTROSPECT) &&
           add_url(req, o, "revocation_endpoint", FG_AUTH_PATH_REVOKE) &&
           add_strings(o, "grant_types_supported", grant_types, N(grant_types)) &&
           add_strings(o, "token_endpoint_auth_methods_supported", auth_methods,
                       N(auth_methods)) &&
           add_strings(o, "token_endpoint_auth_signing_alg_values_supported", assertion_algs,
                       N(assertion_algs)) &&
           add_strings(o, "response_types_supported", response_types, N(response_types)) &&
           add_strings(o, "code_challenge_methods_supported", s256, N(s256)) &&
           add_scopes(o);
}

static enum fg_status send_public(struct fg_req *req, cJSON *o, bool ok)
{
    if (!ok) {
        cJSON_Delete(o);
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    }
    enum fg_status st = fg_auth_send_json(req, 200, o, false);
    if (st == FG_OK)
        st = fg_resp_header(req, "Cache-Control", DISCOVERY_CACHE);
    return st;
}

enum fg_status fg_auth_smart_config_handler(struct fg_req *req)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_common(req, o) && add_url(req, o, "management_endpoint", FG_AUTH_PATH_MANAGE) &&
              add_strings(o, "capabilities", capabilities, N(capabilities));
    return send_public(req, o, ok);
}

enum fg_status fg_auth_openid_config_handler(struct fg_req *req)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_common(req, o) &&
              add_strings(o, "subject_types_supported", subject_types, N(subject_types)) &&
              add_strings(o, "id_token_signing_alg_values_supported", rs256, N(rs256)) &&
              add_strings(o, "claims_supported", claims, N(claims));
    return send_public(req, o, ok);
}

enum fg_status fg_auth_jwks_handler(struct fg_req *req)
{
    if (!req->srv->auth)
        return fg_error_set(&req->err, FG_ENOTFOUND, NULL, "no authorization server configured");
    /* The snapshot may be replaced once put back: the body is a pool copy. */
    const struct fg_keyset *ks = fg_auth_keyset(req->srv->auth, NULL);
    struct fg_str body = fg_pool_str(req->pool, ks->jwks);
    fg_auth_keyset_put(req->srv->auth, ks);
    if (!body.ptr)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    fg_resp_set(req, 200, "application/json", body);
    return fg_resp_header(req, "Cache-Control", DISCOVERY_CACHE);
}

/* SMART App Launch 2.2 "Styling": the portal's colours and fonts, so an app
 * opened from it can match (the token's smart_style_url points here). */
static const char smart_style[] =
    "{\"color_background\":\"#ffffff\",\"color_error\":\"#b00020\","
    "\"color_highlight\":\"#0b5cad\",\"color_modal_backdrop\":\"#00000066\","
    "\"color_success\":\"#1b7f3b\",\"color_text\":\"#1a1a1a\","
    "\"dim_border_radius\":\"4px\",\"dim_font_size\":\"16px\",\"dim_spacing_size\":\"16px\","
    "\"font_family_body\":\"system-ui, sans-serif\",\"font_family_heading\":\"system-ui, "
    "sans-serif\"}";

enum fg_status fg_auth_smart_style_handler(struct fg_req *req)
{
    fg_resp_set(req, 200, "application/json", fg_str_n(smart_style, sizeof smart_style - 1));
    return fg_resp_header(req, "Cache-Control", DISCOVERY_CACHE);
}
