/*
 * Signatures per second of each signer on a realistic request, next to
 * the bare OpenSSL work the same signature needs (the ideal: HMAC, plus
 * the SHA-256 of the canonical request and the V4 key chain where the
 * algorithm has them), computed the fastest way OpenSSL 3 allows (one
 * fetched algorithm, one re-keyed context). The ratio says what the
 * canonicalisation costs. Also HMAC() one-shot, the obvious OpenSSL
 * call, for reference.
 *
 *   bench_sign [seconds per round, default 0.5] [name filter]
 *
 * A benchmark, not a test: it asserts nothing about time.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slsh/sign.h"

#define P(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Vector A's UpdateLogStore (tests/core/test_sign.c), with STS. The body is
 * not passed: it would add the MD5 / SHA-256 check of the body, which is
 * the caller's hashing, not signing. */
static const struct slsh_sign_pair v1_headers[] = {
  P("Host", "my-project.cn-hangzhou.log.aliyuncs.com"),
  P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
  P("Content-Type", "application/json"),
  P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F"),
  P("Content-Length", "110"), P("User-Agent", "slsh/0.1.0"),
  P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
  P("x-log-signaturemethod", "hmac-sha1"),
  P("x-acs-security-token", "mockSecurityToken")};
static const struct slsh_sign_pair v1_sha256_headers[] = {
  P("Host", "my-project.cn-hangzhou.log.aliyuncs.com"),
  P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
  P("Content-Type", "application/json"),
  P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F"),
  P("Content-Length", "110"), P("User-Agent", "slsh/0.1.0"),
  P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
  P("x-log-signaturemethod", "hmac-sha256"),
  P("x-acs-security-token", "mockSecurityToken")};
static const struct slsh_sign_pair v4_headers[] = {
  P("Host", "my-project.cn-hangzhou.log.aliyuncs.com"),
  P("Content-Type", "application/json"), P("Content-Length", "110"),
  P("User-Agent", "slsh/0.1.0"), P("x-log-apiversion", "0.6.0"),
  P("x-log-bodyrawsize", "110"), P("x-log-date", "20220103T083347Z"),
  P("x-log-content-sha256",
    "aedba524ea808be2eda0b21cae2b6df31a07f52328a3b57ae14555bfdc05249e"),
  P("x-acs-security-token", "mockSecurityToken")};
/* V3-C: KMS DescribeKey with STS. */
static const struct slsh_sign_pair acs3_query[] = {
  P("KeyId", "key-hzz65f8c9e0xxxx")};
static const struct slsh_sign_pair acs3_headers[] = {
  P("host", "kms.cn-hangzhou.aliyuncs.com"),
  P("x-acs-accesskey-id", "STS.testid"), P("x-acs-action", "DescribeKey"),
  P("x-acs-content-sha256",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
  P("x-acs-date", "2024-01-02T03:04:05Z"),
  P("x-acs-security-token", "tok+en/with=chars"),
  P("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
  P("x-acs-version", "2016-01-20"), P("user-agent", "slsh/0.1.0")};
/* V1-D: RAM CreateRole with a policy document and STS. */
static const struct slsh_sign_pair rpc_params[] = {
  P("AccessKeyId", "testid"), P("Action", "CreateRole"), P("Format", "JSON"),
  P("RoleName", "sls-byok-role"), P("Version", "2015-05-01"),
  P("AssumeRolePolicyDocument", "{\"Statement\":[{\"Action\":"
    "\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
    "[\"log.aliyuncs.com\"]}}],\"Version\":\"1\"}"),
  P("Description", "SLS BYOK role *test* ~ \xc3\xa9"),
  P("SecurityToken", "tok+en/with=chars"), P("SignatureMethod", "HMAC-SHA1"),
  P("SignatureVersion", "1.0"),
  P("SignatureNonce", "0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a"),
  P("Timestamp", "2024-01-02T03:04:05Z")};

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum which { B_V1, B_V1_SHA256, B_V4, B_ACS3, B_RPC };

struct bench {
  const char *name;
  enum which which;
  struct slsh_sign_request rq;
};

static int run_signer(struct bench *b, struct slsh_sign_result *r)
{
  struct slsh_err e;

  switch(b->which) {
  case B_V1:
  case B_V1_SHA256:
    return slsh_sign_sls_v1(&b->rq, r, &e);
  case B_V4:
    return slsh_sign_sls_v4(&b->rq, r, &e);
  case B_ACS3:
    return slsh_sign_acs3(&b->rq, r, &e);
  case B_RPC:
    return slsh_sign_rpc_v1("POST", rpc_params, N(rpc_params),
                            b->rq.access_key_secret, r, &e);
  }
  return -1;
}

/* The ideal: OpenSSL doing only the cryptography of one signature, over
 * the canonical strings the signer produced, with pre-fetched algorithms
 * and re-keyed contexts. */
struct ideal {
  EVP_MAC_CTX *sha1, *sha256;   /* HMAC contexts, re-keyed on each use */
  EVP_MD *md;                   /* SHA-256 */
  const char *key;              /* the HMAC key of the first step */
  size_t klen;
  const struct slsh_buf *hashed;/* hashed first (V4, ACS3) or NULL */
  const struct slsh_buf *msg;   /* the string to sign */
  int chain;                    /* V4: the four key-derivation HMACs */
  int use_sha1;
};

static void mac(EVP_MAC_CTX *c, const void *k, size_t kn, const void *m,
                size_t mn, unsigned char *out)
{
  size_t len;

  if(!EVP_MAC_init(c, k, kn, NULL) || !EVP_MAC_update(c, m, mn) ||
     !EVP_MAC_final(c, out, &len, 32))
    abort();
}

static void run_ideal(struct ideal *d)
{
  unsigned char k[32], out[32];
  unsigned int hl;

  if(d->hashed &&
     !EVP_Digest(d->hashed->data, d->hashed->len, out, &hl, d->md, NULL))
    abort();
  if(d->chain) {
    mac(d->sha256, d->key, d->klen, "20220103", 8, k);
    mac(d->sha256, k, 32, "cn-hangzhou", 11, k);
    mac(d->sha256, k, 32, "sls", 3, k);
    mac(d->sha256, k, 32, "aliyun_v4_request", 17, k);
    mac(d->sha256, k, 32, d->msg->data, d->msg->len, out);
  }
  else
    mac(d->use_sha1 ? d->sha1 : d->sha256, d->key, d->klen, d->msg->data,
        d->msg->len, out);
}

/* HMAC() one-shot over the string to sign: what naive code calls. */
static void run_oneshot(struct ideal *d)
{
  unsigned char out[32];
  unsigned int len;

  HMAC(d->use_sha1 ? EVP_sha1() : EVP_sha256(), d->key, (int)d->klen,
       (const unsigned char *)d->msg->data, d->msg->len, out, &len);
}

/* Calls per second of `stmt`: the best of three rounds of `secs`
 * seconds each, since the machine is shared and only slowed down by its
 * neighbours, never sped up. */
#define RATE(secs, stmt) do { \
    int round; \
    rate = 0; \
    for(round = 0; round < 3; round++) { \
      double t0 = now(), t; \
      long n = 0, i; \
      do { \
        for(i = 0; i < 512; i++) \
          stmt; \
        n += 512; \
        t = now() - t0; \
      } while(t < (secs)); \
      if((double)n / t > rate) \
        rate = (double)n / t; \
    } \
  } while(0)

int main(int argc, char **argv)
{
  double secs = argc > 1 ? atof(argv[1]) : 0.5;
  struct bench benches[] = {
    {"SLS V1 hmac-sha1 (vector A)", B_V1, {"PUT", "/logstores/my-logstore",
      NULL, 0, v1_headers, N(v1_headers), NULL, 0,
      "mockAccessKeyID", "mockAccessKeySecret", NULL, NULL}},
    {"SLS V1 hmac-sha256 (vector A)", B_V1_SHA256, {"PUT",
      "/logstores/my-logstore", NULL, 0, v1_sha256_headers,
      N(v1_sha256_headers), NULL, 0, "mockAccessKeyID",
      "mockAccessKeySecret", NULL, NULL}},
    {"SLS V4 (vector A)", B_V4, {"PUT", "/logstores/my-logstore", NULL, 0,
      v4_headers, N(v4_headers), NULL, 0, "mockAccessKeyID",
      "mockAccessKeySecret", "cn-hangzhou", NULL}},
    {"ACS3 (V3-C KMS DescribeKey)", B_ACS3, {"POST", "/", acs3_query,
      N(acs3_query), acs3_headers, N(acs3_headers), NULL, 0, "STS.testid",
      "testsecret", NULL, NULL}},
    {"RPC V1 (V1-D RAM CreateRole)", B_RPC, {NULL, NULL, NULL, 0, NULL, 0,
      NULL, 0, NULL, "testsecret", NULL, NULL}},
  };
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  OSSL_PARAM p1[2], p256[2];
  struct ideal d;
  char v4key[64], rpckey[64];
  size_t i;
  int warm = 0;

  memset(&d, 0, sizeof(d));
  p1[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                           (char *)"SHA1", 0);
  p1[1] = OSSL_PARAM_construct_end();
  p256[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                             (char *)"SHA256", 0);
  p256[1] = OSSL_PARAM_construct_end();
  d.sha1 = EVP_MAC_CTX_new(hmac);
  d.sha256 = EVP_MAC_CTX_new(hmac);
  d.md = EVP_MD_fetch(NULL, "SHA256", NULL);
  if(!d.sha1 || !d.sha256 || !d.md ||
     !EVP_MAC_CTX_set_params(d.sha1, p1) ||
     !EVP_MAC_CTX_set_params(d.sha256, p256))
    return 1;
  snprintf(v4key, sizeof(v4key), "aliyun_v4%s", "mockAccessKeySecret");
  snprintf(rpckey, sizeof(rpckey), "%s&", "testsecret");

  printf("%-32s %12s %12s %7s %12s\n", "signer (request)", "signer/s",
         "ideal/s", "ratio", "1xHMAC()/s");
  for(i = 0; i < N(benches); i++) {
    struct bench *b = &benches[i];
    struct slsh_sign_result r;
    double rate, signer_rate, ideal_rate, oneshot_rate;

    if(argc > 2 && !strstr(b->name, argv[2]))
      continue;
    slsh_sign_result_init(&r);
    if(run_signer(b, &r))
      return 1;
    d.key = b->rq.access_key_secret;
    d.klen = strlen(d.key);
    d.hashed = NULL;
    d.chain = 0;
    d.use_sha1 = b->which == B_V1 || b->which == B_RPC;
    d.msg = &r.canonical;
    if(b->which == B_V4 || b->which == B_ACS3) {
      d.hashed = &r.canonical;
      d.msg = &r.string_to_sign;
    }
    if(b->which == B_V4) {
      d.chain = 1;
      d.key = v4key;
      d.klen = strlen(v4key);
    }
    if(b->which == B_RPC) {
      d.key = rpckey;
      d.klen = strlen(rpckey);
    }
    if(!warm++) /* warm up: the first round ran slower by a third */
      RATE(secs, run_signer(b, &r));
    RATE(secs, run_signer(b, &r));
    signer_rate = rate;
    RATE(secs, run_ideal(&d));
    ideal_rate = rate;
    RATE(secs, run_oneshot(&d));
    oneshot_rate = rate;
    printf("%-32s %12.0f %12.0f %7.2f %12.0f\n", b->name, signer_rate,
           ideal_rate, signer_rate / ideal_rate, oneshot_rate);
    slsh_sign_result_free(&r);
  }
  EVP_MAC_CTX_free(d.sha1);
  EVP_MAC_CTX_free(d.sha256);
  EVP_MD_free(d.md);
  EVP_MAC_free(hmac);
  return 0;
}
