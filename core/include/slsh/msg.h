/*
 * msg: how the rule-checking modules (encconf, logstore) quote values and
 * name fields in their error messages, and how they check a string.
 *
 * Every message these modules write may quote a value that came from the
 * world (a hostile service answer, a user's file): the helpers here keep
 * such a value from breaking the line or the terminal, cut it short, and
 * say what type a wrong value had. Pure functions, no allocation.
 */
#ifndef SLSH_MSG_H
#define SLSH_MSG_H

#include <stddef.h>
#include <jansson.h>

#include "slsh/err.h"

/* How much of a value a message quotes (a whole usual ARN), and the
 * buffer sizes that always hold what slsh_msg_show and
 * slsh_msg_describe write (each byte may become \xNN). */
#define SLSH_MSG_SHOW_MAX 96
#define SLSH_MSG_QUOTED (SLSH_MSG_SHOW_MAX * 4 + 16)
#define SLSH_MSG_GOT (SLSH_MSG_SHOW_MAX * 4 + 32)

/* Offset of the first byte of s[0..n) that breaks UTF-8 (or is NUL), or
 * `n` when there is none. */
size_t slsh_msg_utf8_bad_at(const char *s, size_t n);

/* `s` (n bytes) quoted for a message: at most SLSH_MSG_SHOW_MAX bytes,
 * control characters and non-UTF-8 bytes as \xNN. */
void slsh_msg_show(char *out, size_t outsz, const char *s, size_t n);

/* "an object", "the string '...'", "the integer 5", ... for "got ...". */
void slsh_msg_describe(char *out, size_t outsz, const json_t *v);

/* "a, b, c" of a NULL-terminated list. */
void slsh_msg_list(char *out, size_t outsz, const char *const *list);

/* " (did you mean 'x'?)" when `s` is within two edits of an entry of the
 * NULL-terminated `list`, else "". */
void slsh_msg_suggest(char *out, size_t outsz, const char *s,
                      const char *const *list);

/* 1 when `s` is an entry of the NULL-terminated `list`. */
int slsh_msg_in_list(const char *s, const char *const *list);

/* `prefix`.`key` as a field path (`prefix` NULL for none); a key that is
 * not plain text is quoted and escaped. */
void slsh_msg_path(char *out, size_t outsz, const char *prefix,
                   const char *key);

/* Check that `v` is a string of at most `max` bytes (at least one unless
 * `allow_empty`), valid UTF-8 without NUL; `rule` says what is expected.
 * Returns the string, or NULL with err set (code `code`, field `path`). */
const char *slsh_msg_string(const json_t *v, const char *path, size_t max,
                            int allow_empty, const char *rule,
                            enum slsh_errcode code, struct slsh_err *err);

#endif
