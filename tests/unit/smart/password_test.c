/* password_test.c - portal account rules and scrypt hashing. */
#include "../test.h"

#include <openssl/evp.h>

#include "smart/b64.h"
#include "smart/password.h"

static void test_username_rules(void)
{
    static const struct {
        const char *name;
        enum smart_rule want;
    } rows[] = {
        {"amyshaw", SMART_RULE_OK},
        {"Amy5s", SMART_RULE_OK},
        {"abcd", SMART_RULE_USERNAME_LENGTH},
        {"abcdefghijklmnopqrstuvwx", SMART_RULE_OK},
        {"abcdefghijklmnopqrstuvwxy", SMART_RULE_USERNAME_LENGTH},
        {"amy shaw", SMART_RULE_USERNAME_CHARS},
        {"amy.shaw", SMART_RULE_USERNAME_CHARS},
        {"amy_shaw", SMART_RULE_USERNAME_CHARS},
        {"am\xc3\xa9shaw", SMART_RULE_USERNAME_CHARS},
        {"", SMART_RULE_USERNAME_LENGTH},
    };
    struct smart_password_rules r = SMART_PASSWORD_RULES_DEFAULT;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(smart_username_check(&r, fg_str_c(rows[i].name)), rows[i].want);
    CHECK_INT(smart_username_check(&r, fg_str_n("amy\0shaw", 8)), SMART_RULE_USERNAME_CHARS);
}

static void test_password_rules(void)
{
    static const struct {
        const char *pw, *user;
        enum smart_rule want;
    } rows[] = {
        {"Demo-pass-2026", "amyshaw", SMART_RULE_OK},
        {"Abcdefghi1", "amyshaw", SMART_RULE_OK},
        {"Abcdefgh1", "amyshaw", SMART_RULE_PASSWORD_SHORT},
        {"abcdefghij1", "amyshaw", SMART_RULE_PASSWORD_NO_UPPER},
        {"ABCDEFGHIJ1", "amyshaw", SMART_RULE_PASSWORD_NO_LOWER},
        {"Abcdefghijk", "amyshaw", SMART_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL},
        {"Abcdefghij!", "amyshaw", SMART_RULE_OK},
        {"Abcdefghij ", "amyshaw", SMART_RULE_OK},
        {"AmyShaw2026", "amyshaw", SMART_RULE_PASSWORD_HAS_USERNAME},
        {"xxAMYSHAWyy1", "amyshaw", SMART_RULE_PASSWORD_HAS_USERNAME},
        {"Amyshaw1234", "AMYSHAW", SMART_RULE_PASSWORD_HAS_USERNAME},
        {"Amysha-w1234", "amyshaw", SMART_RULE_OK},
    };
    struct smart_password_rules r = SMART_PASSWORD_RULES_DEFAULT;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_INT(smart_password_check(&r, fg_str_c(rows[i].pw), fg_str_c(rows[i].user)),
                  rows[i].want);
    static char big[SMART_PASSWORD_MAX_BYTES + 2];
    memset(big, 'a', sizeof big - 1);
    big[0] = 'A';
    big[1] = '1';
    CHECK_INT(smart_password_check(&r, fg_str_c(big), fg_str_c("amyshaw")), SMART_RULE_PASSWORD_LONG);
    CHECK(strlen(smart_rule_message(SMART_RULE_PASSWORD_NO_UPPER)) > 0);
}

static void test_hash_and_verify(void)
{
    char h1[SMART_PASSWORD_HASH_MAX], h2[SMART_PASSWORD_HASH_MAX];
    CHECK_INT(smart_password_hash(fg_str_c("Demo-pass-2026"), h1), FG_OK);
    CHECK_INT(smart_password_hash(fg_str_c("Demo-pass-2026"), h2), FG_OK);
    CHECK(strncmp(h1, "scrypt$15$8$1$", 14) == 0);
    CHECK(strcmp(h1, h2) != 0); /* fresh salt each time */
    bool m = false;
    CHECK_INT(smart_password_verify(fg_str_c("Demo-pass-2026"), h1, &m), FG_OK);
    CHECK(m);
    CHECK_INT(smart_password_verify(fg_str_c("Demo-pass-2027"), h1, &m), FG_OK);
    CHECK(!m);
    CHECK_INT(smart_password_verify(fg_str_c("demo-pass-2026"), h2, &m), FG_OK);
    CHECK(!m);
    m = true;
    CHECK_INT(smart_password_verify(fg_str_c("Demo-pass-2026"), NULL, &m), FG_OK);
    CHECK(!m);
}

static void test_verify_encodings(void)
{
    /* Encodings with parameters out of range or broken fields are refused. */
    static const char *bad[] = {
        "scrypt$9$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$15$8$5$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "bcrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$x",
        "scrypt$15$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AA=",
        "scrypt$15$8$1",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool m = true;
        CHECK_INT(smart_password_verify(fg_str_c("Demo-pass-2026"), bad[i], &m), FG_EINVAL);
        CHECK(!m);
    }
    /* An encoding built from OpenSSL's scrypt directly (other N than the
     * default) verifies: the parameters are read from the encoding. */
    bool m = false;
    char enc[200];
    unsigned char out[32];
    CHECK(EVP_PBE_scrypt("Pw-secret-1", 11, (const unsigned char *)"saltsaltsaltsalt", 16, 1024, 8,
                         1, 0, out, sizeof out) == 1);
    char salt_b64[32], hash_b64[48];
    smart_b64url_encode((const uint8_t *)"saltsaltsaltsalt", 16, salt_b64, sizeof salt_b64, NULL);
    smart_b64url_encode(out, sizeof out, hash_b64, sizeof hash_b64, NULL);
    snprintf(enc, sizeof enc, "scrypt$10$8$1$%s$%s", salt_b64, hash_b64);
    CHECK_INT(smart_password_verify(fg_str_c("Pw-secret-1"), enc, &m), FG_OK);
    CHECK(m);
    CHECK_INT(smart_password_verify(fg_str_c("Pw-secret-2"), enc, &m), FG_OK);
    CHECK(!m);
}

TEST_MAIN(test_username_rules, test_password_rules, test_hash_and_verify, test_verify_encodings)
