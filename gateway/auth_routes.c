/* auth_routes.c - the authorization server's route table (see auth_routes.h).
 * Adding an endpoint is one row here plus its handler. */
#include "auth_routes.h"

#include "apps.h"
#include "auth_http.h"
#include "authz.h"
#include "portal_wear.h"
#include "signup.h"

const struct fg_route fg_auth_routes[] = {
    {FG_GET, "/auth/jwks", fg_auth_jwks_handler},
    {FG_POST, "/auth/token", fg_auth_token_handler},
    {FG_POST, "/auth/introspect", fg_auth_introspect_handler},
    {FG_POST, "/auth/revoke", fg_auth_revoke_handler},
    {FG_POST, "/auth/register", fg_auth_register_handler},
    {FG_GET, "/auth/authorize", fg_authz_get},
    {FG_POST, "/auth/authorize", fg_authz_post},
    {FG_GET, "/auth/apps", fg_apps_get},
    {FG_POST, "/auth/apps", fg_apps_post},
    {FG_GET, "/auth/apps/activity", fg_apps_activity},
    {FG_GET, "/auth/apps/api/grants", fg_apps_api_list},
    {FG_POST, "/auth/apps/api/revoke", fg_apps_api_revoke},
    {FG_GET, FG_PORTAL_WEAR_PATH, fg_portal_wear_get},
    {FG_POST, FG_PORTAL_WEAR_PATH, fg_portal_wear_post},
    {FG_POST, FG_PORTAL_WEAR_UPLOAD_PATH, fg_portal_wear_upload},
    {FG_GET, FG_SIGNUP_PATH, fg_signup_get},
    {FG_POST, FG_SIGNUP_PATH, fg_signup_post},
    {FG_GET, FG_AUTH_PATH_SMART_STYLE, fg_auth_smart_style_handler},
    {FG_GET, "/.well-known/smart-configuration", fg_auth_smart_config_handler},
    {FG_GET, "/fhir/.well-known/smart-configuration", fg_auth_smart_config_handler},
    {FG_GET, "/.well-known/openid-configuration", fg_auth_openid_config_handler},
    {FG_GET, "/fhir/.well-known/openid-configuration", fg_auth_openid_config_handler},
};
const size_t fg_auth_routes_count = sizeof fg_auth_routes / sizeof fg_auth_routes[0];
