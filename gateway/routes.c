/* routes.c - PLACEHOLDER REST route table for the server's own tests.
 *
 * The real table (every FHIR interaction) comes from branch h-rest and
 * replaces this file whole at merge. These two echo routes only let the
 * server core be tested: routing, {type}/{id} capture, 405, 415, bodies.
 */
#include "router.h"

#include "negotiate.h"

static enum fg_status echo(struct fg_req *req)
{
    const char *body = fg_pool_printf(
        req->pool,
        "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"information\","
        "\"code\":\"informational\",\"diagnostics\":\"%.*s %.*s body=%zu\"}]}",
        (int)req->route_type.len, req->route_type.ptr ? req->route_type.ptr : "",
        (int)req->route_id.len, req->route_id.ptr ? req->route_id.ptr : "", req->body.len);
    if (!body)
        return fg_error_set(&req->err, FG_ENOMEM, NULL, "out of memory");
    fg_resp_set(req, 200, FG_CT_FHIR_JSON, fg_str_c(body));
    return FG_OK;
}

const struct fg_route fg_routes[] = {
    {FG_GET, "/fhir/{type}/{id}", echo},
    {FG_POST, "/fhir/{type}", echo},
};
const size_t fg_routes_count = sizeof fg_routes / sizeof fg_routes[0];
