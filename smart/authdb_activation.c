/* authdb_activation.c - sign-up activation codes (see authdb_activation.h). */
#include "authdb_activation.h"

#include <openssl/crypto.h>
#include <string.h>

#include "authdb_internal.h"

static const char alphabet[] = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
#define ALPHABET_N 30

enum fg_status smart_activation_code_new(char out[SMART_ACTIVATION_SHOWN + 1])
{
    uint8_t buf[64];
    size_t n = 0, k = 0;
    enum fg_status st = FG_OK;
    while (n < SMART_ACTIVATION_CHARS && st == FG_OK) {
        if (k == 0)
            st = smart_random_bytes(buf, sizeof buf);
        uint8_t b = buf[k];
        k = (k + 1) % sizeof buf;
        if (st != FG_OK || b >= 8 * ALPHABET_N)
            continue; /* rejection keeps every letter equally likely */
        if (n == 5 || n == 10)
            out[n + n / 5 - 1] = '-';
        out[n + n / 5] = alphabet[b % ALPHABET_N];
        n++;
    }
    out[SMART_ACTIVATION_SHOWN] = '\0';
    OPENSSL_cleanse(buf, sizeof buf);
    if (st != FG_OK)
        OPENSSL_cleanse(out, SMART_ACTIVATION_SHOWN + 1);
    return st;
}

enum fg_status smart_activation_code_normalize(struct fg_str input,
                                               char out[SMART_ACTIVATION_CHARS + 1])
{
    size_t n = 0;
    out[0] = '\0';
    if (input.len > SMART_ACTIVATION_INPUT_MAX)
        return FG_EINVAL;
    for (size_t i = 0; i < input.len; i++) {
        char c = input.ptr[i];
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c == '\0' || !memchr(alphabet, c, ALPHABET_N) || n == SMART_ACTIVATION_CHARS) {
            out[0] = '\0';
            return FG_EINVAL;
        }
        out[n++] = c;
    }
    if (n != SMART_ACTIVATION_CHARS) {
        out[0] = '\0';
        return FG_EINVAL;
    }
    out[n] = '\0';
    return FG_OK;
}

/* The stored digest of typed input; FG_ENOTFOUND when it is no code at all. */
static enum fg_status input_digest(struct fg_str input, char digest[SMART_DIGEST_SIZE])
{
    char norm[SMART_ACTIVATION_CHARS + 1];
    if (smart_activation_code_normalize(input, norm) != FG_OK)
        return FG_ENOTFOUND;
    smart_token_digest(fg_str_n(norm, SMART_ACTIVATION_CHARS), digest);
    OPENSSL_cleanse(norm, sizeof norm);
    return FG_OK;
}

enum fg_status smart_authdb_activation_issue(struct smart_authdb *db, struct fg_str patient_id,
                                             int days, char shown[SMART_ACTIVATION_SHOWN + 1])
{
    char digest[SMART_DIGEST_SIZE];
    sqlite3_stmt *s = NULL;
    if (!patient_id.len || patient_id.len > SMART_MAX_PATIENT_ID || days < 1)
        return FG_EINVAL;
    enum fg_status st = smart_activation_code_new(shown);
    if (st != FG_OK)
        return st;
    st = input_digest(fg_str_c(shown), digest);
    if (st == FG_OK)
        st = authdb_stmt(db, AUTHDB_ACTIVATION_ADD,
                         "INSERT INTO activation_codes(digest, patient_id, created_at,"
                         " expires_at) VALUES (?1, ?2, ?3, ?4)",
                         &s);
    if (st != FG_OK)
        goto out;
    int64_t now = authdb_now(db);
    if (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_str(s, 2, patient_id) ||
        !authdb_bind_i64(s, 3, now) || !authdb_bind_i64(s, 4, now + (int64_t)days * 86400)) {
        st = FG_ENOMEM;
        goto out;
    }
    st = authdb_exec(s);
out:
    authdb_done(s);
    if (st != FG_OK)
        OPENSSL_cleanse(shown, SMART_ACTIVATION_SHOWN + 1);
    return st;
}

enum fg_status smart_authdb_activation_consume(struct smart_authdb *db, struct fg_str input,
                                               char patient_out[SMART_MAX_PATIENT_ID + 1])
{
    char digest[SMART_DIGEST_SIZE];
    sqlite3_stmt *s = NULL;
    enum fg_status st = input_digest(input, digest);
    if (st != FG_OK)
        return st;
    /* one statement: two racing sign-ups cannot both use the code */
    st = authdb_stmt(db, AUTHDB_ACTIVATION_CONSUME,
                     "UPDATE activation_codes SET used_at = ?2 WHERE digest = ?1"
                     " AND used_at = 0 AND expires_at > ?2 RETURNING patient_id",
                     &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_i64(s, 2, authdb_now(db))) {
        authdb_done(s);
        return FG_ENOMEM;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st = authdb_col_copy(s, 0, patient_out, SMART_MAX_PATIENT_ID + 1);
    else
        st = rc == SQLITE_DONE ? FG_ENOTFOUND : authdb_step_error(rc);
    if (st == FG_OK && sqlite3_step(s) != SQLITE_DONE)
        st = FG_EIO;
    authdb_done(s);
    return st;
}

enum fg_status smart_authdb_activation_set_account(struct smart_authdb *db, struct fg_str input,
                                                   int64_t account_id)
{
    char digest[SMART_DIGEST_SIZE];
    sqlite3_stmt *s = NULL;
    enum fg_status st = input_digest(input, digest);
    if (st == FG_OK)
        st = authdb_stmt(db, AUTHDB_ACTIVATION_SET_ACCOUNT,
                         "UPDATE activation_codes SET account_id = ?2 WHERE digest = ?1", &s);
    if (st != FG_OK)
        return st;
    if (!authdb_bind_cstr(s, 1, digest) || !authdb_bind_i64(s, 2, account_id)) {
        authdb_done(s);
        return FG_ENOMEM;
    }
    st = authdb_exec(s);
    if (st == FG_OK && sqlite3_changes(db->db) == 0)
        st = FG_ENOTFOUND;
    return st;
}
