/* cmd_seed.h - `fhirgate seed`: loads fixtures/ into the SQLite store.
 * (Declared here until the lead moves it next to fg_cmd_serve in cli.h.) */
#ifndef FG_CMD_SEED_H
#define FG_CMD_SEED_H

/* `fhirgate seed [--db PATH] [--fixtures DIR] [--now DATE]`; argv[0] is
 * "seed". Prints one summary line. Exit 0 on success, 1 when loading fails,
 * 2 on bad usage (--help prints the usage, exit 0).
 * @test tests/unit/gateway/seed_test.c (loader); make run (end to end) */
int fg_cmd_seed(int argc, char **argv);

#endif
