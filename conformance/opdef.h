/* opdef.h - the FHIR operations the server offers beyond the REST interactions: each is
 * declared in the CapabilityStatement (rest.resource.operation) and described by an
 * OperationDefinition served at [base]/OperationDefinition/<id>: the server's own ones
 * ($import-wearables, its $everything) with that address as their url, US Core's $docref
 * as published (its url http://hl7.org/fhir/us/core/OperationDefinition/docref ends in the
 * id; the text from the package: uscore_kit.h), which capability_uscore.c declares with its
 * SHALL expectation.
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
    const char *json;      /* the OperationDefinition (static text); without a url, it gets
                            * base_url + "/OperationDefinition/" + id when served */
    const char *canonical; /* a standard operation's canonical url (the CapabilityStatement's
                            * definition); NULL: the served definition's own url */
};

extern const struct fg_opdef fg_opdefs[];
extern const size_t fg_opdefs_count;

/* The operation with this id, or NULL. */
const struct fg_opdef *fg_opdef_find(const char *id, size_t len);

/* The url of an OperationDefinition served here: base_url + "/OperationDefinition/" + id,
 * from cJSON_malloc (the caller cJSON_free()s it); NULL when out of memory. */
char *fg_opdef_url(const struct fg_opdef *op, const char *base_url);

/* Appends the OperationDefinition of op to out: one without a url gets base_url +
 * "/OperationDefinition/" + id, a published one (with its url) is sent as it is.
 * FG_ENOMEM / FG_ETOOBIG. */
enum fg_status fg_opdef_write(const struct fg_opdef *op, const char *base_url, struct fg_buf *out);

#endif
