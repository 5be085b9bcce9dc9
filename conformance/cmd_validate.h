/* cmd_validate.h - `fhirgate validate [--profile URL] [--json] [FILE...]`. */
#ifndef CONFORMANCE_CMD_VALIDATE_H
#define CONFORMANCE_CMD_VALIDATE_H

/* Validates each JSON file given (or stdin when none; "-" is stdin too).
 * A file holds one resource or a Bundle, whose entry resources are each
 * validated. Prints per resource the profile used and each finding; with
 * --json one JSON line per resource instead ({"file","index","resourceType",
 * "id","profile","profileSource","errors","warnings","outcome"}).
 * Exit 0 when no resource has an error, 1 when one has (or a file cannot be
 * read or parsed), 2 on bad usage.
 * @test tests/integration/validator-crosscheck.test.mjs */
int fg_cmd_validate(int argc, char **argv);

#endif
