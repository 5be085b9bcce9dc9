/* cmd_keys.c - `fhirgate keys list|rotate` (see cmd_keys.h). */
#include "cmd_keys.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../smart/authdb_keys.h"
#include "cli.h"
#include "cmd_client.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fhirgate keys list\n"
            "       fhirgate keys rotate\n"
            "Shows or rotates the authorization server's signing keys (--auth-db).\n"
            "After `rotate` the new key signs id_tokens; the previous key stays in the\n"
            "published JWKS for %d s (until what it signed has expired), then goes.\n"
            "A running server picks the change up within a second.\n",
            FG_KEY_RETIRE_AFTER_S);
}

static bool add_time(cJSON *o, const char *name, int64_t t_s)
{
    if (t_s == 0)
        return cJSON_AddNullToObject(o, name) != NULL;
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(t_s * 1000000, when);
    return cJSON_AddStringToObject(o, name, when) != NULL;
}

static const char *key_status(const struct smart_keyring *ring, size_t i, int64_t now)
{
    if (i == ring->current)
        return "current";
    return ring->keys[i].retire_at > now ? "retiring" : "retired";
}

/* Neither subcommand takes arguments. */
static bool no_more_args(struct fg_cmd_auth *c)
{
    if (c->n_rest == 1)
        return true;
    fprintf(stderr, "fhirgate keys %s: unexpected argument \"%s\"\n", c->rest[0], c->rest[1]);
    usage(stderr);
    return false;
}

static int keys_list(struct fg_cmd_auth *c)
{
    if (!no_more_args(c))
        return FG_CLI_USAGE;
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    if (smart_authdb_keys_load(c->db, &ring) != FG_OK) {
        fprintf(stderr, "fhirgate keys list: cannot read the keys from %s\n", c->cfg.auth_db);
        return 1;
    }
    int64_t now = fg_clock_now_s(&c->clock);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ring.n; i++) {
        const struct smart_signing_key *k = &ring.keys[i];
        cJSON *o = cJSON_CreateObject();
        bool ok = o && cJSON_AddStringToObject(o, "kid", k->kid) &&
                  cJSON_AddStringToObject(o, "alg", "RS256") &&
                  cJSON_AddStringToObject(o, "status", key_status(&ring, i, now)) &&
                  add_time(o, "created", k->created_at) && add_time(o, "retires", k->retire_at);
        rc = ok ? fg_cmd_print_json(o) : (cJSON_Delete(o), 1);
    }
    smart_keyring_cleanup(&ring);
    return rc;
}

static int keys_rotate(struct fg_cmd_auth *c)
{
    if (!no_more_args(c))
        return FG_CLI_USAGE;
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    enum fg_status st = smart_authdb_keys_ensure(c->db, &ring);
    char previous[SMART_KID_SIZE] = "";
    if (st == FG_OK && ring.n)
        memcpy(previous, smart_keyring_current(&ring)->kid, sizeof previous);
    if (st == FG_OK)
        st = smart_authdb_keys_rotate(c->db, &ring, FG_KEY_RETIRE_AFTER_S);
    if (st != FG_OK) {
        fprintf(stderr, "fhirgate keys rotate: %s\n",
                st == FG_ETOOBIG ? "too many keys are still published; wait until one retires"
                                 : "cannot store the new key (the keys are unchanged)");
        smart_keyring_cleanup(&ring);
        return 1;
    }
    const struct smart_signing_key *cur = smart_keyring_current(&ring);
    const struct smart_signing_key *old = smart_keyring_find(&ring, fg_str_c(previous));
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddStringToObject(o, "kid", cur->kid) && add_time(o, "created", cur->created_at) &&
              (old ? cJSON_AddStringToObject(o, "previous", old->kid) != NULL &&
                         add_time(o, "previous_retires", old->retire_at)
                   : cJSON_AddNullToObject(o, "previous") != NULL);
    int rc = ok ? fg_cmd_print_json(o) : (cJSON_Delete(o), 1);
    smart_keyring_cleanup(&ring);
    return rc;
}

int fg_cmd_keys(int argc, char **argv)
{
    static const struct fg_cmd_sub subs[] = {
        {"list", keys_list},
        {"rotate", keys_rotate},
    };
    return fg_cmd_auth_dispatch("keys", argc, argv, subs, sizeof subs / sizeof subs[0], usage);
}
