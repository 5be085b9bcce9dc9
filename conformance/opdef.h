/* opdef.h - the FHIR operations the server offers beyond the REST interactions: each is
 * declared in the CapabilityStatement (rest.resource.operation) and described by an
 * OperationDefinition served at [base]/OperationDefinition/<id> (its canonical url).
 * Spec: http://hl7.org/fhir/R4/operationdefinition.html
 * @test tests/unit/conformance/capability_test.c, tests/integration/wearables-import.test.mjs
 */
#ifndef FG_OPDEF_H
#define FG_OPDEF_H

#include <stddef.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"

struct fg_opdef {
    const char *id;       /* "import-wearables": resource id and last url segment */
    const char *code;     /* "import-wearables": invoked as $<code> */
    const char *resource; /* "Patient" */
    const char *json;     /* the OperationDefinition without url (static text) */
    const char *canonical; /* a standard operation's canonical url (the CapabilityStatement's
                              definition); NULL: the served definition's own url */
};

extern const struct fg_opdef fg_opdefs[];
extern const size_t fg_opdefs_count;

/* The operation with this id, or NULL. */
const struct fg_opdef *fg_opdef_find(const char *id, size_t len);

/* Appends the OperationDefinition of op, with url = base_url + "/OperationDefinition/" + id,
 * to out. FG_ENOMEM / FG_ETOOBIG. */
enum fg_status fg_opdef_write(const struct fg_opdef *op, const char *base_url, struct fg_buf *out);

#endif
