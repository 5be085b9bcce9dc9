/* outcome.h - OperationOutcome resources as JSON text.
 *
 * Every error answer of the server is an OperationOutcome built from the
 * struct fg_error that described the failure (house style rule 5).
 * Spec: http://hl7.org/fhir/R4/operationoutcome.html
 * Issue codes: http://hl7.org/fhir/R4/valueset-issue-type.html
 */
#ifndef FHIR_OUTCOME_H
#define FHIR_OUTCOME_H

#include "../core/fg_buf.h"
#include "../core/fg_error.h"
#include "../core/fg_str.h"

/* Appends an OperationOutcome with one issue to out: severity "error",
 * code = fg_error_issue_code(err), diagnostics = err->diagnostics (left out
 * when empty), expression = [err->expression] when set. Borrows err.
 * FG_ETOOBIG / FG_ENOMEM from the buffer; out may then hold a partial text
 * (callers reset it). @test tests/unit/fhir/outcome_test.c */
enum fg_status fhir_outcome_write_error(const struct fg_error *err, struct fg_buf *out);

/* Appends an informational OperationOutcome (severity "information", code
 * "informational") with the given diagnostics, e.g. for a delete answer.
 * @test tests/unit/fhir/outcome_test.c */
enum fg_status fhir_outcome_write_info(struct fg_str diagnostics, struct fg_buf *out);

#endif
