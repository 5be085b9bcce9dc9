/* opdef.h - the FHIR operations the server offers beyond the REST interactions: each is
 * declared in the CapabilityStatement (rest.resource.operation) and described by an
 * OperationDefinition served at [base]/OperationDefinition/<id>: the server's own ones
 * ($import-wearables) with that address as their canonical url, US Core's $docref with its
 * own canonical (http://hl7.org/fhir/us/core/OperationDefinition/docref, the text from the
 * package: uscore_kit.h), declared by capability_uscore.c with its SHALL expectation.
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
    const char *json;     /* the OperationDefinition (static text): without url when
                           * canonical is NULL */
    const char *canonical; /* the definition's own canonical url, or NULL: the server's own
                            * operation, url = base_url + "/OperationDefinition/" + id */
};

extern const struct fg_opdef fg_opdefs[];
extern const size_t fg_opdefs_count;

/* The operation with this id, or NULL. */
const struct fg_opdef *fg_opdef_find(const char *id, size_t len);

/* Appends the OperationDefinition of op to out: for the server's own operations with url =
 * base_url + "/OperationDefinition/" + id, else as it is. FG_ENOMEM / FG_ETOOBIG. */
enum fg_status fg_opdef_write(const struct fg_opdef *op, const char *base_url, struct fg_buf *out);

#endif
