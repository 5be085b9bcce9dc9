/* demo.h - the demo app at /demo: a small SMART on FHIR page (standalone
 * patient launch, public client, PKCE) that shows a patient's name,
 * conditions and latest vital signs. Its files live in gateway/demo/ and
 * are compiled into the binary (.incbin in demo.c), so the server needs no
 * asset directory at run time and the page works without a build step.
 * `make run` registers the demo client and prints /demo/?client_id=ID.
 */
#ifndef FG_DEMO_H
#define FG_DEMO_H

#include "http.h"

/* GET /demo, /demo/ and /demo/<file>: "/demo" redirects (308) to "/demo/"
 * keeping the query; "/demo/" is index.html; demo.js and demo.css are the
 * other files; anything else is 404. Pages get a same-origin
 * Content-Security-Policy and Referrer-Policy: no-referrer (the
 * authorization code arrives in the address).
 * @test tests/integration/demo.test.mjs, tests/e2e/demo.e2e.mjs */
enum fg_status fg_demo_handler(struct fg_req *req);

#endif
