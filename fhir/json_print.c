/* json_print.c - compact JSON text of a cJSON tree; contract in json_print.h. */
#include "json_print.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/fg_limits.h"

/* cJSON's own test: equal within the larger value's rounding error. */
static bool same_double(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= m * DBL_EPSILON;
}

/* An integral |d| < 1e15, as %1.15g writes it: its digits ("-0" too). */
static enum fg_status put_integral(struct fg_buf *b, double d)
{
    char digits[24];
    size_t n = 0;
    uint64_t u = (uint64_t)fabs(d);
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (signbit(d))
        digits[sizeof digits - 1 - n++] = '-';
    return fg_buf_append(b, digits + sizeof digits - n, n);
}

static enum fg_status put_number(struct fg_buf *b, const cJSON *item)
{
    double d = item->valuedouble;
    if (isnan(d) || isinf(d))
        return fg_buf_append(b, "null", 4);
    if (fabs(d) < 1e15 && d == floor(d))
        return put_integral(b, d);
    char text[32];
    int n = snprintf(text, sizeof text, "%1.15g", d);
    if (n <= 0 || (size_t)n >= sizeof text)
        return FG_EINVAL;
    if (!same_double(strtod(text, NULL), d)) {
        n = snprintf(text, sizeof text, "%1.17g", d);
        if (n <= 0 || (size_t)n >= sizeof text)
            return FG_EINVAL;
    }
    return fg_buf_append(b, text, (size_t)n);
}

/* One punctuation byte: in place while the buffer has room (the common
 * case), else through fg_buf_append (which grows it or says FG_ETOOBIG). */
static enum fg_status put_byte(struct fg_buf *b, char c)
{
    if (b->data && b->len + 2 <= b->cap && b->len < b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return FG_OK;
    }
    return fg_buf_append(b, &c, 1);
}

static enum fg_status put_string(struct fg_buf *b, const char *s)
{
    return fg_buf_append_json_string(b, fg_str_c(s ? s : ""));
}

static enum fg_status put_value(const cJSON *item, struct fg_buf *b, int depth);

/* The children of an array or object between open and close. */
static enum fg_status put_children(const cJSON *item, struct fg_buf *b, int depth, char open,
                                   char close, bool keys)
{
    if (depth >= FG_MAX_JSON_PRINT_DEPTH)
        return FG_EINVAL;
    enum fg_status st = put_byte(b, open);
    for (const cJSON *c = item->child; c && st == FG_OK; c = c->next) {
        if (c != item->child)
            st = put_byte(b, ',');
        if (keys && st == FG_OK) {
            st = put_string(b, c->string);
            if (st == FG_OK)
                st = put_byte(b, ':');
        }
        if (st == FG_OK)
            st = put_value(c, b, depth + 1);
    }
    return st == FG_OK ? put_byte(b, close) : st;
}

static enum fg_status put_value(const cJSON *item, struct fg_buf *b, int depth)
{
    switch (item->type & 0xFF) {
    case cJSON_NULL: return fg_buf_append(b, "null", 4);
    case cJSON_False: return fg_buf_append(b, "false", 5);
    case cJSON_True: return fg_buf_append(b, "true", 4);
    case cJSON_Number: return put_number(b, item);
    case cJSON_String: return put_string(b, item->valuestring);
    case cJSON_Raw: return item->valuestring ? fg_buf_append_c(b, item->valuestring) : FG_EINVAL;
    case cJSON_Array: return put_children(item, b, depth, '[', ']', false);
    case cJSON_Object: return put_children(item, b, depth, '{', '}', true);
    default: return FG_EINVAL;
    }
}

enum fg_status fhir_json_print(const cJSON *item, struct fg_buf *b)
{
    return item ? put_value(item, b, 0) : FG_EINVAL;
}
