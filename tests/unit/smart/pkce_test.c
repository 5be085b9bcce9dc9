/* pkce_test.c - S256 verification and the negative cases of the g10 kit (N-5..N-8). */
#include "../test.h"

#include "smart/pkce.h"

/* RFC 7636 Appendix B. */
#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static void test_verify_table(void)
{
    static const struct {
        const char *verifier, *challenge;
        enum fg_status st;
    } rows[] = {
        {RFC_VERIFIER, RFC_CHALLENGE, FG_OK},
        {"", RFC_CHALLENGE, FG_EINVAL},                                      /* empty */
        {RFC_VERIFIER "x", RFC_CHALLENGE, FG_EINVAL},                       /* wrong */
        {RFC_CHALLENGE, RFC_CHALLENGE, FG_EINVAL},                          /* plain */
        {"short", RFC_CHALLENGE, FG_EINVAL},                                 /* < 43 */
        {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX!", RFC_CHALLENGE, FG_EINVAL}, /* bad char */
        {RFC_VERIFIER, "", FG_EINVAL},                                       /* no challenge */
        {RFC_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", FG_EINVAL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(smart_pkce_verify(fg_str_c(rows[i].verifier), fg_str_c(rows[i].challenge), &err),
                  rows[i].st);
        if (rows[i].st != FG_OK)
            CHECK_STR(err.expression, "code_verifier");
    }
    /* missing (NULL slice) */
    CHECK_INT(smart_pkce_verify(FG_STR_NULL, fg_str_c(RFC_CHALLENGE), NULL), FG_EINVAL);
}

static void test_verifier_syntax(void)
{
    char v[130];
    memset(v, 'a', sizeof v);
    CHECK(!smart_pkce_verifier_valid(fg_str_n(v, 42)));
    CHECK(smart_pkce_verifier_valid(fg_str_n(v, 43)));
    CHECK(smart_pkce_verifier_valid(fg_str_n(v, 128)));
    CHECK(!smart_pkce_verifier_valid(fg_str_n(v, 129)));
    v[10] = '~';
    v[11] = '.';
    v[12] = '-';
    v[13] = '_';
    CHECK(smart_pkce_verifier_valid(fg_str_n(v, 60)));
    v[14] = '+';
    CHECK(!smart_pkce_verifier_valid(fg_str_n(v, 60)));
    v[14] = '\0';
    CHECK(!smart_pkce_verifier_valid(fg_str_n(v, 60)));
}

static void test_request_method(void)
{
    static const struct {
        const char *method, *challenge;
        enum fg_status st;
        const char *expr;
    } rows[] = {
        {"S256", RFC_CHALLENGE, FG_OK, ""},
        {"plain", RFC_CHALLENGE, FG_ENOTSUP, "code_challenge_method"},
        {"s256", RFC_CHALLENGE, FG_ENOTSUP, "code_challenge_method"},
        {"", RFC_CHALLENGE, FG_EINVAL, "code_challenge_method"},
        {"S256", "", FG_EINVAL, "code_challenge"},
        {"S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c", FG_EINVAL, "code_challenge"},
        {"S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", FG_EINVAL, "code_challenge"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(smart_pkce_check_request(fg_str_c(rows[i].method), fg_str_c(rows[i].challenge),
                                           &err),
                  rows[i].st);
        CHECK_STR(err.expression, rows[i].expr);
    }
}

TEST_MAIN(test_verify_table, test_verifier_syntax, test_request_method)
