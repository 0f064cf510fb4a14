/*
 * Known answers for the OpenSSL helpers of core/crypto.c: HMAC-SHA1 and
 * HMAC-SHA256 (RFC 2202, RFC 4231, the RPC docs' primitive check), SHA-256,
 * MD5 (the Java SDK's table, binary bytes included), base64 (RFC 4648),
 * and the RFC 3986 percent-encoding every signer uses (the Go/Python SDK
 * vectors, non-ASCII, NUL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "slsh/crypto.h"

/* A byte string with an explicit length (vectors may hold NUL). */
struct bytes {
  const char *p;
  size_t n;
};
#define B(s) {s, sizeof(s) - 1}

static void hex(const unsigned char *p, size_t n, char *out)
{
  size_t i;

  for(i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", p[i]);
}

static const struct {
  const char *what;
  enum slsh_crypto_md md;
  struct bytes key, msg;
  const char *want;       /* lower hex */
} hmac_cases[] = {
  {"RFC 2202 case 1", SLSH_MD_SHA1,
   B("\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b"
     "\x0b\x0b\x0b\x0b"), B("Hi There"),
   "b617318655057264e28bc0b6fb378c8ef146be00"},
  {"RFC 2202 case 2", SLSH_MD_SHA1, B("Jefe"),
   B("what do ya want for nothing?"),
   "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
  {"empty key and message, SHA1", SLSH_MD_SHA1, B(""), B(""),
   "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d"},
  {"RPC docs primitive check", SLSH_MD_SHA1, B("secret"), B("source"),
   "26fe328bc4a86c5860e6dd42ee758b6e10521594"},
  {"RFC 4231 case 1", SLSH_MD_SHA256,
   B("\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b"
     "\x0b\x0b\x0b\x0b"), B("Hi There"),
   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
  {"RFC 4231 case 2", SLSH_MD_SHA256, B("Jefe"),
   B("what do ya want for nothing?"),
   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
  {"RFC 4231 case 6 (key longer than a block)", SLSH_MD_SHA256,
   B("\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa\xaa"
     "\xaa\xaa\xaa"),
   B("Test Using Larger Than Block-Size Key - Hash Key First"),
   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  {"empty key and message, SHA256", SLSH_MD_SHA256, B(""), B(""),
   "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
};

static void test_hmac_known_answers(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(hmac_cases) / sizeof(hmac_cases[0]); i++) {
    unsigned char out[SLSH_SHA256_LEN];
    char got[2 * SLSH_SHA256_LEN + 1];
    size_t len = hmac_cases[i].md == SLSH_MD_SHA1 ? 20 : 32;

    assert_int_equal(slsh_crypto_hmac(hmac_cases[i].md, hmac_cases[i].key.p,
                                      hmac_cases[i].key.n,
                                      hmac_cases[i].msg.p,
                                      hmac_cases[i].msg.n, out), 0);
    hex(out, len, got);
    if(strcmp(got, hmac_cases[i].want))
      fail_msg("%s: got %s", hmac_cases[i].what, got);
  }
}

/* One context re-keyed between runs gives what fresh contexts give: no
 * key state leaks from one HMAC of the V4 chain into the next. */
static void test_hmac_context_rekeys(void **state)
{
  struct slsh_hmac *h = slsh_crypto_hmac_new(SLSH_MD_SHA256);
  unsigned char a1[32], b1[32], a2[32], e[32], one[32];

  (void)state;
  assert_non_null(h);
  assert_int_equal(slsh_crypto_hmac_run(h, "key-a", 5, "msg", 3, a1), 0);
  assert_int_equal(slsh_crypto_hmac_run(h, "", 0, "msg", 3, e), 0);
  assert_int_equal(slsh_crypto_hmac_run(h, "key-b", 5, "msg", 3, b1), 0);
  assert_int_equal(slsh_crypto_hmac_run(h, "key-a", 5, "msg", 3, a2), 0);
  assert_memory_equal(a1, a2, 32);
  assert_memory_not_equal(a1, b1, 32);
  assert_int_equal(slsh_crypto_hmac_sha256("key-b", 5, "msg", 3, one), 0);
  assert_memory_equal(b1, one, 32);
  assert_int_equal(slsh_crypto_hmac_sha256("", 0, "msg", 3, one), 0);
  assert_memory_equal(e, one, 32);
  slsh_crypto_hmac_free(h);
  slsh_crypto_hmac_free(NULL);
}

/* SLS Content-MD5 vectors of the Java SDK (SlsV1SignerTest), including
 * bytes that are not text, and the SHA-256 of "" that V4 and ACS3 use. */
static const struct {
  struct bytes in;
  const char *md5;        /* upper hex, as Content-MD5 */
} md5_cases[] = {
  {B(" "), "7215EE9C7D9DC229D2921A40E899EC5F"},
  {B("ols_sdk"), "6130B39CFD626F8A4D48BFB3E44DAA79"},
  {B("md5"), "1BC29B36F623BA82AAF6724FD3B16718"},
  {B("kl38ysS\001kd\"\n\tdsi8"), "802EAEB3D5AC8CBE65934997C0B83E4B"},
  {B("kl38ysS\001kd\"\n\t\bdsi8"), "04568016387F3BF053211F01CF55E52E"},
  {B("\x89"), "2854272FEC044D0BDB16DE12CB62D07E"},
  {B("kl38ysS\001\x89kd\"\n\t\bdsi8"), "F2A4958FB6C4CCB82B129512BBB98205"},
  {B("kl38ysS\000\001\x89kd\"\n\t\bdsi8"), "344676963785D56724F5B8228F9B2B69"},
};

static void test_md5_java_sdk_vectors(void **state)
{
  size_t i, j;

  (void)state;
  for(i = 0; i < sizeof(md5_cases) / sizeof(md5_cases[0]); i++) {
    unsigned char out[SLSH_MD5_LEN];
    char got[33];

    assert_int_equal(slsh_crypto_md5(md5_cases[i].in.p, md5_cases[i].in.n,
                                     out), 0);
    hex(out, sizeof(out), got);
    for(j = 0; got[j]; j++)
      if(got[j] >= 'a')
        got[j] = (char)(got[j] - 32);
    if(strcmp(got, md5_cases[i].md5))
      fail_msg("md5 case %zu: got %s", i, got);
  }
}

static void test_sha256_known_answers(void **state)
{
  unsigned char out[SLSH_SHA256_LEN];
  char got[65];

  (void)state;
  assert_int_equal(slsh_crypto_sha256("", 0, out), 0);
  hex(out, 32, got);
  assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
                           "a495991b7852b855");
  assert_int_equal(slsh_crypto_sha256(NULL, 0, out), 0);
  hex(out, 32, got);
  assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
                           "a495991b7852b855");
  assert_int_equal(slsh_crypto_sha256("abc", 3, out), 0);
  hex(out, 32, got);
  assert_string_equal(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
                           "b410ff61f20015ad");
  /* Vector A's UpdateLogStore body (the SLS signing vectors in test_sign.c). */
  assert_int_equal(slsh_crypto_sha256("{\"logstoreName\":\"my-logstore\","
    "\"ttl\":30,\"shardCount\":2,\"encrypt_conf\":{\"enable\":true,"
    "\"encrypt_type\":\"default\"}}", 110, out), 0);
  hex(out, 32, got);
  assert_string_equal(got, "aedba524ea808be2eda0b21cae2b6df31a07f52328a3b57a"
                           "e14555bfdc05249e");
}

static const struct {
  struct bytes in;
  const char *want;
} b64_cases[] = {
  {B(""), ""},
  {B("f"), "Zg=="},
  {B("fo"), "Zm8="},
  {B("foo"), "Zm9v"},
  {B("foob"), "Zm9vYg=="},
  {B("fooba"), "Zm9vYmE="},
  {B("foobar"), "Zm9vYmFy"},
  {B("\x00\xff\xfe"), "AP/+"},
};

static void test_base64_rfc4648(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
    struct slsh_buf b;

    slsh_buf_init(&b, 0);
    assert_int_equal(slsh_crypto_base64(&b, b64_cases[i].in.p,
                                        b64_cases[i].in.n), 0);
    assert_string_equal(slsh_buf_str(&b), b64_cases[i].want);
    slsh_buf_free(&b);
  }
}

/* Inputs longer than one internal chunk (768 bytes) are padded only at
 * the very end. */
static void test_base64_crosses_chunks(void **state)
{
  unsigned char zeros[769];
  struct slsh_buf b;
  size_t i;

  (void)state;
  memset(zeros, 0, sizeof(zeros));
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_crypto_base64(&b, zeros, sizeof(zeros)), 0);
  assert_int_equal(b.len, 1028);
  for(i = 0; i < 1026; i++)
    assert_int_equal(b.data[i], 'A');
  assert_string_equal(b.data + 1026, "==");
  slsh_buf_free(&b);
}

static const struct {
  const char *what;
  struct bytes in;
  const char *want;
} pct_cases[] = {
  {"GO/PY V4 vector", B("123abc!@#$%^&*()-=_+ ~|\\/"),
   "123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~%7C%5C%2F"},
  {"GO unicode vector (NUL, 2-, 3- and 4-byte UTF-8)",
   B("!@#$%^&*()=-+ ~./_[()]%20\xe4\xbd\xa0\xe5\xa5\xbd\0\xc4\x91"
     "\xe2\x9d\xa4\xf0\x9f\x98\x93"),
   "%21%40%23%24%25%5E%26%2A%28%29%3D-%2B%20~.%2F_%5B%28%29%5D%2520%E4%BD"
   "%A0%E5%A5%BD%00%C4%91%E2%9D%A4%F0%9F%98%93"},
  {"acceptance", B("a b*~"), "a%20b%2A~"},
  {"pop-core encode", B("str'str(str)str*str"),
   "str%27str%28str%29str%2Astr"},
  {"darabonba getEncodeParam", B("a/b/c/ test"), "a%2Fb%2Fc%2F%20test"},
  {"empty", B(""), ""},
  {"unreserved only", B("AZaz09-_.~"), "AZaz09-_.~"},
  {"latin small e acute", B("\xc3\xa9"), "%C3%A9"},
  {"form characters", B("+=&,:;"), "%2B%3D%26%2C%3A%3B"},
  {"controls and DEL", B("\t\n\x7f\xff"), "%09%0A%7F%FF"},
};

static void test_percent_encode_vectors(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(pct_cases) / sizeof(pct_cases[0]); i++) {
    struct slsh_buf b;

    slsh_buf_init(&b, 0);
    assert_int_equal(slsh_crypto_percent_encode(&b, pct_cases[i].in.p,
                                                pct_cases[i].in.n), 0);
    if(strcmp(slsh_buf_str(&b), pct_cases[i].want))
      fail_msg("%s: got %s", pct_cases[i].what, slsh_buf_str(&b));
    slsh_buf_free(&b);
  }
}

/* Decoding inverts encoding, byte for byte (NUL and UTF-8 included). */
static void test_percent_decode_round_trip(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(pct_cases) / sizeof(pct_cases[0]); i++) {
    struct slsh_buf b;
    struct slsh_err e;

    slsh_buf_init(&b, 0);
    assert_int_equal(slsh_crypto_percent_decode(&b, pct_cases[i].want,
                                                strlen(pct_cases[i].want),
                                                "x", &e), 0);
    assert_int_equal(b.len, pct_cases[i].in.n);
    if(b.len)
      assert_memory_equal(b.data, pct_cases[i].in.p, b.len);
    slsh_buf_free(&b);
  }
}

static void test_percent_decode_keeps_plus_and_lower_hex(void **state)
{
  struct slsh_buf b;
  struct slsh_err e;

  (void)state;
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_crypto_percent_decode(&b, "a+b%2a%2A%7e", 12, "q",
                                              &e), 0);
  assert_string_equal(slsh_buf_str(&b), "a+b**~");
  slsh_buf_free(&b);
}

/* A broken escape is refused, names the field, and leaves what the
 * buffer held before untouched. */
static void test_percent_decode_refuses_broken_escapes(void **state)
{
  static const char *const bad[] = {"%", "%4", "abc%zz", "%4g", "ok%2"};
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct slsh_buf b;
    struct slsh_err e;

    slsh_buf_init(&b, 0);
    slsh_buf_adds(&b, "kept");
    slsh_err_clear(&e);
    assert_int_equal(slsh_crypto_percent_decode(&b, bad[i], strlen(bad[i]),
                                                "query", &e), -1);
    assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
    assert_string_equal(e.field, "query");
    assert_string_equal(slsh_buf_str(&b), "kept");
    slsh_buf_free(&b);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hmac_known_answers),
    cmocka_unit_test(test_hmac_context_rekeys),
    cmocka_unit_test(test_md5_java_sdk_vectors),
    cmocka_unit_test(test_sha256_known_answers),
    cmocka_unit_test(test_base64_rfc4648),
    cmocka_unit_test(test_base64_crosses_chunks),
    cmocka_unit_test(test_percent_encode_vectors),
    cmocka_unit_test(test_percent_decode_round_trip),
    cmocka_unit_test(test_percent_decode_keeps_plus_and_lower_hex),
    cmocka_unit_test(test_percent_decode_refuses_broken_escapes),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
