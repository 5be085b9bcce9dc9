/* jsonpatch.c - JSON Patch (RFC 6902) over cJSON; see jsonpatch.h.
 * https://www.rfc-editor.org/rfc/rfc6902 , https://www.rfc-editor.org/rfc/rfc6901 */
#include "jsonpatch.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_limits.h"

/* What a pointer names: the container holding it and its place there. */
struct loc {
    cJSON *parent;   /* NULL: the whole document */
    const char *key; /* parent is an object: the member name (unescaped) */
    int index;       /* parent is an array: the position (== size for "-") */
    cJSON *target;   /* the value there, NULL when absent */
};

struct patch_ctx {
    struct fg_pool *pool;
    cJSON **doc;
    size_t op;        /* index of the operation, for messages */
    size_t nodes;     /* values in the document, capped (copy can double it) */
    struct fg_error *err;
};

static enum fg_status fail(struct patch_ctx *x, enum fg_status st, const char *member,
                           const char *why, const char *ptr)
{
    char expr[48];
    int n = snprintf(expr, sizeof expr, "/%zu%s%s", x->op, member ? "/" : "", member ? member : "");
    if (n < 0 || (size_t)n >= sizeof expr)
        expr[0] = '\0';
    return fg_error_set(x->err, st, expr, "JSON Patch operation %zu: %s%s%.200s%s", x->op, why,
                        ptr ? " (\"" : "", ptr ? ptr : "", ptr ? "\")" : "");
}

static size_t count_nodes(const cJSON *v)
{
    size_t n = 1;
    for (const cJSON *c = v->child; c; c = c->next)
        n += count_nodes(c);
    return n;
}

/* The next reference token of *p (after its '/'), unescaped into the pool. */
static enum fg_status next_token(struct patch_ctx *x, const char **p, const char *member,
                                 const char *ptr, char **out)
{
    const char *s = *p + 1, *end = strchr(s, '/');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    char *t = fg_pool_alloc(x->pool, len + 1);
    if (!t)
        return fg_error_set(x->err, FG_ENOMEM, NULL, "Out of memory");
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '~') {
            t[k++] = s[i];
        } else if (i + 1 < len && (s[i + 1] == '0' || s[i + 1] == '1')) {
            t[k++] = s[++i] == '0' ? '~' : '/';
        } else {
            return fail(x, FG_EINVAL, member, "'~' must be followed by 0 or 1 in", ptr);
        }
    }
    t[k] = '\0';
    *out = t;
    *p = s + len;
    return FG_OK;
}

/* An array index token: -1 when not a valid index within [0, size]
 * ("-" is size). */
static int array_index(const char *t, int size)
{
    if (strcmp(t, "-") == 0)
        return size;
    size_t len = strlen(t);
    if (!len || len > 9 || (len > 1 && t[0] == '0'))
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v <= size ? v : -1;
}

static enum fg_status locate(struct patch_ctx *x, const char *ptr, const char *member,
                             struct loc *l)
{
    memset(l, 0, sizeof *l);
    l->target = *x->doc;
    if (!*ptr)
        return FG_OK;
    if (*ptr != '/')
        return fail(x, FG_EINVAL, member, "a JSON Pointer must be empty or start with '/':",
                    ptr);
    const char *p = ptr;
    while (*p) {
        cJSON *cur = l->target;
        char *tok = NULL;
        enum fg_status st = next_token(x, &p, member, ptr, &tok);
        if (st != FG_OK)
            return st;
        if (!cur)
            return fail(x, FG_EUNPROC, member, "the path names nothing:", ptr);
        l->parent = cur;
        if (cJSON_IsObject(cur)) {
            l->key = tok;
            l->target = cJSON_GetObjectItemCaseSensitive(cur, tok);
        } else if (cJSON_IsArray(cur)) {
            int size = cJSON_GetArraySize(cur);
            l->index = array_index(tok, size);
            if (l->index < 0)
                return fail(x, FG_EUNPROC, member, "no such array index in", ptr);
            l->target = l->index < size ? cJSON_GetArrayItem(cur, l->index) : NULL;
        } else {
            return fail(x, FG_EUNPROC, member, "the path goes through a value that is neither "
                                               "an object nor an array:", ptr);
        }
    }
    return FG_OK;
}

/* Inserts v before position index of arr. Not cJSON_InsertItemInArray:
 * Debian's cJSON 1.7.15 refuses inserts there; the items from index on
 * are moved aside and appended back after v instead. */
static bool insert_at(cJSON *arr, int index, cJSON *v)
{
    cJSON *tail = cJSON_CreateArray();
    if (!tail)
        return false;
    for (int i = cJSON_GetArraySize(arr); i > index; i--)
        cJSON_AddItemToArray(tail, cJSON_DetachItemFromArray(arr, index));
    cJSON_AddItemToArray(arr, v);
    while (tail->child)
        cJSON_AddItemToArray(arr, cJSON_DetachItemFromArray(tail, 0));
    cJSON_Delete(tail);
    return true;
}

/* Puts v (owned; freed on failure) where l points: add semantics, or
 * with replace, in place of the array item there (add would insert
 * before it). */
static enum fg_status put(struct patch_ctx *x, const struct loc *l, cJSON *v, bool replace)
{
    size_t n = count_nodes(v);
    if (n > FG_MAX_PATCH_NODES - x->nodes) {
        cJSON_Delete(v);
        return fail(x, FG_ETOOBIG, NULL, "the patched document grows too large", NULL);
    }
    x->nodes += n;
    bool ok;
    if (!l->parent) {
        cJSON_Delete(*x->doc);
        *x->doc = v;
        return FG_OK;
    }
    if (cJSON_IsObject(l->parent))
        ok = l->target ? cJSON_ReplaceItemInObjectCaseSensitive(l->parent, l->key, v)
                       : cJSON_AddItemToObject(l->parent, l->key, v);
    else if (replace && l->target)
        ok = cJSON_ReplaceItemInArray(l->parent, l->index, v);
    else if (l->index < cJSON_GetArraySize(l->parent))
        ok = insert_at(l->parent, l->index, v);
    else
        ok = cJSON_AddItemToArray(l->parent, v);
    if (!ok) {
        cJSON_Delete(v);
        return fg_error_set(x->err, FG_ENOMEM, NULL, "Out of memory");
    }
    return FG_OK;
}

/* Takes the value at l out of the document (the caller owns it). */
static cJSON *detach(const struct loc *l)
{
    if (cJSON_IsObject(l->parent))
        return cJSON_DetachItemFromObjectCaseSensitive(l->parent, l->key);
    return cJSON_DetachItemFromArray(l->parent, l->index);
}

static const char *member_str(const cJSON *op, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(op, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static enum fg_status op_remove(struct patch_ctx *x, const char *path)
{
    struct loc l;
    enum fg_status st = locate(x, path, "path", &l);
    if (st != FG_OK)
        return st;
    if (!l.target)
        return fail(x, FG_EUNPROC, "path", "nothing to remove at", path);
    if (!l.parent)
        return fail(x, FG_EUNPROC, "path", "the whole document cannot be removed", NULL);
    cJSON_Delete(detach(&l));
    return FG_OK;
}

/* move and copy: the value at from, then add at path. */
static enum fg_status op_move_copy(struct patch_ctx *x, const char *path, const char *from,
                                   bool move)
{
    struct loc src, dst;
    enum fg_status st = locate(x, from, "from", &src);
    if (st != FG_OK)
        return st;
    if (!src.target)
        return fail(x, FG_EUNPROC, "from", "nothing at", from);
    size_t flen = strlen(from);
    if (move && strcmp(path, from) == 0)
        return FG_OK;
    if (move && strncmp(path, from, flen) == 0 && path[flen] == '/')
        return fail(x, FG_EUNPROC, "path", "a value cannot move into its own child:", path);
    if (move && !src.parent)
        return fail(x, FG_EUNPROC, "from", "the whole document cannot be moved", NULL);
    cJSON *v = move ? detach(&src) : cJSON_Duplicate(src.target, true);
    if (!v)
        return fg_error_set(x->err, FG_ENOMEM, NULL, "Out of memory");
    if (move)
        x->nodes -= count_nodes(v) <= x->nodes ? count_nodes(v) : x->nodes;
    st = locate(x, path, "path", &dst);
    if (st != FG_OK) {
        cJSON_Delete(v);
        return st;
    }
    return put(x, &dst, v, false);
}

static enum fg_status op_value(struct patch_ctx *x, const char *op, const char *path,
                               const cJSON *value)
{
    struct loc l;
    enum fg_status st = locate(x, path, "path", &l);
    if (st != FG_OK)
        return st;
    if (strcmp(op, "test") == 0) {
        if (!l.target || !cJSON_Compare(l.target, value, true))
            return fail(x, FG_EUNPROC, "value", "test failed at", path);
        return FG_OK;
    }
    if (strcmp(op, "replace") == 0 && !l.target)
        return fail(x, FG_EUNPROC, "path", "nothing to replace at", path);
    cJSON *v = cJSON_Duplicate(value, true);
    if (!v)
        return fg_error_set(x->err, FG_ENOMEM, NULL, "Out of memory");
    return put(x, &l, v, strcmp(op, "replace") == 0);
}

static enum fg_status apply_op(struct patch_ctx *x, const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return fail(x, FG_EINVAL, NULL, "an operation must be a JSON object", NULL);
    const char *op = member_str(o, "op"), *path = member_str(o, "path");
    if (!op)
        return fail(x, FG_EINVAL, "op", "\"op\" (a string) is required", NULL);
    if (!path)
        return fail(x, FG_EINVAL, "path", "\"path\" (a string) is required", NULL);
    if (strcmp(op, "remove") == 0)
        return op_remove(x, path);
    if (strcmp(op, "move") == 0 || strcmp(op, "copy") == 0) {
        const char *from = member_str(o, "from");
        if (!from)
            return fail(x, FG_EINVAL, "from", "\"from\" (a string) is required", NULL);
        return op_move_copy(x, path, from, op[0] == 'm');
    }
    if (strcmp(op, "add") == 0 || strcmp(op, "replace") == 0 || strcmp(op, "test") == 0) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(o, "value");
        if (!value)
            return fail(x, FG_EINVAL, "value", "\"value\" is required", NULL);
        return op_value(x, op, path, value);
    }
    return fail(x, FG_EINVAL, "op",
                "\"op\" must be add, remove, replace, move, copy or test, not", op);
}

enum fg_status fhir_jsonpatch_apply(struct fg_pool *pool, cJSON **doc, const cJSON *patch,
                                    struct fg_error *err)
{
    struct patch_ctx x = {pool, doc, 0, *doc ? count_nodes(*doc) : 0, err};
    if (!cJSON_IsArray(patch))
        return fg_error_set(err, FG_EINVAL, NULL,
                            "A JSON Patch document must be a JSON array of operations");
    if (cJSON_GetArraySize(patch) > FG_MAX_PATCH_OPS)
        return fg_error_set(err, FG_ETOOBIG, NULL, "A JSON Patch may hold at most %d operations",
                            FG_MAX_PATCH_OPS);
    enum fg_status st = FG_OK;
    for (const cJSON *o = patch->child; o && st == FG_OK; o = o->next, x.op++)
        st = apply_op(&x, o);
    return st;
}
