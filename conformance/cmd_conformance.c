/* cmd_conformance.c - the `fhirgate conformance` command line; contract in
 * cmd_conformance.h. */
#include "cmd_conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "selftest.h"
#include "st_auth.h"

#define CLI_USAGE 2

static int usage(FILE *f)
{
    fputs("usage: fhirgate conformance BASE_URL [--token T | --client-id ID --key FILE [--scope S]]\n"
          "                            [--patient ID]... [--require-all] [--quiet]\n"
          "  Runs the US Core 7.0.0 single-patient API checks (conformance checklist §4:\n"
          "  C-1, C-2, S-1..S-11, M-1..M-7, U-1) against a FHIR R4 server and prints one\n"
          "  line per check. BASE_URL may also be given as --base URL.\n"
          "  --token T        bearer token for every request but GET metadata\n"
          "                   (also read from FHIRGATE_CONFORMANCE_TOKEN)\n"
          "  --client-id ID --key FILE\n"
          "                   get the token by SMART Backend Services (client_credentials with\n"
          "                   a private_key_jwt assertion signed by the private JWK in FILE)\n"
          "  --scope S        the scopes asked for then (default system/*.rs)\n"
          "  --patient ID     a patient to test (repeat; default: the first Patient page)\n"
          "  --require-all    a skipped check fails the run too\n"
          "  --quiet          print only FAIL and SKIP lines and the summary\n"
          "  --insecure       do not verify the server's TLS certificate (test servers)\n",
          f);
    return f == stdout ? 0 : CLI_USAGE;
}

int fg_cmd_conformance(int argc, char **argv)
{
    struct st_options opt;
    bool require_all = false;
    const char *client_id = NULL, *key_file = NULL, *scope = "system/*.rs";
    memset(&opt, 0, sizeof opt);
    opt.token = getenv("FHIRGATE_CONFORMANCE_TOKEN");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(stdout);
        if (strcmp(a, "--require-all") == 0) {
            require_all = true;
        } else if (strcmp(a, "--quiet") == 0) {
            opt.quiet = true;
        } else if (strcmp(a, "--insecure") == 0) {
            opt.insecure = true;
        } else if (strcmp(a, "--token") == 0 && has_value) {
            opt.token = argv[++i];
        } else if (strcmp(a, "--client-id") == 0 && has_value) {
            client_id = argv[++i];
        } else if (strcmp(a, "--key") == 0 && has_value) {
            key_file = argv[++i];
        } else if (strcmp(a, "--scope") == 0 && has_value) {
            scope = argv[++i];
        } else if (strcmp(a, "--base") == 0 && has_value && !opt.base) {
            opt.base = argv[++i];
        } else if (strcmp(a, "--patient") == 0 && has_value) {
            if (opt.n_patients == FG_SELFTEST_MAX_PATIENTS) {
                fprintf(stderr, "fhirgate conformance: at most %d patients\n", FG_SELFTEST_MAX_PATIENTS);
                return CLI_USAGE;
            }
            opt.patients[opt.n_patients++] = argv[++i];
        } else if (a[0] != '-' && !opt.base) {
            opt.base = a;
        } else {
            fprintf(stderr, "fhirgate conformance: unknown or incomplete option %s\n", a);
            return usage(stderr);
        }
    }
    if (!opt.base || (strncmp(opt.base, "http://", 7) != 0 && strncmp(opt.base, "https://", 8) != 0)) {
        fprintf(stderr, "fhirgate conformance: BASE_URL (http:// or https://) is required\n");
        return usage(stderr);
    }
    if (opt.token && !opt.token[0])
        opt.token = NULL;
    if (!client_id != !key_file) {
        fprintf(stderr, "fhirgate conformance: --client-id and --key go together\n");
        return usage(stderr);
    }
    char *obtained = NULL;
    if (client_id) {
        char why[300];
        if (st_auth_client_credentials(opt.base, opt.insecure, client_id, key_file, scope, &obtained, why,
                                       sizeof why) != FG_OK) {
            fprintf(stderr, "fhirgate conformance: no token for %s: %s\n", client_id, why);
            return 1;
        }
        printf("token: client_credentials for %s (scope %s)\n", client_id, scope);
        opt.token = obtained;
    }
    int rc = st_run(&opt, require_all, stdout);
    fg_free(obtained);
    return rc;
}
