/* i18n_lang_fuzz.c - libFuzzer target for fg_lang_negotiate (Accept-Language
 * from the browser). Invariants: the answer is a supported language; a
 * header that never names es (any case) gives English; appending
 * ",es;q=0" never changes the answer. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool names_es(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if ((d[i] | 0x20) == 'e' && (d[i + 1] | 0x20) == 's')
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str h = fg_str_n((const char *)data, size);
    enum fg_lang l = fg_lang_negotiate(h);
    assert(l == FG_LANG_EN || l == FG_LANG_ES);
    if (!names_es(data, size))
        assert(l == FG_LANG_EN);
    char *more = malloc(size + 8);
    if (!more)
        return 0;
    memcpy(more, data, size);
    memcpy(more + size, ",es;q=0", 7);
    assert(fg_lang_negotiate(fg_str_n(more, size + 7)) == l);
    free(more);
    return 0;
}
