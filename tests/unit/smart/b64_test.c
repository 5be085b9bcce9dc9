/* b64_test.c - base64url codec (RFC 4648 §10 vectors, strictness) and tokens. */
#include "../test.h"

#include "core/fg_mem.h"
#include "smart/b64.h"
#include "smart/token.h"

static void test_encode_vectors(void)
{
    static const struct {
        const char *in, *want;
    } rows[] = {
        {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
        {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}, {"\xff\xfe\xfd", "__79"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[32];
        size_t n = 99;
        size_t len = strlen(rows[i].in);
        CHECK_INT(smart_b64url_encode((const uint8_t *)rows[i].in, len, out, sizeof out, &n), FG_OK);
        CHECK_STR(out, rows[i].want);
        CHECK_INT(n, strlen(rows[i].want));
        CHECK_INT(smart_b64url_encoded_len(len), strlen(rows[i].want));
        uint8_t back[32];
        size_t bn = 0;
        CHECK_INT(smart_b64url_decode(fg_str_c(rows[i].want), back, sizeof back, &bn), FG_OK);
        CHECK_INT(bn, len);
        CHECK(memcmp(back, rows[i].in, len) == 0);
    }
}

static void test_encode_too_small(void)
{
    char out[8];
    /* "foob" needs 6 characters + NUL = 7 */
    CHECK_INT(smart_b64url_encode((const uint8_t *)"foob", 4, out, 6, NULL), FG_ETOOBIG);
    CHECK_INT(smart_b64url_encode((const uint8_t *)"foob", 4, out, 7, NULL), FG_OK);
    CHECK_STR(out, "Zm9vYg");
}

static void test_decode_rejects(void)
{
    static const char *bad[] = {
        "Zg==",   /* padding */
        "Z",      /* 1 mod 4 */
        "Zh",     /* non-zero trailing bits ("f" is Zg) */
        "Zm9=",   /* padding inside */
        "Zm 9v",  /* space */
        "Zm+v",   /* standard alphabet */
        "Zm/v",
        "Zm9v\n",
        "Zm\x00v",
        "Zm9\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n = 77;
        size_t len = i == 8 ? 4 : strlen(bad[i]);
        CHECK_INT(smart_b64url_decode(fg_str_n(bad[i], len), out, sizeof out, &n), FG_EINVAL);
        CHECK_INT(n, 77);
    }
    uint8_t small[2];
    size_t n = 0;
    CHECK_INT(smart_b64url_decode(fg_str_c("Zm9v"), small, sizeof small, &n), FG_ETOOBIG);
}

static void test_decode_alloc(void)
{
    uint8_t *p = NULL;
    size_t n = 0;
    CHECK_INT(smart_b64url_decode_alloc(fg_str_c("Zm9vYmFy"), 6, &p, &n), FG_OK);
    CHECK_INT(n, 6);
    CHECK_STR((char *)p, "foobar");
    fg_free(p);
    CHECK_INT(smart_b64url_decode_alloc(fg_str_c("Zm9vYmFy"), 5, &p, &n), FG_ETOOBIG);
    fg_mem_fail_at(1);
    CHECK_INT(smart_b64url_decode_alloc(fg_str_c("Zm9v"), 6, &p, &n), FG_ENOMEM);
    fg_mem_fail_at(0);
}

static void test_token_new_and_digest(void)
{
    char a[SMART_TOKEN_SIZE], b[SMART_TOKEN_SIZE];
    CHECK_INT(smart_token_new(a), FG_OK);
    CHECK_INT(smart_token_new(b), FG_OK);
    CHECK_INT(strlen(a), SMART_TOKEN_CHARS);
    CHECK(strcmp(a, b) != 0);
    CHECK(smart_token_is_wellformed(fg_str_c(a)));
    CHECK(!smart_token_is_wellformed(fg_str_c("short")));
    char d[SMART_DIGEST_SIZE];
    smart_token_digest(fg_str_c("abc"), d);
    CHECK_STR(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    smart_token_digest(fg_str_c(""), d);
    CHECK_STR(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(smart_secret_eq(fg_str_c("abc"), fg_str_c("abc")));
    CHECK(!smart_secret_eq(fg_str_c("abc"), fg_str_c("abd")));
    CHECK(!smart_secret_eq(fg_str_c("abc"), fg_str_c("abcd")));
}

TEST_MAIN(test_encode_vectors, test_encode_too_small, test_decode_rejects, test_decode_alloc,
          test_token_new_and_digest)
