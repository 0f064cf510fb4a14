/*
 * The small encodings every core module shares, one of each: hex, the
 * UTF-8 check, and UTC calendar dates. Signers, the credential chain, the
 * JSON parser and the encryption rules all call these instead of keeping
 * copies that could drift apart.
 */
#ifndef SLSH_TEXT_H
#define SLSH_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Write `n` bytes of `p` as 2n hex digits to `out` (lower or upper case).
 * No terminator is written. */
void slsh_hex(char *out, const unsigned char *p, size_t n, int upper);

/* Length of the valid UTF-8 sequence at `s` (`n` > 0 bytes available), or
 * 0 when the bytes there are not one. RFC 3629: overlong forms, UTF-16
 * surrogates and code points above U+10FFFF are refused. NUL is a valid
 * one-byte sequence; callers that refuse it check for it themselves. */
size_t slsh_utf8_seq(const unsigned char *s, size_t n);

/* Length of the valid UTF-8 prefix of `s`: `len` when all of it is valid,
 * else the offset of the first byte of the first bad sequence. */
size_t slsh_utf8_valid(const char *s, size_t len);

/* UTC calendar dates from seconds since the epoch, through the C
 * library's gmtime_r/timegm and our own English name tables, so that the
 * process locale never changes a date. Years 1 to 9999; outside, the
 * formatters return -1. Each buffer size counts the terminator. */
#define SLSH_TIME_HTTP_SIZE 30        /* "Mon, 03 Jan 2022 08:33:47 GMT" */
#define SLSH_TIME_BASIC_SIZE 17       /* "20220103T083347Z" */
#define SLSH_TIME_ISO8601_SIZE 21     /* "2022-01-03T08:33:47Z" */
int slsh_time_http(int64_t epoch, char out[SLSH_TIME_HTTP_SIZE]);
int slsh_time_basic(int64_t epoch, char out[SLSH_TIME_BASIC_SIZE]);
int slsh_time_iso8601(int64_t epoch, char out[SLSH_TIME_ISO8601_SIZE]);

/* Parse "yyyy-MM-ddTHH:mm:ss[.fraction]Z" (the fraction is dropped) into
 * seconds since the epoch; 0, or -1 when the text is not exactly that or
 * names a day that does not exist. */
int slsh_time_parse_iso8601(const char *s, int64_t *out);

#endif
