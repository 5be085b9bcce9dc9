/* negotiate.h - content negotiation: which formats we answer and accept.
 *
 * fhirgate speaks JSON only. A request may ask for it with `_format`
 * (json, application/json, application/fhir+json, with any fhirVersion
 * parameter) or an Accept header (those, application/json+fhir, or the
 * wildcard ranges "star/star" and "application/star"); `_format` wins over
 * Accept; neither means JSON. Anything
 * else is 406. A body sent with POST/PUT must be JSON (fhir+json or json);
 * form bodies are allowed on .../_search, json-patch on PATCH; else 415.
 * Both checks apply to the FHIR REST paths only (/fhir and below): other
 * endpoints (health, and later the authorization server's forms and
 * pages) choose their own formats.
 * Spec: http://hl7.org/fhir/R4/http.html#mime-type
 */
#ifndef FG_NEGOTIATE_H
#define FG_NEGOTIATE_H

#include "http.h"

#define FG_CT_FHIR_JSON "application/fhir+json; charset=utf-8"

/* True for /fhir and paths below it. */
bool fg_negotiate_is_fhir_path(struct fg_str path);

/* FG_OK when a JSON answer is acceptable; otherwise FG_EFORMAT with
 * req->err filled (406, not-supported, naming _format or Accept).
 * @test tests/unit/gateway/negotiate_test.c */
enum fg_status fg_negotiate_response(struct fg_req *req);

/* FG_OK when the request body (if any) has an acceptable Content-Type;
 * otherwise FG_EFORMAT with req->err set to 415.
 * @test tests/unit/gateway/negotiate_test.c */
enum fg_status fg_negotiate_request_body(struct fg_req *req);

/* Pure helpers, exposed for tests: does an Accept header value / a _format
 * value allow JSON? */
bool fg_negotiate_accept_allows_json(struct fg_str accept);
bool fg_negotiate_format_is_json(struct fg_str format);
/* Is the media type (parameters ignored, case-insensitive) one of the
 * NULL-terminated list? */
bool fg_negotiate_content_type_is(struct fg_str content_type, const char *const *types);

#endif
