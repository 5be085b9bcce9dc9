/* authdb_activation_test.c - activation codes: format, normalizing typed
 * input, single use, expiry, rollback; the operator's proxy list. */
#include "../test.h"

#include "authdb_env.h"
#include "smart/authdb_accounts.h"
#include "smart/authdb_activation.h"

static void test_normalize(void)
{
    static const struct {
        const char *in;
        enum fg_status st;
        const char *out;
    } rows[] = {
        {"ABCDE-FGHJK-MNPQR", FG_OK, "ABCDEFGHJKMNPQR"},
        {"abcde fghjk mnpqr", FG_OK, "ABCDEFGHJKMNPQR"},
        {"  ab-cd-ef-gh-jk-mn-pq-r ", FG_OK, "ABCDEFGHJKMNPQR"},
        {"23456-789AB-CDEFG", FG_OK, "23456789ABCDEFG"},
        {"ABCDE-FGHJK-MNPQ", FG_EINVAL, ""},     /* 14 letters */
        {"ABCDE-FGHJK-MNPQRS", FG_EINVAL, ""},   /* 16 letters */
        {"ABCDE-FGHIK-MNPQR", FG_EINVAL, ""},    /* I is not in the alphabet */
        {"ABCDE-FGH0K-MNPQR", FG_EINVAL, ""},    /* nor 0 */
        {"ABCDE_FGHJK_MNPQR", FG_EINVAL, ""},
        {"", FG_EINVAL, ""},
        {"----------------------------------------------------------------------ABCDEFGHJKMNPQR",
         FG_EINVAL, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[SMART_ACTIVATION_CHARS + 1] = "x";
        CHECK_INT(smart_activation_code_normalize(fg_str_c(rows[i].in), out), rows[i].st);
        CHECK_STR(out, rows[i].out);
    }
    char out[SMART_ACTIVATION_CHARS + 1];
    CHECK_INT(smart_activation_code_normalize(fg_str_n("ABCDE\0FGHJKMNPQR", 16), out), FG_EINVAL);
}

static void test_new_codes(void)
{
    char a[SMART_ACTIVATION_SHOWN + 1], b[SMART_ACTIVATION_SHOWN + 1];
    char na[SMART_ACTIVATION_CHARS + 1];
    CHECK_INT(smart_activation_code_new(a), FG_OK);
    CHECK_INT(smart_activation_code_new(b), FG_OK);
    CHECK_INT(strlen(a), SMART_ACTIVATION_SHOWN);
    CHECK(a[5] == '-' && a[11] == '-');
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(smart_activation_code_normalize(fg_str_c(a), na), FG_OK);
}

static void test_issue_consume(void)
{
    struct env e;
    char code[SMART_ACTIVATION_SHOWN + 1], other[SMART_ACTIVATION_SHOWN + 1];
    char patient[SMART_MAX_PATIENT_ID + 1];
    env_open(&e);
    CHECK_INT(smart_authdb_activation_issue(e.db, fg_str_c("max"), 14, code), FG_OK);
    CHECK_INT(smart_authdb_activation_issue(e.db, fg_str_c("amy"), 14, other), FG_OK);
    CHECK_INT(smart_authdb_activation_issue(e.db, fg_str_c(""), 14, other), FG_EINVAL);
    CHECK_INT(smart_authdb_activation_issue(e.db, fg_str_c("amy"), 0, other), FG_EINVAL);
    /* the digest only is stored */
    sqlite3 *raw = NULL;
    sqlite3_stmt *s = NULL;
    CHECK_INT(sqlite3_open(e.path, &raw), SQLITE_OK);
    CHECK_INT(sqlite3_prepare_v2(raw, "SELECT count(*) FROM activation_codes WHERE digest = ?1",
                                 -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(s), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(s, 0), 0);
    sqlite3_finalize(s);
    sqlite3_close(raw);
    /* a rolled-back sign-up leaves the code usable */
    CHECK_INT(smart_authdb_begin_write(e.db), FG_OK);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c(code), patient), FG_OK);
    CHECK_STR(patient, "max");
    smart_authdb_rollback(e.db);
    /* typed in lower case without dashes; then never again */
    char typed[SMART_ACTIVATION_SHOWN + 1];
    for (size_t i = 0; i <= SMART_ACTIVATION_SHOWN; i++)
        typed[i] = code[i] >= 'A' && code[i] <= 'Z' ? (char)(code[i] - 'A' + 'a') : code[i];
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c(typed), patient), FG_OK);
    CHECK_STR(patient, "max");
    CHECK_INT(smart_authdb_activation_set_account(e.db, fg_str_c(code), 7), FG_OK);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c(code), patient), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c("nonsense"), patient), FG_ENOTFOUND);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c("ABCDE-FGHJK-MNPQR"), patient),
              FG_ENOTFOUND);
    /* expiry: valid through the 14th day, not at its end */
    set_now(&e, T0 + 14 * 86400 - 1);
    CHECK_INT(smart_authdb_activation_issue(e.db, fg_str_c("lily"), 1, code), FG_OK);
    set_now(&e, T0 + 14 * 86400);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c(other), patient), FG_ENOTFOUND);
    set_now(&e, T0 + 15 * 86400 - 2);
    CHECK_INT(smart_authdb_activation_consume(e.db, fg_str_c(code), patient), FG_OK);
    CHECK_STR(patient, "lily");
    env_close(&e);
}

static void test_proxy_list(void)
{
    struct env e;
    struct smart_proxy rows[8];
    size_t n = 0;
    int64_t acc = 0, id = 0;
    env_open(&e);
    CHECK_INT(smart_authdb_account_add(e.db, fg_str_c("danielshaw"), "x", fg_str_c("daniel"), &acc),
              FG_OK);
    struct smart_proxy p = {.account_id = acc, .kind = SMART_PROXY_PARENT, .start_at = T0};
    memcpy(p.patient_id, "lily", 5);
    CHECK_INT(smart_authdb_proxy_add(e.db, &p, &id), FG_OK);
    memcpy(p.patient_id, "max", 4);
    CHECK_INT(smart_authdb_proxy_add(e.db, &p, NULL), FG_OK);
    CHECK_INT(smart_authdb_proxy_revoke(e.db, id), FG_OK);
    CHECK_INT(smart_authdb_proxies_list(e.db, 0, FG_STR_NULL, rows, 8, &n), FG_OK);
    CHECK_INT(n, 2);
    CHECK(rows[0].revoked_at == T0);
    CHECK_INT(smart_authdb_proxies_list(e.db, acc, fg_str_c("max"), rows, 8, &n), FG_OK);
    CHECK_INT(n, 1);
    CHECK_STR(rows[0].patient_id, "max");
    CHECK_INT(smart_authdb_proxies_list(e.db, acc + 1, FG_STR_NULL, rows, 8, &n), FG_OK);
    CHECK_INT(n, 0);
    CHECK_INT(smart_authdb_proxies_list(e.db, 0, FG_STR_NULL, rows, 1, &n), FG_ETOOBIG);
    env_close(&e);
}

TEST_MAIN(test_normalize, test_new_codes, test_issue_consume, test_proxy_list)
