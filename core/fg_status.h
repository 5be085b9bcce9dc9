/* fg_status.h - the status codes every fallible fhirgate function returns.
 *
 * House style rule 4: a function that can fail returns enum fg_status
 * (FG_OK == 0) and hands results back through out-params. Each status maps
 * to exactly one HTTP status and FHIR issue code (see fg_error.h).
 */
#ifndef FG_STATUS_H
#define FG_STATUS_H

enum fg_status {
    FG_OK = 0,
    FG_ENOMEM,       /* allocation failed                      500 exception  */
    FG_EINVAL,       /* malformed input                        400 invalid    */
    FG_ENOTFOUND,    /* no such resource / route               404 not-found  */
    FG_EGONE,        /* resource deleted                       410 deleted    */
    FG_ECONFLICT,    /* version or uniqueness conflict         409 conflict   */
    FG_EPRECOND,     /* If-Match / conditional precondition    412 conflict   */
    FG_ETOOBIG,      /* body or result over a limit            413 too-costly */
    FG_ENOTSUP,      /* valid FHIR we do not implement         501/400 not-supported */
    FG_EFORMAT,      /* unacceptable media type                406 not-supported */
    FG_EUNPROC,      /* valid JSON failing a profile           422 processing */
    FG_EUNAUTH,      /* missing or bad credentials             401 login      */
    FG_EFORBIDDEN,   /* authenticated but not allowed          403 forbidden  */
    FG_EIO,          /* storage or upstream failure            500 exception  */
    FG_EUPSTREAM,    /* upstream answered badly                502 exception  */
    FG_ETIMEOUT,     /* upstream or lock timed out             504 timeout    */
    FG_EBUSY         /* too many requests / store busy         503 transient  */
};

/* Returns a static, lower-case name for st ("invalid", "not-found", ...). */
const char *fg_status_name(enum fg_status st);

#endif
