/* capability.h - the server's CapabilityStatement, generated from its own
 * tables: the resource types it serves (fhir_resource_types), the
 * interactions its route table offers, and every search parameter of the
 * generated table (fhir_searchparams) with _include/_revinclude values
 * derived from the reference parameters. Never a static file.
 * Spec: http://hl7.org/fhir/R4/capabilitystatement.html
 */
#ifndef FG_CAPABILITY_H
#define FG_CAPABILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"

/* SMART on FHIR security (rest.security): the absolute OAuth endpoint
 * URLs of the oauth-uris extension. All borrowed; NULL members are left out.
 * http://hl7.org/fhir/smart-app-launch/StructureDefinition/oauth-uris */
struct fg_capability_oauth {
    const char *authorize, *token, *reg, *manage, *introspect, *revoke;
};

struct fg_capability_info {
    const char *base_url;          /* implementation.url; borrowed */
    const char *software_version;  /* software.version; borrowed */
    int64_t now_us;                /* CapabilityStatement.date */
    const struct fg_capability_oauth *oauth; /* NULL = no rest.security */
};

/* Is a row of the search parameter table declared (supported)? Not
 * composites or specials (near), not parameters whose path the generator
 * could not compile (_text, _content, _query, Patient deceased). */
struct fhir_searchparam;
bool fg_capability_param_declared(const struct fhir_searchparam *p);

/* Appends the CapabilityStatement JSON text to out. FG_ENOMEM or
 * FG_ETOOBIG (from the buffer). @test tests/unit/conformance/capability_test.c */
enum fg_status fg_capability_write(const struct fg_capability_info *info, struct fg_buf *out);

#endif
