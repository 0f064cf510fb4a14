/*
 * The four Alibaba Cloud request signers and the date helpers (sign.h).
 *
 * Each signer validates its whole input first, then builds its canonical
 * strings in plain buffers, in the manner of curl's http_aws_sigv4.c.
 * Sorting goes through small arrays of (name, value) views into the
 * caller's bytes; nothing of the input is copied except into the output
 * buffers and the one buffer that holds key material, which is wiped.
 */
#include "slsh/sign.h"
#include "slsh/crypto.h"
#include "slsh/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to this many pairs are sorted on the stack, without malloc. */
#define SIGN_LOCAL_ITEMS 24

struct sign_item {
  const char *name;     /* view into the caller's bytes */
  size_t nlen;
  const char *value;    /* view; trimmed for headers */
  size_t vlen;
};

struct sign_list {
  struct sign_item *v;                      /* local or malloc'ed */
  size_t n;                                 /* items in use */
  struct sign_item local[SIGN_LOCAL_ITEMS]; /* storage for small lists */
};

/* Make room for `cap` items; 0 or -1 (out of memory). */
static int list_init(struct sign_list *l, size_t cap)
{
  l->n = 0;
  l->v = l->local;
  if(cap <= SIGN_LOCAL_ITEMS)
    return 0;
  if(cap > (size_t)-1 / sizeof(struct sign_item)) {
    l->v = NULL;
    return -1;
  }
  l->v = malloc(cap * sizeof(struct sign_item));
  return l->v ? 0 : -1;
}

static void list_free(struct sign_list *l)
{
  if(l->v && l->v != l->local)
    free(l->v);
  l->v = NULL;
  l->n = 0;
}

static unsigned char sign_lower(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Byte order, then the shorter first: memcmp with lengths. */
static int sign_cmp(const char *a, size_t an, const char *b, size_t bn)
{
  size_t n = an < bn ? an : bn;
  int c = n ? memcmp(a, b, n) : 0;

  if(c)
    return c;
  return an < bn ? -1 : an > bn;
}

/* The same over the ASCII-lower-cased bytes (header names). */
static int sign_cmp_lower(const char *a, size_t an, const char *b, size_t bn)
{
  size_t i, n = an < bn ? an : bn;

  for(i = 0; i < n; i++) {
    unsigned char x = sign_lower((unsigned char)a[i]);
    unsigned char y = sign_lower((unsigned char)b[i]);

    if(x != y)
      return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn;
}

/* qsort order of query parameters: name, then value. Items equal under
 * it are byte-identical, so the unstable qsort is still deterministic. */
static int item_cmp_raw(const void *pa, const void *pb)
{
  const struct sign_item *a = pa, *b = pb;
  int c = sign_cmp(a->name, a->nlen, b->name, b->nlen);

  return c ? c : sign_cmp(a->value, a->vlen, b->value, b->vlen);
}

/* qsort order of headers: lower-cased name, then value. */
static int item_cmp_header(const void *pa, const void *pb)
{
  const struct sign_item *a = pa, *b = pb;
  int c = sign_cmp_lower(a->name, a->nlen, b->name, b->nlen);

  return c ? c : sign_cmp(a->value, a->vlen, b->value, b->vlen);
}

static void list_sort(struct sign_list *l,
                      int (*cmp)(const void *, const void *))
{
  if(l->n > 1)
    qsort(l->v, l->n, sizeof(struct sign_item), cmp);
}

/* 1 when the name equals the lower-case `lname` (of length `ln`),
 * ignoring case. */
static int sign_name_eq(const char *name, size_t n, const char *lname,
                        size_t ln)
{
  return n == ln && !sign_cmp_lower(name, n, lname, ln);
}

/* The same for a literal, and "starts with" a literal prefix. */
#define sign_name_is(name, n, lit) sign_name_eq(name, n, lit, sizeof(lit) - 1)
#define sign_name_has(name, n, lit) \
  ((n) >= sizeof(lit) - 1 && !sign_cmp_lower(name, sizeof(lit) - 1, lit, \
                                              sizeof(lit) - 1))

/* RFC 9110 token characters: what a header name or a method is made of
 * (a table: this runs for every byte of every header name). */
static int sign_tchar(unsigned char c)
{
  static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
    ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
  };

  return tchar[c];
}

/* Without the spaces and tabs at either end (what a server receives). */
static void sign_trim(const char **p, size_t *n)
{
  while(*n && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
    (*p)++;
    (*n)--;
  }
  while(*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
    (*n)--;
}

/* A printable rendering of at most 40 bytes of a name, for messages:
 * an invalid name may hold control bytes that must not reach a log. */
static const char *sign_show(char *dst, size_t size, const char *s, size_t n)
{
  size_t i, j = 0;

  for(i = 0; i < n && j + 4 < size && i < 40; i++) {
    unsigned char c = (unsigned char)s[i];

    dst[j++] = (c > 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
  }
  if(i < n && j + 4 < size) {
    memcpy(dst + j, "...", 3);
    j += 3;
  }
  dst[j] = '\0';
  return dst;
}

/* Append `n` bytes lower-cased. */
static int sign_add_lower(struct slsh_buf *b, const char *s, size_t n)
{
  size_t i, at = b->len;

  if(slsh_buf_add(b, s, n))
    return -1;
  for(i = at; i < b->len; i++)
    b->data[i] = (char)sign_lower((unsigned char)b->data[i]);
  return 0;
}

/* The error of a failed buffer (out of memory, or too large). */
static int sign_buf_err(const struct slsh_buf *b, struct slsh_err *err)
{
  if(b->failed == SLSH_E_TOO_LARGE)
    return slsh_err_set(err, SLSH_E_TOO_LARGE, NULL,
                        "the canonical request exceeds the size limit");
  return slsh_err_set(err, SLSH_E_NOMEM, NULL,
                      "out of memory while signing");
}

static int sign_nomem(struct slsh_err *err)
{
  return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory while signing");
}

static int sign_openssl(struct slsh_err *err)
{
  return slsh_err_set(err, SLSH_E_INTERNAL, NULL,
                      "OpenSSL failed to compute a digest");
}

void slsh_sign_result_init(struct slsh_sign_result *r)
{
  slsh_buf_init(&r->authorization, 0);
  slsh_buf_init(&r->canonical, 0);
  slsh_buf_init(&r->string_to_sign, 0);
}

void slsh_sign_result_free(struct slsh_sign_result *r)
{
  if(!r)
    return;
  slsh_buf_free(&r->authorization);
  slsh_buf_free(&r->canonical);
  slsh_buf_free(&r->string_to_sign);
}

static void sign_result_reset(struct slsh_sign_result *r)
{
  slsh_buf_reset(&r->authorization);
  slsh_buf_reset(&r->canonical);
  slsh_buf_reset(&r->string_to_sign);
}

/* A method is an HTTP token ("GET"); it is signed as given. */
static int sign_check_method(const char *method, struct slsh_err *err)
{
  const char *p;

  if(!method || !*method)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "method",
                        "the HTTP method is missing");
  for(p = method; *p; p++)
    if(!sign_tchar((unsigned char)*p))
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "method",
                          "the HTTP method must be a token such as GET");
  return 0;
}

/* The path as it goes on the wire: '/' first, printable ASCII, no query
 * or fragment (the query is given apart, decoded). */
static int sign_check_path(const char *path, struct slsh_err *err)
{
  const char *p;

  if(!path || path[0] != '/')
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "path",
                        "the path must start with '/'");
  for(p = path; *p; p++) {
    unsigned char c = (unsigned char)*p;

    if(c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "path",
                          "the path must be percent-encoded printable ASCII "
                          "without '?' or '#' (give the query apart)");
  }
  return 0;
}

/* AccessKeyIds are short printable words ("LTAI...", "STS.xxx"); the
 * characters that delimit them inside Authorization are refused. "" is
 * allowed, as in the SDK vectors. */
static int sign_check_ak(const char *ak, struct slsh_err *err)
{
  const char *p;

  if(!ak)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "access_key_id",
                        "the AccessKeyId is missing");
  for(p = ak; *p; p++) {
    unsigned char c = (unsigned char)*p;

    if(c <= 0x20 || c >= 0x7f || c == ':' || c == ',' || c == '/' ||
       c == ';' || c == '=')
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "access_key_id",
                          "the AccessKeyId holds a character that cannot "
                          "appear in an Authorization header");
  }
  return 0;
}

static int sign_check_secret(const char *secret, struct slsh_err *err)
{
  if(!secret)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "access_key_secret",
                        "the AccessKeySecret is missing");
  return 0;
}

/* Pairs must have bytes behind every non-zero length. */
static int sign_check_pairs(const struct slsh_sign_pair *v, size_t n,
                            const char *field, struct slsh_err *err)
{
  size_t i;

  if(n && !v)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, field,
                        "%zu entries announced but none given", n);
  for(i = 0; i < n; i++)
    if((!v[i].name && v[i].name_len) || (!v[i].value && v[i].value_len))
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, field,
                          "entry %zu has a length but no bytes", i + 1);
  return 0;
}

/* Every header must be sendable: a token name, and a value without
 * control characters other than tab (a CR or LF would let a value
 * forge another header, or another line of the canonical string). */
static int sign_check_headers(const struct slsh_sign_request *rq,
                              struct slsh_err *err)
{
  char show[64];
  size_t i, j;

  if(sign_check_pairs(rq->headers, rq->nheaders, "headers", err))
    return -1;
  for(i = 0; i < rq->nheaders; i++) {
    const struct slsh_sign_pair *h = &rq->headers[i];

    if(!h->name_len)
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                          "a header name is empty");
    for(j = 0; j < h->name_len; j++)
      if(!sign_tchar((unsigned char)h->name[j]))
        return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                            "invalid header name '%s' (letters, digits "
                            "and !#$%%&'*+-.^_`|~ only)",
                            sign_show(show, sizeof(show), h->name,
                                      h->name_len));
    for(j = 0; j < h->value_len; j++) {
      unsigned char c = (unsigned char)h->value[j];

      if((c < 0x20 && c != '\t') || c == 0x7f)
        return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                            "the value of header '%s' holds a control "
                            "character",
                            sign_show(show, sizeof(show), h->name,
                                      h->name_len));
    }
  }
  return 0;
}

/* What every HTTP signer checks before it starts. */
static int sign_check_http(const struct slsh_sign_request *rq,
                           struct slsh_sign_result *out, int need_ak,
                           struct slsh_err *err)
{
  if(!rq || !out)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "no request or no result to sign into");
  sign_result_reset(out);
  if(sign_check_method(rq->method, err) || sign_check_path(rq->path, err) ||
     (need_ak && sign_check_ak(rq->access_key_id, err)) ||
     sign_check_secret(rq->access_key_secret, err) ||
     sign_check_headers(rq, err) ||
     sign_check_pairs(rq->query, rq->nquery, "query", err))
    return -1;
  if(!rq->body && rq->body_len)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "body",
                        "a body length but no body");
  return 0;
}

/* Find header `lname` (lower-case). Returns 0 when absent, 1 with its
 * trimmed value, -1 (error set) when it is given more than once. */
static int sign_header(const struct slsh_sign_request *rq, const char *lname,
                       const char **v, size_t *vn, struct slsh_err *err)
{
  size_t i, ln = strlen(lname);
  int found = 0;

  *v = "";
  *vn = 0;
  for(i = 0; i < rq->nheaders; i++) {
    const struct slsh_sign_pair *h = &rq->headers[i];

    if(!sign_name_eq(h->name, h->name_len, lname, ln))
      continue;
    if(found++)
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                          "header '%s' is given more than once", lname);
    *v = h->value ? h->value : "";
    *vn = h->value_len;
    sign_trim(v, vn);
  }
  return found;
}

/* Put the headers that `pick` selects in `l`, trimmed and sorted. */
static int sign_collect(const struct slsh_sign_request *rq,
                        int (*pick)(const char *, size_t),
                        struct sign_list *l, struct slsh_err *err)
{
  size_t i;

  if(list_init(l, rq->nheaders))
    return sign_nomem(err);
  for(i = 0; i < rq->nheaders; i++) {
    const struct slsh_sign_pair *h = &rq->headers[i];
    struct sign_item *it;

    if(!pick(h->name, h->name_len))
      continue;
    it = &l->v[l->n++];
    it->name = h->name;
    it->nlen = h->name_len;
    it->value = h->value ? h->value : "";
    it->vlen = h->value_len;
    sign_trim(&it->value, &it->vlen);
  }
  list_sort(l, item_cmp_header);
  return 0;
}

/* SLS signs a header name once: refuse `x-log-a` beside `X-Log-A`. */
static int sign_no_repeat(const struct sign_list *l, struct slsh_err *err)
{
  char show[64];
  size_t i;

  for(i = 1; i < l->n; i++)
    if(!sign_cmp_lower(l->v[i - 1].name, l->v[i - 1].nlen, l->v[i].name,
                       l->v[i].nlen))
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                          "header '%s' is given more than once",
                          sign_show(show, sizeof(show), l->v[i].name,
                                    l->v[i].nlen));
  return 0;
}

/* The query parameters (or RPC parameters) in canonical order. */
static int sign_params(const struct slsh_sign_pair *v, size_t n,
                       struct sign_list *l, struct slsh_err *err)
{
  size_t i;

  if(list_init(l, n))
    return sign_nomem(err);
  for(i = 0; i < n; i++) {
    l->v[i].name = v[i].name ? v[i].name : "";
    l->v[i].nlen = v[i].name_len;
    l->v[i].value = v[i].value ? v[i].value : "";
    l->v[i].vlen = v[i].value_len;
  }
  l->n = n;
  list_sort(l, item_cmp_raw);
  return 0;
}

/* "name:value\n" for each header, names lower-cased, and the names joined
 * with ';' into `names` when it is not NULL. With `merge`, repeated names
 * (adjacent after sorting) become one line with the values joined by ','
 * (ACS3). */
static int sign_add_headers(struct slsh_buf *b, struct slsh_buf *names,
                            const struct sign_list *l, int merge)
{
  size_t i;

  for(i = 0; i < l->n; i++) {
    const struct sign_item *it = &l->v[i];

    if(merge && i &&
       !sign_cmp_lower(l->v[i - 1].name, l->v[i - 1].nlen, it->name,
                       it->nlen)) {
      /* Replace the previous line's '\n' by ',' and add this value. */
      b->len--;
      slsh_buf_addc(b, ',');
      slsh_buf_add(b, it->value, it->vlen);
      slsh_buf_addc(b, '\n');
      continue;
    }
    sign_add_lower(b, it->name, it->nlen);
    slsh_buf_addc(b, ':');
    slsh_buf_add(b, it->value, it->vlen);
    slsh_buf_addc(b, '\n');
    if(names) {
      if(names->len)
        slsh_buf_addc(names, ';');
      sign_add_lower(names, it->name, it->nlen);
    }
  }
  return b->failed || (names && names->failed) ? -1 : 0;
}

/* Canonical query, encoded: `enc(name)=enc(value)` joined with '&'.
 * `encode_names` = 0 leaves names as given (SLS V4); `bare_empty` writes
 * a name with an empty value without '=' (SLS V4). */
static int sign_add_query(struct slsh_buf *b, const struct sign_list *l,
                          int encode_names, int bare_empty)
{
  size_t i;

  for(i = 0; i < l->n; i++) {
    const struct sign_item *it = &l->v[i];

    if(i)
      slsh_buf_addc(b, '&');
    if(encode_names)
      slsh_crypto_percent_encode(b, it->name, it->nlen);
    else
      slsh_buf_add(b, it->name, it->nlen);
    if(bare_empty && !it->vlen)
      continue;
    slsh_buf_addc(b, '=');
    slsh_crypto_percent_encode(b, it->value, it->vlen);
  }
  return b->failed ? -1 : 0;
}

/* 1 when `s` is exactly 64 lower-case hex digits. */
static int sign_is_sha256_hex(const char *s, size_t n)
{
  size_t i;

  if(n != 64)
    return 0;
  for(i = 0; i < n; i++)
    if(!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}

/* Lower-hex SHA-256 of `p` into `hex` (65 bytes). */
static int sign_sha256_hex(const void *p, size_t n, char hex[65])
{
  unsigned char md[SLSH_SHA256_LEN];

  if(slsh_crypto_sha256(p, n, md))
    return -1;
  slsh_hex(hex, md, sizeof(md), 0);
  hex[64] = '\0';
  return 0;
}

/* Headers signed by SLS V1: x-log-* and x-acs-*, but x-log-date, which
 * the service documents as not taking part (it only overrides Date for the
 * clock check); GO, JAVA and RUST would sign it, PY adds it after signing. */
static int sign_pick_v1(const char *name, size_t n)
{
  if(sign_name_is(name, n, "x-log-date"))
    return 0;
  return sign_name_has(name, n, "x-log-") || sign_name_has(name, n, "x-acs-");
}

int slsh_sign_sls_v1(const struct slsh_sign_request *rq,
                     struct slsh_sign_result *out, struct slsh_err *err)
{
  struct sign_list hl, ql;
  struct slsh_buf *sts;
  unsigned char mac[SLSH_SHA256_LEN];
  enum slsh_crypto_md md;
  const char *method_v, *date, *md5, *ctype;
  size_t method_n, date_n, md5_n, ctype_n, i;
  int rc = -1;

  hl.v = ql.v = NULL;
  if(sign_check_http(rq, out, 1, err))
    return -1;
  sts = &out->canonical;
  if(sign_header(rq, "x-log-signaturemethod", &method_v, &method_n,
                 err) < 0 ||
     sign_header(rq, "date", &date, &date_n, err) < 0 ||
     sign_header(rq, "content-md5", &md5, &md5_n, err) < 0 ||
     sign_header(rq, "content-type", &ctype, &ctype_n, err) < 0)
    goto fail;
  if(!sign_cmp(method_v, method_n, "hmac-sha1", 9))
    md = SLSH_MD_SHA1;
  else if(!sign_cmp(method_v, method_n, "hmac-sha256", 11))
    md = SLSH_MD_SHA256;
  else {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT,
                 "headers.x-log-signaturemethod",
                 method_n ? "x-log-signaturemethod must be hmac-sha1 or "
                 "hmac-sha256" : "the x-log-signaturemethod header "
                 "(hmac-sha1 or hmac-sha256) is required");
    goto fail;
  }
  if(!date_n) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers.date",
                 "the Date header is required");
    goto fail;
  }
  if(rq->body && md5_n) {
    unsigned char sum[SLSH_MD5_LEN];
    char hex[2 * SLSH_MD5_LEN];

    if(slsh_crypto_md5(rq->body, rq->body_len, sum)) {
      sign_openssl(err);
      goto fail;
    }
    slsh_hex(hex, sum, sizeof(sum), 1);
    if(sign_cmp(md5, md5_n, hex, sizeof(hex))) {
      slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers.content-md5",
                   "Content-MD5 is not the upper-case hex MD5 of the body");
      goto fail;
    }
  }
  if(sign_collect(rq, sign_pick_v1, &hl, err) || sign_no_repeat(&hl, err) ||
     sign_params(rq->query, rq->nquery, &ql, err))
    goto fail;

  slsh_buf_adds(sts, rq->method);
  slsh_buf_addc(sts, '\n');
  slsh_buf_add(sts, md5, md5_n);
  slsh_buf_addc(sts, '\n');
  slsh_buf_add(sts, ctype, ctype_n);
  slsh_buf_addc(sts, '\n');
  slsh_buf_add(sts, date, date_n);
  slsh_buf_addc(sts, '\n');
  sign_add_headers(sts, NULL, &hl, 0);
  slsh_buf_adds(sts, rq->path);
  for(i = 0; i < ql.n; i++) {
    /* The resource carries the decoded values, unencoded. */
    slsh_buf_addc(sts, i ? '&' : '?');
    slsh_buf_add(sts, ql.v[i].name, ql.v[i].nlen);
    slsh_buf_addc(sts, '=');
    slsh_buf_add(sts, ql.v[i].value, ql.v[i].vlen);
  }
  if(sts->failed) {
    sign_buf_err(sts, err);
    goto fail;
  }
  if(slsh_crypto_hmac(md, rq->access_key_secret,
                      strlen(rq->access_key_secret), sts->data, sts->len,
                      mac)) {
    sign_openssl(err);
    goto fail;
  }
  slsh_buf_adds(&out->authorization, "LOG ");
  slsh_buf_adds(&out->authorization, rq->access_key_id);
  slsh_buf_addc(&out->authorization, ':');
  if(slsh_crypto_base64(&out->authorization, mac,
                        md == SLSH_MD_SHA1 ? SLSH_SHA1_LEN
                        : SLSH_SHA256_LEN)) {
    sign_buf_err(&out->authorization, err);
    goto fail;
  }
  rc = 0;
fail:
  list_free(&hl);
  list_free(&ql);
  if(rc)
    sign_result_reset(out);
  return rc;
}

/* Headers signed by SLS V4: host, content-type, x-log-* but x-log-meta-*
 * (which GO and PY leave out), x-acs-*. */
static int sign_pick_v4(const char *name, size_t n)
{
  if(sign_name_has(name, n, "x-log-meta-"))
    return 0;
  return sign_name_has(name, n, "x-log-") ||
         sign_name_has(name, n, "x-acs-") || sign_name_is(name, n, "host") ||
         sign_name_is(name, n, "content-type");
}

/* 1 when `s` is YYYYMMDDTHHMMSSZ (digits where digits belong). */
static int sign_is_v4_date(const char *s, size_t n)
{
  size_t i;

  if(n != 16 || s[8] != 'T' || s[15] != 'Z')
    return 0;
  for(i = 0; i < 15; i++)
    if(i != 8 && !(s[i] >= '0' && s[i] <= '9'))
      return 0;
  return 1;
}

/* A region names the key scope: letters, digits, '-' and '_'. */
static int sign_check_region(const char *region, struct slsh_err *err)
{
  const char *p;

  if(!region || !*region)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "region",
                        "signature V4 needs a region such as cn-hangzhou");
  for(p = region; *p; p++)
    if(!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
         (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "region",
                          "a region is letters, digits, '-' and '_'");
  return 0;
}

/* The body, when given, must hash to the declared `hex` value. */
static int sign_check_body_hash(const struct slsh_sign_request *rq,
                                const char *hex, const char *field,
                                struct slsh_err *err)
{
  char sum[65];

  if(!rq->body)
    return 0;
  if(sign_sha256_hex(rq->body, rq->body_len, sum))
    return sign_openssl(err);
  if(memcmp(sum, hex, 64))
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, field,
                        "%s is not the SHA-256 of the body", field);
  return 0;
}

/* The canonical request of SLS V4 (acs3 = 0) and ACS3 (acs3 = 1), which
 * differ only in details: ACS3 encodes query names and writes "name=" for
 * an empty value, and joins repeated headers into one line. Both are
 *   method \n path \n query \n headers \n signed names \n payload hash
 * and are signed through their lower-hex SHA-256, written to `crhash`.
 * The signed header names go to `names`. */
static int sign_canonical(const struct slsh_sign_request *rq,
                          const struct sign_list *ql,
                          const struct sign_list *hl, int acs3,
                          const char payload[64], struct slsh_buf *cr,
                          struct slsh_buf *names, char crhash[65],
                          struct slsh_err *err)
{
  slsh_buf_adds(cr, rq->method);
  slsh_buf_addc(cr, '\n');
  slsh_buf_adds(cr, rq->path);
  slsh_buf_addc(cr, '\n');
  sign_add_query(cr, ql, acs3, !acs3);
  slsh_buf_addc(cr, '\n');
  sign_add_headers(cr, names, hl, acs3);
  slsh_buf_addc(cr, '\n');
  slsh_buf_add(cr, names->data, names->len);
  slsh_buf_addc(cr, '\n');
  slsh_buf_add(cr, payload, 64);
  if(cr->failed || names->failed)
    return sign_buf_err(cr->failed ? cr : names, err);
  if(sign_sha256_hex(cr->data, cr->len, crhash)) {
    sign_openssl(err);
    return -1;
  }
  return 0;
}

/* The SLS V4 signing key and signature: HMAC-SHA256 chained over date,
 * region, "sls", "aliyun_v4_request", then the string to sign. One
 * context is re-keyed for the five HMACs. Writes 64 hex digits. */
static int sign_v4_hmac(const char *secret, const char *date,
                        const char *region, const struct slsh_buf *sts,
                        char hex[65], struct slsh_err *err)
{
  struct slsh_buf key;
  struct slsh_hmac *h = NULL;
  unsigned char k1[SLSH_SHA256_LEN], k2[SLSH_SHA256_LEN];
  int rc = -1;

  slsh_buf_init(&key, 0);
  slsh_buf_adds(&key, "aliyun_v4");
  slsh_buf_adds(&key, secret);
  if(key.failed) {
    sign_buf_err(&key, err);
    goto fail;
  }
  h = slsh_crypto_hmac_new(SLSH_MD_SHA256);
  if(!h || slsh_crypto_hmac_run(h, key.data, key.len, date, 8, k1) ||
     slsh_crypto_hmac_run(h, k1, sizeof(k1), region, strlen(region), k2) ||
     slsh_crypto_hmac_run(h, k2, sizeof(k2), "sls", 3, k1) ||
     slsh_crypto_hmac_run(h, k1, sizeof(k1), "aliyun_v4_request", 17, k2) ||
     slsh_crypto_hmac_run(h, k2, sizeof(k2), sts->data, sts->len, k1)) {
    sign_openssl(err);
    goto fail;
  }
  slsh_hex(hex, k1, sizeof(k1), 0);
  hex[64] = '\0';
  rc = 0;
fail:
  slsh_wipe(k1, sizeof(k1));
  slsh_wipe(k2, sizeof(k2));
  slsh_crypto_hmac_free(h);
  slsh_buf_free(&key);
  return rc;
}

int slsh_sign_sls_v4(const struct slsh_sign_request *rq,
                     struct slsh_sign_result *out, struct slsh_err *err)
{
  struct sign_list hl, ql;
  struct slsh_buf *cr, *sts, names;
  const char *xdate, *hash, *host;
  size_t xdate_n, hash_n, host_n;
  char crhash[65], sig[65], date[9];
  int rc = -1;

  hl.v = ql.v = NULL;
  slsh_buf_init(&names, 0);
  if(sign_check_http(rq, out, 1, err) || sign_check_region(rq->region, err))
    return -1;
  cr = &out->canonical;
  sts = &out->string_to_sign;
  if(sign_header(rq, "x-log-date", &xdate, &xdate_n, err) < 0 ||
     sign_header(rq, "x-log-content-sha256", &hash, &hash_n, err) < 0 ||
     sign_header(rq, "host", &host, &host_n, err) < 0)
    goto fail;
  if(!sign_is_v4_date(xdate, xdate_n)) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers.x-log-date",
                 xdate_n ? "x-log-date must be YYYYMMDDTHHMMSSZ"
                 : "signature V4 needs the x-log-date header "
                 "(YYYYMMDDTHHMMSSZ)");
    goto fail;
  }
  if(!sign_is_sha256_hex(hash, hash_n)) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT,
                 "headers.x-log-content-sha256",
                 hash_n ? "x-log-content-sha256 must be 64 lower-case hex "
                 "digits" : "signature V4 needs the x-log-content-sha256 "
                 "header (lower-hex SHA-256 of the body)");
    goto fail;
  }
  if(sign_check_body_hash(rq, hash, "headers.x-log-content-sha256", err))
    goto fail;
  if(host_n && memchr(host, '/', host_n)) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers.host",
                 "the host header must not include a scheme or a path");
    goto fail;
  }
  memcpy(date, xdate, 8);
  date[8] = '\0';
  if(sign_collect(rq, sign_pick_v4, &hl, err) || sign_no_repeat(&hl, err) ||
     sign_params(rq->query, rq->nquery, &ql, err))
    goto fail;

  if(sign_canonical(rq, &ql, &hl, 0, hash, cr, &names, crhash, err))
    goto fail;
  slsh_buf_printf(sts, "SLS4-HMAC-SHA256\n%.16s\n%s/%s/sls/aliyun_v4_request"
                  "\n%s", xdate, date, rq->region, crhash);
  if(sts->failed) {
    sign_buf_err(sts, err);
    goto fail;
  }
  if(sign_v4_hmac(rq->access_key_secret, date, rq->region, sts, sig, err))
    goto fail;
  slsh_buf_printf(&out->authorization, "SLS4-HMAC-SHA256 Credential=%s/%s/%s"
                  "/sls/aliyun_v4_request,Signature=%s", rq->access_key_id,
                  date, rq->region, sig);
  if(out->authorization.failed) {
    sign_buf_err(&out->authorization, err);
    goto fail;
  }
  rc = 0;
fail:
  list_free(&hl);
  list_free(&ql);
  slsh_buf_free(&names);
  if(rc)
    sign_result_reset(out);
  return rc;
}

/* Headers signed by ACS3 (as Go darabonba): host, content-type, x-acs-*. */
static int sign_pick_acs3(const char *name, size_t n)
{
  return sign_name_has(name, n, "x-acs-") || sign_name_is(name, n, "host") ||
         sign_name_is(name, n, "content-type");
}

/* The ACS3 hashed payload: the x-acs-content-sha256 header, which the
 * service requires, or else an explicit `payload_hash` (the darabonba
 * utility signs one without the header); any of them must agree with the
 * body when it is given. */
static int sign_acs3_payload(const struct slsh_sign_request *rq,
                             char hex[65], struct slsh_err *err)
{
  const char *h;
  size_t hn;
  int found = sign_header(rq, "x-acs-content-sha256", &h, &hn, err);

  if(found < 0)
    return -1;
  if(found && !sign_is_sha256_hex(h, hn))
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT,
                        "headers.x-acs-content-sha256",
                        "x-acs-content-sha256 must be 64 lower-case hex "
                        "digits");
  if(rq->payload_hash &&
     !sign_is_sha256_hex(rq->payload_hash, strlen(rq->payload_hash)))
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "payload_hash",
                        "payload_hash must be 64 lower-case hex digits");
  if(found && rq->payload_hash && memcmp(h, rq->payload_hash, 64))
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "payload_hash",
                        "payload_hash differs from x-acs-content-sha256");
  if(!found && !rq->payload_hash)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT,
                        "headers.x-acs-content-sha256",
                        "ACS3 needs the x-acs-content-sha256 header "
                        "(lower-hex SHA-256 of the body)");
  memcpy(hex, found ? h : rq->payload_hash, 64);
  hex[64] = '\0';
  return sign_check_body_hash(rq, hex, found ?
                              "headers.x-acs-content-sha256" :
                              "payload_hash", err);
}

int slsh_sign_acs3(const struct slsh_sign_request *rq,
                   struct slsh_sign_result *out, struct slsh_err *err)
{
  struct sign_list hl, ql;
  struct slsh_buf *cr, *sts, names;
  unsigned char mac[SLSH_SHA256_LEN];
  char payload[65], crhash[65], sig[2 * SLSH_SHA256_LEN];
  int rc = -1;

  hl.v = ql.v = NULL;
  slsh_buf_init(&names, 0);
  if(sign_check_http(rq, out, 1, err))
    return -1;
  cr = &out->canonical;
  sts = &out->string_to_sign;
  if(sign_acs3_payload(rq, payload, err) ||
     sign_collect(rq, sign_pick_acs3, &hl, err) ||
     sign_params(rq->query, rq->nquery, &ql, err))
    goto fail;

  if(sign_canonical(rq, &ql, &hl, 1, payload, cr, &names, crhash, err))
    goto fail;
  slsh_buf_adds(sts, "ACS3-HMAC-SHA256\n");
  slsh_buf_add(sts, crhash, 64);
  if(sts->failed) {
    sign_buf_err(sts, err);
    goto fail;
  }
  if(slsh_crypto_hmac_sha256(rq->access_key_secret,
                             strlen(rq->access_key_secret), sts->data,
                             sts->len, mac)) {
    sign_openssl(err);
    goto fail;
  }
  slsh_buf_adds(&out->authorization, "ACS3-HMAC-SHA256 Credential=");
  slsh_buf_adds(&out->authorization, rq->access_key_id);
  slsh_buf_adds(&out->authorization, ",SignedHeaders=");
  slsh_buf_add(&out->authorization, names.data, names.len);
  slsh_buf_adds(&out->authorization, ",Signature=");
  slsh_hex(sig, mac, sizeof(mac), 0);
  slsh_buf_add(&out->authorization, sig, sizeof(sig));
  if(out->authorization.failed) {
    sign_buf_err(&out->authorization, err);
    goto fail;
  }
  rc = 0;
fail:
  list_free(&hl);
  list_free(&ql);
  slsh_buf_free(&names);
  if(rc)
    sign_result_reset(out);
  return rc;
}

/* RPC parameters: named, and without Signature (it is added after). */
static int sign_check_rpc_params(const struct slsh_sign_pair *v, size_t n,
                                 struct slsh_err *err)
{
  size_t i;

  if(sign_check_pairs(v, n, "params", err))
    return -1;
  for(i = 0; i < n; i++) {
    if(!v[i].name_len)
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "params",
                          "a parameter name is empty");
    if(!sign_cmp(v[i].name, v[i].name_len, "Signature", 9))
      return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "params.Signature",
                          "Signature is not signed: leave it out of params");
  }
  return 0;
}

int slsh_sign_rpc_query(const struct slsh_sign_pair *params, size_t nparams,
                        struct slsh_buf *out, struct slsh_err *err)
{
  struct sign_list l;
  int rc = -1;

  l.v = NULL;
  if(!out)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "no buffer to write into");
  if(sign_check_rpc_params(params, nparams, err) ||
     sign_params(params, nparams, &l, err))
    goto fail;
  if(sign_add_query(out, &l, 1, 0)) {
    sign_buf_err(out, err);
    goto fail;
  }
  rc = 0;
fail:
  list_free(&l);
  return rc;
}

int slsh_sign_rpc_v1(const char *method, const struct slsh_sign_pair *params,
                     size_t nparams, const char *access_key_secret,
                     struct slsh_sign_result *out, struct slsh_err *err)
{
  struct slsh_buf query, key;
  unsigned char mac[SLSH_SHA1_LEN];
  int rc = -1;

  if(!out)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "no result to sign into");
  sign_result_reset(out);
  if(sign_check_method(method, err) ||
     sign_check_secret(access_key_secret, err))
    return -1;
  slsh_buf_init(&query, 0);
  slsh_buf_init(&key, 0);
  if(slsh_sign_rpc_query(params, nparams, &query, err))
    goto fail;
  slsh_buf_adds(&out->canonical, method);
  slsh_buf_adds(&out->canonical, "&%2F&");
  slsh_crypto_percent_encode(&out->canonical, query.data, query.len);
  slsh_buf_adds(&key, access_key_secret);
  slsh_buf_addc(&key, '&');
  if(out->canonical.failed || key.failed) {
    sign_buf_err(out->canonical.failed ? &out->canonical : &key, err);
    goto fail;
  }
  if(slsh_crypto_hmac_sha1(key.data, key.len, out->canonical.data,
                           out->canonical.len, mac)) {
    sign_openssl(err);
    goto fail;
  }
  if(slsh_crypto_base64(&out->authorization, mac, sizeof(mac))) {
    sign_buf_err(&out->authorization, err);
    goto fail;
  }
  rc = 0;
fail:
  slsh_buf_free(&query);
  slsh_buf_free(&key);
  if(rc)
    sign_result_reset(out);
  return rc;
}

/* The dates the signers need come from the one calendar in text.c. */
int slsh_sign_http_date(int64_t epoch, char out[SLSH_SIGN_HTTP_DATE_SIZE])
{
  return slsh_time_http(epoch, out);
}

int slsh_sign_v4_date(int64_t epoch, char out[SLSH_SIGN_V4_DATE_SIZE])
{
  return slsh_time_basic(epoch, out);
}

int slsh_sign_iso8601(int64_t epoch, char out[SLSH_SIGN_ISO8601_SIZE])
{
  return slsh_time_iso8601(epoch, out);
}
