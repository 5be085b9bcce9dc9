/* outcome.c - OperationOutcome JSON writer.
 * http://hl7.org/fhir/R4/operationoutcome.html */
#include "outcome.h"

#include <string.h>


/* Diagnostics may quote client bytes: JSON text must stay valid UTF-8, so
 * each invalid byte becomes U+FFFD. */
static enum fg_status append_text(struct fg_buf *out, struct fg_str s)
{
    struct fg_buf clean;
    fg_buf_init(&clean, s.len * 3 + 1);
    enum fg_status st = FG_OK;
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; st == FG_OK && i < s.len;) {
        size_t n = fg_utf8_seq_len(p + i, s.len - i);
        if (n == 0) {
            st = fg_buf_append(&clean, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            st = fg_buf_append(&clean, p + i, n);
            i += n;
        }
    }
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_buf_str(&clean));
    fg_buf_cleanup(&clean);
    return st;
}

static enum fg_status write_issue(struct fg_buf *out, const char *severity, const char *code,
                                  struct fg_str diagnostics, struct fg_str expression)
{
    enum fg_status st = fg_buf_append_c(out, "{\"resourceType\":\"OperationOutcome\","
                                             "\"issue\":[{\"severity\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_str_c(severity));
    if (st == FG_OK)
        st = fg_buf_append_c(out, ",\"code\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_str_c(code));
    if (st == FG_OK && diagnostics.len) {
        st = fg_buf_append_c(out, ",\"diagnostics\":");
        if (st == FG_OK)
            st = append_text(out, diagnostics);
    }
    if (st == FG_OK && expression.len) {
        st = fg_buf_append_c(out, ",\"expression\":[");
        if (st == FG_OK)
            st = append_text(out, expression);
        if (st == FG_OK)
            st = fg_buf_append_char(out, ']');
    }
    if (st == FG_OK)
        st = fg_buf_append_c(out, "}]}");
    return st;
}

enum fg_status fhir_outcome_write_error(const struct fg_error *err, struct fg_buf *out)
{
    struct fg_str diag = fg_str_n(err->diagnostics, strnlen(err->diagnostics,
                                                             sizeof err->diagnostics));
    struct fg_str expr = fg_str_n(err->expression, strnlen(err->expression,
                                                            sizeof err->expression));
    return write_issue(out, "error", fg_error_issue_code(err), diag, expr);
}

enum fg_status fhir_outcome_write_info(struct fg_str diagnostics, struct fg_buf *out)
{
    return write_issue(out, "information", "informational", diagnostics, FG_STR_NULL);
}
