/* fg_error.h - one description of what went wrong, for the OperationOutcome.
 *
 * House style rule 5: the code that understands a failure fills the
 * request's fg_error once (status, FHIR issue code, diagnostic naming the
 * parameter or JSON path); callers only pass the status up.
 * Issue codes: http://hl7.org/fhir/R4/valueset-issue-type.html
 */
#ifndef FG_ERROR_H
#define FG_ERROR_H

#include "fg_status.h"

#define FG_ERROR_DIAG_MAX 512
#define FG_ERROR_EXPR_MAX 256

struct fg_error {
    enum fg_status status;               /* FG_OK when nothing is set */
    int http_status;                     /* 0 = derive from status */
    const char *issue_code;              /* static FHIR issue code; NULL = derive */
    char diagnostics[FG_ERROR_DIAG_MAX]; /* human text; never secrets */
    char expression[FG_ERROR_EXPR_MAX];  /* FHIRPath / parameter at fault, or "" */
};

void fg_error_clear(struct fg_error *err);

/* Fills err (if err->status is FG_OK; the first description wins) and
 * returns st, so callers can write `return fg_error_set(err, FG_EINVAL, ...)`.
 * expression may be NULL. err may be NULL (the status is still returned). */
enum fg_status fg_error_set(struct fg_error *err, enum fg_status st, const char *expression,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Same, with an explicit HTTP status and issue code (e.g. 405 / not-supported). */
enum fg_status fg_error_set_http(struct fg_error *err, enum fg_status st, int http_status,
                                 const char *issue_code, const char *expression,
                                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The HTTP status and FHIR issue code for err (explicit or derived). */
int fg_error_http_status(const struct fg_error *err);
const char *fg_error_issue_code(const struct fg_error *err);

/* Default mapping of a status to HTTP status / issue code. */
int fg_status_http(enum fg_status st);
const char *fg_status_issue_code(enum fg_status st);

#endif
