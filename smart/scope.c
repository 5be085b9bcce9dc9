/* scope.c - SMART App Launch 2.2 scope sets (scopes-and-launch-context.html).
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 * https://www.rfc-editor.org/rfc/rfc6749#section-3.3 */
#include "scope.h"

#include <string.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"

static const struct {
    const char *name;
    enum smart_scope_kind kind;
} specials[] = {
    {"openid", SMART_SCOPE_OPENID},
    {"fhirUser", SMART_SCOPE_FHIRUSER},
    {"profile", SMART_SCOPE_PROFILE},
    {"launch", SMART_SCOPE_LAUNCH},
    {"launch/patient", SMART_SCOPE_LAUNCH_PATIENT},
    {"launch/encounter", SMART_SCOPE_LAUNCH_ENCOUNTER},
    {"offline_access", SMART_SCOPE_OFFLINE_ACCESS},
    {"online_access", SMART_SCOPE_ONLINE_ACCESS},
};

static const char *const context_names[] = {"patient", "user", "system"};
static const char perm_letters[] = "cruds";

/* ---- storage ---------------------------------------------------------- */

void smart_scopes_init(struct smart_scopes *s)
{
    s->items = NULL;
    s->n = s->cap = 0;
}

static void scope_free(struct smart_scope *sc)
{
    fg_free(sc->type);
    fg_free(sc->text);
    for (size_t i = 0; i < sc->n_params; i++) {
        fg_free(sc->params[i].name);
        fg_free(sc->params[i].value);
    }
    fg_free(sc->params);
    memset(sc, 0, sizeof *sc);
}

void smart_scopes_cleanup(struct smart_scopes *s)
{
    for (size_t i = 0; i < s->n; i++)
        scope_free(&s->items[i]);
    fg_free(s->items);
    smart_scopes_init(s);
}

static bool cstr_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool param_in(const struct smart_scope_param *p, const struct smart_scope *sc)
{
    for (size_t i = 0; i < sc->n_params; i++)
        if (cstr_eq(p->name, sc->params[i].name) && cstr_eq(p->value, sc->params[i].value))
            return true;
    return false;
}

/* Every condition of a is also a condition of b (b is at least as narrow). */
static bool params_subset(const struct smart_scope *a, const struct smart_scope *b)
{
    for (size_t i = 0; i < a->n_params; i++)
        if (!param_in(&a->params[i], b))
            return false;
    return true;
}

static bool scope_equal(const struct smart_scope *a, const struct smart_scope *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == SMART_SCOPE_UNKNOWN)
        return cstr_eq(a->text, b->text);
    if (a->kind != SMART_SCOPE_RESOURCE)
        return true;
    return a->context == b->context && cstr_eq(a->type, b->type) && a->perms == b->perms &&
           a->v1 == b->v1 && a->n_params == b->n_params && params_subset(a, b) &&
           params_subset(b, a);
}

static bool scopes_contain(const struct smart_scopes *s, const struct smart_scope *sc)
{
    for (size_t i = 0; i < s->n; i++)
        if (scope_equal(&s->items[i], sc))
            return true;
    return false;
}

/* Appends sc, taking ownership of its members (also on failure). */
static enum fg_status push_owned(struct smart_scopes *s, struct smart_scope *sc)
{
    if (scopes_contain(s, sc)) {
        scope_free(sc);
        return FG_OK;
    }
    if (s->n >= SMART_MAX_SCOPES) {
        scope_free(sc);
        return FG_ETOOBIG;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct smart_scope *p = fg_realloc(s->items, cap * sizeof *p);
        if (!p) {
            scope_free(sc);
            return FG_ENOMEM;
        }
        s->items = p;
        s->cap = cap;
    }
    s->items[s->n++] = *sc;
    memset(sc, 0, sizeof *sc);
    return FG_OK;
}

/* Deep copy of src with an optional different type, perms and params
 * source; caller owns *dst (scope_free). */
static enum fg_status scope_copy(struct smart_scope *dst, const struct smart_scope *src,
                                 const char *type, unsigned perms, const struct smart_scope *psrc)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    dst->context = src->context;
    dst->perms = perms;
    dst->v1 = src->v1;
    if (src->text && !(dst->text = fg_strdup(src->text)))
        goto fail;
    if (type && !(dst->type = fg_strdup(type)))
        goto fail;
    if (psrc && psrc->n_params) {
        dst->params = fg_calloc(psrc->n_params, sizeof *dst->params);
        if (!dst->params)
            goto fail;
        for (size_t i = 0; i < psrc->n_params; i++) {
            dst->params[i].name = fg_strdup(psrc->params[i].name);
            dst->params[i].value = fg_strdup(psrc->params[i].value);
            dst->n_params = i + 1;
            if (!dst->params[i].name || !dst->params[i].value)
                goto fail;
        }
    }
    return FG_OK;
fail:
    scope_free(dst);
    return FG_ENOMEM;
}

enum fg_status smart_scopes_add(struct smart_scopes *s, const struct smart_scope *src)
{
    struct smart_scope copy;
    enum fg_status st = scope_copy(&copy, src, src->type, src->perms, src);
    if (st != FG_OK)
        return st;
    return push_owned(s, &copy);
}

bool smart_scopes_has(const struct smart_scopes *s, enum smart_scope_kind kind)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == kind)
            return true;
    return false;
}

/* ---- parsing ---------------------------------------------------------- */

/* RFC 6749 §3.3 scope-token characters. */
static bool token_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool type_valid(struct fg_str t)
{
    if (t.len == 1 && t.ptr[0] == '*')
        return true;
    if (t.len == 0 || t.len > SMART_MAX_TYPE_LEN || !(t.ptr[0] >= 'A' && t.ptr[0] <= 'Z'))
        return false;
    for (size_t i = 1; i < t.len; i++)
        if (!is_alpha((unsigned char)t.ptr[i]))
            return false;
    return true;
}

static bool param_name_valid(struct fg_str n)
{
    if (n.len == 0 || n.len > 64 || !(is_alpha((unsigned char)n.ptr[0]) || n.ptr[0] == '_'))
        return false;
    for (size_t i = 1; i < n.len; i++) {
        unsigned char c = (unsigned char)n.ptr[i];
        if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != ':' && c != '.')
            return false;
    }
    return true;
}

/* Parses ".read" / ".write" / ".*" / ordered "cruds" letters. 0 = invalid. */
static unsigned parse_perms(struct fg_str p, bool *v1)
{
    *v1 = true;
    if (fg_str_eq_c(p, "read"))
        return SMART_PERM_R | SMART_PERM_S;
    if (fg_str_eq_c(p, "write"))
        return SMART_PERM_C | SMART_PERM_U | SMART_PERM_D;
    if (fg_str_eq_c(p, "*"))
        return SMART_PERM_ALL;
    *v1 = false;
    unsigned bits = 0;
    size_t next = 0; /* letters must come in "cruds" order, each once */
    for (size_t i = 0; i < p.len; i++) {
        const char *at = memchr(perm_letters + next, p.ptr[i], 5 - next);
        if (!at)
            return 0;
        size_t k = (size_t)(at - perm_letters);
        bits |= 1u << k;
        next = k + 1;
    }
    return bits;
}

static enum fg_status parse_query(struct fg_str q, struct smart_scope *sc)
{
    struct fg_str rest = q, pair, name, value;
    size_t count = 1;
    for (size_t i = 0; i < q.len; i++)
        count += q.ptr[i] == '&';
    if (count > SMART_MAX_SCOPE_PARAMS)
        return FG_EINVAL;
    sc->params = fg_calloc(count, sizeof *sc->params);
    if (!sc->params)
        return FG_ENOMEM;
    while (sc->n_params < count) {
        fg_str_split(rest, '&', &pair, &rest);
        if (!fg_str_split(pair, '=', &name, &value) || !param_name_valid(name) || value.len == 0)
            return FG_EINVAL;
        struct smart_scope_param *p = &sc->params[sc->n_params++];
        if (!(p->name = fg_strndup(name.ptr, name.len)) ||
            !(p->value = fg_malloc(value.len + 1)))
            return FG_ENOMEM;
        size_t n = 0;
        if (fg_url_decode(value, false, p->value, &n) != FG_OK || n == 0 ||
            memchr(p->value, '\0', n))
            return FG_EINVAL;
        p->value[n] = '\0';
    }
    return FG_OK;
}

/* "word/Upper..." with a dot: meant as a resource scope but the context is wrong. */
static bool looks_like_resource_scope(struct fg_str tok)
{
    struct fg_str ctx, rest;
    if (!fg_str_split(tok, '/', &ctx, &rest) || ctx.len == 0 || rest.len == 0)
        return false;
    for (size_t i = 0; i < ctx.len; i++)
        if (!is_alpha((unsigned char)ctx.ptr[i]))
            return false;
    if (!(rest.ptr[0] == '*' || (rest.ptr[0] >= 'A' && rest.ptr[0] <= 'Z')))
        return false;
    return memchr(rest.ptr, '.', rest.len) != NULL;
}

static enum fg_status parse_resource(struct fg_str tok, enum smart_context ctx, struct fg_str rest,
                                     struct smart_scope *sc, struct fg_error *err)
{
    struct fg_str main_part, query, type, perms;
    bool has_query = fg_str_split(rest, '?', &main_part, &query);
    sc->kind = SMART_SCOPE_RESOURCE;
    sc->context = ctx;
    if (!fg_str_split(main_part, '.', &type, &perms) || !type_valid(type))
        return fg_error_set(err, FG_EINVAL, "scope", "scope \"%.*s\": bad resource type",
                            (int)tok.len, tok.ptr);
    sc->perms = parse_perms(perms, &sc->v1);
    if (perms.len == 0 || sc->perms == 0)
        return fg_error_set(err, FG_EINVAL, "scope",
                            "scope \"%.*s\": permissions must be read, write, * or letters of "
                            "cruds in that order",
                            (int)tok.len, tok.ptr);
    if (!(sc->type = fg_strndup(type.ptr, type.len)))
        return FG_ENOMEM;
    if (has_query) {
        enum fg_status st = parse_query(query, sc);
        if (st == FG_EINVAL)
            return fg_error_set(err, FG_EINVAL, "scope", "scope \"%.*s\": bad query",
                                (int)tok.len, tok.ptr);
        return st;
    }
    return FG_OK;
}

static enum fg_status parse_token(struct fg_str tok, struct smart_scope *sc, struct fg_error *err)
{
    memset(sc, 0, sizeof *sc);
    for (size_t i = 0; i < tok.len; i++)
        if (!token_char((unsigned char)tok.ptr[i]))
            return fg_error_set(err, FG_EINVAL, "scope", "scope contains a forbidden character");
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (fg_str_eq_c(tok, specials[i].name)) {
            sc->kind = specials[i].kind;
            return FG_OK;
        }
    for (size_t c = 0; c < 3; c++) {
        struct fg_str ctx, rest;
        fg_str_split(tok, '/', &ctx, &rest);
        if (fg_str_eq_c(ctx, context_names[c]) && ctx.len < tok.len)
            return parse_resource(tok, (enum smart_context)c, rest, sc, err);
    }
    if (looks_like_resource_scope(tok) && !fg_str_starts_with(tok, "launch/"))
        return fg_error_set(err, FG_EINVAL, "scope",
                            "scope \"%.*s\": context must be patient, user or system",
                            (int)tok.len, tok.ptr);
    sc->kind = SMART_SCOPE_UNKNOWN;
    if (!(sc->text = fg_strndup(tok.ptr, tok.len)))
        return FG_ENOMEM;
    return FG_OK;
}

enum fg_status smart_scopes_parse(struct fg_str text, struct smart_scopes *s, struct fg_error *err)
{
    enum fg_status st = FG_OK;
    if (text.len > FG_MAX_SCOPE_BYTES)
        return fg_error_set(err, FG_ETOOBIG, "scope", "scope is longer than %u bytes",
                            (unsigned)FG_MAX_SCOPE_BYTES);
    size_t i = 0;
    while (i < text.len) {
        if (text.ptr[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < text.len && text.ptr[i] != ' ')
            i++;
        struct smart_scope sc;
        st = parse_token(fg_str_n(text.ptr + start, i - start), &sc, err);
        if (st != FG_OK) {
            scope_free(&sc);
            if (st == FG_ENOMEM)
                fg_error_set(err, FG_ENOMEM, "scope", "out of memory parsing scope");
            goto out;
        }
        st = push_owned(s, &sc);
        if (st != FG_OK) {
            fg_error_set(err, st, "scope", "too many scopes");
            goto out;
        }
    }
out:
    if (st != FG_OK)
        smart_scopes_cleanup(s);
    return st;
}

/* ---- writing ---------------------------------------------------------- */

static bool value_byte_plain(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '%' && c != '&' && c != '"' && c != '\\' && c != '#';
}

static enum fg_status write_value(struct fg_buf *out, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    enum fg_status st = FG_OK;
    for (const unsigned char *p = (const unsigned char *)v; *p && st == FG_OK; p++) {
        if (value_byte_plain(*p)) {
            st = fg_buf_append_char(out, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            st = fg_buf_append(out, e, 3);
        }
    }
    return st;
}

static enum fg_status write_perms(struct fg_buf *out, const struct smart_scope *sc)
{
    if (sc->v1) {
        if (sc->perms == (SMART_PERM_R | SMART_PERM_S))
            return fg_buf_append_c(out, "read");
        if (sc->perms == (SMART_PERM_C | SMART_PERM_U | SMART_PERM_D))
            return fg_buf_append_c(out, "write");
        if (sc->perms == SMART_PERM_ALL)
            return fg_buf_append_c(out, "*");
    }
    enum fg_status st = FG_OK;
    for (unsigned k = 0; k < 5 && st == FG_OK; k++)
        if (sc->perms & (1u << k))
            st = fg_buf_append_char(out, perm_letters[k]);
    return st;
}

static const char *special_name(enum smart_scope_kind kind)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (specials[i].kind == kind)
            return specials[i].name;
    return "";
}

static enum fg_status write_one(struct fg_buf *out, const struct smart_scope *sc)
{
    if (sc->kind == SMART_SCOPE_UNKNOWN)
        return fg_buf_append_c(out, sc->text);
    if (sc->kind != SMART_SCOPE_RESOURCE)
        return fg_buf_append_c(out, special_name(sc->kind));
    enum fg_status st = fg_buf_printf(out, "%s/%s.", context_names[sc->context], sc->type);
    if (st == FG_OK)
        st = write_perms(out, sc);
    for (size_t i = 0; i < sc->n_params && st == FG_OK; i++) {
        st = fg_buf_append_char(out, i == 0 ? '?' : '&');
        if (st == FG_OK)
            st = fg_buf_printf(out, "%s=", sc->params[i].name);
        if (st == FG_OK)
            st = write_value(out, sc->params[i].value);
    }
    return st;
}

enum fg_status smart_scopes_write(const struct smart_scopes *s, struct fg_buf *out)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < s->n && st == FG_OK; i++) {
        if (i > 0)
            st = fg_buf_append_char(out, ' ');
        if (st == FG_OK)
            st = write_one(out, &s->items[i]);
    }
    return st;
}

/* ---- checks ----------------------------------------------------------- */

unsigned smart_perm_bit(char interaction)
{
    const char *at = interaction ? memchr(perm_letters, interaction, 5) : NULL;
    return at ? 1u << (at - perm_letters) : 0;
}

static bool type_covers(const char *scope_type, struct fg_str type)
{
    return strcmp(scope_type, "*") == 0 || fg_str_eq_c(type, scope_type);
}

bool smart_scopes_allows(const struct smart_scopes *s, enum smart_context ctx, struct fg_str type,
                         char interaction)
{
    unsigned bit = smart_perm_bit(interaction);
    if (!bit || type.len == 0)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        const struct smart_scope *sc = &s->items[i];
        if (sc->kind == SMART_SCOPE_RESOURCE && sc->context == ctx && (sc->perms & bit) &&
            type_covers(sc->type, type))
            return true;
    }
    return false;
}

enum fg_status smart_scopes_filters_for(const struct smart_scopes *s, enum smart_context ctx,
                                        struct fg_str type, char interaction,
                                        struct smart_scope_filters *out)
{
    unsigned bit = smart_perm_bit(interaction);
    out->unrestricted = false;
    out->n = 0;
    bool any = false;
    for (size_t i = 0; i < s->n && bit && type.len; i++) {
        const struct smart_scope *sc = &s->items[i];
        if (sc->kind != SMART_SCOPE_RESOURCE || sc->context != ctx || !(sc->perms & bit) ||
            !type_covers(sc->type, type))
            continue;
        any = true;
        if (sc->n_params == 0) {
            out->unrestricted = true;
            out->n = 0;
            return FG_OK;
        }
        if (out->n == SMART_MAX_SCOPE_FILTERS)
            return FG_ETOOBIG;
        out->scopes[out->n++] = sc;
    }
    return any ? FG_OK : FG_EFORBIDDEN;
}

/* What requested resource scope r keeps under allowed scope a (0 perms = nothing). */
static enum fg_status intersect_resource(const struct smart_scope *r, const struct smart_scope *a,
                                         struct smart_scopes *out)
{
    if (a->kind != SMART_SCOPE_RESOURCE || a->context != r->context)
        return FG_OK;
    const char *type;
    if (strcmp(r->type, a->type) == 0 || strcmp(a->type, "*") == 0)
        type = r->type;
    else if (strcmp(r->type, "*") == 0)
        type = a->type;
    else
        return FG_OK;
    unsigned perms = r->perms & a->perms;
    if (!perms)
        return FG_OK;
    const struct smart_scope *psrc;
    if (params_subset(a, r))
        psrc = r; /* the request is at least as narrow as what is allowed */
    else if (params_subset(r, a))
        psrc = a;
    else
        return FG_OK;
    struct smart_scope sc;
    enum fg_status st = scope_copy(&sc, r, type, perms, psrc);
    if (st != FG_OK)
        return st;
    return push_owned(out, &sc);
}

enum fg_status smart_scopes_intersect(const struct smart_scopes *requested,
                                      const struct smart_scopes *allowed, struct smart_scopes *out)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; i < requested->n && st == FG_OK; i++) {
        const struct smart_scope *r = &requested->items[i];
        if (r->kind == SMART_SCOPE_UNKNOWN)
            continue;
        if (r->kind != SMART_SCOPE_RESOURCE) {
            if (smart_scopes_has(allowed, r->kind))
                st = smart_scopes_add(out, r);
            continue;
        }
        for (size_t k = 0; k < allowed->n && st == FG_OK; k++)
            st = intersect_resource(r, &allowed->items[k], out);
    }
    if (st != FG_OK)
        smart_scopes_cleanup(out);
    return st;
}

static bool resource_covered(const struct smart_scope *n, const struct smart_scopes *wider)
{
    unsigned have = 0;
    for (size_t i = 0; i < wider->n; i++) {
        const struct smart_scope *w = &wider->items[i];
        if (w->kind != SMART_SCOPE_RESOURCE || w->context != n->context)
            continue;
        if (strcmp(w->type, "*") != 0 && strcmp(w->type, n->type) != 0)
            continue;
        if (params_subset(w, n))
            have |= w->perms;
    }
    return (n->perms & ~have) == 0;
}

bool smart_scopes_is_subset(const struct smart_scopes *narrower, const struct smart_scopes *wider)
{
    for (size_t i = 0; i < narrower->n; i++) {
        const struct smart_scope *n = &narrower->items[i];
        bool ok;
        if (n->kind == SMART_SCOPE_RESOURCE)
            ok = resource_covered(n, wider);
        else if (n->kind == SMART_SCOPE_UNKNOWN)
            ok = scopes_contain(wider, n);
        else
            ok = smart_scopes_has(wider, n->kind);
        if (!ok)
            return false;
    }
    return true;
}
