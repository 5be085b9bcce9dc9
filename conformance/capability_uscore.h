/* capability_uscore.h - the US Core 7.0.0 server declarations added to the
 * CapabilityStatement (conformance/capability.c): instantiates and
 * implementationGuide; per resource type the capabilitystatement-expectation
 * of the type, supportedProfile (canonical|7.0.0), each search parameter's
 * expectation, the search-parameter-combination extensions, the US Core
 * _include / _revinclude values and the $docref operation.
 * Facts from the generated table conformance/uscore_kit.c.
 * Spec: http://hl7.org/fhir/us/core/STU7/CapabilityStatement-us-core-server.html
 */
#ifndef FG_CAPABILITY_USCORE_H
#define FG_CAPABILITY_USCORE_H

#include <stdbool.h>

#include <cJSON.h>

#define FG_USCORE_VERSION "7.0.0"
#define FG_USCORE_IG "http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core"

/* Does the US Core server CapabilityStatement declare operation `code` ("docref") on
 * `type`? (fg_capability_uscore_resource then adds it.) */
bool fg_capability_uscore_declares(const char *type, const char *code);

/* Adds the US Core declarations for `type` to its rest.resource entry
 * (nothing for a type US Core does not name). False on no memory. */
bool fg_capability_uscore_resource(cJSON *entry, const char *type);

/* Adds instantiates and implementationGuide to the CapabilityStatement. */
bool fg_capability_uscore_header(cJSON *cs);

#endif
