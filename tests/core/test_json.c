/*
 * slsh_json: decoding then encoding a cloud document gives back the same
 * document (the corpus in tests/core/json_corpus/), non-canonical input is
 * normalised as documented, malformed input fails with the right code at
 * the right byte, and the limits hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/json.h"
#include "slsh/text.h"

/* A corpus file line split at tabs (at most 4 fields). */
struct line {
  char *field[4];
  size_t len[4];
  int n;
};

static FILE *corpus_open(const char *name)
{
  char path[1024];
  const char *root = getenv("SLSH_SOURCE_DIR");
  FILE *f;

  snprintf(path, sizeof(path), "%s/tests/core/json_corpus/%s",
           root && *root ? root : ".", name);
  f = fopen(path, "rb");
  if(!f)
    fail_msg("cannot open %s (set SLSH_SOURCE_DIR to the source tree)",
             path);
  return f;
}

/* Read the next data line (skipping comments and blank lines) into `buf`
 * and split it. Returns 0 at the end of the file. */
static int corpus_next(FILE *f, char **buf, size_t *cap, struct line *l)
{
  ssize_t n;

  while((n = getline(buf, cap, f)) >= 0) {
    char *p = *buf, *tab;

    if(n && p[n - 1] == '\n')
      p[--n] = '\0';
    if(!n || p[0] == '#')
      continue;
    l->n = 0;
    for(;;) {
      tab = l->n < 3 ? strchr(p, '\t') : NULL;
      l->field[l->n] = p;
      l->len[l->n] = tab ? (size_t)(tab - p) : strlen(p);
      l->n++;
      if(!tab)
        break;
      *tab = '\0';
      p = tab + 1;
    }
    return 1;
  }
  return 0;
}

/* Decode %HH escapes in place (malformed.txt); returns the new length. */
static size_t pct_decode(char *s, size_t n)
{
  size_t i, o = 0;

  for(i = 0; i < n; i++) {
    if(s[i] == '%' && i + 2 < n) {
      char hex[3] = {s[i + 1], s[i + 2], 0};

      s[o++] = (char)strtol(hex, NULL, 16);
      i += 2;
    }
    else
      s[o++] = s[i];
  }
  return o;
}

static char *dump(const json_t *j, unsigned flags, size_t *len)
{
  struct slsh_json_opts o = {0, 0, flags};
  struct slsh_err err;
  char *s = slsh_json_dumps(j, &o, len, &err);

  if(!s)
    fail_msg("dump failed: %s", err.message);
  return s;
}

static json_t *parse_ok(const char *text, size_t len, const char *name)
{
  struct slsh_err err;
  size_t off;
  json_t *j = slsh_json_parse(text, len, NULL, &err, &off);

  if(!j)
    fail_msg("%s: parse failed: %s: %s", name, slsh_err_code(err.code),
             err.message);
  return j;
}

/* Every object in `j` has its keys in bytewise order. */
static int keys_sorted(json_t *j)
{
  const char *key, *prev = NULL;
  size_t klen, plen = 0, i;
  json_t *v;

  if(json_is_array(j)) {
    for(i = 0; i < json_array_size(j); i++)
      if(!keys_sorted(json_array_get(j, i)))
        return 0;
    return 1;
  }
  if(!json_is_object(j))
    return 1;
  json_object_keylen_foreach(j, key, klen, v) {
    if(prev) {
      int c = memcmp(prev, key, plen < klen ? plen : klen);

      if(c > 0 || (c == 0 && plen >= klen))
        return 0;
    }
    prev = key;
    plen = klen;
    if(!keys_sorted(v))
      return 0;
  }
  return 1;
}

/* Deep equality that, unlike json_equal, finds keys holding NUL bytes. */
static int tree_equal(json_t *a, json_t *b)
{
  const char *key;
  size_t klen, i;
  json_t *v;

  if(json_typeof(a) != json_typeof(b))
    return 0;
  if(json_is_array(a)) {
    if(json_array_size(a) != json_array_size(b))
      return 0;
    for(i = 0; i < json_array_size(a); i++)
      if(!tree_equal(json_array_get(a, i), json_array_get(b, i)))
        return 0;
    return 1;
  }
  if(json_is_object(a)) {
    if(json_object_size(a) != json_object_size(b))
      return 0;
    json_object_keylen_foreach(a, key, klen, v) {
      json_t *w = json_object_getn(b, key, klen);

      if(!w || !tree_equal(v, w))
        return 0;
    }
    return 1;
  }
  if(json_is_string(a))
    return json_string_length(a) == json_string_length(b) &&
      !memcmp(json_string_value(a), json_string_value(b),
              json_string_length(a));
  return json_equal(a, b);
}

static void assert_text(const char *name, const char *got, size_t gotlen,
                        const char *want, size_t wantlen)
{
  if(gotlen != wantlen || memcmp(got, want, wantlen))
    fail_msg("%s:\n got  %.*s\n want %.*s", name, (int)(gotlen > 300 ? 300 :
             gotlen), got, (int)(wantlen > 300 ? 300 : wantlen), want);
}

/* Compact output with the original order is the document itself; pretty
 * and sorted outputs read back to the same value, sorted really sorts. */
static void test_roundtrip_corpus(void **state)
{
  FILE *f = corpus_open("roundtrip.txt");
  char *buf = NULL;
  size_t cap = 0, len;
  struct line l;
  int count = 0;

  (void)state;
  while(corpus_next(f, &buf, &cap, &l)) {
    const char *name = l.field[0];
    json_t *j, *again;
    char *s, *p;
    size_t plen;

    assert_int_equal(l.n, 2);
    j = parse_ok(l.field[1], l.len[1], name);
    s = dump(j, 0, &len);
    assert_text(name, s, len, l.field[1], l.len[1]);
    free(s);

    p = dump(j, SLSH_JSON_PRETTY, &plen);
    again = parse_ok(p, plen, name);
    s = dump(again, 0, &len);
    assert_text(name, s, len, l.field[1], l.len[1]);
    free(s);
    free(p);
    json_decref(again);

    p = dump(j, SLSH_JSON_SORT_KEYS, &plen);
    again = parse_ok(p, plen, name);
    if(!tree_equal(j, again) || !keys_sorted(again))
      fail_msg("%s: sorted output differs or is not sorted: %s", name, p);
    s = dump(again, 0, &len);
    assert_text(name, s, len, p, plen);
    free(s);
    free(p);
    json_decref(again);
    json_decref(j);
    count++;
  }
  free(buf);
  fclose(f);
  assert_true(count >= 50);
}

/* Non-canonical input becomes the documented canonical text, which is a
 * fixed point. */
static void test_normalise_corpus(void **state)
{
  FILE *f = corpus_open("normalise.txt");
  char *buf = NULL;
  size_t cap = 0, len;
  struct line l;
  int count = 0;

  (void)state;
  while(corpus_next(f, &buf, &cap, &l)) {
    json_t *j;
    char *s;

    assert_int_equal(l.n, 3);
    j = parse_ok(l.field[1], l.len[1], l.field[0]);
    s = dump(j, 0, &len);
    assert_text(l.field[0], s, len, l.field[2], l.len[2]);
    free(s);
    json_decref(j);
    j = parse_ok(l.field[2], l.len[2], l.field[0]);
    s = dump(j, 0, &len);
    assert_text(l.field[0], s, len, l.field[2], l.len[2]);
    free(s);
    json_decref(j);
    count++;
  }
  free(buf);
  fclose(f);
  assert_true(count >= 30);
}

/* Each malformed document fails with its code at its byte offset, and
 * the message says that offset. */
static void test_malformed_corpus(void **state)
{
  FILE *f = corpus_open("malformed.txt");
  char *buf = NULL;
  size_t cap = 0;
  struct line l;
  int count = 0;

  (void)state;
  while(corpus_next(f, &buf, &cap, &l)) {
    struct slsh_err err;
    size_t n, off = (size_t)-1, want;
    char at[64];
    json_t *j;

    assert_int_equal(l.n, 4);
    want = (size_t)strtoul(l.field[1], NULL, 10);
    n = pct_decode(l.field[3], l.len[3]);
    j = slsh_json_parse(l.field[3], n, NULL, &err, &off);
    if(j) {
      json_decref(j);
      fail_msg("%s: accepted", l.field[0]);
    }
    if(strcmp(slsh_err_code(err.code), l.field[2]) || off != want)
      fail_msg("%s: got %s at %zu (%s), want %s at %zu", l.field[0],
               slsh_err_code(err.code), off, err.message, l.field[2], want);
    snprintf(at, sizeof(at), "at byte %zu", want);
    if(!strstr(err.message, at))
      fail_msg("%s: message does not say '%s': %s", l.field[0], at,
               err.message);
    count++;
  }
  free(buf);
  fclose(f);
  assert_true(count >= 30);
}

/* The messages say what was expected, in words a person can act on. */
static void test_messages(void **state)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    {"{\"a\":1 \"b\":2}", "expected ',' or '}' at byte 7"},
    {"[1,2", "expected ',' or ']' at byte 4 (end of text)"},
    {"{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7"},
    {"[1,2,]", "expected a value at byte 5 (trailing comma)"},
    {"{\"a\":1,}", "expected a string key at byte 7 (trailing comma)"},
    {"[NaN]", "expected a value at byte 1 (NaN and Infinity are not JSON)"},
    {"// x", "expected a value at byte 0 (comments are not JSON)"},
    {"{'a':1}", "expected a string key at byte 1 (strings need double "
     "quotes)"},
    {"\"\\ud800\"", "lone high surrogate \\ud800 (expected a \\udc00-\\udfff "
     "escape after it) at byte 1"},
    {"1e400", "number 1e400 is out of the range of a double at byte 0"},
    {"9223372036854775808", "integer 9223372036854775808 does not fit in 64 "
     "bits at byte 0"},
    {"\"abc", "unterminated string (opened at byte 0) at byte 4 (end of "
     "text)"},
    {"\"\xff\"", "invalid UTF-8 (byte 0xff) in a string at byte 1"},
    {"01", "number with a leading zero at byte 0"},
    {"{\"a\" 1}", "expected ':' after an object key at byte 5"},
    {"[] x", "expected the end of the text after the value at byte 3"},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct slsh_err err;
    json_t *j = slsh_json_parse(cases[i].text, strlen(cases[i].text), NULL,
                                &err, NULL);

    assert_null(j);
    assert_string_equal(err.message, cases[i].message);
  }
}

static const char pretty_doc[] =
  "{\"z\":1,\"a\":[1,{\"b\":[],\"a\":null}],\"m\":{},\"s\":\"x\\ny\","
  "\"f\":[0.5,-0.0]}";

/* Pretty output: 2-space indent, "key": value, empty containers inline. */
static void test_pretty_known(void **state)
{
  static const char want[] =
    "{\n"
    "  \"z\": 1,\n"
    "  \"a\": [\n"
    "    1,\n"
    "    {\n"
    "      \"b\": [],\n"
    "      \"a\": null\n"
    "    }\n"
    "  ],\n"
    "  \"m\": {},\n"
    "  \"s\": \"x\\ny\",\n"
    "  \"f\": [\n"
    "    0.5,\n"
    "    -0.0\n"
    "  ]\n"
    "}";
  static const char want_sorted[] =
    "{\n"
    "  \"a\": [\n"
    "    1,\n"
    "    {\n"
    "      \"a\": null,\n"
    "      \"b\": []\n"
    "    }\n"
    "  ],\n"
    "  \"f\": [\n"
    "    0.5,\n"
    "    -0.0\n"
    "  ],\n"
    "  \"m\": {},\n"
    "  \"s\": \"x\\ny\",\n"
    "  \"z\": 1\n"
    "}";
  json_t *j = parse_ok(pretty_doc, strlen(pretty_doc), "pretty");
  size_t len;
  char *s;

  (void)state;
  s = dump(j, SLSH_JSON_PRETTY, &len);
  assert_string_equal(s, want);
  free(s);
  s = dump(j, SLSH_JSON_PRETTY | SLSH_JSON_SORT_KEYS, &len);
  assert_string_equal(s, want_sorted);
  free(s);
  s = dump(j, 0, &len);
  assert_string_equal(s, pretty_doc);
  free(s);
  json_decref(j);
  /* Tabs, CR and LF are whitespace too. */
  j = parse_ok("\t{\r\n\"a\" :\t[ ]\n}\r\n", 17, "ws");
  s = dump(j, 0, &len);
  assert_string_equal(s, "{\"a\":[]}");
  free(s);
  json_decref(j);
}

/* Sorting is bytewise: upper case first, a prefix before longer keys,
 * keys with NUL bytes in their place, UTF-8 after ASCII. */
static void test_sort_keys_known(void **state)
{
  static const char doc[] =
    "{\"b\":1,\"a\":{\"d\":1,\"c\":2},\"\":0,\"a\\u0000\":3,\"B\":4,"
    "\"\xc3\xa9\":5,\"aa\":6}";
  static const char want[] =
    "{\"\":0,\"B\":4,\"a\":{\"c\":2,\"d\":1},\"a\\u0000\":3,\"aa\":6,"
    "\"b\":1,\"\xc3\xa9\":5}";
  json_t *j = parse_ok(doc, strlen(doc), "sort");
  size_t len;
  char *s;

  (void)state;
  s = dump(j, SLSH_JSON_SORT_KEYS, &len);
  assert_string_equal(s, want);
  free(s);
  json_decref(j);
}

static char *repeat(const char *open, size_t n, const char *mid,
                    const char *close, size_t *len)
{
  size_t a = strlen(open), b = strlen(mid), c = strlen(close), i;
  char *s = malloc(n * (a + c) + b + 1), *p = s;

  assert_non_null(s);
  for(i = 0; i < n; i++, p += a)
    memcpy(p, open, a);
  memcpy(p, mid, b);
  p += b;
  for(i = 0; i < n; i++, p += c)
    memcpy(p, close, c);
  *p = '\0';
  *len = (size_t)(p - s);
  return s;
}

/* Nesting: the default limit is 512, counted in open containers; a depth
 * bomb stops at the limit; the limit can be chosen up to 4096. */
static void test_depth_limits(void **state)
{
  struct slsh_json_opts o = {0, 0, 0};
  struct slsh_err err;
  size_t len, off;
  json_t *j;
  char *s;

  (void)state;
  s = repeat("[", 512, "", "]", &len);
  j = slsh_json_parse(s, len, NULL, &err, &off);
  assert_non_null(j);
  json_decref(j);
  free(s);

  s = repeat("[", 513, "", "]", &len);
  assert_null(slsh_json_parse(s, len, NULL, &err, &off));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  assert_int_equal(off, 512);
  assert_string_equal(err.message, "nesting deeper than 512 at byte 512");
  free(s);

  s = repeat("{\"a\":", 513, "1", "}", &len);
  assert_null(slsh_json_parse(s, len, NULL, &err, &off));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  assert_int_equal(off, 512 * 5);
  free(s);

  /* 100000 '[' and nothing else: refused at the limit, no stack spent. */
  s = malloc(100000);
  assert_non_null(s);
  memset(s, '[', 100000);
  assert_null(slsh_json_parse(s, 100000, NULL, &err, &off));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  assert_int_equal(off, 512);
  o.max_depth = SLSH_JSON_MAX_DEPTH;
  assert_null(slsh_json_parse(s, 100000, &o, &err, &off));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  assert_int_equal(off, SLSH_JSON_MAX_DEPTH);
  free(s);

  o.max_depth = 3;
  j = slsh_json_parse("[{\"a\":[]}]", 10, &o, &err, &off);
  assert_non_null(j);
  /* The dump limit counts the same way. */
  assert_null(slsh_json_dumps(j, &(struct slsh_json_opts){2, 0, 0}, NULL,
                              &err));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  json_decref(j);
  assert_null(slsh_json_parse("[{\"a\":[[]]}]", 12, &o, &err, &off));
  assert_int_equal(err.code, SLSH_E_JSON_DEPTH);
  assert_int_equal(off, 7);

  o.max_depth = SLSH_JSON_MAX_DEPTH;
  s = repeat("[", SLSH_JSON_MAX_DEPTH, "", "]", &len);
  j = slsh_json_parse(s, len, &o, &err, &off);
  assert_non_null(j);
  free(s);
  s = slsh_json_dumps(j, &o, &len, &err);
  assert_non_null(s);
  assert_int_equal(len, 2 * SLSH_JSON_MAX_DEPTH);
  free(s);
  json_decref(j);

  o.max_depth = SLSH_JSON_MAX_DEPTH + 1;
  assert_null(slsh_json_parse("[]", 2, &o, &err, &off));
  assert_int_equal(err.code, SLSH_E_INVALID_ARGUMENT);
}

/* The size limit is checked before anything is read: a 100 MB string is
 * refused at once under the 64 MB default. */
static void test_size_limits(void **state)
{
  struct slsh_json_opts o = {0, 10, 0};
  size_t big = (size_t)100 * 1024 * 1024, off;
  struct slsh_err err;
  json_t *j;
  char *s;

  (void)state;
  s = malloc(big);
  assert_non_null(s);
  s[0] = '"';
  memset(s + 1, 'a', big - 2);
  s[big - 1] = '"';
  assert_null(slsh_json_parse(s, big, NULL, &err, &off));
  assert_int_equal(err.code, SLSH_E_TOO_LARGE);
  assert_int_equal(off, SLSH_JSON_DEFAULT_SIZE);
  free(s);

  j = slsh_json_parse("[1,2,3,45]", 10, &o, &err, &off);
  assert_non_null(j);
  json_decref(j);
  assert_null(slsh_json_parse("[1,2,3,456]", 11, &o, &err, &off));
  assert_int_equal(err.code, SLSH_E_TOO_LARGE);
  assert_int_equal(off, 10);
}

/* Floats: shortest text that reads back, always recognisable as a float. */
static void test_format_real(void **state)
{
  static const struct {
    double d;
    const char *text;
  } cases[] = {
    {0.1, "0.1"}, {1.0, "1.0"}, {-0.0, "-0.0"}, {0.0, "0.0"},
    {1e-300, "1e-300"}, {1.5e300, "1.5e300"}, {123456789.123, "123456789.123"},
    {100000.0, "100000.0"}, {1e15, "1e15"}, {1e16, "1e16"}, {1e21, "1e21"},
    {1e-5, "1e-5"}, {0.0001, "0.0001"}, {0.30000000000000004,
    "0.30000000000000004"}, {5e-324, "5e-324"},
    {1.7976931348623157e308, "1.7976931348623157e308"},
    {2.2250738585072014e-308, "2.2250738585072014e-308"},
    {9007199254740992.0, "9007199254740992.0"}, {-2.5, "-2.5"},
    {3.141592653589793, "3.141592653589793"}, {1e100, "1e100"},
  };
  char buf[SLSH_JSON_REAL_BUFSIZE];
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int n = slsh_json_format_real(buf, cases[i].d);

    assert_int_equal(n, (int)strlen(cases[i].text));
    assert_string_equal(buf, cases[i].text);
  }
  assert_int_equal(slsh_json_format_real(buf, NAN), -1);
  assert_int_equal(slsh_json_format_real(buf, INFINITY), -1);
  assert_int_equal(slsh_json_format_real(buf, -INFINITY), -1);
}

static void test_utf8_valid(void **state)
{
  static const struct {
    const char *s;
    size_t len;
    size_t valid;
  } cases[] = {
    {"", 0, 0}, {"abc", 3, 3}, {"a\0b", 3, 3}, {"\xc3\xa9", 2, 2},
    {"\xf0\x9f\x98\x80", 4, 4}, {"\xf4\x8f\xbf\xbf", 4, 4},
    {"ab\xff", 3, 2}, {"\xc0\xaf", 2, 0}, {"\xe0\x80\xaf", 3, 0},
    {"x\xed\xa0\x80", 4, 1}, {"\xf4\x90\x80\x80", 4, 0}, {"\xc3", 1, 0},
    {"\xe6\x97", 2, 0}, {"\x80", 1, 0}, {"\xf5\x80\x80\x80", 4, 0},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_int_equal(slsh_utf8_valid(cases[i].s, cases[i].len),
                     cases[i].valid);
}

/* Strings and keys with NUL bytes survive byte for byte. */
static void test_nul_roundtrip(void **state)
{
  json_t *j = json_object(), *again;
  struct slsh_err err;
  size_t len;
  char *s;

  (void)state;
  json_object_setn_new_nocheck(j, "k\0y", 3, json_stringn("v\0\0w", 4));
  s = dump(j, 0, &len);
  assert_string_equal(s, "{\"k\\u0000y\":\"v\\u0000\\u0000w\"}");
  again = slsh_json_parse(s, len, NULL, &err, NULL);
  assert_non_null(again);
  assert_int_equal(json_string_length(json_object_getn(again, "k\0y", 3)), 4);
  assert_memory_equal(json_string_value(json_object_getn(again, "k\0y", 3)),
                      "v\0\0w", 4);
  assert_true(tree_equal(j, again));
  free(s);
  json_decref(again);
  json_decref(j);
}

/* A tree built without checks cannot make the dumper write invalid JSON;
 * a capped buffer gives too_large. */
static void test_dump_errors(void **state)
{
  struct slsh_buf b;
  struct slsh_err err;
  json_t *j;

  (void)state;
  j = json_pack("{s:o}", "x", json_stringn_nocheck("a\xff", 2));
  assert_null(slsh_json_dumps(j, NULL, NULL, &err));
  assert_int_equal(err.code, SLSH_E_JSON_TYPE);
  json_decref(j);

  j = json_pack("[s,s,s]", "aaaa", "bbbb", "cccc");
  slsh_buf_init(&b, 10);
  assert_int_equal(slsh_json_dump(&b, j, NULL, &err), -1);
  assert_int_equal(err.code, SLSH_E_TOO_LARGE);
  slsh_buf_free(&b);
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_json_dump(&b, j, NULL, &err), 0);
  assert_string_equal(slsh_buf_str(&b), "[\"aaaa\",\"bbbb\",\"cccc\"]");
  slsh_buf_free(&b);
  json_decref(j);

  assert_null(slsh_json_dumps(NULL, NULL, NULL, &err));
  assert_int_equal(err.code, SLSH_E_INVALID_ARGUMENT);
}

/* The text is not NUL-terminated: the parser never reads past `len`
 * (exact-size copies let ASan and valgrind see any over-read). */
static void test_unterminated_buffer(void **state)
{
  static const struct {
    const char *doc;
    int cut_ok;       /* the text without its last byte is still JSON */
  } cases[] = {
    {"123", 1}, {"1.5", 0}, {"-0", 0}, {"1e5", 0}, {"true", 0},
    {"\"ab\"", 0}, {"\"\\u00e9\"", 0}, {"[1,2]", 0}, {"{\"a\":1e5}", 0},
  };
  struct slsh_err err;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    size_t n = strlen(cases[i].doc);
    char *exact = malloc(n);
    json_t *j;

    assert_non_null(exact);
    memcpy(exact, cases[i].doc, n);
    j = slsh_json_parse(exact, n, NULL, &err, NULL);
    assert_non_null(j);
    json_decref(j);
    j = slsh_json_parse(exact, n - 1, NULL, &err, NULL);
    assert_int_equal(j != NULL, cases[i].cut_ok);
    json_decref(j);
    free(exact);
  }
}

/* Numbers do not follow the process locale (a decimal comma). */
static void test_locale_independent(void **state)
{
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                      "fr_FR.UTF-8", NULL};
  char *old = strdup(setlocale(LC_NUMERIC, NULL));
  json_t *j = NULL;
  size_t i, len;
  char *s;

  (void)state;
  for(i = 0; names[i]; i++)
    if(setlocale(LC_NUMERIC, names[i]))
      break;
  if(!names[i]) {
    free(old);
    skip();
  }
  j = parse_ok("[0.5,1e-300]", 12, "locale");
  assert_true(json_real_value(json_array_get(j, 0)) == 0.5);
  s = dump(j, 0, &len);
  assert_string_equal(s, "[0.5,1e-300]");
  free(s);
  json_decref(j);
  setlocale(LC_NUMERIC, old);
  free(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_roundtrip_corpus),
    cmocka_unit_test(test_normalise_corpus),
    cmocka_unit_test(test_malformed_corpus),
    cmocka_unit_test(test_messages),
    cmocka_unit_test(test_pretty_known),
    cmocka_unit_test(test_sort_keys_known),
    cmocka_unit_test(test_depth_limits),
    cmocka_unit_test(test_size_limits),
    cmocka_unit_test(test_format_real),
    cmocka_unit_test(test_utf8_valid),
    cmocka_unit_test(test_nul_roundtrip),
    cmocka_unit_test(test_dump_errors),
    cmocka_unit_test(test_unterminated_buffer),
    cmocka_unit_test(test_locale_independent),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
