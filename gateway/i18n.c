/* i18n.c - catalogue lookup and the page language from Accept-Language.
 * RFC 9110 §12.5.4 (Accept-Language), §12.4.2 (quality values). */
#include "i18n.h"

#include <stddef.h>

const char *fg_i18n(enum fg_lang lang, enum fg_msg msg)
{
    if ((unsigned)msg >= FG_MSG_COUNT)
        return "";
    const char *s = lang == FG_LANG_ES ? fg_i18n_es[msg] : fg_i18n_en[msg];
    return s ? s : fg_i18n_en[msg];
}

bool fg_lang_from_code(struct fg_str code, enum fg_lang *out)
{
    if (fg_str_ieq_c(code, "en")) {
        *out = FG_LANG_EN;
        return true;
    }
    if (fg_str_ieq_c(code, "es")) {
        *out = FG_LANG_ES;
        return true;
    }
    return false;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000; -1 if malformed. */
static int parse_qvalue(struct fg_str v)
{
    if (v.len == 0 || v.len > 5 || (v.ptr[0] != '0' && v.ptr[0] != '1'))
        return -1;
    int q = (v.ptr[0] - '0') * 1000, scale = 100;
    if (v.len > 1 && v.ptr[1] != '.')
        return -1;
    for (size_t i = 2; i < v.len; i++, scale /= 10) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return -1;
        q += (v.ptr[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The quality of one "range;q=x" element (1000 when absent, -1 if malformed). */
static int element_quality(struct fg_str params)
{
    struct fg_str param, rest = params;
    int q = 1000;
    while (rest.len) {
        fg_str_split(rest, ';', &param, &rest);
        param = fg_str_trim(param);
        if (param.len >= 2 && (param.ptr[0] == 'q' || param.ptr[0] == 'Q') && param.ptr[1] == '=')
            q = parse_qvalue(fg_str_n(param.ptr + 2, param.len - 2));
        else if (param.len)
            return -1;
    }
    return q;
}

/* The language of a range: "es", "es-MX" → es; "*" → en; else false. */
static bool range_lang(struct fg_str range, enum fg_lang *out)
{
    struct fg_str primary, sub;
    if (fg_str_eq_c(range, "*")) {
        *out = FG_LANG_EN;
        return true;
    }
    fg_str_split(range, '-', &primary, &sub);
    return fg_lang_from_code(primary, out);
}

enum fg_lang fg_lang_negotiate(struct fg_str accept_language)
{
    enum fg_lang best = FG_LANG_EN;
    int best_q = 0;
    struct fg_str elem, rest = accept_language;
    while (rest.ptr && rest.len) {
        struct fg_str range, params;
        enum fg_lang lang;
        fg_str_split(rest, ',', &elem, &rest);
        if (!fg_str_split(elem, ';', &range, &params))
            params = fg_str_n("", 0);
        range = fg_str_trim(range);
        int q = element_quality(params);
        if (q > best_q && range_lang(range, &lang)) {
            best = lang;
            best_q = q;
        }
    }
    return best;
}
