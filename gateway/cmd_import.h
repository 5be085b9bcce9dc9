/* cmd_import.h - `fhirgate import apple-health|google-fit --patient ID FILE...`: wearable
 * exports into the SQLite store (import/imp_ingest.h: check pass, then batched transactions
 * with one Provenance each; a re-import creates nothing).
 * Exit 0 when every file imported, 1 when one failed (the summary says which and why; files
 * before it stay imported), 2 on bad usage. A progress bar goes to stderr on a terminal.
 * @test tests/integration/wearables-import.test.mjs */
#ifndef FG_CMD_IMPORT_H
#define FG_CMD_IMPORT_H

int fg_cmd_import(int argc, char **argv);

#endif
