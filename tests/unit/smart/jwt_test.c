/* jwt_test.c - JWKS parsing, id_token signing and client assertion checks
 * (RFC 7523 as SMART profiles it). Keys are generated at test time. */
#include "../test.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include "core/fg_buf.h"
#include "core/fg_limits.h"
#include "core/fg_mem.h"
#include "smart/b64.h"
#include "smart/jwks.h"
#include "smart/jwt.h"

#define NOW 1800000000
#define CLIENT "app-123"
#define TOKEN_URL "https://fhirgate.example/auth/token"

struct keys {
    cjose_jwk_t *rsa, *ec384, *ec256, *rsa_other;
    char *jwks_json;
};

static cjose_jwk_t *make_rsa(const char *kid)
{
    static const uint8_t e[] = {1, 0, 1};
    cjose_err cerr;
    cjose_jwk_t *k = cjose_jwk_create_RSA_random(2048, e, sizeof e, &cerr);
    CHECK(k != NULL);
    CHECK(cjose_jwk_set_kid(k, kid, strlen(kid), &cerr));
    return k;
}

static cjose_jwk_t *make_ec(cjose_jwk_ec_curve crv, const char *kid)
{
    cjose_err cerr;
    cjose_jwk_t *k = cjose_jwk_create_EC_random(crv, &cerr);
    CHECK(k != NULL);
    CHECK(cjose_jwk_set_kid(k, kid, strlen(kid), &cerr));
    return k;
}

/* {"keys":[public JWKs]} built with cjose's own export. */
static char *jwks_of(cjose_jwk_t **ks, size_t n)
{
    cjose_err cerr;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *pub = cjose_jwk_to_json(ks[i], false, &cerr);
        json_error_t jerr;
        json_array_append_new(arr, json_loads(pub, 0, &jerr));
        free(pub);
    }
    json_t *root = json_pack("{s:o}", "keys", arr);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static void keys_init(struct keys *k)
{
    k->rsa = make_rsa("rsa-1");
    k->ec384 = make_ec(CJOSE_JWK_EC_P_384, "ec-384");
    k->ec256 = make_ec(CJOSE_JWK_EC_P_256, "ec-256");
    k->rsa_other = make_rsa("rsa-1"); /* same kid, not registered */
    cjose_jwk_t *reg[] = {k->rsa, k->ec384, k->ec256};
    k->jwks_json = jwks_of(reg, 3);
}

static void keys_cleanup(struct keys *k)
{
    cjose_jwk_release(k->rsa);
    cjose_jwk_release(k->ec384);
    cjose_jwk_release(k->ec256);
    cjose_jwk_release(k->rsa_other);
    free(k->jwks_json);
}

static char *claims(const char *iss, const char *sub, const char *aud_json, const char *exp,
                    const char *jti, const char *extra)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":%s%s%s%s%s%s%s%s}",
                     iss, sub, aud_json, exp ? ",\"exp\":" : "", exp ? exp : "",
                     jti ? ",\"jti\":\"" : "", jti ? jti : "", jti ? "\"" : "", extra ? "," : "",
                     extra ? extra : "");
    CHECK(n > 0 && (size_t)n < sizeof buf);
    return fg_strdup(buf);
}

static enum smart_jwt_reason verify(const char *jwt, const struct smart_jwks *set)
{
    struct smart_client_assertion a;
    enum smart_jwt_reason r = SMART_JWT_OK;
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = smart_jwt_verify_client_assertion(
        fg_str_c(jwt), set, fg_str_c(CLIENT), fg_str_c(TOKEN_URL), NOW, &a, &r, &err);
    CHECK_INT(st, r == SMART_JWT_OK ? FG_OK : FG_EUNAUTH);
    if (st == FG_OK) {
        CHECK_STR(a.jti, "jti-1");
        CHECK(a.exp > NOW);
    } else {
        CHECK_STR(err.expression, "client_assertion");
        CHECK(strstr(err.diagnostics, jwt) == NULL);
    }
    return r;
}

#define AUD "\"" TOKEN_URL "\""
#define EXP_OK "1800000120"

static void test_assertion_table(void)
{
    struct keys k;
    keys_init(&k);
    struct smart_jwks set;
    smart_jwks_init(&set);
    CHECK_INT(smart_jwks_parse(fg_str_c(k.jwks_json), &set, NULL), FG_OK);
    CHECK_INT(set.n, 3);
    const struct {
        const char *name;
        cjose_jwk_t *key;
        const char *alg, *kid;
        const char *iss, *sub, *aud, *exp, *jti, *extra;
        enum smart_jwt_reason want;
    } rows[] = {
        {"rs384", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_OK},
        {"es384", k.ec384, "ES384", "ec-384", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_OK},
        {"rs256", k.rsa, "RS256", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_OK},
        {"es256", k.ec256, "ES256", "ec-256", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_OK},
        {"aud array", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, "[\"x\"," AUD "]", EXP_OK, "jti-1", NULL, SMART_JWT_OK},
        {"exp at limit", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "1800000300", "jti-1", NULL, SMART_JWT_OK},
        {"exp real", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "1800000100.5", "jti-1", NULL, SMART_JWT_OK},
        {"ps384", k.rsa, "PS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_ALG_NOT_ALLOWED},
        {"rs512", k.rsa, "RS512", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_ALG_NOT_ALLOWED},
        {"wrong aud", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, "\"https://evil.example/token\"", EXP_OK, "jti-1", NULL, SMART_JWT_BAD_AUD},
        {"aud array without", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, "[\"x\"]", EXP_OK, "jti-1", NULL, SMART_JWT_BAD_AUD},
        {"aud number", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, "1", EXP_OK, "jti-1", NULL, SMART_JWT_BAD_AUD},
        {"expired", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "1799999999", "jti-1", NULL, SMART_JWT_EXPIRED},
        {"exp now", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "1800000000", "jti-1", NULL, SMART_JWT_EXPIRED},
        {"exp too far", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "1800000301", "jti-1", NULL, SMART_JWT_EXP_TOO_FAR},
        {"exp string", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, "\"1800000100\"", "jti-1", NULL, SMART_JWT_NO_EXP},
        {"no exp", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, NULL, "jti-1", NULL, SMART_JWT_NO_EXP},
        {"no jti", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, NULL, NULL, SMART_JWT_NO_JTI},
        {"empty jti", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "", NULL, SMART_JWT_NO_JTI},
        {"wrong iss", k.rsa, "RS384", "rsa-1", "other", CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_BAD_ISS},
        {"wrong sub", k.rsa, "RS384", "rsa-1", CLIENT, "other", AUD, EXP_OK, "jti-1", NULL, SMART_JWT_BAD_SUB},
        {"nbf future", k.rsa, "RS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", "\"nbf\":1800000060", SMART_JWT_NOT_YET_VALID},
        {"missing kid", k.rsa, "RS384", NULL, CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_NO_KID},
        {"unknown kid", k.rsa, "RS384", "rsa-9", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_UNKNOWN_KID},
        {"alg/kty mismatch", k.ec384, "ES384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_UNKNOWN_KID},
        {"curve mismatch", k.ec256, "ES384", "ec-256", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_UNKNOWN_KID},
        {"unregistered key", k.rsa_other, "RS384", "rsa-1", CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL, SMART_JWT_BAD_SIGNATURE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *c = claims(rows[i].iss, rows[i].sub, rows[i].aud, rows[i].exp, rows[i].jti,
                         rows[i].extra);
        char *jwt = NULL;
        CHECK_INT(smart_jwt_sign(rows[i].key, rows[i].alg, rows[i].kid, fg_str_c(c), &jwt), FG_OK);
        if (jwt) {
            enum smart_jwt_reason got = verify(jwt, &set);
            CHECK_INT(got, rows[i].want);
            if (got != rows[i].want)
                fprintf(stderr, "  row \"%s\": %s\n", rows[i].name, smart_jwt_reason_name(got));
        }
        fg_free(jwt);
        fg_free(c);
    }
    smart_jwks_cleanup(&set);
    keys_cleanup(&k);
}

static void test_assertion_forgeries(void)
{
    struct keys k;
    keys_init(&k);
    struct smart_jwks set;
    smart_jwks_init(&set);
    CHECK_INT(smart_jwks_parse(fg_str_c(k.jwks_json), &set, NULL), FG_OK);
    char *c = claims(CLIENT, CLIENT, AUD, EXP_OK, "jti-1", NULL);
    char *jwt = NULL;
    CHECK_INT(smart_jwt_sign(k.rsa, "RS384", "rsa-1", fg_str_c(c), &jwt), FG_OK);
    CHECK_INT(verify(jwt, &set), SMART_JWT_OK);

    /* tampered signature: change a character in the middle of it */
    char *sig = strrchr(jwt, '.') + 1;
    size_t mid = strlen(sig) / 2;
    sig[mid] = sig[mid] == 'A' ? 'B' : 'A';
    CHECK_INT(verify(jwt, &set), SMART_JWT_BAD_SIGNATURE);
    sig[mid] = sig[mid] == 'A' ? 'B' : 'A';

    /* tampered payload: another client's claims under the same signature */
    char *other = claims("evil", "evil", AUD, EXP_OK, "jti-1", NULL);
    char enc[1024], forged[4096];
    smart_b64url_encode((const uint8_t *)other, strlen(other), enc, sizeof enc, NULL);
    const char *dot1 = strchr(jwt, '.');
    snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(dot1 - jwt), jwt, enc, strrchr(jwt, '.'));
    CHECK_INT(verify(forged, &set), SMART_JWT_BAD_SIGNATURE);

    /* alg none, without and with a signature part */
    char hdr[128];
    const char *none = "{\"alg\":\"none\",\"kid\":\"rsa-1\"}";
    smart_b64url_encode((const uint8_t *)none, strlen(none), hdr, sizeof hdr, NULL);
    smart_b64url_encode((const uint8_t *)c, strlen(c), enc, sizeof enc, NULL);
    snprintf(forged, sizeof forged, "%s.%s.", hdr, enc);
    CHECK_INT(verify(forged, &set), SMART_JWT_ALG_NOT_ALLOWED);
    snprintf(forged, sizeof forged, "%s.%s.AAAA", hdr, enc);
    CHECK_INT(verify(forged, &set), SMART_JWT_ALG_NOT_ALLOWED);

    /* RS384 header with an empty signature */
    const char *rs = "{\"alg\":\"RS384\",\"kid\":\"rsa-1\"}";
    smart_b64url_encode((const uint8_t *)rs, strlen(rs), hdr, sizeof hdr, NULL);
    snprintf(forged, sizeof forged, "%s.%s.", hdr, enc);
    CHECK_INT(verify(forged, &set), SMART_JWT_MALFORMED);

    /* HS256 keyed with the public key's JSON (the classic key-confusion attack) */
    cjose_err cerr;
    char *pub = cjose_jwk_to_json(k.rsa, false, &cerr);
    cjose_jwk_t *oct = cjose_jwk_create_oct_spec((const uint8_t *)pub, strlen(pub), &cerr);
    CHECK(oct != NULL);
    char *hs = NULL;
    CHECK_INT(smart_jwt_sign(oct, "HS256", "rsa-1", fg_str_c(c), &hs), FG_OK);
    CHECK_INT(verify(hs, &set), SMART_JWT_ALG_NOT_ALLOWED);
    fg_free(hs);
    cjose_jwk_release(oct);
    free(pub);

    /* crit header */
    cjose_header_t *h = cjose_header_new(&cerr);
    cjose_header_set(h, CJOSE_HDR_ALG, "RS384", &cerr);
    cjose_header_set(h, CJOSE_HDR_KID, "rsa-1", &cerr);
    cjose_header_set_raw(h, "crit", "[\"exp\"]", &cerr);
    cjose_jws_t *jws = cjose_jws_sign(k.rsa, h, (const uint8_t *)c, strlen(c), &cerr);
    const char *ser = NULL;
    CHECK(jws && cjose_jws_export(jws, &ser, &cerr));
    CHECK_INT(verify(ser, &set), SMART_JWT_CRIT);
    cjose_jws_release(jws);
    cjose_header_release(h);

    /* payload that is not an object */
    char *arr = NULL;
    CHECK_INT(smart_jwt_sign(k.rsa, "RS384", "rsa-1", fg_str_c("[1,2]"), &arr), FG_OK);
    CHECK_INT(verify(arr, &set), SMART_JWT_BAD_CLAIMS);
    fg_free(arr);

    /* garbage and size */
    CHECK_INT(verify("abc", &set), SMART_JWT_MALFORMED);
    CHECK_INT(verify("a.b.c.d", &set), SMART_JWT_MALFORMED);
    /* a part of length 1 mod 4 would trip an assert inside cjose */
    snprintf(forged, sizeof forged, "%s.%s.AAAAA", hdr, enc);
    CHECK_INT(verify(forged, &set), SMART_JWT_MALFORMED);
    CHECK_INT(verify("e30.e30.e30", &set), SMART_JWT_ALG_NOT_ALLOWED);
    static char big[FG_MAX_JWT_BYTES + 2];
    memset(big, 'a', sizeof big - 1);
    CHECK_INT(verify(big, &set), SMART_JWT_TOO_BIG);

    fg_free(other);
    fg_free(jwt);
    fg_free(c);
    smart_jwks_cleanup(&set);
    keys_cleanup(&k);
}

static void test_sign_id_token(void)
{
    cjose_jwk_t *key = make_rsa("srv-1");
    const char *claims_json = "{\"iss\":\"https://fhirgate.example/fhir\",\"sub\":\"amy\"}";
    char *jwt = NULL;
    CHECK_INT(smart_jwt_sign_rs256(key, "srv-1", fg_str_c(claims_json), &jwt), FG_OK);
    cjose_err cerr;
    cjose_jws_t *jws = cjose_jws_import(jwt, strlen(jwt), &cerr);
    CHECK(jws != NULL);
    CHECK(cjose_jws_verify(jws, key, &cerr));
    cjose_header_t *h = cjose_jws_get_protected(jws);
    CHECK_STR(cjose_header_get(h, "alg", &cerr), "RS256");
    CHECK_STR(cjose_header_get(h, "kid", &cerr), "srv-1");
    CHECK_STR(cjose_header_get(h, "typ", &cerr), "JWT");
    uint8_t *plain = NULL;
    size_t n = 0;
    CHECK(cjose_jws_get_plaintext(jws, &plain, &n, &cerr));
    CHECK(n == strlen(claims_json) && memcmp(plain, claims_json, n) == 0);
    cjose_jws_release(jws);
    fg_free(jwt);
    /* an EC key cannot make an RS256 signature */
    cjose_jwk_t *ec = make_ec(CJOSE_JWK_EC_P_256, "e");
    jwt = NULL;
    CHECK_INT(smart_jwt_sign_rs256(ec, "e", fg_str_c(claims_json), &jwt), FG_EINVAL);
    CHECK(jwt == NULL);
    cjose_jwk_release(ec);
    cjose_jwk_release(key);
}

static void test_jwks_parse_table(void)
{
    struct keys k;
    keys_init(&k);
    cjose_err cerr;
    char *rsa_pub = cjose_jwk_to_json(k.rsa, false, &cerr);
    char *rsa_priv = cjose_jwk_to_json(k.rsa, true, &cerr);
    cjose_jwk_t *small = cjose_jwk_create_RSA_random(1024, (const uint8_t[]){1, 0, 1}, 3, &cerr);
    cjose_jwk_set_kid(small, "small", 5, &cerr);
    char *small_pub = cjose_jwk_to_json(small, false, &cerr);
    char doc[8192];
    struct {
        const char *fmt, *arg;
        enum fg_status st;
        size_t n;
    } rows[] = {
        {"{\"keys\":[%s]}", rsa_pub, FG_OK, 1},
        {"{\"keys\":[{\"kty\":\"oct\",\"kid\":\"x\",\"k\":\"AAAA\"}]}", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kty\":\"OKP\",\"kid\":\"x\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"},%s]}", rsa_pub, FG_OK, 1},
        {"{\"keys\":[%s]}", rsa_priv, FG_EINVAL, 0},
        {"{\"keys\":[%s]}", small_pub, FG_EINVAL, 0},
        {"{\"keys\":[]}%s", "", FG_EINVAL, 0},
        {"{\"key\":[%s]}", rsa_pub, FG_EINVAL, 0},
        {"[%s]", rsa_pub, FG_EINVAL, 0},
        {"{\"keys\":[%s", rsa_pub, FG_EINVAL, 0},
        {"{\"keys\":[1]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kid\":\"a\"}]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"!!\",\"e\":\"AQAB\"}]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-384\",\"x\":\"AAAA\",\"y\":\"AAAA\"}]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AAAA\",\"e\":\"AQAB\"}]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[],\"keys\":[%s]}", rsa_pub, FG_EINVAL, 0},
        /* found by jwks_fuzz: cjose aborts on "A=", so it must never reach cjose */
        {"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"Xc\",\"e\":\"A=\"}]}%s", "", FG_EINVAL, 0},
        {"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"r\",\"crv\":\"P-256\",\"x\":\"A\",\"y\":\"AA\"}]}%s", "", FG_EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int n = snprintf(doc, sizeof doc, rows[i].fmt, rows[i].arg);
        CHECK(n > 0 && (size_t)n < sizeof doc);
        struct smart_jwks set;
        struct fg_error err;
        fg_error_clear(&err);
        smart_jwks_init(&set);
        enum fg_status st = smart_jwks_parse(fg_str_c(doc), &set, &err);
        CHECK_INT(st, rows[i].st);
        CHECK_INT(set.n, rows[i].n);
        if (st != rows[i].st)
            fprintf(stderr, "  row %zu: %s\n", i, err.diagnostics);
        smart_jwks_cleanup(&set);
    }
    /* "use":"enc" keys are skipped */
    json_error_t jerr;
    json_t *j = json_loads(rsa_pub, 0, &jerr);
    json_object_set_new(j, "use", json_string("enc"));
    char *enc_key = json_dumps(j, JSON_COMPACT);
    /* k.jwks_json is {"keys":[...]}: splice the enc key in front of its keys */
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s", enc_key, k.jwks_json + 9);
    struct smart_jwks set;
    smart_jwks_init(&set);
    CHECK_INT(smart_jwks_parse(fg_str_c(doc), &set, NULL), FG_OK);
    CHECK_INT(set.n, 3);
    smart_jwks_cleanup(&set);
    snprintf(doc, sizeof doc, "{\"keys\":[%s]}", enc_key);
    CHECK_INT(smart_jwks_parse(fg_str_c(doc), &set, NULL), FG_EINVAL);
    /* limits */
    struct fg_buf b;
    fg_buf_init(&b, 1 << 20);
    fg_buf_append_c(&b, "{\"keys\":[");
    for (int i = 0; i < SMART_MAX_JWKS_KEYS + 1; i++)
        fg_buf_printf(&b, "%s{\"kty\":\"oct\",\"kid\":\"%d\"}", i ? "," : "", i);
    fg_buf_append_c(&b, "]}");
    CHECK_INT(smart_jwks_parse(fg_buf_str(&b), &set, NULL), FG_ETOOBIG);
    fg_buf_reset(&b);
    fg_buf_append_c(&b, "{\"keys\":[],\"pad\":\"");
    for (unsigned i = 0; i < SMART_MAX_JWKS_BYTES; i++)
        fg_buf_append_char(&b, 'x');
    fg_buf_append_c(&b, "\"}");
    CHECK_INT(smart_jwks_parse(fg_buf_str(&b), &set, NULL), FG_ETOOBIG);
    fg_buf_cleanup(&b);
    free(enc_key);
    json_decref(j);
    free(small_pub);
    cjose_jwk_release(small);
    free(rsa_pub);
    free(rsa_priv);
    keys_cleanup(&k);
}

static void test_jwks_alloc_failures(void)
{
    struct keys k;
    keys_init(&k);
    struct smart_jwks set;
    smart_jwks_init(&set);
    fg_mem_fail_at(0);
    CHECK_INT(smart_jwks_parse(fg_str_c(k.jwks_json), &set, NULL), FG_OK);
    unsigned long n = fg_mem_fail_at(0);
    smart_jwks_cleanup(&set);
    CHECK(n >= 4); /* the array and three kids */
    for (unsigned long i = 1; i <= n; i++) {
        fg_mem_fail_at(i);
        CHECK_INT(smart_jwks_parse(fg_str_c(k.jwks_json), &set, NULL), FG_ENOMEM);
        fg_mem_fail_at(0);
        CHECK(set.n == 0 && set.keys == NULL);
    }
    keys_cleanup(&k);
}

TEST_MAIN(test_jwks_alloc_failures, test_assertion_table, test_assertion_forgeries, test_sign_id_token, test_jwks_parse_table)
