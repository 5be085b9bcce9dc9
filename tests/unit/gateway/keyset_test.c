/* keyset_test.c - snapshots of the signing keys: a rotation stored by
 * another connection is picked up after the recheck interval (not before),
 * a snapshot in use survives its replacement, and a retired key leaves the
 * JWKS at its retire time without any database change. */
#include "../test.h"

#include <string.h>

#include "gateway/keyset.h"

#include "../smart/authdb_env.h"

static size_t jwks_keys(const struct fg_keyset *ks)
{
    size_t n = 0;
    for (const char *p = ks->jwks.ptr; (p = strstr(p, "\"kid\"")) && p < ks->jwks.ptr + ks->jwks.len; p++)
        n++;
    return n;
}

static bool jwks_has(const struct fg_keyset *ks, const char *kid)
{
    return strstr(ks->jwks_text, kid) != NULL;
}

static void test_reload_and_retire(void)
{
    struct env e;
    env_open(&e);
    struct fg_keyset_holder *h = NULL;
    int64_t mono = 1000000000;
    CHECK_INT(fg_keyset_holder_open(e.db, T0, mono, &h), FG_OK);
    const struct fg_keyset *first = fg_keyset_get(h, e.db, T0, mono, NULL);
    CHECK_INT(first->ring.n, 1);
    CHECK_INT(jwks_keys(first), 1);
    CHECK_INT(first->refresh_at, 0);
    char old_kid[SMART_KID_SIZE];
    memcpy(old_kid, smart_keyring_current(&first->ring)->kid, sizeof old_kid);

    /* another process rotates */
    struct smart_authdb *other = NULL;
    CHECK_INT(smart_authdb_open(e.path, &e.clock, NULL, &other, NULL), FG_OK);
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    CHECK_INT(smart_authdb_keys_ensure(other, &ring), FG_OK);
    CHECK_INT(smart_authdb_keys_rotate(other, &ring, 3900), FG_OK);
    char new_kid[SMART_KID_SIZE];
    memcpy(new_kid, smart_keyring_current(&ring)->kid, sizeof new_kid);
    smart_keyring_cleanup(&ring);
    smart_authdb_close(&other);

    /* before the recheck interval: same snapshot, no database look */
    CHECK(!fg_keyset_check_due(h, T0 + 1, mono + FG_KEYSET_RECHECK_US - 1));
    const struct fg_keyset *same = fg_keyset_get(h, e.db, T0 + 1, mono + FG_KEYSET_RECHECK_US - 1, NULL);
    CHECK(same == first);
    fg_keyset_put(h, same);

    /* after it: a new snapshot, both keys published, the new one signs */
    mono += FG_KEYSET_RECHECK_US;
    CHECK(fg_keyset_check_due(h, T0 + 1, mono));
    bool failed = true;
    const struct fg_keyset *two = fg_keyset_get(h, e.db, T0 + 1, mono, &failed);
    CHECK(!failed);
    CHECK(two != first);
    CHECK_INT(jwks_keys(two), 2);
    CHECK_STR(smart_keyring_current(&two->ring)->kid, new_kid);
    CHECK(jwks_has(two, old_kid) && jwks_has(two, new_kid));
    CHECK_INT(two->refresh_at, T0 + 3900);
    /* the first snapshot is still usable by whoever holds it */
    CHECK_STR(smart_keyring_current(&first->ring)->kid, old_kid);
    CHECK_INT(jwks_keys(first), 1);
    fg_keyset_put(h, first);

    /* an unchanged stamp rebuilds nothing */
    const struct fg_keyset *again = fg_keyset_get(h, e.db, T0 + 2, mono + 2 * FG_KEYSET_RECHECK_US, NULL);
    CHECK(again == two);
    fg_keyset_put(h, again);

    /* the retire time passes: the old key leaves the JWKS at once (no recheck interval) */
    CHECK(!fg_keyset_check_due(h, T0 + 3899, mono + 2 * FG_KEYSET_RECHECK_US));
    CHECK(fg_keyset_check_due(h, T0 + 3900, mono + 2 * FG_KEYSET_RECHECK_US));
    const struct fg_keyset *no_db = fg_keyset_get(h, NULL, T0 + 3900, mono + 2 * FG_KEYSET_RECHECK_US, NULL);
    CHECK(no_db == two); /* without a connection nothing is rebuilt */
    fg_keyset_put(h, no_db);
    const struct fg_keyset *one = fg_keyset_get(h, e.db, T0 + 3900, mono + 2 * FG_KEYSET_RECHECK_US, NULL);
    CHECK_INT(jwks_keys(one), 1);
    CHECK(jwks_has(one, new_kid) && !jwks_has(one, old_kid));
    CHECK_INT(one->refresh_at, 0);
    fg_keyset_put(h, one);
    fg_keyset_put(h, two);
    fg_keyset_holder_close(&h);
    CHECK(h == NULL);
    env_close(&e);
}

TEST_MAIN(test_reload_and_retire)
