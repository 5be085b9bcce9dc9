/* store_upstream_page.c - sealed paging positions: the upstream's paging
 * state handed to clients (search _cursor, history _page) so that a client
 * can neither forge one nor move one to another request.
 *
 * A sealed position is "<state>~<mac>": state is the paging part of the
 * upstream's own next/previous link (store_upstream_parse.c:
 * up_link_state), mac the first 16 bytes of HMAC-SHA256, in hex, over the
 * kind ("search", "history"), the request the gateway rebuilds for the
 * page (type, filters and compartment; or the history path, _count and
 * _since) and the state. The gateway never follows a link as given: every
 * page is its own request on the upstream base plus this state, so a
 * client cannot steer it to another URL, and a state it did not get for
 * this very request (another query, another patient's compartment,
 * another resource's history, a stored search id of some other client's
 * search) is refused. The key is upstream_paging_key (several gateway
 * processes behind one address must share it) or random per process.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "../core/fg_limits.h"
#include "store_upstream_internal.h"

#define MAC_LEN 16

enum fg_status up_paging_key_init(struct up_store *s, const char *secret, struct fg_error *err)
{
    if (secret && secret[0]) {
        SHA256((const unsigned char *)secret, strlen(secret), s->paging_key);
        return FG_OK;
    }
    if (RAND_bytes(s->paging_key, sizeof s->paging_key) != 1)
        return fg_error_set(err, FG_EIO, NULL, "no randomness for the upstream paging key");
    return FG_OK;
}

/* The hex MAC of kind, bound and state into hex[2 * MAC_LEN + 1]. */
static bool mac_hex(const struct up_store *s, const char *kind, struct fg_str bound,
                    struct fg_str state, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    struct fg_buf msg;
    fg_buf_init(&msg, 2 * FG_MAX_URL_BYTES * 4 + FG_MAX_UPSTREAM_CURSOR + 64);
    bool ok = fg_buf_append_c(&msg, kind) == FG_OK && fg_buf_append_char(&msg, '\n') == FG_OK &&
              fg_buf_append_str(&msg, bound) == FG_OK && fg_buf_append_char(&msg, '\n') == FG_OK &&
              fg_buf_append_str(&msg, state) == FG_OK;
    ok = ok &&
         HMAC(EVP_sha256(), s->paging_key, sizeof s->paging_key, (const unsigned char *)msg.data,
              msg.len, full, &len) &&
         len >= MAC_LEN;
    fg_buf_cleanup(&msg);
    for (size_t i = 0; ok && i < MAC_LEN; i++) {
        hex[2 * i] = digits[full[i] >> 4];
        hex[2 * i + 1] = digits[full[i] & 15];
    }
    hex[ok ? 2 * MAC_LEN : 0] = '\0';
    return ok;
}

struct fg_str up_page_seal(struct fg_pool *pool, const struct up_store *s, const char *kind,
                           struct fg_str bound, struct fg_str state)
{
    char hex[2 * MAC_LEN + 1];
    if (!state.len || state.len > FG_MAX_UPSTREAM_CURSOR || !mac_hex(s, kind, bound, state, hex))
        return FG_STR_NULL;
    char *out = fg_pool_alloc(pool, state.len + 1 + 2 * MAC_LEN + 1);
    if (!out)
        return FG_STR_NULL;
    memcpy(out, state.ptr, state.len);
    out[state.len] = '~';
    memcpy(out + state.len + 1, hex, 2 * MAC_LEN + 1);
    return fg_str_n(out, state.len + 1 + 2 * MAC_LEN);
}

enum fg_status up_page_open(const struct up_store *s, const char *kind, struct fg_str bound,
                            struct fg_str sealed, const char *param, struct fg_str *state,
                            struct fg_error *err)
{
    char want[2 * MAC_LEN + 1];
    size_t at = sealed.len;
    while (at > 0 && sealed.ptr[at - 1] != '~')
        at--;
    bool ok = at > 1 && sealed.len - at == 2 * MAC_LEN && at - 1 <= FG_MAX_UPSTREAM_CURSOR;
    struct fg_str st = ok ? fg_str_n(sealed.ptr, at - 1) : FG_STR_NULL;
    ok = ok && mac_hex(s, kind, bound, st, want) &&
         CRYPTO_memcmp(want, sealed.ptr + at, 2 * MAC_LEN) == 0;
    if (!ok)
        return fg_error_set(err, FG_EINVAL, param,
                            "%s is not a page of this %s (use the Bundle's links; they hold "
                            "only for the request that gave them)",
                            param, kind);
    *state = st;
    return FG_OK;
}
