/* fuzz.h - shared helpers for libFuzzer targets (house style rule 19).
 *
 * A target defines LLVMFuzzerTestOneInput and checks its invariants with
 * FUZZ_CHECK, which prints the failed condition and aborts, so libFuzzer
 * records the input as a crash artifact. Targets must not keep state
 * between inputs (or free it all before returning: LeakSanitizer runs).
 */
#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FUZZ_CHECK failed (%s:%d): %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
