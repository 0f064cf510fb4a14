/* Small platform helpers: clocks and randomness. */
#ifndef SLSH_UTIL_H
#define SLSH_UTIL_H

#include <stddef.h>

/* Seconds on a monotonic clock (for timeouts and rates). */
double slsh_monotime(void);

/* Seconds since the Unix epoch, with sub-second precision. */
double slsh_walltime(void);

/* Fill `buf` with `n` cryptographically random bytes; 0 or -1. */
int slsh_random(void *buf, size_t n);

/* Sleep for `seconds` (fractions allowed); interrupted sleeps resume. */
void slsh_sleep(double seconds);

#endif
