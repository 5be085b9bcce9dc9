/* pkce.c - PKCE S256 (RFC 7636 §4.1, §4.2, §4.6). */
#include "pkce.h"

#include <openssl/crypto.h>

#include "b64.h"
#include "token.h"

static bool verifier_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

bool smart_pkce_verifier_valid(struct fg_str s)
{
    if (s.len < SMART_PKCE_VERIFIER_MIN || s.len > SMART_PKCE_VERIFIER_MAX)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!verifier_char((unsigned char)s.ptr[i]))
            return false;
    return true;
}

static bool challenge_valid(struct fg_str c)
{
    return c.len == SMART_PKCE_CHALLENGE_LEN && smart_b64url_is_alphabet(c);
}

enum fg_status smart_pkce_check_request(struct fg_str method, struct fg_str challenge,
                                        struct fg_error *err)
{
    if (method.len == 0)
        return fg_error_set(err, FG_EINVAL, "code_challenge_method",
                            "code_challenge_method is required (S256)");
    if (!fg_str_eq_c(method, "S256"))
        return fg_error_set(err, FG_ENOTSUP, "code_challenge_method",
                            "only code_challenge_method S256 is supported");
    if (challenge.len == 0)
        return fg_error_set(err, FG_EINVAL, "code_challenge", "code_challenge is required");
    if (!challenge_valid(challenge))
        return fg_error_set(err, FG_EINVAL, "code_challenge",
                            "code_challenge must be 43 base64url characters (S256)");
    return FG_OK;
}

enum fg_status smart_pkce_verify(struct fg_str verifier, struct fg_str challenge,
                                 struct fg_error *err)
{
    if (verifier.len == 0)
        return fg_error_set(err, FG_EINVAL, "code_verifier", "code_verifier is required");
    if (!smart_pkce_verifier_valid(verifier))
        return fg_error_set(err, FG_EINVAL, "code_verifier",
                            "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]");
    if (!challenge_valid(challenge))
        return fg_error_set(err, FG_EINVAL, "code_verifier", "no usable code_challenge");
    /* A verifier equal to the challenge is a `plain` attempt: S256 of a
     * string is never the string itself, but say so explicitly. */
    if (verifier.len == challenge.len && CRYPTO_memcmp(verifier.ptr, challenge.ptr, verifier.len) == 0)
        return fg_error_set(err, FG_EINVAL, "code_verifier",
                            "code_verifier does not match (plain is not supported)");
    uint8_t digest[32];
    char enc[SMART_PKCE_CHALLENGE_LEN + 1];
    smart_sha256(verifier.ptr, verifier.len, digest);
    if (smart_b64url_encode(digest, sizeof digest, enc, sizeof enc, NULL) != FG_OK)
        return fg_error_set(err, FG_EINVAL, "code_verifier", "code_verifier does not match");
    int diff = CRYPTO_memcmp(enc, challenge.ptr, SMART_PKCE_CHALLENGE_LEN);
    OPENSSL_cleanse(digest, sizeof digest);
    if (diff != 0)
        return fg_error_set(err, FG_EINVAL, "code_verifier", "code_verifier does not match");
    return FG_OK;
}
