/* authz_html_test.c - HTML escaping and the page shell. */
#include "../test.h"

#include <string.h>

#include "gateway/authz_html.h"

static void test_escape(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 1024);
    CHECK_INT(fg_html_escape(&b, fg_str_c("<script>a&b\"c'd</script>")), FG_OK);
    CHECK_SLICE(fg_buf_str(&b), "&lt;script&gt;a&amp;b&quot;c&#39;d&lt;/script&gt;");
    fg_buf_reset(&b);
    CHECK_INT(fg_html_escape(&b, fg_str_c("plain é")), FG_OK);
    CHECK_SLICE(fg_buf_str(&b), "plain é");
    fg_buf_cleanup(&b);
    /* the cap holds */
    fg_buf_init(&b, 4);
    CHECK(fg_html_escape(&b, fg_str_c("<<")) != FG_OK);
    fg_buf_cleanup(&b);
}

static void test_page(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 16);
    CHECK_INT(fg_html_page_start(&b, FG_LANG_ES, "T<1>", "/auth/authorize?req=x&"), FG_OK);
    CHECK_INT(fg_html_hidden(&b, "csrf", "a\"b"), FG_OK);
    CHECK_INT(fg_html_page_end(&b), FG_OK);
    CHECK_INT(fg_buf_append_char(&b, '\0'), FG_OK);
    CHECK(strstr(b.data, "<html lang=\"es\">") != NULL);
    CHECK(strstr(b.data, "<h1>T&lt;1&gt;</h1>") != NULL);
    CHECK(strstr(b.data, "href=\"/auth/authorize?req=x&amp;lang=en\"") != NULL);
    CHECK(strstr(b.data, ">English</a>") != NULL);
    CHECK(strstr(b.data, "value=\"a&quot;b\"") != NULL);
    CHECK(strstr(b.data, "<script") == NULL);
    CHECK(strstr(b.data, "http") == NULL); /* no external assets */
    fg_buf_cleanup(&b);
}

TEST_MAIN(test_escape, test_page)
