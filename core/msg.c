/*
 * Quoting values and naming fields in messages (msg.h), shared by the
 * encrypt_conf rules (encconf.c) and the logstore checks (logstore.c).
 * UTF-8 is checked by text.c's one check.
 */
#include "slsh/msg.h"
#include "slsh/text.h"

#include <stdio.h>
#include <string.h>

/* Offset of the first byte that breaks UTF-8 or is NUL, or `n`: the
 * strings a message quotes or a rule accepts never hold a NUL. */
size_t slsh_msg_utf8_bad_at(const char *s, size_t n)
{
  const char *nul = memchr(s, '\0', n);
  size_t bad = slsh_utf8_valid(s, nul ? (size_t)(nul - s) : n);

  return bad;
}

/* Render `s` for a message: quoted, at most SLSH_MSG_SHOW_MAX bytes,
 * control characters and bytes that are not UTF-8 as \xNN, so that a
 * hostile value can neither break the line nor make it unreadable. */
void slsh_msg_show(char *out, size_t outsz, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, o = 0, k;

  if(outsz < 8) {
    if(outsz)
      out[0] = '\0';
    return;
  }
  out[o++] = '\'';
  while(i < n && i < SLSH_MSG_SHOW_MAX && o + 8 < outsz) {
    k = slsh_utf8_seq(p + i, n - i);
    if(k > 1 && o + k + 4 < outsz) {
      memcpy(out + o, p + i, k);
      o += k;
      i += k;
    }
    else if(k == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\'' &&
            p[i] != '\\')
      out[o++] = (char)p[i++];
    else {
      o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", p[i++]);
    }
  }
  if(i < n && o + 4 < outsz) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o++] = '\'';
  out[o] = '\0';
}

/* Render a JSON value for "got ..." in a message. */
void slsh_msg_describe(char *out, size_t outsz, const json_t *v)
{
  char q[SLSH_MSG_QUOTED];

  switch(json_typeof(v)) {
  case JSON_OBJECT:
    snprintf(out, outsz, "an object");
    break;
  case JSON_ARRAY:
    snprintf(out, outsz, "an array");
    break;
  case JSON_STRING:
    slsh_msg_show(q, sizeof(q), json_string_value(v), json_string_length(v));
    snprintf(out, outsz, "the string %s", q);
    break;
  case JSON_INTEGER:
    snprintf(out, outsz, "the integer %" JSON_INTEGER_FORMAT,
             json_integer_value(v));
    break;
  case JSON_REAL:
    snprintf(out, outsz, "the number %g", json_real_value(v));
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    snprintf(out, outsz, "a boolean");
    break;
  case JSON_NULL:
  default:
    snprintf(out, outsz, "null");
    break;
  }
}

/* "a, b, c" of a NULL-terminated list, into `out`. */
void slsh_msg_list(char *out, size_t outsz, const char *const *list)
{
  size_t o = 0;
  int i;

  out[0] = '\0';
  for(i = 0; list[i] && o < outsz; i++)
    o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? ", " : "",
                          list[i]);
}

/* Levenshtein distance of two short strings, case-insensitive, capped at
 * 9; used only to suggest the name a typo meant. */
static int distance(const char *a, const char *b)
{
  int row[40], i, j, la = (int)strlen(a), lb = (int)strlen(b);

  if(la > 38 || lb > 38)
    return 9;
  for(j = 0; j <= lb; j++)
    row[j] = j;
  for(i = 1; i <= la; i++) {
    int diag = row[0], tmp;

    row[0] = i;
    for(j = 1; j <= lb; j++) {
      int ca = a[i - 1], cb = b[j - 1];
      int cost, best;

      if(ca >= 'A' && ca <= 'Z')
        ca += 'a' - 'A';
      if(cb >= 'A' && cb <= 'Z')
        cb += 'a' - 'A';
      if(ca == '-')
        ca = '_';
      if(cb == '-')
        cb = '_';
      cost = ca == cb ? 0 : 1;
      tmp = row[j];
      best = diag + cost;
      if(row[j] + 1 < best)
        best = row[j] + 1;
      if(row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = tmp;
    }
  }
  return row[lb] > 9 ? 9 : row[lb];
}

/* " (did you mean 'x'?)" when `s` is within two edits of a list entry,
 * else "". */
void slsh_msg_suggest(char *out, size_t outsz, const char *s,
                      const char *const *list)
{
  int i, best = 3, at = -1;

  out[0] = '\0';
  for(i = 0; list[i]; i++) {
    int d = distance(s, list[i]);

    if(d < best) {
      best = d;
      at = i;
    }
  }
  if(at >= 0)
    snprintf(out, outsz, " (did you mean '%s'?)", list[at]);
}

int slsh_msg_in_list(const char *s, const char *const *list)
{
  int i;

  for(i = 0; list[i]; i++)
    if(!strcmp(s, list[i]))
      return 1;
  return 0;
}

/* True when `s` can go into a field path as it is: short UTF-8 text
 * without control characters, quotes or backslashes. */
static int plain_key(const char *s)
{
  size_t n = strlen(s), i;

  if(n > SLSH_MSG_SHOW_MAX || slsh_msg_utf8_bad_at(s, n) < n)
    return 0;
  for(i = 0; i < n; i++)
    if((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\'' ||
       s[i] == '\\')
      return 0;
  return 1;
}

/* Join `prefix` (NULL for none) and a key into a dotted field path; a key
 * that is not plain text is shown quoted and escaped (it may be any bytes
 * the caller put there). */
void slsh_msg_path(char *out, size_t outsz, const char *prefix,
                   const char *key)
{
  char k[SLSH_MSG_QUOTED];

  if(plain_key(key))
    snprintf(k, sizeof(k), "%s", key);
  else
    slsh_msg_show(k, sizeof(k), key, strlen(key));
  /* A long key is cut short in the path; the message quotes it. */
  if(snprintf(out, outsz, "%s%s%s", prefix ? prefix : "",
              prefix ? "." : "", k) < 0)
    out[0] = '\0';
}

/* Check that `v` is a string of at most `max` bytes (at least one unless
 * `allow_empty`), valid UTF-8 without NUL. `rule` says what is expected.
 * Returns the string, or NULL with err set (code `code`). */
const char *slsh_msg_string(const json_t *v, const char *path,
                            size_t max, int allow_empty,
                            const char *rule, enum slsh_errcode code,
                            struct slsh_err *err)
{
  char got[SLSH_MSG_GOT];
  const char *s;
  size_t n, bad;

  if(!json_is_string(v)) {
    slsh_msg_describe(got, sizeof(got), v);
    slsh_err_set(err, code, path, "%s must be a string (%s), got %s", path,
                 rule, got);
    return NULL;
  }
  s = json_string_value(v);
  n = json_string_length(v);
  if(!n && !allow_empty) {
    slsh_err_set(err, code, path, "%s must not be empty (%s)", path, rule);
    return NULL;
  }
  if(n > max) {
    slsh_err_set(err, code, path,
                 "%s is %zu bytes long; at most %zu are allowed (%s)", path,
                 n, max, rule);
    return NULL;
  }
  bad = slsh_msg_utf8_bad_at(s, n);
  if(bad < n && !s[bad]) {
    slsh_err_set(err, code, path, "%s contains a NUL byte at offset %zu "
                 "(%s)", path, bad, rule);
    return NULL;
  }
  if(bad < n) {
    slsh_err_set(err, code, path,
                 "%s is not valid UTF-8 text (bad byte 0x%02X at offset "
                 "%zu) (%s)", path, (unsigned char)s[bad], bad, rule);
    return NULL;
  }
  return s;
}
