/*
 * Thin OpenSSL 3 helpers for the signers: HMAC-SHA1/SHA256, SHA-256,
 * MD5, base64, and the RFC 3986 percent-encoding every Alibaba Cloud
 * signature uses. Digests are written into caller arrays; text is
 * appended to a struct slsh_buf (which wipes what it frees).
 *
 * The OpenSSL algorithm objects are fetched once per process and kept:
 * fetching them on every call costs more than the HMAC itself. Every
 * function is safe to call from several threads.
 */
#ifndef SLSH_CRYPTO_H
#define SLSH_CRYPTO_H

#include <stddef.h>

#include "slsh/buf.h"
#include "slsh/err.h"

#define SLSH_MD5_LEN 16
#define SLSH_SHA1_LEN 20
#define SLSH_SHA256_LEN 32

enum slsh_crypto_md {
  SLSH_MD_SHA1,       /* HMAC-SHA1: SLS V1, RPC V1 */
  SLSH_MD_SHA256      /* HMAC-SHA256: SLS V1 (sha256), SLS V4, ACS3 */
};

/* One HMAC over `msg` with `key`; `out` must hold 20 (SHA1) or 32
 * (SHA256) bytes. Returns 0, or -1 when OpenSSL fails. */
int slsh_crypto_hmac(enum slsh_crypto_md md, const void *key, size_t klen,
                     const void *msg, size_t mlen, unsigned char *out);
int slsh_crypto_hmac_sha1(const void *key, size_t klen, const void *msg,
                          size_t mlen, unsigned char out[SLSH_SHA1_LEN]);
int slsh_crypto_hmac_sha256(const void *key, size_t klen, const void *msg,
                            size_t mlen, unsigned char out[SLSH_SHA256_LEN]);

/* A re-keyable HMAC context, for chains of HMACs with different keys
 * (SLS V4 derives its key with four): re-keying one context is about
 * twice as fast as making a new one per HMAC. */
struct slsh_hmac;

/* A new context, or NULL when out of memory or OpenSSL fails. */
struct slsh_hmac *slsh_crypto_hmac_new(enum slsh_crypto_md md);

/* HMAC(key, msg) into `out` (the digest size of the context). */
int slsh_crypto_hmac_run(struct slsh_hmac *h, const void *key, size_t klen,
                         const void *msg, size_t mlen, unsigned char *out);

/* Free a context (its key state is cleansed by OpenSSL); NULL is fine. */
void slsh_crypto_hmac_free(struct slsh_hmac *h);

/* Digests; 0 or -1. */
int slsh_crypto_sha256(const void *p, size_t n,
                       unsigned char out[SLSH_SHA256_LEN]);
int slsh_crypto_md5(const void *p, size_t n, unsigned char out[SLSH_MD5_LEN]);

/* Append standard base64 (RFC 4648, with padding) of `n` bytes. */
int slsh_crypto_base64(struct slsh_buf *out, const void *p, size_t n);

/* Append `s` percent-encoded per RFC 3986: only A-Z a-z 0-9 - _ . ~ stay
 * literal, every other byte becomes %XY with upper-case hex (space is
 * %20, never '+'). */
int slsh_crypto_percent_encode(struct slsh_buf *out, const char *s, size_t n);

/* Append `s` percent-decoded. '+' is left alone (RFC 3986, not form
 * encoding). A '%' not followed by two hex digits is an error
 * (SLSH_E_INVALID_ARGUMENT with `field`), and nothing is appended. */
int slsh_crypto_percent_decode(struct slsh_buf *out, const char *s, size_t n,
                               const char *field, struct slsh_err *err);

#endif
