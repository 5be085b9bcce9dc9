/* cmd_conformance.h - `fhirgate conformance BASE_URL [--token T]
 * [--patient ID]... [--require-all] [--quiet]`: the US Core single-patient
 * API self-test (conformance/selftest.h) against any FHIR R4 server.
 * Prints one line per check (PASS / FAIL / SKIP, id, subject, time,
 * detail) and "conformance: N passed, N failed, N skipped (T s)".
 * Exit 0 when nothing failed (with --require-all: and nothing was
 * skipped), 1 otherwise, 2 on bad usage.
 * @test tests/integration/conformance-selftest.test.mjs */
#ifndef CONFORMANCE_CMD_CONFORMANCE_H
#define CONFORMANCE_CMD_CONFORMANCE_H

int fg_cmd_conformance(int argc, char **argv);

#endif
