/* password.c - portal account rules and scrypt password hashes (RFC 7914). */
#include "password.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64.h"
#include "token.h"

#define SCRYPT_LOG2N 15
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_BYTES 16
#define HASH_BYTES 32
/* 128 * r * N bytes of scrypt state for the largest accepted parameters
 * (2^20, r 16 would be 2 GiB: refuse to be talked into that by a row). */
#define SCRYPT_MAXMEM (256u * 1024u * 1024u)

/* The hash of a throw-away password under default parameters, used when no
 * account exists so the caller spends the same time. */
static const char dummy_hash[] =
    "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static unsigned char lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }

enum smart_rule smart_username_check(const struct smart_password_rules *rules, struct fg_str name)
{
    if (name.len < rules->username_min || name.len > rules->username_max)
        return SMART_RULE_USERNAME_LENGTH;
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.ptr[i];
        if (!is_upper(c) && !is_lower(c) && !is_digit(c))
            return SMART_RULE_USERNAME_CHARS;
    }
    return SMART_RULE_OK;
}

/* ASCII case-insensitive substring search. */
static bool contains_ci(struct fg_str hay, struct fg_str needle)
{
    if (needle.len == 0 || needle.len > hay.len)
        return false;
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        size_t k = 0;
        while (k < needle.len &&
               lower((unsigned char)hay.ptr[i + k]) == lower((unsigned char)needle.ptr[k]))
            k++;
        if (k == needle.len)
            return true;
    }
    return false;
}

enum smart_rule smart_password_check(const struct smart_password_rules *rules,
                                     struct fg_str password, struct fg_str username)
{
    if (password.len < rules->password_min)
        return SMART_RULE_PASSWORD_SHORT;
    if (password.len > SMART_PASSWORD_MAX_BYTES)
        return SMART_RULE_PASSWORD_LONG;
    bool up = false, low = false, other = false;
    for (size_t i = 0; i < password.len; i++) {
        unsigned char c = (unsigned char)password.ptr[i];
        if (is_upper(c))
            up = true;
        else if (is_lower(c))
            low = true;
        else /* a digit, ASCII symbol, space or non-ASCII byte */
            other = true;
    }
    if (!up)
        return SMART_RULE_PASSWORD_NO_UPPER;
    if (!low)
        return SMART_RULE_PASSWORD_NO_LOWER;
    if (!other)
        return SMART_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL;
    if (contains_ci(password, username))
        return SMART_RULE_PASSWORD_HAS_USERNAME;
    return SMART_RULE_OK;
}

const char *smart_rule_message(enum smart_rule rule)
{
    switch (rule) {
    case SMART_RULE_OK: return "OK.";
    case SMART_RULE_USERNAME_LENGTH: return "The user name must be 5 to 24 characters long.";
    case SMART_RULE_USERNAME_CHARS: return "The user name may contain only letters and digits.";
    case SMART_RULE_PASSWORD_SHORT: return "The password must be at least 10 characters long.";
    case SMART_RULE_PASSWORD_LONG: return "The password is too long.";
    case SMART_RULE_PASSWORD_NO_UPPER: return "The password needs an upper-case letter.";
    case SMART_RULE_PASSWORD_NO_LOWER: return "The password needs a lower-case letter.";
    case SMART_RULE_PASSWORD_NO_DIGIT_OR_SYMBOL: return "The password needs a digit or a symbol.";
    case SMART_RULE_PASSWORD_HAS_USERNAME: return "The password must not contain the user name.";
    }
    return "The value is not allowed.";
}

static enum fg_status derive(struct fg_str password, const uint8_t *salt, size_t salt_len,
                             unsigned log2n, unsigned r, unsigned p, uint8_t *out, size_t out_len)
{
    uint64_t n = (uint64_t)1 << log2n;
    if (EVP_PBE_scrypt(password.len ? password.ptr : "", password.len, salt, salt_len, n, r, p,
                       SCRYPT_MAXMEM, out, out_len) != 1)
        return FG_EIO;
    return FG_OK;
}

enum fg_status smart_password_hash(struct fg_str password, char out[SMART_PASSWORD_HASH_MAX])
{
    if (password.len > SMART_PASSWORD_MAX_BYTES)
        return FG_ETOOBIG;
    uint8_t salt[SALT_BYTES], hash[HASH_BYTES];
    char salt_b64[32], hash_b64[48];
    enum fg_status st = smart_random_bytes(salt, sizeof salt);
    if (st != FG_OK)
        goto out;
    st = derive(password, salt, sizeof salt, SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P, hash, sizeof hash);
    if (st != FG_OK)
        goto out;
    st = smart_b64url_encode(salt, sizeof salt, salt_b64, sizeof salt_b64, NULL);
    if (st == FG_OK)
        st = smart_b64url_encode(hash, sizeof hash, hash_b64, sizeof hash_b64, NULL);
    if (st != FG_OK)
        goto out;
    int n = snprintf(out, SMART_PASSWORD_HASH_MAX, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG2N,
                     SCRYPT_R, SCRYPT_P, salt_b64, hash_b64);
    if (n < 0 || n >= SMART_PASSWORD_HASH_MAX)
        st = FG_ETOOBIG;
out:
    OPENSSL_cleanse(hash, sizeof hash);
    OPENSSL_cleanse(hash_b64, sizeof hash_b64);
    return st;
}

struct encoded {
    unsigned log2n, r, p;
    uint8_t salt[64];
    size_t salt_len;
    uint8_t hash[64];
    size_t hash_len;
};

/* Takes the next '$'-separated field off *s. */
static struct fg_str next_field(struct fg_str *s)
{
    struct fg_str head, tail;
    fg_str_split(*s, '$', &head, &tail);
    *s = tail;
    return head;
}

static enum fg_status parse_encoded(const char *encoded, struct encoded *e)
{
    struct fg_str s = fg_str_c(encoded);
    int64_t v;
    if (!fg_str_eq_c(next_field(&s), "scrypt"))
        return FG_EINVAL;
    if (fg_parse_i64(next_field(&s), 10, 20, &v) != FG_OK)
        return FG_EINVAL;
    e->log2n = (unsigned)v;
    if (fg_parse_i64(next_field(&s), 1, 16, &v) != FG_OK)
        return FG_EINVAL;
    e->r = (unsigned)v;
    if (fg_parse_i64(next_field(&s), 1, 4, &v) != FG_OK)
        return FG_EINVAL;
    e->p = (unsigned)v;
    if (smart_b64url_decode(next_field(&s), e->salt, sizeof e->salt, &e->salt_len) != FG_OK ||
        e->salt_len < 8)
        return FG_EINVAL;
    struct fg_str h = next_field(&s);
    if (s.len != 0 || memchr(h.ptr, '$', h.len))
        return FG_EINVAL;
    if (smart_b64url_decode(h, e->hash, sizeof e->hash, &e->hash_len) != FG_OK ||
        e->hash_len < 16)
        return FG_EINVAL;
    return FG_OK;
}

enum fg_status smart_password_verify(struct fg_str password, const char *encoded, bool *match)
{
    struct encoded e;
    uint8_t got[64];
    bool real = encoded != NULL;
    *match = false;
    enum fg_status st = parse_encoded(real ? encoded : dummy_hash, &e);
    if (st != FG_OK)
        return st;
    if (password.len > SMART_PASSWORD_MAX_BYTES) {
        /* Refused before any work; the length itself is not secret. */
        st = FG_OK;
        goto out;
    }
    st = derive(password, e.salt, e.salt_len, e.log2n, e.r, e.p, got, e.hash_len);
    if (st != FG_OK)
        goto out;
    *match = real && CRYPTO_memcmp(got, e.hash, e.hash_len) == 0;
out:
    OPENSSL_cleanse(got, sizeof got);
    OPENSSL_cleanse(&e, sizeof e);
    return st;
}
