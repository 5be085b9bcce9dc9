/* history.c - history page keys; see history.h. */
#include "history.h"

#include <inttypes.h>

#include "searchparam.h"

/* The next '~'-separated field of *rest. */
static bool field(struct fg_str *rest, struct fg_str *out)
{
    struct fg_str tail;
    if (!rest->len)
        return false;
    if (fg_str_split(*rest, '~', out, &tail)) {
        *rest = tail;
    } else {
        *out = *rest;
        *rest = FG_STR_NULL;
    }
    return true;
}

enum fg_status fhir_history_key_parse(struct fg_str text, struct fhir_history_key *out,
                                      struct fg_error *err)
{
    struct fg_str rest, lu, ver, type, id;
    struct fhir_history_key k = {0};
    bool ok = text.len > 1 && (text.ptr[0] == 'n' || text.ptr[0] == 'p');
    if (ok) {
        k.backward = text.ptr[0] == 'p';
        rest = fg_str_n(text.ptr + 1, text.len - 1);
        ok = field(&rest, &lu) && field(&rest, &ver) && field(&rest, &type) &&
             field(&rest, &id) && rest.len == 0;
    }
    ok = ok && fg_parse_i64(lu, 0, INT64_MAX, &k.last_updated_us) == FG_OK &&
         fg_parse_i64(ver, 1, INT64_MAX, &k.version) == FG_OK &&
         fhir_resource_type_known(type) && fg_is_fhir_id(id);
    if (!ok)
        return fg_error_set(err, FG_EINVAL, "_page",
                            "_page is not a page of this history (use the Bundle's links)");
    k.type = type;
    k.id = id;
    *out = k;
    return FG_OK;
}

enum fg_status fhir_history_key_write(const struct fhir_history_key *k, struct fg_buf *out)
{
    return fg_buf_printf(out, "%c%" PRId64 "~%" PRId64 "~%.*s~%.*s", k->backward ? 'p' : 'n',
                         k->last_updated_us, k->version, (int)k->type.len, k->type.ptr,
                         (int)k->id.len, k->id.ptr);
}
