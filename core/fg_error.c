/* fg_error.c - error descriptions and the status → HTTP/FHIR mapping. */
#include "fg_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http;
    const char *issue;
} status_table[] = {
    [FG_OK] = {"ok", 200, "informational"},
    [FG_ENOMEM] = {"no-memory", 500, "exception"},
    [FG_EINVAL] = {"invalid", 400, "invalid"},
    [FG_ENOTFOUND] = {"not-found", 404, "not-found"},
    [FG_EGONE] = {"deleted", 410, "deleted"},
    [FG_ECONFLICT] = {"conflict", 409, "conflict"},
    [FG_EPRECOND] = {"precondition-failed", 412, "conflict"},
    [FG_ETOOBIG] = {"too-big", 413, "too-costly"},
    [FG_ENOTSUP] = {"not-supported", 400, "not-supported"},
    [FG_EFORMAT] = {"not-acceptable", 406, "not-supported"},
    [FG_EUNPROC] = {"unprocessable", 422, "processing"},
    [FG_EUNAUTH] = {"unauthorized", 401, "login"},
    [FG_EFORBIDDEN] = {"forbidden", 403, "forbidden"},
    [FG_EIO] = {"io", 500, "exception"},
    [FG_EUPSTREAM] = {"upstream", 502, "exception"},
    [FG_ETIMEOUT] = {"timeout", 504, "timeout"},
    [FG_EBUSY] = {"busy", 503, "transient"},
};

static int known(enum fg_status st)
{
    return (unsigned)st < sizeof status_table / sizeof status_table[0];
}

const char *fg_status_name(enum fg_status st)
{
    return known(st) ? status_table[st].name : "unknown";
}

int fg_status_http(enum fg_status st)
{
    return known(st) ? status_table[st].http : 500;
}

const char *fg_status_issue_code(enum fg_status st)
{
    return known(st) ? status_table[st].issue : "exception";
}

void fg_error_clear(struct fg_error *err)
{
    err->status = FG_OK;
    err->http_status = 0;
    err->issue_code = NULL;
    err->diagnostics[0] = '\0';
    err->expression[0] = '\0';
}

static void fill(struct fg_error *err, enum fg_status st, int http, const char *issue,
                 const char *expression, const char *fmt, va_list ap)
{
    err->status = st;
    err->http_status = http;
    err->issue_code = issue;
    /* Truncation of a diagnostic is acceptable: it is text for people. */
    if (vsnprintf(err->diagnostics, sizeof err->diagnostics, fmt, ap) < 0)
        err->diagnostics[0] = '\0';
    err->expression[0] = '\0';
    if (expression) {
        size_t n = strlen(expression);
        if (n >= sizeof err->expression)
            n = sizeof err->expression - 1;
        memcpy(err->expression, expression, n);
        err->expression[n] = '\0';
    }
}

enum fg_status fg_error_set(struct fg_error *err, enum fg_status st, const char *expression,
                            const char *fmt, ...)
{
    if (!err || err->status != FG_OK)
        return st;
    va_list ap;
    va_start(ap, fmt);
    fill(err, st, 0, NULL, expression, fmt, ap);
    va_end(ap);
    return st;
}

enum fg_status fg_error_set_http(struct fg_error *err, enum fg_status st, int http_status,
                                 const char *issue_code, const char *expression,
                                 const char *fmt, ...)
{
    if (!err || err->status != FG_OK)
        return st;
    va_list ap;
    va_start(ap, fmt);
    fill(err, st, http_status, issue_code, expression, fmt, ap);
    va_end(ap);
    return st;
}

int fg_error_http_status(const struct fg_error *err)
{
    return err->http_status ? err->http_status : fg_status_http(err->status);
}

const char *fg_error_issue_code(const struct fg_error *err)
{
    return err->issue_code ? err->issue_code : fg_status_issue_code(err->status);
}
