/* st_http.h - the HTTP client of the conformance self-test (`fhirgate
 * conformance`): GET and POST against a FHIR base with an optional bearer
 * token, one keep-alive connection, bodies parsed as JSON.
 * The self-test talks to servers we did not write: every failure is a
 * result (status 0 with the transport error), never fatal.
 * Spec: http://hl7.org/fhir/R4/http.html
 */
#ifndef FG_ST_HTTP_H
#define FG_ST_HTTP_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fg_status.h"

struct st_http;

struct st_response {
    long status;        /* HTTP status; 0 when the request did not complete */
    cJSON *json;        /* the body parsed, or NULL; owned by the response */
    char error[160];    /* transport error or "" */
    int64_t micros;     /* wall time of the exchange */
};

/* A client for base ("https://host/fhir", no trailing slash needed);
 * token may be NULL. Borrows both (they must outlive the client).
 * insecure: do not verify the server's TLS certificate (test servers only).
 * FG_ENOMEM or FG_EIO (libcurl could not start). */
enum fg_status st_http_new(const char *base, const char *token, bool insecure,
                           struct st_http **out);
void st_http_free(struct st_http **h);

/* GET base + "/" + path_query (or an absolute URL on the same server, as
 * paging links are). Fills *resp (release with st_response_clear). */
void st_http_get(struct st_http *h, const char *path_or_url, struct st_response *resp);

/* POST base + "/" + path with a body of content_type. */
void st_http_post(struct st_http *h, const char *path, const char *content_type,
                  const char *body, struct st_response *resp);

void st_response_clear(struct st_response *resp);

/* Percent-encodes s for a query value into out (cap bytes, NUL-terminated);
 * false when it does not fit. */
bool st_http_encode(const char *s, char *out, size_t cap);

#endif
