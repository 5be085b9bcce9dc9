/* b64.c - base64url without padding (RFC 4648 §5).
 * https://www.rfc-editor.org/rfc/rfc4648#section-5 */
#include "b64.h"

#include "../core/fg_mem.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of a base64url character, or -1. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

size_t smart_b64url_encoded_len(size_t n)
{
    return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t smart_b64url_decoded_max(size_t n)
{
    return (n / 4) * 3 + (n % 4 == 0 ? 0 : n % 4 - 1 + (n % 4 == 1));
}

bool smart_b64url_is_alphabet(struct fg_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (b64_value((unsigned char)s.ptr[i]) < 0)
            return false;
    return true;
}

enum fg_status smart_b64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size,
                                   size_t *out_len)
{
    if (n >= SIZE_MAX / 2)
        return FG_ETOOBIG;
    size_t need = smart_b64url_encoded_len(n);
    if (out_size < need + 1)
        return FG_ETOOBIG;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return FG_OK;
}

enum fg_status smart_b64url_decode(struct fg_str in, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (in.len % 4 == 1)
        return FG_EINVAL;
    if (!smart_b64url_is_alphabet(in))
        return FG_EINVAL;
    size_t need = smart_b64url_decoded_max(in.len);
    if (out_size < need)
        return FG_ETOOBIG;
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t o = 0, i = 0;
    for (; i + 4 <= in.len; i += 4) {
        uint32_t v = (uint32_t)b64_value(p[i]) << 18 | (uint32_t)b64_value(p[i + 1]) << 12 |
                     (uint32_t)b64_value(p[i + 2]) << 6 | (uint32_t)b64_value(p[i + 3]);
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    size_t rest = in.len - i;
    if (rest == 2) {
        uint32_t v = (uint32_t)b64_value(p[i]) << 18 | (uint32_t)b64_value(p[i + 1]) << 12;
        if (v & 0xffff) /* unused bits must be zero: one encoding per value */
            return FG_EINVAL;
        out[o++] = (uint8_t)(v >> 16);
    } else if (rest == 3) {
        uint32_t v = (uint32_t)b64_value(p[i]) << 18 | (uint32_t)b64_value(p[i + 1]) << 12 |
                     (uint32_t)b64_value(p[i + 2]) << 6;
        if (v & 0xff)
            return FG_EINVAL;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
    }
    *out_len = o;
    return FG_OK;
}

enum fg_status smart_b64url_decode_alloc(struct fg_str in, size_t max, uint8_t **out,
                                         size_t *out_len)
{
    size_t need = smart_b64url_decoded_max(in.len);
    if (need > max)
        return FG_ETOOBIG;
    uint8_t *buf = fg_malloc(need + 1);
    if (!buf)
        return FG_ENOMEM;
    size_t n = 0;
    enum fg_status st = smart_b64url_decode(in, buf, need, &n);
    if (st != FG_OK) {
        fg_free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return FG_OK;
}
