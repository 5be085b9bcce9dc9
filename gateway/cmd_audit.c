/* cmd_audit.c - `fhirgate audit export` (see cmd_audit.h). */
#include "cmd_audit.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../fhir/date.h"
#include "../smart/authdb_audit.h"
#include "audit_fhir.h"
#include "cli.h"
#include "cmd_client.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: fhirgate audit export [--since DATE] [--patient ID]\n"
                 "Writes the audit log (--auth-db) as FHIR AuditEvents (IHE BALP), one JSON\n"
                 "object per line (NDJSON), oldest first.\n"
                 "  --since DATE   only events at or after DATE (YYYY-MM-DD or an instant)\n"
                 "  --patient ID   only events about Patient/ID\n");
}

struct export_opts {
    int64_t since_us;
    const char *patient;
};

static int parse_opts(struct fg_cmd_auth *c, struct export_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < c->n_rest; i += 2) {
        const char *name = c->rest[i], *value = i + 1 < c->n_rest ? c->rest[i + 1] : NULL;
        struct fhir_date_range r;
        if (!value || !value[0]) {
            fprintf(stderr, "fhirgate audit export: %s needs a value\n", name);
        } else if (strcmp(name, "--since") == 0) {
            if (fhir_date_parse(fg_str_c(value), &r) == FG_OK) {
                o->since_us = r.lo * 1000;
                continue;
            }
            fprintf(stderr, "fhirgate audit export: --since wants a FHIR date or instant\n");
        } else if (strcmp(name, "--patient") == 0) {
            if (fg_is_fhir_id(fg_str_c(value)) && strlen(value) <= SMART_MAX_PATIENT_ID) {
                o->patient = value;
                continue;
            }
            fprintf(stderr, "fhirgate audit export: --patient wants a Patient id\n");
        } else {
            fprintf(stderr, "fhirgate audit export: unknown argument \"%s\"\n", name);
        }
        usage(stderr);
        return FG_CLI_USAGE;
    }
    return 0;
}

static enum fg_status print_row(void *arg, const struct smart_audit_row *row)
{
    (void)arg;
    cJSON *ev = NULL;
    enum fg_status st = fg_auditevent_build(row, &ev);
    char *text = st == FG_OK ? cJSON_PrintUnformatted(ev) : NULL;
    if (st == FG_OK && !text)
        st = FG_ENOMEM;
    if (text && (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF))
        st = FG_EIO;
    cJSON_free(text);
    cJSON_Delete(ev);
    return st;
}

static int audit_export(struct fg_cmd_auth *c)
{
    struct export_opts o;
    int rc = parse_opts(c, &o);
    if (rc != 0)
        return rc;
    enum fg_status st = smart_authdb_audit_export(c->db, o.since_us, o.patient, print_row, NULL);
    if (st == FG_OK && fflush(stdout) != 0)
        st = FG_EIO;
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate audit export: cannot read the audit log of %s (%s)\n",
                c->cfg.auth_db, fg_status_name(st));
        return 1;
    }
    return 0;
}

int fg_cmd_audit(int argc, char **argv)
{
    static const struct fg_cmd_sub subs[] = {
        {"export", audit_export},
    };
    return fg_cmd_auth_dispatch("audit", argc, argv, subs, sizeof subs / sizeof subs[0], usage);
}
