/* portal_wear.h - the patient's wearables pages: import an export file, or type a measurement
 * in by hand (portal-rules.md, "Data from the patient's own devices").
 *
 *   GET  /auth/wearables              the page (sign-in form first when not signed in)
 *   POST /auth/wearables              action=signin | manual | signout (form, CSRF checked)
 *   POST /auth/wearables/upload       multipart/form-data: csrf, source (apple|google), file
 *
 * Under /auth: behind the same sign-in and browser session as /auth/authorize (the fg_sid
 * cookie is scoped to /auth; lockout,
 * session rotation at sign-in, 15 minutes idle), HTML without JavaScript, English and Spanish
 * (Accept-Language, ?lang=). The signed-in account's own record is the patient. An upload is
 * spooled to disk (spool.h), its file part extracted as it streams (multipart.h) and imported
 * with import/imp_ingest.h exactly like `fhirgate import` (check pass, batches, Provenance); a
 * hand-typed measurement is built by import/imp_manual.h (deterministic identifier: a form sent
 * twice adds nothing) and stored through import/imp_store.h with its Provenance.
 * @test tests/integration/wearables-portal.test.mjs
 */
#ifndef FG_PORTAL_WEAR_H
#define FG_PORTAL_WEAR_H

#include <stdbool.h>

#include "http.h"

#define FG_PORTAL_WEAR_PATH "/auth/wearables"
#define FG_PORTAL_WEAR_UPLOAD_PATH "/auth/wearables/upload"

/* Route handlers (auth_routes.c). */
enum fg_status fg_portal_wear_get(struct fg_req *req);
enum fg_status fg_portal_wear_post(struct fg_req *req);
enum fg_status fg_portal_wear_upload(struct fg_req *req);

/* Is req (method and path known, body not read) the upload, whose body is spooled to disk?
 * Only for a signed-in session: other bodies stay under the small unauthenticated limit. */
bool fg_portal_wear_is_upload(const struct fg_req *req);

#endif
