/* index_normalize.c - string normalization for FHIR string search.
 *
 * "By default, a field matches a string query if the value of the field
 * equals or starts with the supplied parameter value, after both have been
 * normalized by case and accent" (http://hl7.org/fhir/R4/search.html#string).
 * Folded here: ASCII case, Latin-1 Supplement and Latin Extended-A letters
 * (U+00C0..U+017F) to their base letters (é → e, ß → ss, Æ → ae), white
 * space runs (and U+00A0) to one space, trimmed at both ends. Any other
 * byte, including invalid UTF-8, is copied unchanged.
 */
#include <stdint.h>
#include <string.h>

#include "index.h"

struct fold_range {
    unsigned short first, last; /* code points, inclusive */
    const char *to;             /* lower-case ASCII replacement */
};

/* Ranges mix upper and lower case: both fold to the same letters. */
static const struct fold_range folds[] = {
    {0x00C0, 0x00C5, "a"},  {0x00C6, 0x00C6, "ae"}, {0x00C7, 0x00C7, "c"},
    {0x00C8, 0x00CB, "e"},  {0x00CC, 0x00CF, "i"},  {0x00D0, 0x00D0, "d"},
    {0x00D1, 0x00D1, "n"},  {0x00D2, 0x00D6, "o"},  {0x00D8, 0x00D8, "o"},
    {0x00D9, 0x00DC, "u"},  {0x00DD, 0x00DD, "y"},  {0x00DE, 0x00DE, "th"},
    {0x00DF, 0x00DF, "ss"}, {0x00E0, 0x00E5, "a"},  {0x00E6, 0x00E6, "ae"},
    {0x00E7, 0x00E7, "c"},  {0x00E8, 0x00EB, "e"},  {0x00EC, 0x00EF, "i"},
    {0x00F0, 0x00F0, "d"},  {0x00F1, 0x00F1, "n"},  {0x00F2, 0x00F6, "o"},
    {0x00F8, 0x00F8, "o"},  {0x00F9, 0x00FC, "u"},  {0x00FD, 0x00FD, "y"},
    {0x00FE, 0x00FE, "th"}, {0x00FF, 0x00FF, "y"},  {0x0100, 0x0105, "a"},
    {0x0106, 0x010D, "c"},  {0x010E, 0x0111, "d"},  {0x0112, 0x011B, "e"},
    {0x011C, 0x0123, "g"},  {0x0124, 0x0127, "h"},  {0x0128, 0x0131, "i"},
    {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},  {0x0136, 0x0138, "k"},
    {0x0139, 0x0142, "l"},  {0x0143, 0x014B, "n"},  {0x014C, 0x0151, "o"},
    {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"},  {0x015A, 0x0161, "s"},
    {0x0162, 0x0167, "t"},  {0x0168, 0x0173, "u"},  {0x0174, 0x0175, "w"},
    {0x0176, 0x0178, "y"},  {0x0179, 0x017E, "z"},  {0x017F, 0x017F, "s"},
};

static const char *fold_of(unsigned cp)
{
    for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++) {
        if (cp >= folds[i].first && cp <= folds[i].last)
            return folds[i].to;
    }
    return NULL;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends one space unless the output is empty or already ends in one. */
static size_t put_space(char *out, size_t n)
{
    if (n > 0 && out[n - 1] != ' ')
        out[n++] = ' ';
    return n;
}

struct fg_str fhir_normalize_string(struct fg_pool *pool, struct fg_str s)
{
    /* every folded letter is two UTF-8 bytes and becomes at most two bytes */
    if (s.len == SIZE_MAX)
        return FG_STR_NULL;
    char *out = fg_pool_alloc(pool, s.len + 1);
    if (!out)
        return FG_STR_NULL;
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (is_space(c))
                n = put_space(out, n);
            else
                out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
            continue;
        }
        if (c >= 0xC2 && c <= 0xC5 && i + 1 < s.len && (p[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | (p[i + 1] & 0x3F);
            const char *to = cp == 0xA0 ? " " : fold_of(cp);
            if (to) {
                if (to[0] == ' ')
                    n = put_space(out, n);
                else
                    for (; *to; to++)
                        out[n++] = *to;
                i++;
                continue;
            }
        }
        out[n++] = (char)c;
    }
    if (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return fg_str_n(out, n);
}
