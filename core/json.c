/*
 * JSON that loses nothing: a strict parser that builds jansson trees and a
 * canonical dumper (see slsh/json.h for the rules).
 *
 * jansson's own json_loadb and json_dumpb are not used: the loader reports
 * the offset after the offending token rather than what was expected where,
 * has a fixed depth limit of 2048 and accepts duplicate keys (last wins);
 * the dumper prints 0.1 as 0.10000000000000001 and escapes differently from
 * what cloud APIs send. Both are small enough to write here, iteratively
 * for the parser so that no input can exhaust the C stack.
 */
#include "slsh/json.h"
#include "slsh/text.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Numbers are converted with strtod and snprintf, whose decimal point
 * follows LC_NUMERIC. An embedding program may have called setlocale, so
 * conversions switch this thread to the "C" locale for their duration.
 */
static locale_t json_clocale;
static pthread_once_t json_clocale_once = PTHREAD_ONCE_INIT;

static void json_clocale_init(void)
{
  json_clocale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Switch this thread to the "C" locale; returns what to restore, or 0
 * when the locale could not be made (then the current one is used). */
static locale_t json_enter_c(void)
{
  pthread_once(&json_clocale_once, json_clocale_init);
  if(!json_clocale)
    return (locale_t)0;
  return uselocale(json_clocale);
}

static void json_leave_c(locale_t old)
{
  if(old)
    uselocale(old);
}

/* Parser state. Containers on the stack are borrowed: each one is already
 * attached to its parent (or is the root), so freeing the root on error
 * frees everything. */
struct parser {
  const unsigned char *t;   /* the text */
  size_t len;               /* its length */
  size_t pos;               /* next byte to read */
  size_t max_depth;         /* nesting limit */
  json_t *root;             /* owned; NULL until the first value */
  json_t **stack;           /* open containers, innermost last */
  size_t depth;             /* entries used in stack */
  size_t cap;               /* entries allocated in stack */
  struct slsh_buf str;      /* unescaped string values */
  struct slsh_buf key;      /* unescaped object key */
  const char *k;            /* key waiting for its value */
  size_t klen;              /* its length */
  struct slsh_err *err;     /* where failures go */
  size_t erroff;            /* byte offset of the failure */
  const char *hint;         /* said after the offset, or NULL */
};

/* Record a failure at byte `off`: the message is what was expected or
 * found, then " at byte N", then a hint about the end of the text. */
static int parse_fail(struct parser *ps, enum slsh_errcode code, size_t off,
                      const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

static int parse_fail(struct parser *ps, enum slsh_errcode code, size_t off,
                      const char *fmt, ...)
{
  char what[300];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  ps->erroff = off;
  return slsh_err_set(ps->err, code, NULL, "%s at byte %zu%s", what, off,
                      ps->hint ? ps->hint :
                      off >= ps->len && code == SLSH_E_JSON_SYNTAX ?
                      " (end of text)" : "");
}

static int parse_nomem(struct parser *ps)
{
  ps->erroff = ps->pos;
  return slsh_err_set(ps->err, SLSH_E_NOMEM, NULL,
                      "out of memory while parsing JSON");
}

static void parse_ws(struct parser *ps)
{
  while(ps->pos < ps->len) {
    unsigned char c = ps->t[ps->pos];

    if(c != ' ' && c != '\n' && c != '\r' && c != '\t')
      break;
    ps->pos++;
  }
}

/* The byte at pos, or -1 at the end of the text. */
static int parse_peek(struct parser *ps)
{
  return ps->pos < ps->len ? ps->t[ps->pos] : -1;
}

/* Value of 4 hex digits at t[i], or -1. */
static long parse_hex4(struct parser *ps, size_t i)
{
  long v = 0;
  size_t j;

  if(i > ps->len || ps->len - i < 4)
    return -1;
  for(j = i; j < i + 4; j++) {
    unsigned char c = ps->t[j];

    v <<= 4;
    if(c >= '0' && c <= '9')
      v |= c - '0';
    else if(c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if(c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

/* Append code point `cp` (valid, not a surrogate) as UTF-8. */
static void parse_addutf8(struct slsh_buf *b, unsigned long cp)
{
  unsigned char u[4];
  size_t n;

  if(cp < 0x80) {
    u[0] = (unsigned char)cp;
    n = 1;
  }
  else if(cp < 0x800) {
    u[0] = (unsigned char)(0xC0 | (cp >> 6));
    u[1] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 2;
  }
  else if(cp < 0x10000) {
    u[0] = (unsigned char)(0xE0 | (cp >> 12));
    u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 3;
  }
  else {
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  slsh_buf_add(b, u, n);
}

/* Decode the escape whose backslash is at t[i] into `b`; returns the
 * offset after it, or 0 on error (an escape never starts at byte 0). */
static size_t parse_escape(struct parser *ps, struct slsh_buf *b, size_t i)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *p;
  long cp, lo;
  int c;

  if(i + 1 >= ps->len) {
    parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->len, "unterminated string");
    return 0;
  }
  c = ps->t[i + 1];
  if(c != 'u') {
    p = c ? strchr(from, c) : NULL;
    if(!p) {
      if(c > 0x20 && c < 0x7F)
        parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "invalid escape '\\%c'", c);
      else
        parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "invalid escape '\\' "
                   "followed by byte 0x%02x", (unsigned)c);
      return 0;
    }
    slsh_buf_addc(b, to[p - from]);
    return i + 2;
  }
  cp = parse_hex4(ps, i + 2);
  if(cp < 0) {
    parse_fail(ps, SLSH_E_JSON_SYNTAX, i,
               "invalid \\u escape (expected 4 hex digits)");
    return 0;
  }
  if(cp >= 0xDC00 && cp <= 0xDFFF) {
    parse_fail(ps, SLSH_E_JSON_SYNTAX, i,
               "lone low surrogate \\u%04lx", (unsigned long)cp);
    return 0;
  }
  if(cp < 0xD800 || cp > 0xDBFF) {
    parse_addutf8(b, (unsigned long)cp);
    return i + 6;
  }
  lo = -1;
  if(i + 7 < ps->len && ps->t[i + 6] == '\\' && ps->t[i + 7] == 'u')
    lo = parse_hex4(ps, i + 8);
  if(lo < 0xDC00 || lo > 0xDFFF) {
    parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "lone high surrogate \\u%04lx "
               "(expected a \\udc00-\\udfff escape after it)",
               (unsigned long)cp);
    return 0;
  }
  parse_addutf8(b, 0x10000 + (((unsigned long)cp - 0xD800) << 10) +
                ((unsigned long)lo - 0xDC00));
  return i + 12;
}

/* Parse the string whose opening quote is at pos. The result points into
 * the text when it has no escapes, else into `b`. */
static int parse_string(struct parser *ps, struct slsh_buf *b,
                        const char **s, size_t *n)
{
  const unsigned char *t = ps->t;
  size_t open = ps->pos, i = open + 1, run = i, k;
  int copied = 0;

  slsh_buf_reset(b);
  for(;;) {
    unsigned char c;

    if(i >= ps->len)
      return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->len,
                        "unterminated string (opened at byte %zu)", open);
    c = t[i];
    if(c == '"')
      break;
    if(c == '\\') {
      slsh_buf_add(b, t + run, i - run);
      copied = 1;
      i = parse_escape(ps, b, i);
      if(!i)
        return -1;
      run = i;
      continue;
    }
    if(c < 0x20)
      return parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "control character 0x%02x "
                        "not escaped in a string", (unsigned)c);
    if(c < 0x80) {
      i++;
      continue;
    }
    k = slsh_utf8_seq(t + i, ps->len - i);
    if(!k)
      return parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "invalid UTF-8 (byte 0x%02x)"
                        " in a string", (unsigned)c);
    i += k;
  }
  if(copied) {
    slsh_buf_add(b, t + run, i - run);
    if(b->failed)
      return b->failed == SLSH_E_NOMEM ? parse_nomem(ps) :
        parse_fail(ps, SLSH_E_TOO_LARGE, open, "string too long");
    *s = slsh_buf_str(b);
    *n = b->len;
  }
  else {
    *s = (const char *)t + open + 1;
    *n = i - open - 1;
  }
  ps->pos = i + 1;
  return 0;
}

static int parse_isdigit(struct parser *ps, size_t i)
{
  return i < ps->len && ps->t[i] >= '0' && ps->t[i] <= '9';
}

/* Parse the number at pos. Integers must fit in 64 bits and floats in a
 * double (no overflow to infinity, no underflow of a non-zero to zero):
 * anything else could not be written back as it was read. */
static json_t *parse_number(struct parser *ps)
{
  size_t start = ps->pos, i = start, j;
  int neg = 0, isreal = 0, nonzero = 0;
  json_t *v;

  if(ps->t[i] == '-') {
    neg = 1;
    i++;
  }
  if(!parse_isdigit(ps, i)) {
    parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "expected a digit after '-'");
    return NULL;
  }
  if(ps->t[i] == '0') {
    i++;
    if(parse_isdigit(ps, i)) {
      parse_fail(ps, SLSH_E_JSON_SYNTAX, start, "number with a leading zero");
      return NULL;
    }
  }
  else
    while(parse_isdigit(ps, i))
      i++;
  for(j = start; j < i; j++)
    nonzero |= ps->t[j] >= '1' && ps->t[j] <= '9';
  if(i < ps->len && ps->t[i] == '.') {
    isreal = 1;
    if(!parse_isdigit(ps, ++i)) {
      parse_fail(ps, SLSH_E_JSON_SYNTAX, i, "expected a digit after '.'");
      return NULL;
    }
    for(; parse_isdigit(ps, i); i++)
      nonzero |= ps->t[i] != '0';
  }
  if(i < ps->len && (ps->t[i] == 'e' || ps->t[i] == 'E')) {
    isreal = 1;
    i++;
    if(i < ps->len && (ps->t[i] == '+' || ps->t[i] == '-'))
      i++;
    if(!parse_isdigit(ps, i)) {
      parse_fail(ps, SLSH_E_JSON_SYNTAX, i,
                 "expected a digit in the exponent");
      return NULL;
    }
    while(parse_isdigit(ps, i))
      i++;
  }
  ps->pos = i;
  if(!isreal) {
    uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    json_int_t x;

    for(j = start + neg; j < i; j++) {
      unsigned d = ps->t[j] - '0';

      if(u > (lim - d) / 10) {
        parse_fail(ps, SLSH_E_JSON_RANGE, start, "integer %.*s does not fit "
                   "in 64 bits", (int)(i - start > 40 ? 40 : i - start),
                   (const char *)ps->t + start);
        return NULL;
      }
      u = u * 10 + d;
    }
    if(neg)
      x = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)u;
    else
      x = (json_int_t)u;
    v = json_integer(x);
  }
  else {
    char small[64], *tok = small;
    size_t n = i - start;
    locale_t old;
    double d;

    if(n >= sizeof(small)) {
      tok = malloc(n + 1);
      if(!tok) {
        parse_nomem(ps);
        return NULL;
      }
    }
    memcpy(tok, ps->t + start, n);
    tok[n] = '\0';
    old = json_enter_c();
    d = strtod(tok, NULL);
    json_leave_c(old);
    if(tok != small)
      free(tok);
    if(isinf(d) || (d == 0 && nonzero)) {
      parse_fail(ps, SLSH_E_JSON_RANGE, start, "number %.*s is out of the "
                 "range of a double", (int)(n > 40 ? 40 : n),
                 (const char *)ps->t + start);
      return NULL;
    }
    v = json_real(d);
  }
  if(!v)
    parse_nomem(ps);
  return v;
}

/* Parse true, false or null at pos. */
static json_t *parse_literal(struct parser *ps)
{
  static const char *const names[] = {"true", "false", "null"};
  size_t i, n;

  for(i = 0; i < 3; i++) {
    n = strlen(names[i]);
    if(ps->len - ps->pos >= n && !memcmp(ps->t + ps->pos, names[i], n)) {
      json_t *v = i == 0 ? json_true() : i == 1 ? json_false() : json_null();

      ps->pos += n;
      return v;
    }
  }
  parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos,
             "invalid literal (expected true, false or null)");
  return NULL;
}

/* Why a value could not start at pos: a hint for common mistakes. */
static int parse_novalue(struct parser *ps, const char *what)
{
  int c = parse_peek(ps);
  const char *hint = "";

  if(c == 'N' || c == 'I')
    hint = " (NaN and Infinity are not JSON)";
  else if(c == '/' || c == '#')
    hint = " (comments are not JSON)";
  else if(c == '\'')
    hint = " (strings need double quotes)";
  else if(c == ']' || c == '}') {
    size_t i = ps->pos;

    while(i > 0 && ps->t[i - 1] && strchr(" \t\r\n", ps->t[i - 1]))
      i--;
    if(i > 0 && ps->t[i - 1] == ',')
      hint = " (trailing comma)";
  }
  else if(c == 0xEF && ps->pos == 0)
    hint = " (a byte order mark is not JSON)";
  ps->hint = *hint ? hint : NULL;
  return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos, "%s", what);
}

/* Parse an object key at pos (after '{' or ','), refuse a duplicate of a
 * key already in `obj`, and consume the ':' after it. Duplicates are
 * refused because whichever one we kept, the other would be lost on the
 * way back, and parsers disagree on which one counts (RFC 8259 §4). */
static int parse_key(struct parser *ps, json_t *obj)
{
  size_t at;

  parse_ws(ps);
  at = ps->pos;
  if(parse_peek(ps) != '"')
    return parse_novalue(ps, "expected a string key");
  if(parse_string(ps, &ps->key, &ps->k, &ps->klen))
    return -1;
  if(json_object_getn(obj, ps->k, ps->klen)) {
    char shown[48];
    size_t i, n = ps->klen < 40 ? ps->klen : 40;

    for(i = 0; i < n; i++) {
      unsigned char c = (unsigned char)ps->k[i];

      shown[i] = (char)(c < 0x20 || c == '"' ? '?' : c);
    }
    shown[n] = '\0';
    return parse_fail(ps, SLSH_E_JSON_SYNTAX, at, "duplicate key \"%s%s\"",
                      shown, ps->klen > n ? "..." : "");
  }
  parse_ws(ps);
  if(parse_peek(ps) != ':')
    return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos,
                      "expected ':' after an object key");
  ps->pos++;
  return 0;
}

/* Attach new value `v` (reference stolen) to the innermost container, or
 * make it the root. */
static int parse_attach(struct parser *ps, json_t *v)
{
  json_t *top;
  int rc;

  if(!ps->depth) {
    ps->root = v;
    return 0;
  }
  top = ps->stack[ps->depth - 1];
  if(json_is_array(top))
    rc = json_array_append_new(top, v);
  else
    rc = json_object_setn_new_nocheck(top, ps->k, ps->klen, v);
  return rc ? parse_nomem(ps) : 0;
}

/* Open a container at pos: check the depth, attach it, push it. */
static json_t *parse_open(struct parser *ps, int c)
{
  json_t *v;

  if(ps->depth >= ps->max_depth) {
    parse_fail(ps, SLSH_E_JSON_DEPTH, ps->pos, "nesting deeper than %zu",
               ps->max_depth);
    return NULL;
  }
  if(ps->depth == ps->cap) {
    size_t cap = ps->cap ? ps->cap * 2 : 32;
    json_t **s = realloc(ps->stack, cap * sizeof(*s));

    if(!s) {
      parse_nomem(ps);
      return NULL;
    }
    ps->stack = s;
    ps->cap = cap;
  }
  v = c == '[' ? json_array() : json_object();
  if(!v) {
    parse_nomem(ps);
    return NULL;
  }
  if(parse_attach(ps, v))
    return NULL;
  ps->stack[ps->depth++] = v;
  ps->pos++;
  return v;
}

/* Parse one scalar value at pos. */
static json_t *parse_scalar(struct parser *ps)
{
  int c = parse_peek(ps);

  if(c == '"') {
    const char *s;
    size_t n;
    json_t *v;

    if(parse_string(ps, &ps->str, &s, &n))
      return NULL;
    v = json_stringn_nocheck(s, n);
    if(!v)
      parse_nomem(ps);
    return v;
  }
  if(c == '-' || (c >= '0' && c <= '9'))
    return parse_number(ps);
  if(c == 't' || c == 'f' || c == 'n')
    return parse_literal(ps);
  parse_novalue(ps, "expected a value");
  return NULL;
}

/* The parse loop: read a value; after it, close containers and find the
 * next value slot, or stop when the root is complete. */
static int parse_text(struct parser *ps)
{
  for(;;) {
    json_t *v;
    int c;

    parse_ws(ps);
    c = parse_peek(ps);
    if(c == '[' || c == '{') {
      v = parse_open(ps, c);
      if(!v)
        return -1;
      parse_ws(ps);
      if(parse_peek(ps) == (c == '[' ? ']' : '}')) {
        ps->pos++;
        ps->depth--;
      }
      else if(c == '[')
        continue;
      else {
        if(parse_key(ps, v))
          return -1;
        continue;
      }
    }
    else {
      v = parse_scalar(ps);
      if(!v || parse_attach(ps, v))
        return -1;
    }
    /* A value is complete: find where the next one goes. */
    for(;;) {
      json_t *top;

      if(!ps->depth) {
        parse_ws(ps);
        if(ps->pos != ps->len)
          return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos,
                            "expected the end of the text after the value");
        return 0;
      }
      top = ps->stack[ps->depth - 1];
      parse_ws(ps);
      c = parse_peek(ps);
      if(json_is_array(top)) {
        if(c == ',') {
          ps->pos++;
          break;
        }
        if(c != ']')
          return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos,
                            "expected ',' or ']'");
      }
      else {
        if(c == ',') {
          ps->pos++;
          if(parse_key(ps, top))
            return -1;
          break;
        }
        if(c != '}')
          return parse_fail(ps, SLSH_E_JSON_SYNTAX, ps->pos,
                            "expected ',' or '}'");
      }
      ps->pos++;
      ps->depth--;
    }
  }
}

json_t *slsh_json_parse(const char *text, size_t len,
                        const struct slsh_json_opts *opts,
                        struct slsh_err *err, size_t *erroff)
{
  struct parser ps;
  size_t max_size = opts && opts->max_size ? opts->max_size :
    SLSH_JSON_DEFAULT_SIZE;

  memset(&ps, 0, sizeof(ps));
  ps.t = (const unsigned char *)(text ? text : "");
  ps.len = text ? len : 0;
  ps.err = err;
  ps.max_depth = opts && opts->max_depth ? opts->max_depth :
    SLSH_JSON_DEFAULT_DEPTH;
  if(ps.max_depth > SLSH_JSON_MAX_DEPTH) {
    if(erroff)
      *erroff = 0;
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "max_depth",
                 "max_depth must be at most %d", SLSH_JSON_MAX_DEPTH);
    return NULL;
  }
  if(ps.len > max_size) {
    if(erroff)
      *erroff = max_size;
    slsh_err_set(err, SLSH_E_TOO_LARGE, NULL, "JSON text of %zu bytes is "
                 "over the limit of %zu bytes at byte %zu", ps.len, max_size,
                 max_size);
    return NULL;
  }
  /* Unescaped strings are never longer than the text. */
  slsh_buf_init(&ps.str, ps.len + 1);
  slsh_buf_init(&ps.key, ps.len + 1);
  if(parse_text(&ps)) {
    json_decref(ps.root);
    ps.root = NULL;
    if(erroff)
      *erroff = ps.erroff;
  }
  free(ps.stack);
  slsh_buf_free(&ps.str);
  slsh_buf_free(&ps.key);
  return ps.root;
}

int slsh_json_format_real(char *buf, double d)
{
  locale_t old;
  char *e, *p, *q;
  int prec, n = 0;

  if(!isfinite(d))
    return -1;
  /* %.15g that reads back is the shortest form for a normal double (any
   * decimal of 15 digits or fewer survives a round trip through one);
   * subnormals have fewer digits of precision, so they start lower. */
  prec = (d != 0 && fabs(d) < DBL_MIN) ? 1 : 15;
  old = json_enter_c();
  for(; prec <= 17; prec++) {
    n = snprintf(buf, SLSH_JSON_REAL_BUFSIZE, "%.*g", prec, d);
    if(strtod(buf, NULL) == d)
      break;
  }
  json_leave_c(old);
  e = strchr(buf, 'e');
  if(e) {
    /* "1e+300" -> "1e300", "1e-05" -> "1e-5" */
    p = e + 1;
    q = p;
    if(*p == '+')
      p++;
    else if(*p == '-')
      *q++ = *p++;
    while(*p == '0' && p[1])
      p++;
    memmove(q, p, strlen(p) + 1);
    n = (int)strlen(buf);
  }
  else if(!strchr(buf, '.')) {
    buf[n++] = '.';
    buf[n++] = '0';
    buf[n] = '\0';
  }
  return n;
}

/* Dumper state. */
struct dumper {
  struct slsh_buf *out;   /* where the text goes */
  unsigned flags;         /* SLSH_JSON_PRETTY, SLSH_JSON_SORT_KEYS */
  size_t max_depth;       /* nesting limit */
  struct slsh_err *err;   /* where failures go */
};

/* One object member, for sorting. */
struct member {
  const char *key;        /* borrowed from the object */
  size_t len;             /* key length (keys may hold NUL bytes) */
  json_t *value;          /* borrowed */
};

/* Bytewise order, a prefix before the longer key. */
static int member_cmp(const void *a, const void *b)
{
  const struct member *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->key, y->key, n);

  if(c)
    return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Write a string with the escapes cloud APIs use: runs of bytes that need
 * none are copied at once. */
static int dump_string(struct dumper *d, const char *s, size_t n)
{
  struct slsh_buf *b = d->out;
  size_t i, run = 0, bad = slsh_utf8_valid(s, n);

  if(bad != n)
    return slsh_err_set(d->err, SLSH_E_JSON_TYPE, NULL, "string is not valid "
                        "UTF-8 at byte %zu of it", bad);
  slsh_buf_addc(b, '"');
  for(i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t k = 2;

    if(c >= 0x20 && c != '"' && c != '\\')
      continue;
    slsh_buf_add(b, s + run, i - run);
    run = i + 1;
    switch(c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      memcpy(esc + 1, "u00", 3);
      slsh_hex(esc + 4, &c, 1, 0);
      k = 6;
    }
    slsh_buf_add(b, esc, k);
  }
  slsh_buf_add(b, s + run, n - run);
  return slsh_buf_addc(b, '"');
}

/* Newline and indent for `depth` levels, when pretty. */
static void dump_indent(struct dumper *d, size_t depth)
{
  static const char spaces[] = "                                ";

  if(!(d->flags & SLSH_JSON_PRETTY))
    return;
  slsh_buf_addc(d->out, '\n');
  depth *= 2;
  while(depth) {
    size_t n = depth < sizeof(spaces) - 1 ? depth : sizeof(spaces) - 1;

    slsh_buf_add(d->out, spaces, n);
    depth -= n;
  }
}

static int dump_value(struct dumper *d, const json_t *j, size_t depth);

/* Write an object's members in tree order or sorted. */
static int dump_object(struct dumper *d, const json_t *j, size_t depth)
{
  json_t *o = (json_t *)j;  /* the iteration API is not const */
  size_t i, n = json_object_size(o);
  struct member *m;
  const char *key;
  json_t *value;
  size_t klen;
  int rc = -1;

  if(!n)
    return slsh_buf_adds(d->out, "{}");
  m = malloc(n * sizeof(*m));
  if(!m)
    return slsh_err_set(d->err, SLSH_E_NOMEM, NULL, "out of memory");
  i = 0;
  json_object_keylen_foreach(o, key, klen, value) {
    m[i].key = key;
    m[i].len = klen;
    m[i].value = value;
    i++;
  }
  if(d->flags & SLSH_JSON_SORT_KEYS)
    qsort(m, n, sizeof(*m), member_cmp);
  slsh_buf_addc(d->out, '{');
  for(i = 0; i < n; i++) {
    if(i)
      slsh_buf_addc(d->out, ',');
    dump_indent(d, depth + 1);
    if(dump_string(d, m[i].key, m[i].len))
      goto fail;
    slsh_buf_adds(d->out, d->flags & SLSH_JSON_PRETTY ? ": " : ":");
    if(dump_value(d, m[i].value, depth + 1))
      goto fail;
  }
  dump_indent(d, depth);
  rc = slsh_buf_addc(d->out, '}');
fail:
  free(m);
  return rc;
}

/* Write any value; `depth` containers enclose it. */
static int dump_value(struct dumper *d, const json_t *j, size_t depth)
{
  char num[SLSH_JSON_REAL_BUFSIZE];
  size_t i, n;
  int len;

  if(!j)
    return slsh_err_set(d->err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "no JSON value to dump");
  switch(json_typeof(j)) {
  case JSON_OBJECT:
  case JSON_ARRAY:
    if(depth >= d->max_depth)
      return slsh_err_set(d->err, SLSH_E_JSON_DEPTH, NULL,
                          "nesting deeper than %zu", d->max_depth);
    if(json_is_object(j))
      return dump_object(d, j, depth);
    n = json_array_size(j);
    if(!n)
      return slsh_buf_adds(d->out, "[]");
    slsh_buf_addc(d->out, '[');
    for(i = 0; i < n; i++) {
      if(i)
        slsh_buf_addc(d->out, ',');
      dump_indent(d, depth + 1);
      if(dump_value(d, json_array_get(j, i), depth + 1))
        return -1;
    }
    dump_indent(d, depth);
    return slsh_buf_addc(d->out, ']');
  case JSON_STRING:
    return dump_string(d, json_string_value(j), json_string_length(j));
  case JSON_INTEGER:
    return slsh_buf_printf(d->out, "%" JSON_INTEGER_FORMAT,
                           json_integer_value(j));
  case JSON_REAL:
    len = slsh_json_format_real(num, json_real_value(j));
    if(len < 0)
      return slsh_err_set(d->err, SLSH_E_JSON_TYPE, NULL,
                          "NaN or infinity cannot be written as JSON");
    return slsh_buf_add(d->out, num, (size_t)len);
  case JSON_TRUE:
    return slsh_buf_adds(d->out, "true");
  case JSON_FALSE:
    return slsh_buf_adds(d->out, "false");
  case JSON_NULL:
    return slsh_buf_adds(d->out, "null");
  }
  return slsh_err_set(d->err, SLSH_E_INTERNAL, NULL, "unknown JSON type");
}

int slsh_json_dump(struct slsh_buf *out, const json_t *json,
                   const struct slsh_json_opts *opts, struct slsh_err *err)
{
  struct dumper d;
  struct slsh_err mine;
  int rc;

  d.out = out;
  d.flags = opts ? opts->flags : 0;
  d.max_depth = opts && opts->max_depth ? opts->max_depth :
    SLSH_JSON_DEFAULT_DEPTH;
  if(d.max_depth > SLSH_JSON_MAX_DEPTH)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "max_depth",
                        "max_depth must be at most %d", SLSH_JSON_MAX_DEPTH);
  /* Value errors need to be told apart from buffer failures below. */
  slsh_err_clear(&mine);
  d.err = &mine;
  rc = dump_value(&d, json, 0);
  if(out->failed) {
    if(out->failed == SLSH_E_NOMEM)
      return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return slsh_err_set(err, SLSH_E_TOO_LARGE, NULL, "JSON text is over the "
                        "limit of %zu bytes", out->max);
  }
  if(rc) {
    if(err)
      *err = mine;
    return -1;
  }
  return 0;
}

char *slsh_json_dumps(const json_t *json, const struct slsh_json_opts *opts,
                      size_t *len, struct slsh_err *err)
{
  struct slsh_buf b;
  char *s;

  slsh_buf_init(&b, opts ? opts->max_size : 0);
  if(slsh_json_dump(&b, json, opts, err)) {
    slsh_buf_free(&b);
    return NULL;
  }
  s = slsh_buf_take(&b, len);
  if(!s)
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  return s;
}
