/* keys_test.c - server signing keys: generation, storage round trip, rotation, JWKS. */
#include "../test.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include "core/fg_buf.h"
#include "core/fg_mem.h"
#include "smart/jwks.h"
#include "smart/jwt.h"
#include "smart/keys.h"

/* Signs with `signer` and verifies with the JWK `kid` taken from the JWKS text. */
static bool verifies_via_jwks(const struct smart_signing_key *signer, const char *jwks_text)
{
    char *jwt = NULL;
    CHECK_INT(smart_jwt_sign_rs256(signer->jwk, signer->kid, fg_str_c("{\"sub\":\"x\"}"), &jwt),
              FG_OK);
    struct smart_jwks set;
    smart_jwks_init(&set);
    bool ok = false;
    if (smart_jwks_parse(fg_str_c(jwks_text), &set, NULL) == FG_OK) {
        const struct smart_jwk *k = smart_jwks_find(&set, fg_str_c(signer->kid), CJOSE_JWK_KTY_RSA);
        cjose_err cerr;
        cjose_jws_t *jws = jwt ? cjose_jws_import(jwt, strlen(jwt), &cerr) : NULL;
        ok = k && jws && cjose_jws_verify(jws, k->jwk, &cerr);
        if (jws)
            cjose_jws_release(jws);
    }
    smart_jwks_cleanup(&set);
    fg_free(jwt);
    return ok;
}

static void test_generate_and_roundtrip(void)
{
    struct smart_signing_key k, back;
    CHECK_INT(smart_key_generate(1000, &k), FG_OK);
    CHECK_INT(strlen(k.kid), 43);
    CHECK_INT(k.created_at, 1000);
    CHECK_INT(k.retire_at, 0);
    char again[SMART_KID_SIZE];
    CHECK_INT(smart_key_thumbprint(k.jwk, again), FG_OK);
    CHECK_STR(again, k.kid);
    char *json = NULL;
    CHECK_INT(smart_key_private_json(&k, &json), FG_OK);
    CHECK(json && strstr(json, "\"d\""));
    CHECK_INT(smart_key_import(fg_str_c(json), 1000, 5000, &back), FG_OK);
    CHECK_STR(back.kid, k.kid);
    CHECK_INT(back.retire_at, 5000);
    /* the stored key signs what the original's public key verifies */
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    struct smart_signing_key copy = k;
    memset(&k, 0, sizeof k);
    CHECK_INT(smart_keyring_add(&ring, &copy), FG_OK);
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    CHECK_INT(smart_keyring_jwks(&ring, 1000, &b), FG_OK);
    CHECK(verifies_via_jwks(&back, fg_buf_str(&b).ptr));
    fg_buf_cleanup(&b);
    smart_keyring_cleanup(&ring);
    smart_signing_key_cleanup(&back);
    smart_key_free_json(&json);
    CHECK(json == NULL);
}

static void test_import_rejects(void)
{
    cjose_err cerr;
    cjose_jwk_t *ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &cerr);
    char *ec_json = cjose_jwk_to_json(ec, true, &cerr);
    cjose_jwk_t *small = cjose_jwk_create_RSA_random(1024, (const uint8_t[]){1, 0, 1}, 3, &cerr);
    char *small_json = cjose_jwk_to_json(small, true, &cerr);
    struct smart_signing_key k;
    CHECK_INT(smart_key_generate(0, &k), FG_OK);
    cjose_err e2;
    char *pub_json = cjose_jwk_to_json(k.jwk, false, &e2);
    const char *bad[] = {ec_json, small_json, pub_json, "", "{", "{\"kty\":\"RSA\",\"d\":\"AA\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct smart_signing_key out;
        memset(&out, 0, sizeof out);
        CHECK_INT(smart_key_import(fg_str_c(bad[i]), 0, 0, &out), FG_EINVAL);
        CHECK(out.jwk == NULL);
    }
    free(pub_json);
    smart_signing_key_cleanup(&k);
    free(ec_json);
    free(small_json);
    cjose_jwk_release(ec);
    cjose_jwk_release(small);
}

/* Number of keys in a JWKS text, and whether kid is among them. */
static size_t jwks_count(const char *text, const char *kid, bool *has)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    json_t *keys = json_object_get(j, "keys");
    size_t i, n = json_array_size(keys);
    json_t *k;
    *has = false;
    json_array_foreach(keys, i, k)
    {
        CHECK_STR(json_string_value(json_object_get(k, "kty")), "RSA");
        CHECK_STR(json_string_value(json_object_get(k, "use")), "sig");
        CHECK_STR(json_string_value(json_object_get(k, "alg")), "RS256");
        CHECK(json_object_get(k, "n") && json_object_get(k, "e"));
        CHECK(json_object_get(k, "d") == NULL);
        if (kid && strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0)
            *has = true;
    }
    json_decref(j);
    return n;
}

static void test_rotation(void)
{
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    CHECK(smart_keyring_current(&ring) == NULL);
    const struct smart_signing_key *k1 = NULL, *k2 = NULL;
    CHECK_INT(smart_keyring_rotate(&ring, 1000, 3600, &k1), FG_OK);
    CHECK(k1 && smart_keyring_current(&ring) == k1);
    char kid1[SMART_KID_SIZE];
    memcpy(kid1, k1->kid, SMART_KID_SIZE);
    CHECK_INT(smart_keyring_rotate(&ring, 2000, 3600, &k2), FG_OK);
    CHECK(k2 && smart_keyring_current(&ring) == k2);
    CHECK(strcmp(k2->kid, kid1) != 0);
    const struct smart_signing_key *old = smart_keyring_find(&ring, fg_str_c(kid1));
    CHECK(old && old->retire_at == 5600);

    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    bool has = false;
    CHECK_INT(smart_keyring_jwks(&ring, 5599, &b), FG_OK);
    CHECK_INT(jwks_count(fg_buf_str(&b).ptr, kid1, &has), 2);
    CHECK(has);
    /* the current key comes first */
    CHECK(strstr(fg_buf_str(&b).ptr, k2->kid) < strstr(fg_buf_str(&b).ptr, kid1));
    CHECK(verifies_via_jwks(old, fg_buf_str(&b).ptr));
    fg_buf_reset(&b);
    CHECK_INT(smart_keyring_jwks(&ring, 5600, &b), FG_OK);
    CHECK_INT(jwks_count(fg_buf_str(&b).ptr, kid1, &has), 1);
    CHECK(!has);
    fg_buf_cleanup(&b);

    smart_keyring_prune(&ring, 5599);
    CHECK_INT(ring.n, 2);
    smart_keyring_prune(&ring, 5600);
    CHECK_INT(ring.n, 1);
    CHECK(smart_keyring_find(&ring, fg_str_c(kid1)) == NULL);
    CHECK_STR(smart_keyring_current(&ring)->kid, smart_keyring_current(&ring)->kid);

    /* the same key twice is refused (and freed) */
    char *json = NULL;
    CHECK_INT(smart_key_private_json(smart_keyring_current(&ring), &json), FG_OK);
    struct smart_signing_key dup;
    CHECK_INT(smart_key_import(fg_str_c(json), 0, 0, &dup), FG_OK);
    CHECK_INT(smart_keyring_add(&ring, &dup), FG_ECONFLICT);
    CHECK(dup.jwk == NULL);
    smart_key_free_json(&json);
    smart_keyring_cleanup(&ring);
}

static void test_current_after_load(void)
{
    /* keys loaded in any order: the newest non-retiring one signs */
    struct smart_signing_key a, b, c;
    CHECK_INT(smart_key_generate(100, &a), FG_OK);
    CHECK_INT(smart_key_generate(300, &b), FG_OK);
    CHECK_INT(smart_key_generate(200, &c), FG_OK);
    b.retire_at = 9999; /* newest but retiring */
    char want[SMART_KID_SIZE];
    memcpy(want, c.kid, sizeof want);
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    CHECK_INT(smart_keyring_add(&ring, &b), FG_OK);
    CHECK_INT(smart_keyring_add(&ring, &c), FG_OK);
    CHECK_INT(smart_keyring_add(&ring, &a), FG_OK);
    CHECK_STR(smart_keyring_current(&ring)->kid, want);
    smart_keyring_cleanup(&ring);
}

TEST_MAIN(test_generate_and_roundtrip, test_import_rejects, test_rotation, test_current_after_load)
