// upstream-attack-matrix.test.mjs - issue 3's attack matrix through the
// gateway in upstream mode (issue 8): the suite of lib/attack-matrix.mjs in
// front of @medplum/fhir-router (tests/upstream/) loaded with the fixtures.
import { attackMatrix } from './lib/attack-matrix.mjs';

attackMatrix({ upstream: true });
