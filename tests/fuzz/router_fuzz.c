/* router_fuzz.c - libFuzzer target for the URL pattern matcher.
 *
 * The input is a decoded request path; the first byte picks the method.
 * Invariants: a match's captures lie inside the path, {type} is a known
 * resource type, {id}/{vid} are FHIR ids, {op} follows a '$'; no match
 * never leaves captures behind.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fhir/searchparam.h"
#include "gateway/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum fg_status h(struct fg_req *req)
{
    (void)req;
    return FG_OK;
}

static const struct fg_route table[] = {
    {FG_GET, "/fhir/metadata", h},
    {FG_GET, "/fhir/{type}/{id}/_history/{vid}", h},
    {FG_GET, "/fhir/{type}/{id}/_history", h},
    {FG_POST, "/fhir/{type}/_search", h},
    {FG_GET, "/fhir/{type}/{id}/{op}", h},
    {FG_GET, "/fhir/{type}/{id}", h},
    {FG_PUT, "/fhir/{type}/{id}", h},
    {FG_POST, "/fhir/{type}", h},
    {FG_POST, "/fhir", h},
};

static void inside(struct fg_str part, struct fg_str whole)
{
    if (part.len == 0)
        return;
    assert(part.ptr >= whole.ptr && part.ptr + part.len <= whole.ptr + whole.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct fg_req req;
    memset(&req, 0, sizeof req);
    req.method = (enum fg_method)(data[0] % (FG_METHOD_OTHER + 1));
    req.path = fg_str_n((const char *)data + 1, size - 1);
    fg_handler handler = NULL;
    enum fg_route_match m =
        fg_router_match(table, sizeof table / sizeof table[0], &req, &handler);
    if (m != FG_ROUTE_FOUND) {
        assert(handler == NULL);
        assert(req.route_type.len == 0 && req.route_id.len == 0);
        return 0;
    }
    assert(handler == h);
    inside(req.route_type, req.path);
    inside(req.route_id, req.path);
    inside(req.route_vid, req.path);
    inside(req.route_op, req.path);
    if (req.route_type.len)
        assert(fhir_resource_type_known(req.route_type));
    if (req.route_id.len)
        assert(fg_is_fhir_id(req.route_id));
    if (req.route_vid.len)
        assert(fg_is_fhir_id(req.route_vid));
    if (req.route_op.len)
        assert(req.route_op.ptr[-1] == '$');
    return 0;
}
