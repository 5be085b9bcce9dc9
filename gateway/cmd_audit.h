/* cmd_audit.h - `fhirgate audit export`: the audit log for operators.
 *
 * Writes every audit row (smart/authdb_audit.h) as one FHIR AuditEvent per
 * line (NDJSON, the Bulk Data format), oldest first, exactly as
 * GET /fhir/AuditEvent renders them (IHE BALP; gateway/audit_fhir.h).
 * --since DATE|INSTANT keeps rows recorded at or after it; --patient ID the
 * rows about one patient. Reads one snapshot of the auth database, so a
 * running server may keep writing meanwhile. Rows past
 * audit_retention_days are gone (audit.h): export before they age out.
 * https://hl7.org/fhir/uv/bulkdata/ (NDJSON) https://profiles.ihe.net/ITI/BALP/
 */
#ifndef FG_CMD_AUDIT_H
#define FG_CMD_AUDIT_H

/* `fhirgate audit export [--since DATE] [--patient ID]` with the config
 * flags (--auth-db, --now). Exit 0, 1 on failure, 2 on bad usage.
 * @test tests/integration/audit.test.mjs */
int fg_cmd_audit(int argc, char **argv);

#endif
