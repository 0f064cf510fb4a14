/*
 * libFuzzer target: RPC signature V1 (slsh_sign_rpc_v1, slsh_sign_rpc_query)
 * and the percent-encoding under it. Input: a flags byte, then the method
 * and a secret suffix, then "Tname=value" parameter segments (fuzz_sign.h).
 * Checked beyond "no crash, no leak": the signature does not depend on the
 * order of the parameters; the string to sign is METHOD&%2F& followed by
 * the encoded canonical query; every name and value decodes back to
 * itself; a refusal quotes no secret or parameter value.
 *   build-fuzz/tests/fuzz/fuzz_sign_rpc_v1 -max_total_time=60
 */
#include "fuzz_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* percent_decode(percent_encode(s)) == s, and the encoding uses only
 * unreserved characters and upper-case escapes. */
static void fuzz_round_trip(const char *s, size_t n)
{
  struct slsh_buf enc, dec;
  struct slsh_err e;
  size_t i;

  slsh_buf_init(&enc, 0);
  slsh_buf_init(&dec, 0);
  if(slsh_crypto_percent_encode(&enc, s, n))
    abort();
  for(i = 0; i < enc.len; i++) {
    char c = enc.data[i];

    if(!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '%'))
      abort();
  }
  if(slsh_crypto_percent_decode(&dec, enc.data, enc.len, "x", &e) ||
     dec.len != n || (n && memcmp(dec.data, s, n)))
    abort();
  slsh_buf_free(&enc);
  slsh_buf_free(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct slsh_sign_pair h[FUZZ_MAXSEG / 2 + 1];
  struct slsh_sign_pair p[FUZZ_MAXSEG], pr[FUZZ_MAXSEG];
  struct slsh_sign_result r, again;
  struct slsh_err e, e2;
  struct slsh_buf query, sts;
  struct fuzz_in in;
  const char *method;
  char *sk, *secret;
  size_t nh, np, sklen, i;
  int rc;

  if(!size)
    return 0;
  fuzz_begin(&in, data + 1, size - 1);
  method = fuzz_next(&in, NULL);
  if(data[0] & 1)
    method = (data[0] & 2) ? "POST" : "GET";
  sk = fuzz_next(&in, &sklen);
  secret = fuzz_secret(&in, sk, sk ? sklen : 0);
  fuzz_pairs(&in, h, &nh, p, &np, FUZZ_MAXSEG / 2);
  /* Headers mean nothing to RPC: take them as parameters too. */
  for(i = 0; i < nh && np < FUZZ_MAXSEG; i++)
    p[np++] = h[i];
  if(data[0] & 4 && np < FUZZ_MAXSEG)
    p[np++] = (struct slsh_sign_pair){"SecurityToken", 13, FUZZ_TOKEN,
                                      sizeof(FUZZ_TOKEN) - 1};
  for(i = 0; i < np; i++) {
    fuzz_round_trip(p[i].name, p[i].name_len);
    fuzz_round_trip(p[i].value, p[i].value_len);
  }

  slsh_sign_result_init(&r);
  slsh_sign_result_init(&again);
  slsh_err_clear(&e);
  rc = slsh_sign_rpc_v1(method, p, np, secret, &r, &e);
  fuzz_reverse(p, np, pr);
  slsh_err_clear(&e2);
  if(slsh_sign_rpc_v1(method, pr, np, secret, &again, &e2) != rc)
    abort();
  if(rc)
    fuzz_check_refusal(&e, &r, fuzz_names_hold_token(p, np));
  else {
    if(r.authorization.len != 28)
      abort();
    fuzz_check_same(&r, &again);
    /* The string to sign is rebuilt from rpc_query. */
    slsh_buf_init(&query, 0);
    slsh_buf_init(&sts, 0);
    if(slsh_sign_rpc_query(p, np, &query, &e))
      abort();
    slsh_buf_adds(&sts, method);
    slsh_buf_adds(&sts, "&%2F&");
    slsh_crypto_percent_encode(&sts, query.data, query.len);
    if(sts.len != r.canonical.len || memcmp(sts.data, r.canonical.data,
                                            sts.len))
      abort();
    slsh_buf_free(&query);
    slsh_buf_free(&sts);
  }
  slsh_sign_result_free(&r);
  slsh_sign_result_free(&again);
  fuzz_end(&in);
  return 0;
}
