/* authz_csrf.c - session-bound CSRF token check (OWASP synchronizer token pattern). */
#include "authz_csrf.h"

#include <openssl/crypto.h>
#include <string.h>

bool fg_authz_csrf_ok(const char *expected, struct fg_str given)
{
    if (!expected || !given.ptr)
        return false;
    size_t n = strlen(expected);
    if (n == 0 || given.len != n)
        return false;
    return CRYPTO_memcmp(expected, given.ptr, n) == 0;
}
