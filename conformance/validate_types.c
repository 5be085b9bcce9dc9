/* validate_types.c - R4 primitive data types in JSON, required bindings and
 * reference target types.
 * http://hl7.org/fhir/R4/datatypes.html#primitive, http://hl7.org/fhir/R4/json.html#primitive,
 * http://hl7.org/fhir/R4/terminologies.html#required, http://hl7.org/fhir/R4/references.html */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fhir/date.h"
#include "validate_internal.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* hh:mm:ss(.f+)? at s; returns the bytes consumed or 0. */
static size_t time_part(const char *s)
{
    if (!digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' || !digits(s + 6, 2))
        return 0;
    int hh = (s[0] - '0') * 10 + (s[1] - '0');
    int mm = (s[3] - '0') * 10 + (s[4] - '0');
    int ss = (s[6] - '0') * 10 + (s[7] - '0');
    if (hh > 23 || mm > 59 || ss > 60)
        return 0;
    size_t n = 8;
    if (s[n] == '.') {
        size_t f = 0;
        while (is_digit(s[n + 1 + f]))
            f++;
        if (f == 0)
            return 0;
        n += 1 + f;
    }
    return n;
}

/* Z or (+|-)hh:mm with hh:mm <= 14:00; returns bytes consumed or 0. */
static size_t zone_part(const char *s)
{
    if (s[0] == 'Z')
        return 1;
    if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2) || s[3] != ':' || !digits(s + 4, 2))
        return 0;
    int hh = (s[1] - '0') * 10 + (s[2] - '0');
    int mm = (s[4] - '0') * 10 + (s[5] - '0');
    if (mm > 59 || hh > 14 || (hh == 14 && mm != 0))
        return 0;
    return 6;
}

/* YYYY(-MM(-DD)?)? at s; *full set when the day is there. Returns bytes or 0. */
static size_t date_part(const char *s, bool *full)
{
    *full = false;
    if (!digits(s, 4) || (s[0] == '0' && s[1] == '0' && s[2] == '0' && s[3] == '0'))
        return 0;
    if (s[4] != '-')
        return 4;
    if (!digits(s + 5, 2) || is_digit(s[7]))
        return 0;
    if (s[7] != '-')
        return 7;
    if (!digits(s + 8, 2) || is_digit(s[10]))
        return 0;
    *full = true;
    return 10;
}

/* Calendar validity (month 13, Feb 30) is left to the date parser. */
static bool calendar_ok(const char *s)
{
    struct fhir_date_range r;
    return fhir_date_parse(fg_str_c(s), &r) == FG_OK;
}

static const char *check_date(const char *s)
{
    bool full;
    size_t n = date_part(s, &full);
    if (!n || s[n] != '\0' || !calendar_ok(s))
        return "is not a valid date (YYYY, YYYY-MM or YYYY-MM-DD)";
    return NULL;
}

static const char *check_datetime(const char *s, bool instant)
{
    bool full;
    size_t n = date_part(s, &full);
    const char *msg = instant ? "is not a valid instant (YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm))"
                              : "is not a valid dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                                "YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm))";
    if (!n)
        return msg;
    if (s[n] == '\0')
        return instant || !calendar_ok(s) ? msg : NULL;
    if (!full || s[n] != 'T')
        return msg;
    size_t t = time_part(s + n + 1);
    if (!t)
        return msg;
    size_t z = zone_part(s + n + 1 + t);
    if (!z || s[n + 1 + t + z] != '\0' || !calendar_ok(s))
        return msg;
    return NULL;
}

static const char *check_code(const char *s)
{
    /* [^\s]+(\s[^\s]+)* */
    if (!*s || is_space(s[0]))
        return "is not a valid code (no leading, trailing or double whitespace)";
    for (const char *p = s; *p; p++)
        if (is_space(*p) && (p[1] == '\0' || is_space(p[1]) || *p != ' '))
            return "is not a valid code (no leading, trailing or double whitespace)";
    return NULL;
}

static const char *check_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return "is not a valid id (1 to 64 of A-Z a-z 0-9 - .)";
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.'))
            return "is not a valid id (1 to 64 of A-Z a-z 0-9 - .)";
    }
    return NULL;
}

static const char *check_uri(const char *s)
{
    if (!*s)
        return "is not a valid uri (empty)";
    for (const char *p = s; *p; p++)
        if (is_space(*p))
            return "is not a valid uri (whitespace)";
    return NULL;
}

static const char *check_string(const char *s)
{
    /* R4: strings SHALL NOT be empty and hold Unicode text without C0 controls
     * other than tab, CR and LF. */
    if (!*s)
        return "is empty (use no element instead of an empty string)";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n')
            return "contains a control character";
    return NULL;
}

static const char *check_base64(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (is_space(c))
            continue;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
              c == '/' || c == '='))
            return "is not valid base64";
        n++;
    }
    return n % 4 ? "is not valid base64 (length not a multiple of 4)" : NULL;
}

static const char *check_time(const char *s)
{
    size_t n = time_part(s);
    return n && s[n] == '\0' ? NULL : "is not a valid time (hh:mm:ss)";
}

static const char *check_oid(const char *s)
{
    if (strncmp(s, "urn:oid:", 8) != 0 || (s[8] != '0' && s[8] != '1' && s[8] != '2') || s[9] != '.')
        return "is not a valid oid (urn:oid:n.n...)";
    for (const char *p = s + 10; *p; p++)
        if (!is_digit(*p) && !(*p == '.' && is_digit(p[1]) && p[-1] != '.'))
            return "is not a valid oid (urn:oid:n.n...)";
    return s[10] ? NULL : "is not a valid oid (urn:oid:n.n...)";
}

static const char *check_uuid(const char *s)
{
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (strncmp(s, "urn:uuid:", 9) != 0 || strlen(s + 9) != sizeof shape - 1)
        return "is not a valid uuid (urn:uuid:8-4-4-4-12 hex)";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = s[9 + i];
        bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (shape[i] == '-' ? c != '-' : !hex)
            return "is not a valid uuid (urn:uuid:8-4-4-4-12 hex)";
    }
    return NULL;
}

static const char *check_number(const char *type, const cJSON *v)
{
    if (!cJSON_IsNumber(v))
        return "must be a JSON number";
    if (strcmp(type, "decimal") == 0)
        return isfinite(v->valuedouble) ? NULL : "is not a valid decimal";
    double d = v->valuedouble;
    if (d != floor(d) || d < -2147483648.0 || d > 2147483647.0)
        return "is not a valid integer (32-bit, no fraction)";
    if (strcmp(type, "positiveInt") == 0 && d < 1)
        return "is not a valid positiveInt (1 or more)";
    if (strcmp(type, "unsignedInt") == 0 && d < 0)
        return "is not a valid unsignedInt (0 or more)";
    return NULL;
}

struct prim {
    const char *name;
    const char *(*check)(const char *s); /* NULL: numbers and boolean */
};

static const struct prim prims[] = {
    {"base64Binary", check_base64}, {"boolean", NULL},      {"canonical", check_uri},
    {"code", check_code},           {"date", check_date},   {"dateTime", NULL},
    {"decimal", NULL},              {"id", check_id},       {"instant", NULL},
    {"integer", NULL},              {"markdown", check_string}, {"oid", check_oid},
    {"positiveInt", NULL},          {"string", check_string}, {"time", check_time},
    {"unsignedInt", NULL},          {"uri", check_uri},     {"url", check_uri},
    {"uuid", check_uuid},           {"xhtml", check_string},
};

static const struct prim *find_prim(const char *type, size_t len)
{
    /* every primitive's name starts lower-case, every complex type's upper-case */
    if (len == 0 || type[0] < 'a' || type[0] > 'z')
        return NULL;
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (prims[i].name[0] == type[0] && strncmp(prims[i].name, type, len) == 0 &&
            prims[i].name[len] == '\0')
            return &prims[i];
    return NULL;
}

bool fg_vis_primitive(const char *type, size_t type_len)
{
    return find_prim(type, type_len) != NULL;
}

const char *fg_vprimitive_check(const char *type, size_t type_len, const cJSON *value)
{
    const struct prim *p = find_prim(type, type_len);
    if (!p)
        return NULL;
    if (strcmp(p->name, "boolean") == 0)
        return cJSON_IsBool(value) ? NULL : "must be a JSON boolean";
    if (strcmp(p->name, "decimal") == 0 || strcmp(p->name, "integer") == 0 ||
        strcmp(p->name, "positiveInt") == 0 || strcmp(p->name, "unsignedInt") == 0)
        return check_number(p->name, value);
    if (!cJSON_IsString(value))
        return "must be a JSON string";
    if (strcmp(p->name, "dateTime") == 0 || strcmp(p->name, "instant") == 0)
        return check_datetime(value->valuestring, p->name[0] == 'i');
    if (strcmp(p->name, "xhtml") == 0 && strncmp(value->valuestring, "<div", 4) != 0)
        return "is not XHTML starting with a <div> element";
    return p->check(value->valuestring);
}

/* ---- bindings ---------------------------------------------------------------------------- */

static int cmp_code(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

static bool vs_has(const struct fg_vvalueset *vs, const char *system, const char *code)
{
    if (!system) {
        /* a bare code (type code): any system of the value set */
        size_t cl = strlen(code);
        for (size_t i = 0; i < vs->n_codes; i++) {
            const char *bar = strrchr(vs->codes[i], '|');
            if (bar && strlen(bar + 1) == cl && strcmp(bar + 1, code) == 0)
                return true;
        }
        return false;
    }
    char key[600];
    size_t sl = strlen(system), cl = strlen(code);
    if (sl + cl + 2 > sizeof key)
        return false;
    memcpy(key, system, sl);
    key[sl] = '|';
    memcpy(key + sl + 1, code, cl + 1);
    return bsearch(key, vs->codes, vs->n_codes, sizeof vs->codes[0], cmp_code) != NULL;
}

static bool coding_in(const struct fg_vvalueset *vs, const cJSON *coding)
{
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(coding, "system");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(coding, "code");
    return cJSON_IsString(sys) && cJSON_IsString(code) && vs_has(vs, sys->valuestring, code->valuestring);
}

int fg_vvalueset_has(int vs_index, const cJSON *value)
{
    if (vs_index < 0 || (size_t)vs_index >= fg_vvaluesets_len || !fg_vvaluesets[vs_index].enumerable)
        return -1;
    const struct fg_vvalueset *vs = &fg_vvaluesets[vs_index];
    if (cJSON_IsString(value))
        return vs_has(vs, NULL, value->valuestring);
    const cJSON *codings = cJSON_GetObjectItemCaseSensitive(value, "coding");
    if (!codings)
        return coding_in(vs, value);
    const cJSON *c;
    cJSON_ArrayForEach(c, codings) {
        if (coding_in(vs, c))
            return 1;
    }
    return 0;
}

void fg_vcheck_binding(struct fg_vctx *ctx, int vs_index, const char *type, size_t type_len,
                       const cJSON *value)
{
    if (vs_index < 0 || (size_t)vs_index >= fg_vvaluesets_len)
        return;
    const struct fg_vvalueset *vs = &fg_vvaluesets[vs_index];
    if (!vs->enumerable)
        return;
    if (type_len == 6 && strncmp(type, "Coding", 6) == 0) {
        if (!coding_in(vs, value))
            fg_vissue(ctx, FG_VSEV_ERROR, "code-invalid", NULL,
                      "The Coding is not in the required value set %s", vs->url);
        return;
    }
    if (type_len == 15 && strncmp(type, "CodeableConcept", 15) == 0) {
        const cJSON *codings = cJSON_GetObjectItemCaseSensitive(value, "coding");
        const cJSON *c;
        cJSON_ArrayForEach(c, codings) {
            if (coding_in(vs, c))
                return;
        }
        fg_vissue(ctx, FG_VSEV_ERROR, "code-invalid", NULL,
                  "None of the codings is in the required value set %s", vs->url);
        return;
    }
    if (cJSON_IsString(value) && (fg_vis_primitive(type, type_len)) &&
        !vs_has(vs, NULL, value->valuestring))
        fg_vissue(ctx, FG_VSEV_ERROR, "code-invalid", NULL,
                  "The value '%.80s' is not in the required value set %s", value->valuestring, vs->url);
}

/* ---- references ------------------------------------------------------------------------- */

/* The type part of a literal reference: "Patient/1", ".../fhir/Patient/1" or
 * ".../Patient/1/_history/2". false for contained ("#x"), urn:, or no type. */
static bool reference_type(const char *ref, char *type, size_t type_size)
{
    if (ref[0] == '#' || strncmp(ref, "urn:", 4) == 0)
        return false;
    const char *hist = strstr(ref, "/_history/");
    size_t len = hist ? (size_t)(hist - ref) : strlen(ref);
    /* last two segments are Type/id */
    const char *slash = NULL;
    for (size_t i = len; i > 0; i--)
        if (ref[i - 1] == '/') {
            slash = ref + i - 1;
            break;
        }
    if (!slash)
        return false;
    const char *start = slash;
    while (start > ref && start[-1] != '/')
        start--;
    size_t n = (size_t)(slash - start);
    if (n == 0 || n >= type_size || start[0] < 'A' || start[0] > 'Z')
        return false;
    memcpy(type, start, n);
    type[n] = '\0';
    return true;
}

void fg_vcheck_reference_target(struct fg_vctx *ctx, const char *targets, const cJSON *ref)
{
    if (!targets)
        return;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(ref, "reference");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(ref, "type");
    char type[80];
    if (cJSON_IsString(t) && strlen(t->valuestring) < sizeof type) {
        memcpy(type, t->valuestring, strlen(t->valuestring) + 1);
    } else if (!cJSON_IsString(r) || !reference_type(r->valuestring, type, sizeof type)) {
        return;
    }
    if (!fg_vlist_has(targets, type, strlen(type)))
        fg_vissue(ctx, FG_VSEV_ERROR, "structure", "reference",
                  "A reference to a %s is not allowed here (allowed: %s)", type, targets);
}
