/* authz_csrf_test.c - the session-bound CSRF token check. */
#include "../test.h"

#include "gateway/authz_csrf.h"

static void test_csrf(void)
{
    const char *tok = "q1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJjKkLlZzXxC";
    CHECK(fg_authz_csrf_ok(tok, fg_str_c(tok)));
    CHECK(!fg_authz_csrf_ok(tok, FG_STR_NULL));
    CHECK(!fg_authz_csrf_ok(tok, fg_str_c("")));
    CHECK(!fg_authz_csrf_ok(tok, fg_str_n(tok, 42)));                   /* prefix */
    CHECK(!fg_authz_csrf_ok(tok, fg_str_c("q1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJjKkLlZzXxD")));
    CHECK(!fg_authz_csrf_ok(tok, fg_str_n("q1w2e3r4t5y6u7i8o9p0AaSsDdFfGgHhJjKkLlZzXxC\0", 44)));
    CHECK(!fg_authz_csrf_ok("", fg_str_c("")));                        /* no session token */
    CHECK(!fg_authz_csrf_ok(NULL, fg_str_c(tok)));
}

TEST_MAIN(test_csrf)
