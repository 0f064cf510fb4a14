/*
 * OpenSSL 3 helpers for the signers (see crypto.h).
 *
 * Measured on OpenSSL 3.0 (tests/bench, docs/performance.md): HMAC() and
 * EVP_Q_mac() fetch the algorithm on every call and reach about 0.45 M
 * HMAC-SHA256/s over a 200-byte message; a context duplicated from a
 * template that was fetched once reaches about 0.85 M/s, and re-keying
 * one context 1.5 M/s. So the algorithms are fetched once per process
 * (pthread_once) and kept until exit, and chains of HMACs re-key one
 * context.
 */
#include "slsh/crypto.h"
#include "slsh/text.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static EVP_MAC_CTX *crypto_hmac_tpl[2];   /* unkeyed HMAC per digest */
static EVP_MD *crypto_sha256_md;
static EVP_MD *crypto_md5_md;
static int crypto_ready;                  /* 1 when all of the above exist */

/* Fetch the algorithms once. On failure crypto_ready stays 0 and every
 * helper fails cleanly; the objects are owned by the process. */
static void crypto_init(void)
{
  static const char *const names[2] = {"SHA1", "SHA256"};
  EVP_MAC *mac;
  int i;

  mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if(!mac)
    return;
  for(i = 0; i < 2; i++) {
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)names[i], 0);
    params[1] = OSSL_PARAM_construct_end();
    crypto_hmac_tpl[i] = EVP_MAC_CTX_new(mac);
    if(!crypto_hmac_tpl[i] ||
       !EVP_MAC_CTX_set_params(crypto_hmac_tpl[i], params)) {
      EVP_MAC_free(mac);
      return;
    }
  }
  /* The contexts hold their own reference to the algorithm. */
  EVP_MAC_free(mac);
  crypto_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
  crypto_md5_md = EVP_MD_fetch(NULL, "MD5", NULL);
  crypto_ready = crypto_sha256_md && crypto_md5_md;
}

static int crypto_start(void)
{
  if(pthread_once(&crypto_once, crypto_init))
    return -1;
  return crypto_ready ? 0 : -1;
}

struct slsh_hmac {
  EVP_MAC_CTX *ctx;     /* OpenSSL context, re-keyed on every run */
  size_t size;          /* digest length in bytes */
};

struct slsh_hmac *slsh_crypto_hmac_new(enum slsh_crypto_md md)
{
  struct slsh_hmac *h;

  if(crypto_start() || (md != SLSH_MD_SHA1 && md != SLSH_MD_SHA256))
    return NULL;
  h = malloc(sizeof(*h));
  if(!h)
    return NULL;
  h->ctx = EVP_MAC_CTX_dup(crypto_hmac_tpl[md]);
  if(!h->ctx) {
    free(h);
    return NULL;
  }
  h->size = md == SLSH_MD_SHA1 ? SLSH_SHA1_LEN : SLSH_SHA256_LEN;
  return h;
}

int slsh_crypto_hmac_run(struct slsh_hmac *h, const void *key, size_t klen,
                         const void *msg, size_t mlen, unsigned char *out)
{
  /* EVP_MAC_init treats a NULL key as "keep the old key"; an empty key
   * (which the published vectors use) must be a non-NULL pointer. */
  static const unsigned char nokey[1];
  size_t outlen = 0;

  if(!h || (!key && klen) || (!msg && mlen))
    return -1;
  if(!EVP_MAC_init(h->ctx, klen ? key : nokey, klen, NULL) ||
     !EVP_MAC_update(h->ctx, mlen ? msg : nokey, mlen) ||
     !EVP_MAC_final(h->ctx, out, &outlen, h->size) || outlen != h->size)
    return -1;
  return 0;
}

void slsh_crypto_hmac_free(struct slsh_hmac *h)
{
  if(!h)
    return;
  EVP_MAC_CTX_free(h->ctx);
  free(h);
}

int slsh_crypto_hmac(enum slsh_crypto_md md, const void *key, size_t klen,
                     const void *msg, size_t mlen, unsigned char *out)
{
  struct slsh_hmac *h = slsh_crypto_hmac_new(md);
  int rc;

  if(!h)
    return -1;
  rc = slsh_crypto_hmac_run(h, key, klen, msg, mlen, out);
  slsh_crypto_hmac_free(h);
  return rc;
}

int slsh_crypto_hmac_sha1(const void *key, size_t klen, const void *msg,
                          size_t mlen, unsigned char out[SLSH_SHA1_LEN])
{
  return slsh_crypto_hmac(SLSH_MD_SHA1, key, klen, msg, mlen, out);
}

int slsh_crypto_hmac_sha256(const void *key, size_t klen, const void *msg,
                            size_t mlen, unsigned char out[SLSH_SHA256_LEN])
{
  return slsh_crypto_hmac(SLSH_MD_SHA256, key, klen, msg, mlen, out);
}

/* One digest with a fetched algorithm. */
static int crypto_digest(EVP_MD *md, const void *p, size_t n,
                         unsigned char *out)
{
  unsigned int len = 0;

  if(!p && n)
    return -1;
  return EVP_Digest(n ? p : "", n, out, &len, md, NULL) ? 0 : -1;
}

int slsh_crypto_sha256(const void *p, size_t n,
                       unsigned char out[SLSH_SHA256_LEN])
{
  if(crypto_start())
    return -1;
  return crypto_digest(crypto_sha256_md, p, n, out);
}

int slsh_crypto_md5(const void *p, size_t n, unsigned char out[SLSH_MD5_LEN])
{
  if(crypto_start())
    return -1;
  return crypto_digest(crypto_md5_md, p, n, out);
}

int slsh_crypto_base64(struct slsh_buf *out, const void *p, size_t n)
{
  /* EVP_EncodeBlock takes an int length: feed it whole 3-byte groups in
   * chunks, so any size works and the padding comes only at the end. */
  enum { CHUNK = 3 * 256 };
  unsigned char text[CHUNK / 3 * 4 + 1];
  const unsigned char *in = p;

  if(!in && n)
    return -1;
  while(n) {
    size_t take = n > CHUNK ? CHUNK : n;
    int len = EVP_EncodeBlock(text, in, (int)take);

    if(len < 0 || slsh_buf_add(out, text, (size_t)len))
      return -1;
    in += take;
    n -= take;
  }
  return out->failed ? -1 : 0;
}

/* 1 for the bytes RFC 3986 calls unreserved, which stay literal. */
static int crypto_unreserved(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

int slsh_crypto_percent_encode(struct slsh_buf *out, const char *s, size_t n)
{
  /* Encode into a stack chunk and append it whole: one buffer call per
   * 256 bytes instead of one per escape (policy documents are long and
   * RPC encodes them twice). */
  char chunk[256];
  size_t i, used = 0;

  if(!s && n)
    return -1;
  for(i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];

    if(used > sizeof(chunk) - 3) {
      if(slsh_buf_add(out, chunk, used))
        return -1;
      used = 0;
    }
    if(crypto_unreserved(c))
      chunk[used++] = (char)c;
    else {
      chunk[used++] = '%';
      slsh_hex(chunk + used, &c, 1, 1);
      used += 2;
    }
  }
  if(used && slsh_buf_add(out, chunk, used))
    return -1;
  return out->failed ? -1 : 0;
}

/* Value of a hex digit, or -1. */
static int crypto_hexval(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int slsh_crypto_percent_decode(struct slsh_buf *out, const char *s, size_t n,
                               const char *field, struct slsh_err *err)
{
  size_t i, start = out->len;

  if(!s && n)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, field,
                        "no text to decode");
  for(i = 0; i < n; i++) {
    char c = s[i];

    if(c == '%') {
      int hi = i + 2 < n ? crypto_hexval(s[i + 1]) : -1;
      int lo = i + 2 < n ? crypto_hexval(s[i + 2]) : -1;

      if(hi < 0 || lo < 0) {
        /* Leave the buffer as it was: a caller must not see half. */
        if(out->data) {
          slsh_wipe(out->data + start, out->len - start);
          out->data[start] = '\0';
        }
        out->len = start;
        return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, field,
                            "'%%' at byte %zu is not followed by two hex "
                            "digits", i);
      }
      c = (char)(hi * 16 + lo);
      i += 2;
    }
    if(slsh_buf_addc(out, c))
      return slsh_err_set(err, (enum slsh_errcode)out->failed, field,
                          "the decoded text does not fit");
  }
  return 0;
}
