/* test.h - the unit-test harness: table-friendly checks, one binary per module.
 *
 * A test file defines `static void test_x(void)` functions and ends with
 * TEST_MAIN(test_a, test_b, ...). Each function is one test; it fails if
 * any CHECK in it fails. The binary prints one line per failed check and
 * ends with "N passed, N failed" (counted in tests).
 */
#ifndef FG_TEST_H
#define FG_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_checks;
static const char *test_current;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            test_failed_checks++;                                                              \
            fprintf(stderr, "FAIL %s (%s:%d): %s\n", test_current, __FILE__, __LINE__, #cond); \
        }                                                                                      \
    } while (0)

#define CHECK_STR(got, want)                                                                    \
    do {                                                                                        \
        const char *g_ = (got), *w_ = (want);                                                   \
        if (!g_ || strcmp(g_, w_) != 0) {                                                       \
            test_failed_checks++;                                                               \
            fprintf(stderr, "FAIL %s (%s:%d): %s = \"%s\", want \"%s\"\n", test_current,        \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);                          \
        }                                                                                       \
    } while (0)

/* Compares a slice (struct fg_str) with a C string. */
#define CHECK_SLICE(got, want)                                                                  \
    do {                                                                                        \
        struct fg_str g_ = (got);                                                               \
        const char *w_ = (want);                                                                \
        if (g_.len != strlen(w_) || (g_.len && memcmp(g_.ptr, w_, g_.len) != 0)) {              \
            test_failed_checks++;                                                               \
            fprintf(stderr, "FAIL %s (%s:%d): %s = \"%.*s\", want \"%s\"\n", test_current,      \
                    __FILE__, __LINE__, #got, (int)g_.len, g_.ptr ? g_.ptr : "", w_);           \
        }                                                                                       \
    } while (0)

#define CHECK_INT(got, want)                                                                    \
    do {                                                                                        \
        long long g_ = (long long)(got), w_ = (long long)(want);                                \
        if (g_ != w_) {                                                                         \
            test_failed_checks++;                                                               \
            fprintf(stderr, "FAIL %s (%s:%d): %s = %lld, want %lld\n", test_current, __FILE__,  \
                    __LINE__, #got, g_, w_);                                                    \
        }                                                                                       \
    } while (0)

typedef void (*test_fn)(void);

static inline int test_run_all(const char *file, const test_fn *fns, const char *const *names,
                               size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        int before = test_failed_checks;
        test_current = names[i];
        fns[i]();
        if (test_failed_checks == before)
            passed++;
        else
            failed++;
    }
    printf("%s: %d passed, %d failed\n", file, passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                                   \
    int main(void)                                                                       \
    {                                                                                    \
        static const test_fn fns_[] = {__VA_ARGS__};                                     \
        static const char names_[] = #__VA_ARGS__;                                       \
        const char *names[sizeof fns_ / sizeof fns_[0]];                                 \
        static char buf_[sizeof names_];                                                 \
        memcpy(buf_, names_, sizeof names_);                                             \
        size_t k_ = 0;                                                                   \
        char *p_ = buf_;                                                                 \
        while (k_ < sizeof fns_ / sizeof fns_[0]) {                                      \
            while (*p_ == ' ' || *p_ == ',')                                             \
                p_++;                                                                    \
            names[k_++] = p_;                                                            \
            while (*p_ && *p_ != ',')                                                    \
                p_++;                                                                    \
            if (*p_)                                                                     \
                *p_++ = '\0';                                                            \
        }                                                                                \
        return test_run_all(__FILE__, fns_, names, sizeof fns_ / sizeof fns_[0]);        \
    }

#endif
