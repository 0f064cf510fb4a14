/*
 * Shared harness of the fuzz_sign_<signer>.c libFuzzer targets.
 *
 * Input: one flags byte, then NUL-separated segments. The first segments
 * are the scalar fields of the signer (method, path, ...); each later
 * segment is one pair "Tname=value" where T's low bit says header (0) or
 * query/parameter (1). A 0x01 byte in a pair value stands for NUL, so
 * values with NUL bytes are reachable. Every segment is copied into its
 * own exact-size allocation, so ASan sees any read past its end.
 *
 * Properties checked on every input, beyond "no crash, no leak":
 *  - a success gives a non-empty Authorization and canonical string, and
 *    signing the same pairs in reverse order gives the same bytes;
 *  - a refusal names a field, leaves the result empty, and its message
 *    never holds the secret or the security token (fixed markers mixed
 *    into the input).
 */
#ifndef FUZZ_SIGN_H
#define FUZZ_SIGN_H

#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/crypto.h"
#include "slsh/sign.h"
#include "slsh/text.h"

#define FUZZ_MAXSEG 96
#define FUZZ_SECRET "\x01SECRET-MARK\x02"
#define FUZZ_TOKEN "TOKEN-MARK-7c1e"

struct fuzz_in {
  const uint8_t *p;             /* the fuzzer's bytes */
  size_t n, at;                 /* size and read position */
  char *owned[FUZZ_MAXSEG + 16]; /* every allocation, freed by fuzz_end */
  size_t nowned;
};

static inline void fuzz_begin(struct fuzz_in *in, const uint8_t *p, size_t n)
{
  in->p = p;
  in->n = n;
  in->at = 0;
  in->nowned = 0;
}

/* A heap copy of `n` bytes (or room for them, when `p` is NULL) plus a
 * terminator, kept for fuzz_end. */
static inline char *fuzz_keep(struct fuzz_in *in, const void *p, size_t n)
{
  char *s;

  if(in->nowned >= sizeof(in->owned) / sizeof(in->owned[0]))
    abort();
  s = malloc(n + 1);
  if(!s)
    abort();
  if(p && n)
    memcpy(s, p, n);
  s[n] = '\0';
  in->owned[in->nowned++] = s;
  return s;
}

/* The secret: a fixed marker (to look for in messages) + `sk`. */
static inline char *fuzz_secret(struct fuzz_in *in, const char *sk, size_t n)
{
  size_t m = sizeof(FUZZ_SECRET) - 1;
  char *s = fuzz_keep(in, NULL, m + n);

  memcpy(s, FUZZ_SECRET, m);
  if(n)
    memcpy(s + m, sk, n);
  return s;
}

/* The next segment (NULL at the end of input). */
static inline char *fuzz_next(struct fuzz_in *in, size_t *len)
{
  const uint8_t *start, *end;
  size_t n;

  if(in->at >= in->n)
    return NULL;
  start = in->p + in->at;
  end = memchr(start, 0, in->n - in->at);
  n = end ? (size_t)(end - start) : in->n - in->at;
  in->at += n + (end ? 1 : 0);
  if(len)
    *len = n;
  return fuzz_keep(in, start, n);
}

static inline void fuzz_end(struct fuzz_in *in)
{
  while(in->nowned)
    free(in->owned[--in->nowned]);
}

/* Read the remaining segments as pairs into headers and query. */
static inline void fuzz_pairs(struct fuzz_in *in, struct slsh_sign_pair *h,
                       size_t *nh, struct slsh_sign_pair *q, size_t *nq,
                       size_t max)
{
  char *seg;
  size_t len;

  *nh = *nq = 0;
  while(*nh < max && *nq < max && in->nowned < FUZZ_MAXSEG &&
        (seg = fuzz_next(in, &len))) {
    char *eq;
    struct slsh_sign_pair *pr;
    size_t i;

    if(!len)
      continue;
    pr = (seg[0] & 1) ? &q[(*nq)++] : &h[(*nh)++];
    eq = memchr(seg + 1, '=', len - 1);
    pr->name = seg + 1;
    pr->name_len = eq ? (size_t)(eq - seg - 1) : len - 1;
    pr->value = eq ? eq + 1 : "";
    pr->value_len = eq ? len - (size_t)(eq - seg) - 1 : 0;
    for(i = 0; eq && i < pr->value_len; i++)
      if(eq[1 + i] == 1)
        eq[1 + i] = 0;
  }
}

static inline void fuzz_reverse(const struct slsh_sign_pair *v, size_t n,
                         struct slsh_sign_pair *out)
{
  size_t i;

  for(i = 0; i < n; i++)
    out[i] = v[n - 1 - i];
}

/* 1 when a name holds the token marker: names may be quoted (they are
 * not secret), so the marker can then rightly appear in a message. */
static inline int fuzz_names_hold_token(const struct slsh_sign_pair *v,
                                        size_t n)
{
  size_t i;

  for(i = 0; i < n; i++)
    if(memmem(v[i].name, v[i].name_len, FUZZ_TOKEN, sizeof(FUZZ_TOKEN) - 1))
      return 1;
  return 0;
}

/* The checks of a refusal. */
static inline void fuzz_check_refusal(const struct slsh_err *e,
                                      const struct slsh_sign_result *r,
                                      int token_in_names)
{
  if(e->code == SLSH_E_OK || !e->message[0])
    abort();
  if(strstr(e->message, FUZZ_SECRET) || strstr(e->field, FUZZ_SECRET))
    abort();
  if(!token_in_names &&
     (strstr(e->message, FUZZ_TOKEN) || strstr(e->field, FUZZ_TOKEN)))
    abort();
  if(r->authorization.len || r->canonical.len || r->string_to_sign.len)
    abort();
}

/* The checks of a success: `again` must be byte-identical to `r`. */
static inline void fuzz_check_same(const struct slsh_sign_result *r,
                            const struct slsh_sign_result *again)
{
  if(!r->authorization.len || !r->canonical.len)
    abort();
  if(r->authorization.len != again->authorization.len ||
     memcmp(r->authorization.data, again->authorization.data,
            r->authorization.len) ||
     r->canonical.len != again->canonical.len ||
     memcmp(r->canonical.data, again->canonical.data, r->canonical.len))
    abort();
}

/* The date helpers on the first 8 bytes as an epoch: fixed-size output
 * inside the year range, refusal outside. */
static inline void fuzz_dates(const uint8_t *data, size_t size)
{
  char http[SLSH_SIGN_HTTP_DATE_SIZE], v4[SLSH_SIGN_V4_DATE_SIZE];
  char iso[SLSH_SIGN_ISO8601_SIZE];
  int64_t t;
  int in_range;

  if(size < 8)
    return;
  memcpy(&t, data, 8);
  in_range = t >= INT64_C(-62135596800) && t <= INT64_C(253402300799);
  if(slsh_sign_http_date(t, http) != (in_range ? 0 : -1) ||
     slsh_sign_v4_date(t, v4) != (in_range ? 0 : -1) ||
     slsh_sign_iso8601(t, iso) != (in_range ? 0 : -1))
    abort();
  if(in_range && (strlen(http) != 29 || strlen(v4) != 16 ||
                  strlen(iso) != 20 || memcmp(v4, iso, 4) ||
                  memcmp(http + 12, iso, 4)))
    abort();
}

/* Fuzz one HTTP signer. Segments: method, path, access key id, secret
 * suffix, region, body, then pairs. Flags: bit 0 adds the headers the
 * signer requires (so inputs get past them), bit 1 gives the body,
 * bit 2 picks hmac-sha256 for V1, bit 3 adds an STS token header, bit 4
 * passes the body's hash as payload_hash (ACS3). */
static inline void fuzz_http(const uint8_t *data, size_t size,
                      int (*signer)(const struct slsh_sign_request *,
                                    struct slsh_sign_result *,
                                    struct slsh_err *),
                      int v4)
{
  struct slsh_sign_pair h[FUZZ_MAXSEG / 2 + 8], q[FUZZ_MAXSEG / 2];
  struct slsh_sign_pair hr[FUZZ_MAXSEG / 2 + 8], qr[FUZZ_MAXSEG / 2];
  struct slsh_sign_request rq;
  struct slsh_sign_result r, again;
  struct slsh_err e, e2;
  struct fuzz_in in;
  unsigned char md[SLSH_SHA256_LEN];
  char hex[65], *sk, *secret;
  size_t nh, nq, sklen;
  uint8_t flags;
  int rc;

  if(!size)
    return;
  fuzz_dates(data, size);
  flags = data[0];
  fuzz_begin(&in, data + 1, size - 1);
  memset(&rq, 0, sizeof(rq));
  rq.method = fuzz_next(&in, NULL);
  rq.path = fuzz_next(&in, NULL);
  rq.access_key_id = fuzz_next(&in, NULL);
  sk = fuzz_next(&in, &sklen);
  secret = fuzz_secret(&in, sk, sk ? sklen : 0);
  rq.access_key_secret = secret;
  rq.region = fuzz_next(&in, NULL);
  rq.body = fuzz_next(&in, &rq.body_len);
  if(!(flags & 2)) {
    rq.body = NULL;
    rq.body_len = 0;
  }
  fuzz_pairs(&in, h, &nh, q, &nq, FUZZ_MAXSEG / 2);
  if(slsh_crypto_sha256(rq.body, rq.body_len, md))
    abort();
  slsh_hex(hex, md, 32, 0);
  hex[64] = '\0';
  if(flags & 1) {
    h[nh++] = (struct slsh_sign_pair){"Date", 4,
                                      "Mon, 03 Jan 2022 08:33:47 GMT", 29};
    h[nh++] = (flags & 4) ?
      (struct slsh_sign_pair){"x-log-signaturemethod", 21, "hmac-sha256", 11} :
      (struct slsh_sign_pair){"x-log-signaturemethod", 21, "hmac-sha1", 9};
    h[nh++] = (struct slsh_sign_pair){"x-acs-content-sha256", 20, hex, 64};
    if(v4) {
      h[nh++] = (struct slsh_sign_pair){"x-log-date", 10, "20220103T083347Z",
                                        16};
      h[nh++] = (struct slsh_sign_pair){"x-log-content-sha256", 20, hex, 64};
    }
  }
  if(flags & 8)
    h[nh++] = (struct slsh_sign_pair){"x-acs-security-token", 20, FUZZ_TOKEN,
                                      sizeof(FUZZ_TOKEN) - 1};
  if(flags & 16)
    rq.payload_hash = hex;
  rq.headers = h;
  rq.nheaders = nh;
  rq.query = q;
  rq.nquery = nq;

  slsh_sign_result_init(&r);
  slsh_sign_result_init(&again);
  slsh_err_clear(&e);
  rc = signer(&rq, &r, &e);
  fuzz_reverse(h, nh, hr);
  fuzz_reverse(q, nq, qr);
  rq.headers = hr;
  rq.query = qr;
  slsh_err_clear(&e2);
  if(signer(&rq, &again, &e2) != rc)
    abort();
  if(rc)
    fuzz_check_refusal(&e, &r, fuzz_names_hold_token(h, nh) ||
                       fuzz_names_hold_token(q, nq));
  else
    fuzz_check_same(&r, &again);
  slsh_sign_result_free(&r);
  slsh_sign_result_free(&again);
  fuzz_end(&in);
}

#endif
