/* auth_test.c - absolute URLs of the authorization server's endpoints. */
#include "../test.h"

#include "core/fg_buf.h"
#include "gateway/auth.h"

static void test_url_table(void)
{
    static const struct {
        const char *base, *path, *want;
    } rows[] = {
        {"http://127.0.0.1:8080/fhir", "/auth/token", "http://127.0.0.1:8080/auth/token"},
        {"https://ex.org/gw/fhir", "/auth/jwks", "https://ex.org/gw/auth/jwks"},
        {"https://ex.org/r4", "/auth/token", "https://ex.org/auth/token"},
        {"https://ex.org", "/auth/token", "https://ex.org/auth/token"},
        {"http://[::1]:9/fhir", "/.well-known/smart-configuration",
         "http://[::1]:9/.well-known/smart-configuration"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_buf b;
        fg_buf_init(&b, 4096);
        CHECK_INT(fg_auth_url(rows[i].base, rows[i].path, &b), FG_OK);
        CHECK_SLICE(fg_buf_str(&b), rows[i].want);
        fg_buf_cleanup(&b);
    }
}

TEST_MAIN(test_url_table)
