// portal-rules.test.mjs - issue 7's portal-rules table against the embedded
// store (the suite is lib/portal-rules.mjs; upstream-portal-rules.test.mjs
// runs the same one in upstream mode).
import { portalRules } from './lib/portal-rules.mjs';

portalRules();
