/* capability.h - the server's CapabilityStatement, generated from its own
 * tables: the resource types it serves (fhir_resource_types), the
 * interactions its route table offers, and every search parameter of the
 * generated table (fhir_searchparams) with _include/_revinclude values
 * derived from the reference parameters. Never a static file.
 * Spec: http://hl7.org/fhir/R4/capabilitystatement.html
 */
#ifndef FG_CAPABILITY_H
#define FG_CAPABILITY_H

#include <stdint.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"

struct fg_capability_info {
    const char *base_url;          /* implementation.url; borrowed */
    const char *software_version;  /* software.version; borrowed */
    int64_t now_us;                /* CapabilityStatement.date */
};

/* Appends the CapabilityStatement JSON text to out. FG_ENOMEM or
 * FG_ETOOBIG (from the buffer). @test tests/unit/conformance/capability_test.c */
enum fg_status fg_capability_write(const struct fg_capability_info *info, struct fg_buf *out);

#endif
