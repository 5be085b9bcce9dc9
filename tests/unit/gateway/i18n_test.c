/* i18n_test.c - every message in every catalogue; Accept-Language negotiation. */
#include "../test.h"

#include "gateway/i18n.h"

static void test_catalogues_complete(void)
{
    for (int m = 0; m < FG_MSG_COUNT; m++) {
        CHECK(fg_i18n_en[m] != NULL && fg_i18n_en[m][0] != '\0');
        CHECK(fg_i18n_es[m] != NULL && fg_i18n_es[m][0] != '\0');
        if (!fg_i18n_en[m] || !fg_i18n_es[m])
            fprintf(stderr, "  message %d missing\n", m);
    }
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_USERNAME), "User name");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_PASSWORD), "Password");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_SIGNIN_BUTTON), "Sign in");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_CONTINUE), "Continue");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_ALLOW), "Allow");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_DENY), "Deny");
    CHECK_STR(fg_i18n(FG_LANG_ES, FG_MSG_ALLOW), "Permitir");
    CHECK_STR(fg_i18n(FG_LANG_EN, FG_MSG_COUNT), "");
}

static void test_negotiate(void)
{
    static const struct {
        const char *header;
        enum fg_lang want;
    } cases[] = {
        {"es", FG_LANG_ES},
        {"es-MX", FG_LANG_ES},
        {"ES-419,en;q=0.5", FG_LANG_ES},
        {"en-US,en;q=0.9,es;q=0.8", FG_LANG_EN},
        {"fr-CH, fr;q=0.9, es;q=0.7, en;q=0.6", FG_LANG_ES},
        {"fr, de", FG_LANG_EN},
        {"es;q=0", FG_LANG_EN},
        {"en;q=0.1, es;q=0.2", FG_LANG_ES},
        {"es;q=0.5, en;q=0.5", FG_LANG_ES},   /* tie: the first listed */
        {"*;q=0.5, es;q=0.4", FG_LANG_EN},
        {"es;q=2", FG_LANG_EN},              /* malformed quality: ignored */
        {"es;q=0.5x", FG_LANG_EN},
        {"es;level=1", FG_LANG_EN},
        {"", FG_LANG_EN},
        {",,, ;;", FG_LANG_EN},
        {"  es  ;  q=0.9 ", FG_LANG_ES},
        {"espanol", FG_LANG_EN},
        {"es-", FG_LANG_ES},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum fg_lang got = fg_lang_negotiate(fg_str_c(cases[i].header));
        CHECK_INT(got, cases[i].want);
        if (got != cases[i].want)
            fprintf(stderr, "  header \"%s\"\n", cases[i].header);
    }
    CHECK_INT(fg_lang_negotiate(FG_STR_NULL), FG_LANG_EN);
    /* a header with a NUL and high bytes inside */
    CHECK_INT(fg_lang_negotiate(fg_str_n("e\0s,\xff\xfe", 7)), FG_LANG_EN);
    enum fg_lang l;
    CHECK(fg_lang_from_code(fg_str_c("ES"), &l) && l == FG_LANG_ES);
    CHECK(!fg_lang_from_code(fg_str_c("fr"), &l));
}

TEST_MAIN(test_catalogues_complete, test_negotiate)
