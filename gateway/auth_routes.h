/* auth_routes.h - the authorization server's endpoints (SMART App Launch
 * 2.2 discovery, OAuth 2.0 endpoints), matched before the FHIR REST table
 * and outside FHIR content negotiation: they answer JSON (or HTML pages)
 * whatever the Accept header says.
 * https://hl7.org/fhir/smart-app-launch/conformance.html
 */
#ifndef FG_AUTH_ROUTES_H
#define FG_AUTH_ROUTES_H

#include <stddef.h>

#include "http.h"
#include "router.h"

/* The table, defined in auth_routes.c (one row per endpoint). */
extern const struct fg_route fg_auth_routes[];
extern const size_t fg_auth_routes_count;

/* Handlers (auth_discovery.c). */
enum fg_status fg_auth_jwks_handler(struct fg_req *req);
enum fg_status fg_auth_smart_config_handler(struct fg_req *req);
/* GET /auth/smart-style.json: the SMART styling JSON (smart_style_url). */
enum fg_status fg_auth_smart_style_handler(struct fg_req *req);
enum fg_status fg_auth_openid_config_handler(struct fg_req *req);
/* auth_token.c, auth_introspect.c, auth_register.c */
enum fg_status fg_auth_token_handler(struct fg_req *req);
enum fg_status fg_auth_introspect_handler(struct fg_req *req);
enum fg_status fg_auth_revoke_handler(struct fg_req *req);
enum fg_status fg_auth_register_handler(struct fg_req *req);

#endif
