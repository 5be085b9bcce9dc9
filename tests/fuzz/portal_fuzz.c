/* portal_fuzz.c - libFuzzer target for the portal rules' input handling:
 * the input as typed activation code (normalize), as birthDate (age), and
 * as a resource JSON judged under every view.
 * Invariants: a normalized code is 15 alphabet characters and normalizes
 * to itself; an age is within 0..9999; a hidden reason is a known one and
 * nothing is ever hidden from no view while shown to a narrower one. */
#include "fuzz.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smart/authdb_activation.h"
#include "smart/portal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str s = fg_str_n((const char *)data, size);
    char code[SMART_ACTIVATION_CHARS + 1], again[SMART_ACTIVATION_CHARS + 1];
    if (smart_activation_code_normalize(s, code) == FG_OK) {
        FUZZ_CHECK(strlen(code) == SMART_ACTIVATION_CHARS);
        FUZZ_CHECK(smart_activation_code_normalize(fg_str_c(code), again) == FG_OK);
        FUZZ_CHECK(strcmp(code, again) == 0);
    } else {
        FUZZ_CHECK(code[0] == '\0');
    }
    int age = -1;
    if (smart_portal_age(s, 20780, &age) == FG_OK)
        FUZZ_CHECK(age >= 0 && age < 10000);
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (doc) {
        struct smart_portal_settings st;
        smart_portal_settings_default(&st);
        int64_t now = INT64_C(1795000000) * 1000000;
        enum smart_portal_hide lim = smart_portal_check(&st, now, SMART_VIEW_LIMITED, doc);
        enum smart_portal_hide full = smart_portal_check(&st, now, SMART_VIEW_FULL, doc);
        enum smart_portal_hide self = smart_portal_check(&st, now, SMART_VIEW_SELF, doc);
        FUZZ_CHECK(smart_portal_check(&st, now, SMART_VIEW_NONE, doc) == SMART_HIDE_NO_ACCESS);
        FUZZ_CHECK(full == self);
        FUZZ_CHECK(lim <= SMART_HIDE_OLD_NOTE);
        if (full != SMART_HIDE_NONE)
            FUZZ_CHECK(lim != SMART_HIDE_NONE);
        cJSON_Delete(doc);
    }
    return 0;
}
