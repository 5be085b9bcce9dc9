// upstream-portal-rules.test.mjs - issue 7's portal-rules table through the
// gateway in upstream mode (issue 8): the suite of lib/portal-rules.mjs with
// both servers in front of @medplum/fhir-router (tests/upstream/).
import { portalRules } from './lib/portal-rules.mjs';

portalRules({ upstream: true });
