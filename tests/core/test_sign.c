/*
 * Known-answer tests of the signers (core/sign.c): every vector that the
 * official SDKs' unit tests and the Alibaba Cloud docs publish, or that
 * was computed for this project (marked COMPUTED), plus the SDK test vectors
 * found beside them. Then the canonical order, the refusals, and the
 * date helpers.
 *
 * The vectors are copied here, so the tests stand on their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/crypto.h"
#include "slsh/sign.h"

#define P(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}
#define MAXP 16

enum kind { V1, V4, ACS3 };

struct http_case {
  const char *what;
  enum kind kind;
  const char *method, *path;
  struct slsh_sign_pair query[MAXP];     /* ends at a NULL name */
  struct slsh_sign_pair headers[MAXP];
  const char *body;                      /* NULL = not given */
  size_t body_len;
  const char *ak, *sk, *region, *payload_hash;
  const char *authorization;
  const char *canonical;                 /* NULL = not published */
  const char *canonical_sha256;          /* NULL = not published */
};

/* GO signature_v4_test.go TestSignV1Case2: the protobuf body. It is 52
 * bytes, although the test's Content-Length and x-log-bodyrawsize say 50. */
static const char go_protobuf[] =
  "\x0a\x32\x0a\x1e\x08\xf8\xb2\x93\x9e\x05\x12\x16\x0a\x07\x54\x65\x73\x74"
  "\x4b\x65\x79\x12\x0b\x54\x65\x73\x74\x43\x6f\x6e\x74\x65\x6e\x74\x1a\x00"
  "\x22\x0e\x31\x30\x2e\x32\x33\x30\x2e\x32\x30\x31\x2e\x31\x31\x37";

/* RUST sign.rs: the raw string r#"...{"key": "value"}..."#. */
static const char rust_body[] =
  "\n            {\"key\": \"value\"}\n        ";

/* Vector A's UpdateLogStore body, 110 bytes. */
static const char body_a[] =
  "{\"logstoreName\":\"my-logstore\",\"ttl\":30,\"shardCount\":2,"
  "\"encrypt_conf\":{\"enable\":true,\"encrypt_type\":\"default\"}}";

/* GO/PY V4 suite body. */
static const char v4_body[] = "adasd= -asd zcas";

#define NODE_STS_TOKEN \
  "CAISiwJ1q6Ft5B2yfSjIr5D7Et3+35R02JuKR1P1lk40dt1giPfK1Dz2IHhLdXNrAuEXs/w0" \
  "mmBQ7v8TlqZdVplOWU3Da+B364xK7Q75jHw5B0zwv9I+k5SANTW5KXyShb3/AYjQSNfaZY3e" \
  "CTTtnTNyxr3XbCirW0ffX7SClZ9gaKZ8PGD6F00kYu1bPQx/ssQXGGLMPPK2SH7Qj3HXEVBj" \
  "t3gX6wo9y9zmnZHNukGH3QOqkbVM9t6rGPX+MZkwZqUYesyuwel7epDG1CNt8BVQ/M909vcc" \
  "pmad5YrMUgQJuEvWa7KNo8caKgJmI7M3AbBFp/WlyKMn5raOydSrkE8cePtSVynP+g0hR0dZ" \
  "+YgagAEFdb+5rO1e+OZ3kcmPKF5Zh2Sni+vF1qzKA/SElND5koQQV6uvVCweKnfzCPMKjY0O" \
  "XWmfgtcwOTyJ4ABGsTGnILzBNRD/+Gdqe7wclZrj0aDUkTdFf8k7SudZuO9KOPBe8mS3pJoM" \
  "s1p67mWA/J4Wn0dottbprb5EQOBRxUC6bw=="

#define V4_ODD_PARAMS \
  P(" abc", "efg"), P(" agc ", ""), P("", "efg"), P("A-bc", "eFg")
#define V4_HEADERS(sha) \
  P("hello", "world"), P("hello-Text", "a12X- "), P("x-log-test", "het123"), \
  P("x-acs-ppp", "dds"), P("x-log-date", "20220808T032330Z"), \
  P("x-log-content-sha256", sha)
#define V4_BODY_SHA \
  "c7a4fd95f1d70933caf91641e8000768cea86100dc5649fd4f16fead718a62e4"
#define EMPTY_SHA \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define A_SHA \
  "aedba524ea808be2eda0b21cae2b6df31a07f52328a3b57ae14555bfdc05249e"

static const struct http_case http_cases[] = {
  /* ---- SLS V1: SDK unit tests ---- */
  {"GO TestSignatureGet", V1, "GET", "/logstores", {{0}},
   {P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1"),
    P("x-log-bodyrawsize", "0"), P("Date", "Mon, 3 Jan 2010 08:33:47 GMT")},
   NULL, 0, "mockAccessKeyID", "mockAccessKeySecret", NULL, NULL,
   "LOG mockAccessKeyID:Rwm6cTKzoti4HWoe+GKcb6Kv07E=",
   "GET\n\n\nMon, 3 Jan 2010 08:33:47 GMT\nx-log-apiversion:0.6.0\n"
   "x-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n/logstores", NULL},
  {"GO TestSignaturePost / TestSignV1Case2 (protobuf body)", V1, "GET",
   "/logstores/app_log", {{0}},
   {P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1"),
    P("x-log-bodyrawsize", "50"),
    P("Content-MD5", "8D6881250FF5559F59BBDF04100F6E59"),
    P("Content-Type", "application/x-protobuf"), P("Content-Length", "50"),
    P("Date", "Mon, 3 Jan 2010 08:33:47 GMT")},
   go_protobuf, sizeof(go_protobuf) - 1, "mockAccessKeyID",
   "mockAccessKeySecret", NULL, NULL,
   "LOG mockAccessKeyID:87xQWqFaOSewqRIma8kPjGYlXHc=", NULL, NULL},
  {"NODE GET with an empty query value", V1, "GET", "/logstores",
   {P("logstoreName", ""), P("offset", "0"), P("size", "1000")},
   {P("date", "Mon, 09 Nov 2015 06:11:16 GMT"),
    P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1")},
   NULL, 0, "bq2sjzesjmo86kq35behupbq", "4fdO2fTDDnZPU/L7CHNdemB2Nsk=", NULL,
   NULL, "LOG bq2sjzesjmo86kq35behupbq:jEYOTCJs2e88o+y5F4/S5IsnBJQ=",
   "GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\nx-log-apiversion:0.6.0\n"
   "x-log-signaturemethod:hmac-sha1\n"
   "/logstores?logstoreName=&offset=0&size=1000", NULL},
  {"NODE POST", V1, "POST", "/logstores/test-logstore", {{0}},
   {P("date", "Mon, 09 Nov 2015 06:03:03 GMT"),
    P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1"),
    P("content-md5", "1DD45FA4A70A9300CC9FE7305AF2C494"),
    P("content-length", "52"), P("content-type", "application/x-protobuf"),
    P("x-log-bodyrawsize", "50"), P("x-log-compresstype", "lz4")},
   NULL, 0, "bq2sjzesjmo86kq35behupbq", "4fdO2fTDDnZPU/L7CHNdemB2Nsk=", NULL,
   NULL, "LOG bq2sjzesjmo86kq35behupbq:XWLGYHGg2F2hcfxWxMLiNkGki6g=", NULL,
   NULL},
  {"NODE POST with an STS token", V1, "POST", "/logstores/test-logstore",
   {{0}},
   {P("date", "Mon, 09 Nov 2015 06:03:03 GMT"),
    P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1"),
    P("content-md5", "1DD45FA4A70A9300CC9FE7305AF2C494"),
    P("content-length", "52"), P("content-type", "application/x-protobuf"),
    P("x-log-bodyrawsize", "50"), P("x-log-compresstype", "lz4"),
    P("x-acs-security-token", NODE_STS_TOKEN)},
   NULL, 0, "STS.NSNYgJ2KUoYaEuDrNazRLg2a6",
   "56Xqw2THF5vTHTNkGWR6uGRKXToKWMi2eLFjppPNV8RR", NULL, NULL,
   "LOG STS.NSNYgJ2KUoYaEuDrNazRLg2a6:G3R03b6PwVI+zUaLtqezsBDL/j8=", NULL,
   NULL},
  {"RUST case 1: empty AccessKeyId and secret", V1, "GET", "/", {{0}},
   {P("x-log-apiversion", "0.6.0"), P("x-log-signaturemethod", "hmac-sha1"),
    P("content-length", "0"), P("date", "Thu, 01 Jan 1970 00:00:00 GMT")},
   NULL, 0, "", "", NULL, NULL, "LOG :SApFTtfTFKHmzdEdaMe5TjNn+RQ=", NULL,
   NULL},
  {"RUST case 2: JSON body and a query", V1, "POST",
   "/logstores/test-logstore",
   {P("type", "log"), P("offset", "0"), P("line", "100")},
   {P("content-type", "application/json"), P("x-log-apiversion", "0.6.0"),
    P("x-log-signaturemethod", "hmac-sha1"),
    P("content-md5", "CE688F8D1AC3ED309BA9BE0A5ABAFCE5"),
    P("content-length", "38"), P("date", "Thu, 01 Jan 1970 00:00:00 GMT")},
   rust_body, sizeof(rust_body) - 1, "test-access-key-id", "test-access-key",
   NULL, NULL, "LOG test-access-key-id:4pL2xZJERC3tPKtRiHh9+nMG3tI=",
   "POST\nCE688F8D1AC3ED309BA9BE0A5ABAFCE5\napplication/json\n"
   "Thu, 01 Jan 1970 00:00:00 GMT\nx-log-apiversion:0.6.0\n"
   "x-log-signaturemethod:hmac-sha1\n"
   "/logstores/test-logstore?line=100&offset=0&type=log", NULL},
  {"RUST case 3: STS token", V1, "POST", "/logstores/test-logstore",
   {P("type", "log"), P("offset", "0"), P("line", "100")},
   {P("content-type", "application/json"), P("x-log-apiversion", "0.6.0"),
    P("x-log-signaturemethod", "hmac-sha1"),
    P("x-acs-security-token", "test-security-token"),
    P("content-md5", "CE688F8D1AC3ED309BA9BE0A5ABAFCE5"),
    P("content-length", "38"), P("date", "Thu, 01 Jan 1970 00:00:00 GMT")},
   rust_body, sizeof(rust_body) - 1, "test-access-key-id", "test-access-key",
   NULL, NULL, "LOG test-access-key-id:ZQt+0wIvpd+O9yIJKeKxZTJ2hv0=", NULL,
   NULL},
  {"RUST case 4: base64 cursor signed literally", V1, "POST",
   "/logstores/test/shards/2",
   {P("type", "log"), P("count", "1000"),
    P("cursor", "MTczNzY2OTAzNjAxNzIxODQ1NA==")},
   {P("content-type", "application/json"), P("x-log-apiversion", "0.6.0"),
    P("x-log-signaturemethod", "hmac-sha1"),
    P("x-acs-security-token", "test-security-token"),
    P("content-md5", "CE688F8D1AC3ED309BA9BE0A5ABAFCE5"),
    P("date", "Thu, 01 Jan 1970 00:00:00 GMT")},
   rust_body, sizeof(rust_body) - 1, "test-access-key-id", "test-access-key",
   NULL, NULL, "LOG test-access-key-id:K3rw5WXRe77aZ/meSyEa8NNUYFc=", NULL,
   NULL},
  /* ---- SLS V1 [COMPUTED] ---- */
  {"COMPUTED A: UpdateLogStore with STS", V1, "PUT",
   "/logstores/my-logstore", {{0}},
   {P("Host", "my-project.cn-hangzhou.log.aliyuncs.com"),
    P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
    P("Content-Type", "application/json"),
    P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F"),
    P("Content-Length", "110"), P("User-Agent", "slsh/0.1.0"),
    P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
    P("x-log-signaturemethod", "hmac-sha1"),
    P("x-acs-security-token", "mockSecurityToken")},
   body_a, sizeof(body_a) - 1, "mockAccessKeyID", "mockAccessKeySecret",
   NULL, NULL, "LOG mockAccessKeyID:ZYDwCOz4V8U4yhZsA5uLa9drC6c=",
   "PUT\n0973FD471B815DE6D3B5E62C2FCD702F\napplication/json\n"
   "Mon, 03 Jan 2022 08:33:47 GMT\nx-acs-security-token:mockSecurityToken\n"
   "x-log-apiversion:0.6.0\nx-log-bodyrawsize:110\n"
   "x-log-signaturemethod:hmac-sha1\n/logstores/my-logstore", NULL},
  {"COMPUTED B: ListProject, decoded non-ASCII query value", V1, "GET", "/",
   {P("offset", "0"), P("size", "100"), P("projectName", "my proj/\xc3\xa4")},
   {P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
    P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "0"),
    P("x-log-signaturemethod", "hmac-sha1")},
   NULL, 0, "mockAccessKeyID", "mockAccessKeySecret", NULL, NULL,
   "LOG mockAccessKeyID:6RBKscVCoDOR5DF2T2cMPA4uiT8=",
   "GET\n\n\nMon, 03 Jan 2022 08:33:47 GMT\nx-log-apiversion:0.6.0\n"
   "x-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n"
   "/?offset=0&projectName=my proj/\xc3\xa4&size=100", NULL},
  {"COMPUTED A with x-log-date, which V1 does not sign", V1, "PUT",
   "/logstores/my-logstore", {{0}},
   {P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
    P("Content-Type", "application/json"),
    P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F"),
    P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
    P("x-log-signaturemethod", "hmac-sha1"),
    P("x-log-date", "20220103T083347Z"),
    P("x-acs-security-token", "mockSecurityToken")},
   body_a, sizeof(body_a) - 1, "mockAccessKeyID", "mockAccessKeySecret",
   NULL, NULL, "LOG mockAccessKeyID:ZYDwCOz4V8U4yhZsA5uLa9drC6c=", NULL,
   NULL},
  /* ---- SLS V1 hmac-sha256 [COMPUTED] ---- */
  {"COMPUTED A without STS, hmac-sha256", V1, "PUT",
   "/logstores/my-logstore", {{0}},
   {P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
    P("Content-Type", "application/json"),
    P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F"),
    P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
    P("x-log-signaturemethod", "hmac-sha256")},
   body_a, sizeof(body_a) - 1, "mockAccessKeyID", "mockAccessKeySecret",
   NULL, NULL,
   "LOG mockAccessKeyID:08iyvcIl0JQTTfXURD2XrQLc+gEDtTM/cxtfnTBbqZI=", NULL,
   NULL},
  /* ---- SLS V4: GO signature_v4_test.go = PY tests/unit/test_auth.py.
   * Their header maps also hold " Ko " (and GO's ""), which are not HTTP
   * header names and are not signed; slsh refuses them (see the refusal
   * table), so they are left out here: the signatures do not change. */
  {"GO/PY V4 case 1: odd parameter names", V4, "POST", "/logstores",
   {V4_ODD_PARAMS}, {V4_HEADERS(V4_BODY_SHA)},
   v4_body, sizeof(v4_body) - 1, "acsddda21dsd", "zxasdasdasw2",
   "cn-hangzhou", NULL,
   "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-hangzhou/sls/"
   "aliyun_v4_request,Signature="
   "a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed",
   "POST\n/logstores\n=efg& abc=efg& agc &A-bc=eFg\nx-acs-ppp:dds\n"
   "x-log-content-sha256:" V4_BODY_SHA "\nx-log-date:20220808T032330Z\n"
   "x-log-test:het123\n\n"
   "x-acs-ppp;x-log-content-sha256;x-log-date;x-log-test\n" V4_BODY_SHA,
   NULL},
  {"GO/PY V4 case 2: no headers or parameters, cn-shanghai", V4, "POST",
   "/logstores", {{0}},
   {P("x-log-date", "20220808T032330Z"),
    P("x-log-content-sha256", V4_BODY_SHA)},
   v4_body, sizeof(v4_body) - 1, "acsddda21dsd", "zxasdasdasw2",
   "cn-shanghai", NULL,
   "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-shanghai/sls/"
   "aliyun_v4_request,Signature="
   "8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8",
   NULL, NULL},
  {"GO/PY V4 case 3: empty body", V4, "POST", "/logstores",
   {V4_ODD_PARAMS}, {V4_HEADERS(EMPTY_SHA)}, "", 0, "acsddda21dsd",
   "zxasdasdasw2", "cn-hangzhou", NULL,
   "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-hangzhou/sls/"
   "aliyun_v4_request,Signature="
   "5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701",
   NULL, NULL},
  {"GO/PY V4 case 4: empty body, GET", V4, "GET", "/logstores",
   {V4_ODD_PARAMS}, {V4_HEADERS(EMPTY_SHA)}, NULL, 0, "acsddda21dsd",
   "zxasdasdasw2", "cn-hangzhou", NULL,
   "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-hangzhou/sls/"
   "aliyun_v4_request,Signature="
   "d92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a",
   NULL, NULL},
  {"GO/PY V4 case 5: special characters in path and parameters", V4,
   "POST", "/logstores/hello/a+*~bb/cc",
   {V4_ODD_PARAMS, P("abs-ij*asd/vc", "a~js+d ada"),
    P("a abAas123/vc", "a~jdad a2ADFs+d ada")},
   {V4_HEADERS(V4_BODY_SHA)}, v4_body, sizeof(v4_body) - 1, "acsddda21dsd",
   "zxasdasdasw2", "cn-hangzhou", NULL,
   "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-hangzhou/sls/"
   "aliyun_v4_request,Signature="
   "2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff",
   NULL, NULL},
  {"COMPUTED V4 of vector A", V4, "PUT", "/logstores/my-logstore", {{0}},
   {P("Host", "my-project.cn-hangzhou.log.aliyuncs.com"),
    P("Content-Type", "application/json"), P("Content-Length", "110"),
    P("x-log-apiversion", "0.6.0"), P("x-log-bodyrawsize", "110"),
    P("x-log-date", "20220103T083347Z"), P("x-log-content-sha256", A_SHA)},
   body_a, sizeof(body_a) - 1, "mockAccessKeyID", "mockAccessKeySecret",
   "cn-hangzhou", NULL,
   "SLS4-HMAC-SHA256 Credential=mockAccessKeyID/20220103/cn-hangzhou/sls/"
   "aliyun_v4_request,Signature="
   "df216a946a5f914c6ddfc771fdbd737ed02a0a3c1bb4e145539ac26254d7d383",
   "PUT\n/logstores/my-logstore\n\ncontent-type:application/json\n"
   "host:my-project.cn-hangzhou.log.aliyuncs.com\nx-log-apiversion:0.6.0\n"
   "x-log-bodyrawsize:110\nx-log-content-sha256:" A_SHA "\n"
   "x-log-date:20220103T083347Z\n\n"
   "content-type;host;x-log-apiversion;x-log-bodyrawsize;"
   "x-log-content-sha256;x-log-date\n" A_SHA, NULL},
  /* ---- ACS3: the Alibaba Cloud docs' example ---- */
  {"V3-A: Alibaba V3 doc, RunInstances", ACS3, "POST", "/",
   {P("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
    P("RegionId", "cn-shanghai")},
   {P("host", "ecs.cn-shanghai.aliyuncs.com"),
    P("x-acs-action", "RunInstances"), P("x-acs-content-sha256", EMPTY_SHA),
    P("x-acs-date", "2023-10-26T10:22:32Z"),
    P("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    P("x-acs-version", "2014-05-26"), P("user-agent", "slsh")},
   NULL, 0, "YourAccessKeyId", "YourAccessKeySecret", NULL, NULL,
   "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;"
   "x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
   "x-acs-version,Signature="
   "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
   NULL, "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"},
  {"V3-B: darabonba getAuthorization, repeated header", ACS3, "GET", "/",
   {P("test", "ok"), P("empty", "")},
   {P("x-acs-test", "http"), P("x-acs-TEST", "https")},
   NULL, 0, "acesskey", "secret", NULL,
   "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
   "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,"
   "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa"
   "50be1",
   "GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n"
   "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
   NULL},
  {"V3-C: KMS DescribeKey with STS", ACS3, "POST", "/",
   {P("KeyId", "key-hzz65f8c9e0xxxx")},
   {P("host", "kms.cn-hangzhou.aliyuncs.com"),
    P("x-acs-accesskey-id", "STS.testid"), P("x-acs-action", "DescribeKey"),
    P("x-acs-content-sha256", EMPTY_SHA),
    P("x-acs-date", "2024-01-02T03:04:05Z"),
    P("x-acs-security-token", "tok+en/with=chars"),
    P("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
    P("x-acs-version", "2016-01-20")},
   "", 0, "STS.testid", "testsecret", NULL, NULL,
   "ACS3-HMAC-SHA256 Credential=STS.testid,SignedHeaders=host;"
   "x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;"
   "x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="
   "30fd0deda789f02bcddde53bdc5b16348f60d1097fdd5fbce6cf54d5c4b6f834",
   NULL, "29d969d0ad8f5555abd2ed08347eab94221ac8638ac7a873d62c0b8937e1ae15"},
};

static size_t npairs(const struct slsh_sign_pair *v)
{
  size_t n = 0;

  while(n < MAXP && v[n].name)
    n++;
  return n;
}

static int (*signer(enum kind k))(const struct slsh_sign_request *,
                                  struct slsh_sign_result *,
                                  struct slsh_err *)
{
  return k == V1 ? slsh_sign_sls_v1 : k == V4 ? slsh_sign_sls_v4
         : slsh_sign_acs3;
}

static void request_of(const struct http_case *c,
                       struct slsh_sign_request *rq)
{
  memset(rq, 0, sizeof(*rq));
  rq->method = c->method;
  rq->path = c->path;
  rq->query = c->query;
  rq->nquery = npairs(c->query);
  rq->headers = c->headers;
  rq->nheaders = npairs(c->headers);
  rq->body = c->body;
  rq->body_len = c->body_len;
  rq->access_key_id = c->ak;
  rq->access_key_secret = c->sk;
  rq->region = c->region;
  rq->payload_hash = c->payload_hash;
}

static void sha256_hex(const char *p, size_t n, char out[65])
{
  unsigned char md[32];
  int i;

  assert_int_equal(slsh_crypto_sha256(p, n, md), 0);
  for(i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", md[i]);
}

static void expect_str(const char *what, const char *field, const char *got,
                       const char *want)
{
  if(strcmp(got, want))
    fail_msg("%s: %s\n  got:  %s\n  want: %s", what, field, got, want);
}

/* Every published or computed HTTP vector signs to its expected value,
 * with the expected canonical string where the source gives it. */
static void test_http_known_answers(void **state)
{
  struct slsh_sign_result r;
  size_t i;

  (void)state;
  slsh_sign_result_init(&r);
  for(i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
    const struct http_case *c = &http_cases[i];
    struct slsh_sign_request rq;
    struct slsh_err e;

    request_of(c, &rq);
    slsh_err_clear(&e);
    if(signer(c->kind)(&rq, &r, &e))
      fail_msg("%s: refused: %s (field %s)", c->what, e.message, e.field);
    expect_str(c->what, "authorization", slsh_buf_str(&r.authorization),
               c->authorization);
    if(c->canonical)
      expect_str(c->what, "canonical", slsh_buf_str(&r.canonical),
                 c->canonical);
    if(c->canonical_sha256) {
      char h[65];

      sha256_hex(r.canonical.data, r.canonical.len, h);
      expect_str(c->what, "sha256(canonical)", h, c->canonical_sha256);
    }
    if(c->kind == V1)
      assert_int_equal(r.string_to_sign.len, 0);
    else {
      /* The string to sign ends with the hash of the canonical request. */
      char h[65];

      sha256_hex(r.canonical.data, r.canonical.len, h);
      assert_true(r.string_to_sign.len > 64);
      expect_str(c->what, "string to sign tail",
                 r.string_to_sign.data + r.string_to_sign.len - 64, h);
    }
  }
  slsh_sign_result_free(&r);
}

/* Canonical order does not depend on the order of the input: each vector
 * signed with its query and headers reversed gives the same result. */
static void test_http_input_order_does_not_matter(void **state)
{
  struct slsh_sign_result r;
  size_t i, j;

  (void)state;
  slsh_sign_result_init(&r);
  for(i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
    const struct http_case *c = &http_cases[i];
    struct slsh_sign_pair q[MAXP], h[MAXP];
    struct slsh_sign_request rq;
    struct slsh_err e;

    request_of(c, &rq);
    for(j = 0; j < rq.nquery; j++)
      q[j] = c->query[rq.nquery - 1 - j];
    for(j = 0; j < rq.nheaders; j++)
      h[j] = c->headers[rq.nheaders - 1 - j];
    rq.query = q;
    rq.headers = h;
    assert_int_equal(signer(c->kind)(&rq, &r, &e), 0);
    expect_str(c->what, "reversed input", slsh_buf_str(&r.authorization),
               c->authorization);
  }
  slsh_sign_result_free(&r);
}

/* Java SlsV1SignerTest.testUrlParametersToString: the V1 resource keeps
 * decoded values (a literal space) in key order. */
static void test_v1_resource_java_vector(void **state)
{
  static const struct slsh_sign_pair q[] = {
    P("type", "log"), P("topic", "topic_1"), P("from", "1300"),
    P("to", "1400"), P("query", "sls query string"), P("reverse", "true")};
  static const struct slsh_sign_pair h[] = {
    P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"),
    P("x-log-signaturemethod", "hmac-sha1")};
  static const char tail[] = "/logstores/x/logs?from=1300&query=sls query "
    "string&reverse=true&to=1400&topic=topic_1&type=log";
  struct slsh_sign_request rq = {"GET", "/logstores/x/logs", q, 6, h, 2,
                                 NULL, 0, "ak", "sk", NULL, NULL};
  struct slsh_sign_result r;
  struct slsh_err e;

  (void)state;
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_sls_v1(&rq, &r, &e), 0);
  assert_true(r.canonical.len > sizeof(tail));
  assert_string_equal(r.canonical.data + r.canonical.len - (sizeof(tail) - 1),
                      tail);
  slsh_sign_result_free(&r);
}

/* Repeated query names sort by value, and an empty value is `key=` in V1
 * and ACS3 but a bare `key` in V4. */
static void test_repeated_and_empty_query_values(void **state)
{
  static const struct slsh_sign_pair q[] = {
    P("a", "2"), P("b", ""), P("a", "10"), P("a", "1"), P("a", "")};
  static const struct slsh_sign_pair h1[] = {
    P("Date", "d"), P("x-log-signaturemethod", "hmac-sha1")};
  static const struct slsh_sign_pair h4[] = {
    P("x-log-date", "20220808T032330Z"),
    P("x-log-content-sha256", EMPTY_SHA),
    P("x-acs-content-sha256", EMPTY_SHA)};
  struct slsh_sign_request rq = {"GET", "/p", q, 5, h1, 2, NULL, 0, "ak",
                                 "sk", "cn-hangzhou", NULL};
  struct slsh_sign_result r;
  struct slsh_err e;

  (void)state;
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_sls_v1(&rq, &r, &e), 0);
  assert_non_null(strstr(r.canonical.data, "\n/p?a=&a=1&a=10&a=2&b="));
  rq.headers = h4;
  rq.nheaders = 3;
  assert_int_equal(slsh_sign_sls_v4(&rq, &r, &e), 0);
  assert_non_null(strstr(r.canonical.data, "\n/p\na&a=1&a=10&a=2&b\n"));
  assert_int_equal(slsh_sign_acs3(&rq, &r, &e), 0);
  assert_non_null(strstr(r.canonical.data, "\n/p\na=&a=1&a=10&a=2&b=\n"));
  slsh_sign_result_free(&r);
}

/* Header values are trimmed (as a server receives them); names match in
 * any case; x-log-meta-* is signed by V1 but not by V4 (as GO and PY);
 * x-log-date is signed by V4 but not by V1 (as the service documents). */
static void test_header_rules(void **state)
{
  static const struct slsh_sign_pair h[] = {
    P("DATE", " Mon, 03 Jan 2022 08:33:47 GMT\t"),
    P("X-Log-SignatureMethod", " hmac-sha1 "), P("X-LOG-ApiVersion", "0.6.0 "),
    P("x-log-meta-owner", "me"), P("X-Log-Date", "20220103T083347Z"),
    P("x-log-content-sha256", EMPTY_SHA), P("HOST", "h.example")};
  struct slsh_sign_request rq = {"GET", "/", NULL, 0, h, 7, NULL, 0, "ak",
                                 "sk", "cn-hangzhou", NULL};
  struct slsh_sign_result r;
  struct slsh_err e;

  (void)state;
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_sls_v1(&rq, &r, &e), 0);
  assert_string_equal(r.canonical.data,
                      "GET\n\n\nMon, 03 Jan 2022 08:33:47 GMT\n"
                      "x-log-apiversion:0.6.0\n"
                      "x-log-content-sha256:" EMPTY_SHA "\n"
                      "x-log-meta-owner:me\n"
                      "x-log-signaturemethod:hmac-sha1\n/");
  assert_int_equal(slsh_sign_sls_v4(&rq, &r, &e), 0);
  assert_string_equal(r.canonical.data,
                      "GET\n/\n\nhost:h.example\nx-log-apiversion:0.6.0\n"
                      "x-log-content-sha256:" EMPTY_SHA "\n"
                      "x-log-date:20220103T083347Z\n"
                      "x-log-signaturemethod:hmac-sha1\n\n"
                      "host;x-log-apiversion;x-log-content-sha256;"
                      "x-log-date;x-log-signaturemethod\n" EMPTY_SHA);
  slsh_sign_result_free(&r);
}

/* More pairs than the signer sorts on its stack (24): same result in
 * either input order, and every header is signed once in order. */
static void test_many_headers(void **state)
{
  struct slsh_sign_pair h[62], rev[62];
  char names[60][16];
  struct slsh_sign_request rq;
  struct slsh_sign_result r;
  struct slsh_err e;
  char *first;
  size_t i;

  (void)state;
  for(i = 0; i < 60; i++) {
    snprintf(names[i], sizeof(names[i]), "x-log-h%02zu", (i * 37) % 60);
    h[i].name = names[i];
    h[i].name_len = strlen(names[i]);
    h[i].value = "v";
    h[i].value_len = 1;
  }
  h[60] = (struct slsh_sign_pair)P("Date", "d");
  h[61] = (struct slsh_sign_pair)P("x-log-signaturemethod", "hmac-sha256");
  for(i = 0; i < 62; i++)
    rev[i] = h[61 - i];
  memset(&rq, 0, sizeof(rq));
  rq.method = "GET";
  rq.path = "/";
  rq.headers = h;
  rq.nheaders = 62;
  rq.access_key_id = "ak";
  rq.access_key_secret = "sk";
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_sls_v1(&rq, &r, &e), 0);
  first = strdup(r.authorization.data);
  assert_non_null(strstr(r.canonical.data, "x-log-h00:v\nx-log-h01:v\n"));
  assert_non_null(strstr(r.canonical.data, "x-log-h58:v\nx-log-h59:v\n"));
  rq.headers = rev;
  assert_int_equal(slsh_sign_sls_v1(&rq, &r, &e), 0);
  assert_string_equal(r.authorization.data, first);
  free(first);
  slsh_sign_result_free(&r);
}

struct rpc_case {
  const char *what;
  const char *method;
  struct slsh_sign_pair params[MAXP];
  const char *secret;
  const char *signature;
  const char *string_to_sign;        /* NULL = not published */
  const char *query;                 /* NULL = not published */
};

#define RPC_D_PARAMS \
  P("AccessKeyId", "testid"), P("Action", "CreateRole"), \
  P("Format", "JSON"), P("RoleName", "sls-byok-role"), \
  P("Version", "2015-05-01"), \
  P("AssumeRolePolicyDocument", "{\"Statement\":[{\"Action\":" \
    "\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":" \
    "[\"log.aliyuncs.com\"]}}],\"Version\":\"1\"}"), \
  P("Description", "SLS BYOK role *test* ~ \xc3\xa9"), \
  P("SecurityToken", "tok+en/with=chars"), \
  P("SignatureMethod", "HMAC-SHA1"), P("SignatureVersion", "1.0"), \
  P("SignatureNonce", "0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a"), \
  P("Timestamp", "2024-01-02T03:04:05Z")
#define RPC_D_QUERY \
  "AccessKeyId=testid&Action=CreateRole&AssumeRolePolicyDocument=%7B%22" \
  "Statement%22%3A%5B%7B%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Effect" \
  "%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%5B%22log." \
  "aliyuncs.com%22%5D%7D%7D%5D%2C%22Version%22%3A%221%22%7D&Description=" \
  "SLS%20BYOK%20role%20%2Atest%2A%20~%20%C3%A9&Format=JSON&RoleName=sls-" \
  "byok-role&SecurityToken=tok%2Ben%2Fwith%3Dchars&SignatureMethod=HMAC-" \
  "SHA1&SignatureNonce=0b9c3ad0-3e2f-4a7e-9a59-1f1f4d1c2b3a&Signature" \
  "Version=1.0&Timestamp=2024-01-02T03%3A04%3A05Z&Version=2015-05-01"

static const struct rpc_case rpc_cases[] = {
  {"V1-A: RAM docs CreateUser", "GET",
   {P("Action", "CreateUser"), P("UserName", "test"), P("Format", "JSON"),
    P("Version", "2015-05-01"), P("AccessKeyId", "testid"),
    P("SignatureMethod", "HMAC-SHA1"), P("SignatureVersion", "1.0"),
    P("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
    P("Timestamp", "2015-08-18T03:15:45Z")},
   "testsecret", "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
   "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26"
   "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-"
   "b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A"
   "15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01", NULL},
  {"V1-B: ECS docs DescribeRegions", "GET",
   {P("Action", "DescribeRegions"), P("Format", "XML"),
    P("Version", "2014-05-26"), P("AccessKeyId", "testid"),
    P("SignatureMethod", "HMAC-SHA1"), P("SignatureVersion", "1.0"),
    P("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
    P("Timestamp", "2016-02-23T12:46:24Z")},
   "testsecret", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", NULL, NULL},
  {"V1-C: DescribeDedicatedHosts", "GET",
   {P("Action", "DescribeDedicatedHosts"), P("Format", "JSON"),
    P("RegionId", "cn-beijing"), P("Version", "2014-05-26"),
    P("AccessKeyId", "testid"), P("SignatureMethod", "HMAC-SHA1"),
    P("SignatureVersion", "1.0"),
    P("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
    P("Timestamp", "2023-03-13T08:34:30Z")},
   "testsecret", "9NaGiOspFP5UPcwX8Iwt2YJXXuk=", NULL, NULL},
  {"V1-D GET: JSON, '*', '~', non-ASCII, SecurityToken", "GET",
   {RPC_D_PARAMS}, "testsecret", "Tx0omj5OH6WKnj7PacJISQcOuVM=", NULL,
   RPC_D_QUERY},
  {"V1-D POST", "POST", {RPC_D_PARAMS}, "testsecret",
   "ZEVEQrVmQYUNqabiKVwkj3zPuDc=", NULL, RPC_D_QUERY},
  {"darabonba Java getRPCSignatureTest", "GET",
   {P("query", "test"), P("body", "test")}, "secret",
   "XlUyV4sXjOuX5FnjUz9IF9tm5rU=", "GET&%2F&body%3Dtest%26query%3Dtest",
   "body=test&query=test"},
};

static void test_rpc_known_answers(void **state)
{
  struct slsh_sign_result r;
  size_t i;

  (void)state;
  slsh_sign_result_init(&r);
  for(i = 0; i < sizeof(rpc_cases) / sizeof(rpc_cases[0]); i++) {
    const struct rpc_case *c = &rpc_cases[i];
    size_t n = npairs(c->params);
    struct slsh_err e;

    if(slsh_sign_rpc_v1(c->method, c->params, n, c->secret, &r, &e))
      fail_msg("%s: refused: %s", c->what, e.message);
    expect_str(c->what, "signature", slsh_buf_str(&r.authorization),
               c->signature);
    if(c->string_to_sign)
      expect_str(c->what, "string to sign", slsh_buf_str(&r.canonical),
                 c->string_to_sign);
    if(c->query) {
      struct slsh_buf q;

      slsh_buf_init(&q, 0);
      assert_int_equal(slsh_sign_rpc_query(c->params, n, &q, &e), 0);
      expect_str(c->what, "canonical query", slsh_buf_str(&q), c->query);
      slsh_buf_free(&q);
    }
  }
  slsh_sign_result_free(&r);
}

/* darabonba getRPCSignature({test: ok}, method "", "accessKeySecret"):
 * slsh refuses an empty method, so the vector is checked on the parts:
 * the canonical query and the HMAC with the `secret&` key. */
static void test_rpc_darabonba_empty_method_vector(void **state)
{
  static const struct slsh_sign_pair p[] = {P("test", "ok")};
  struct slsh_buf q, sts, sig;
  struct slsh_err e;
  unsigned char mac[20];

  (void)state;
  slsh_buf_init(&q, 0);
  slsh_buf_init(&sts, 0);
  slsh_buf_init(&sig, 0);
  assert_int_equal(slsh_sign_rpc_query(p, 1, &q, &e), 0);
  slsh_buf_adds(&sts, "&%2F&");
  slsh_crypto_percent_encode(&sts, q.data, q.len);
  assert_int_equal(slsh_crypto_hmac_sha1("accessKeySecret&", 16, sts.data,
                                         sts.len, mac), 0);
  slsh_crypto_base64(&sig, mac, sizeof(mac));
  assert_string_equal(slsh_buf_str(&sig), "jHx/oHoHNrbVfhncHEvPdHXZwHU=");
  slsh_buf_free(&q);
  slsh_buf_free(&sts);
  slsh_buf_free(&sig);
}

/* pop-core canonicalize and our own ordering of repeated names. */
static void test_rpc_query_order(void **state)
{
  static const struct {
    struct slsh_sign_pair p[4];
    size_t n;
    const char *want;
  } cases[] = {
    {{{0}}, 0, ""},
    {{P("key.1", "value")}, 1, "key.1=value"},
    {{P("key.1.Domain", "1.com")}, 1, "key.1.Domain=1.com"},
    {{P("c", "value"), P("a", "value"), P("b", "value")}, 3,
     "a=value&b=value&c=value"},
    {{P("k", "b"), P("k", ""), P("K", "a"), P("k", "a")}, 4,
     "K=a&k=&k=a&k=b"},
    {{P("a b", "c/d")}, 1, "a%20b=c%2Fd"},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct slsh_buf b;
    struct slsh_err e;

    slsh_buf_init(&b, 0);
    assert_int_equal(slsh_sign_rpc_query(cases[i].p, cases[i].n, &b, &e), 0);
    assert_string_equal(slsh_buf_str(&b), cases[i].want);
    slsh_buf_free(&b);
  }
}

/* ---- refusals ---- */

#define SECRET "TOPSECRET-9f8e7d"
#define TOKEN "TOKENVALUE-1a2b3c"
#define V1_OK P("Date", "Mon, 03 Jan 2022 08:33:47 GMT"), \
  P("x-log-signaturemethod", "hmac-sha1"), \
  P("x-acs-security-token", TOKEN)
#define V4_OK P("x-log-date", "20220103T083347Z"), \
  P("x-log-content-sha256", EMPTY_SHA), P("x-acs-security-token", TOKEN)

struct bad_case {
  const char *what;
  enum kind kind;
  const char *method, *path;
  struct slsh_sign_pair query[4];
  struct slsh_sign_pair headers[6];
  const char *body;
  const char *ak, *sk, *region, *payload_hash;
  const char *field;                 /* the field the error must name */
};

static const struct bad_case bad_cases[] = {
  {"no method", V1, NULL, "/", {{0}}, {V1_OK}, NULL, "ak", SECRET, NULL,
   NULL, "method"},
  {"method with a space", V1, "G T", "/", {{0}}, {V1_OK}, NULL, "ak", SECRET,
   NULL, NULL, "method"},
  {"no path", V1, "GET", NULL, {{0}}, {V1_OK}, NULL, "ak", SECRET, NULL,
   NULL, "path"},
  {"relative path", V1, "GET", "logstores", {{0}}, {V1_OK}, NULL, "ak",
   SECRET, NULL, NULL, "path"},
  {"query inside the path", V1, "GET", "/a?b=c", {{0}}, {V1_OK}, NULL, "ak",
   SECRET, NULL, NULL, "path"},
  {"unencoded space in the path", V4, "GET", "/a b", {{0}}, {V4_OK}, NULL,
   "ak", SECRET, "cn-hangzhou", NULL, "path"},
  {"no AccessKeyId", V1, "GET", "/", {{0}}, {V1_OK}, NULL, NULL, SECRET,
   NULL, NULL, "access_key_id"},
  {"AccessKeyId with ':'", V1, "GET", "/", {{0}}, {V1_OK}, NULL, "a:b",
   SECRET, NULL, NULL, "access_key_id"},
  {"AccessKeyId with a newline", ACS3, "GET", "/", {{0}}, {{0}}, NULL,
   "a\nb", SECRET, NULL, NULL, "access_key_id"},
  {"no secret", V1, "GET", "/", {{0}}, {V1_OK}, NULL, "ak", NULL, NULL, NULL,
   "access_key_secret"},
  {"V1 without Date", V1, "GET", "/", {{0}},
   {P("x-log-signaturemethod", "hmac-sha1")}, NULL, "ak", SECRET, NULL,
   NULL, "headers.date"},
  {"V1 without x-log-signaturemethod", V1, "GET", "/", {{0}},
   {P("Date", "d")}, NULL, "ak", SECRET, NULL, NULL,
   "headers.x-log-signaturemethod"},
  {"V1 with an unknown signature method", V1, "GET", "/", {{0}},
   {P("Date", "d"), P("x-log-signaturemethod", "hmac-md5")}, NULL, "ak",
   SECRET, NULL, NULL, "headers.x-log-signaturemethod"},
  {"V1 Content-MD5 of another body", V1, "PUT", "/", {{0}},
   {V1_OK, P("Content-MD5", "0973FD471B815DE6D3B5E62C2FCD702F")}, "{}",
   "ak", SECRET, NULL, NULL, "headers.content-md5"},
  {"V1 Content-MD5 in lower case", V1, "PUT", "/", {{0}},
   {V1_OK, P("Content-MD5", "99914b932bd37a50b983c5e7c90ae93b")}, "{}",
   "ak", SECRET, NULL, NULL, "headers.content-md5"},
  {"V1 Date given twice", V1, "GET", "/", {{0}},
   {V1_OK, P("date", "Tue, 04 Jan 2022 08:33:47 GMT")}, NULL, "ak", SECRET,
   NULL, NULL, "headers"},
  {"V1 x-log header given twice", V1, "GET", "/", {{0}},
   {V1_OK, P("x-log-a", "1"), P("X-Log-A", "2")}, NULL, "ak", SECRET, NULL,
   NULL, "headers"},
  {"header name with spaces (GO/PY \" Ko \")", V4, "GET", "/", {{0}},
   {V4_OK, P(" Ko ", "")}, NULL, "ak", SECRET, "cn-hangzhou", NULL,
   "headers"},
  {"empty header name (GO \"\")", V4, "GET", "/", {{0}},
   {V4_OK, P("", "AA")}, NULL, "ak", SECRET, "cn-hangzhou", NULL,
   "headers"},
  {"header name with ':'", ACS3, "GET", "/", {{0}},
   {P("x-acs-a:b", "c")}, NULL, "ak", SECRET, NULL, NULL, "headers"},
  {"header value with CR LF", V1, "GET", "/", {{0}},
   {V1_OK, P("x-log-a", "1\r\nx-log-b: 2")}, NULL, "ak", SECRET, NULL, NULL,
   "headers"},
  {"header value with NUL", ACS3, "GET", "/", {{0}},
   {P("x-acs-a", "1\0" SECRET)}, NULL, "ak", SECRET, NULL, NULL,
   "headers"},
  {"V4 without region", V4, "GET", "/", {{0}}, {V4_OK}, NULL, "ak", SECRET,
   NULL, NULL, "region"},
  {"V4 with an empty region", V4, "GET", "/", {{0}}, {V4_OK}, NULL, "ak",
   SECRET, "", NULL, "region"},
  {"V4 region with '/'", V4, "GET", "/", {{0}}, {V4_OK}, NULL, "ak", SECRET,
   "cn/hangzhou", NULL, "region"},
  {"V4 without x-log-date", V4, "GET", "/", {{0}},
   {P("x-log-content-sha256", EMPTY_SHA)}, NULL, "ak", SECRET,
   "cn-hangzhou", NULL, "headers.x-log-date"},
  {"V4 x-log-date in ISO form", V4, "GET", "/", {{0}},
   {P("x-log-date", "2022-01-03T08:33:47Z"),
    P("x-log-content-sha256", EMPTY_SHA)}, NULL, "ak", SECRET,
   "cn-hangzhou", NULL, "headers.x-log-date"},
  {"V4 without x-log-content-sha256", V4, "GET", "/", {{0}},
   {P("x-log-date", "20220103T083347Z")}, NULL, "ak", SECRET,
   "cn-hangzhou", NULL, "headers.x-log-content-sha256"},
  {"V4 content hash in upper case", V4, "GET", "/", {{0}},
   {P("x-log-date", "20220103T083347Z"),
    P("x-log-content-sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B"
      "934CA495991B7852B855")}, NULL, "ak", SECRET, "cn-hangzhou", NULL,
   "headers.x-log-content-sha256"},
  {"V4 content hash of another body", V4, "PUT", "/", {{0}}, {V4_OK}, "{}",
   "ak", SECRET, "cn-hangzhou", NULL, "headers.x-log-content-sha256"},
  {"V4 host with a scheme", V4, "GET", "/", {{0}},
   {V4_OK, P("Host", "https://p.cn-hangzhou.log.aliyuncs.com")}, NULL, "ak",
   SECRET, "cn-hangzhou", NULL, "headers.host"},
  {"ACS3 content hash of another body", ACS3, "POST", "/", {{0}},
   {P("x-acs-content-sha256", EMPTY_SHA)}, "{}", "ak", SECRET, NULL, NULL,
   "headers.x-acs-content-sha256"},
  {"ACS3 without x-acs-content-sha256", ACS3, "POST", "/", {{0}},
   {P("host", "kms.cn-hangzhou.aliyuncs.com")}, "", "ak", SECRET, NULL, NULL,
   "headers.x-acs-content-sha256"},
  {"ACS3 payload_hash not hex", ACS3, "POST", "/", {{0}}, {{0}}, NULL, "ak",
   SECRET, NULL, "xyz", "payload_hash"},
  {"ACS3 payload_hash against the header", ACS3, "POST", "/", {{0}},
   {P("x-acs-content-sha256", EMPTY_SHA)}, NULL, "ak", SECRET, NULL,
   A_SHA, "payload_hash"},
  {"ACS3 content hash header given twice", ACS3, "POST", "/", {{0}},
   {P("x-acs-content-sha256", EMPTY_SHA),
    P("X-Acs-Content-Sha256", EMPTY_SHA)}, NULL, "ak", SECRET, NULL, NULL,
   "headers"},
};

/* Each refusal names its field, leaves the result empty and quotes no
 * secret or header value. */
static void test_http_refusals(void **state)
{
  struct slsh_sign_result r;
  size_t i;

  (void)state;
  slsh_sign_result_init(&r);
  for(i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
    const struct bad_case *c = &bad_cases[i];
    struct slsh_sign_request rq;
    struct slsh_err e;
    size_t n;

    memset(&rq, 0, sizeof(rq));
    rq.method = c->method;
    rq.path = c->path;
    rq.query = c->query;
    for(n = 0; n < 4 && c->query[n].name; n++)
      ;
    rq.nquery = n;
    rq.headers = c->headers;
    for(n = 0; n < 6 && c->headers[n].name; n++)
      ;
    rq.nheaders = n;
    rq.body = c->body;
    rq.body_len = c->body ? strlen(c->body) : 0;
    rq.access_key_id = c->ak;
    rq.access_key_secret = c->sk;
    rq.region = c->region;
    rq.payload_hash = c->payload_hash;
    /* A previous success must not survive a refusal. */
    slsh_buf_adds(&r.authorization, "stale");
    slsh_err_clear(&e);
    if(!signer(c->kind)(&rq, &r, &e))
      fail_msg("%s: was signed", c->what);
    if(e.code != SLSH_E_INVALID_ARGUMENT || strcmp(e.field, c->field))
      fail_msg("%s: code %d field '%s' (%s), want field '%s'", c->what,
               e.code, e.field, e.message, c->field);
    assert_true(e.message[0]);
    if(strstr(e.message, SECRET) || strstr(e.message, TOKEN))
      fail_msg("%s: the message quotes a secret: %s", c->what, e.message);
    assert_int_equal(r.authorization.len, 0);
    assert_int_equal(r.canonical.len, 0);
    assert_int_equal(r.string_to_sign.len, 0);
  }
  slsh_sign_result_free(&r);
}

static void test_null_arguments(void **state)
{
  static const struct slsh_sign_pair broken[] = {{NULL, 3, "v", 1}};
  struct slsh_sign_request rq = {"GET", "/", broken, 1, NULL, 0, NULL, 0,
                                 "ak", "sk", "r", NULL};
  struct slsh_sign_result r;
  struct slsh_err e;

  (void)state;
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_sls_v1(NULL, &r, &e), -1);
  assert_int_equal(slsh_sign_sls_v4(&rq, NULL, &e), -1);
  assert_int_equal(slsh_sign_acs3(&rq, &r, NULL), -1);
  assert_int_equal(slsh_sign_acs3(&rq, &r, &e), -1);
  assert_string_equal(e.field, "query");
  rq.query = NULL;
  rq.nquery = 0;
  rq.headers = NULL;
  rq.nheaders = 2;
  assert_int_equal(slsh_sign_acs3(&rq, &r, &e), -1);
  assert_string_equal(e.field, "headers");
  rq.nheaders = 0;
  rq.body_len = 4;
  assert_int_equal(slsh_sign_acs3(&rq, &r, &e), -1);
  assert_string_equal(e.field, "body");
  assert_int_equal(slsh_sign_rpc_v1("GET", NULL, 1, "s", &r, &e), -1);
  assert_string_equal(e.field, "params");
  assert_int_equal(slsh_sign_rpc_query(NULL, 0, NULL, &e), -1);
  slsh_sign_result_free(&r);
  slsh_sign_result_free(NULL);
}

static void test_rpc_refusals(void **state)
{
  static const struct slsh_sign_pair sig[] = {
    P("Action", "A"), P("Signature", "x")};
  static const struct slsh_sign_pair noname[] = {P("", "v")};
  static const struct slsh_sign_pair tok[] = {P("SecurityToken", TOKEN)};
  struct slsh_sign_result r;
  struct slsh_err e;

  (void)state;
  slsh_sign_result_init(&r);
  assert_int_equal(slsh_sign_rpc_v1("GET", sig, 2, SECRET, &r, &e), -1);
  assert_string_equal(e.field, "params.Signature");
  assert_int_equal(slsh_sign_rpc_v1("GET", noname, 1, SECRET, &r, &e), -1);
  assert_string_equal(e.field, "params");
  assert_int_equal(slsh_sign_rpc_v1(NULL, tok, 1, SECRET, &r, &e), -1);
  assert_string_equal(e.field, "method");
  assert_int_equal(slsh_sign_rpc_v1("", tok, 1, SECRET, &r, &e), -1);
  assert_string_equal(e.field, "method");
  assert_int_equal(slsh_sign_rpc_v1("GET", tok, 1, NULL, &r, &e), -1);
  assert_string_equal(e.field, "access_key_secret");
  assert_null(strstr(e.message, TOKEN));
  assert_int_equal(r.authorization.len + r.canonical.len, 0);
  /* Empty parameters are fine: the string to sign is just the prefix. */
  assert_int_equal(slsh_sign_rpc_v1("POST", NULL, 0, "s", &r, &e), 0);
  assert_string_equal(r.canonical.data, "POST&%2F&");
  slsh_sign_result_free(&r);
}

static const struct {
  int64_t epoch;
  const char *http, *v4, *iso;
} date_cases[] = {
  {0, "Thu, 01 Jan 1970 00:00:00 GMT", "19700101T000000Z",
   "1970-01-01T00:00:00Z"},
  {1641198827, "Mon, 03 Jan 2022 08:33:47 GMT", "20220103T083347Z",
   "2022-01-03T08:33:47Z"},
  {1659929010, "Mon, 08 Aug 2022 03:23:30 GMT", "20220808T032330Z",
   "2022-08-08T03:23:30Z"},
  {1439867745, "Tue, 18 Aug 2015 03:15:45 GMT", "20150818T031545Z",
   "2015-08-18T03:15:45Z"},
  {1709208000, "Thu, 29 Feb 2024 12:00:00 GMT", "20240229T120000Z",
   "2024-02-29T12:00:00Z"},
  {951868799, "Tue, 29 Feb 2000 23:59:59 GMT", "20000229T235959Z",
   "2000-02-29T23:59:59Z"},
  {-1, "Wed, 31 Dec 1969 23:59:59 GMT", "19691231T235959Z",
   "1969-12-31T23:59:59Z"},
  {INT64_C(-2203891200), "Thu, 01 Mar 1900 00:00:00 GMT",
   "19000301T000000Z", "1900-03-01T00:00:00Z"},
  {INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT",
   "99991231T235959Z", "9999-12-31T23:59:59Z"},
  {INT64_C(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT",
   "00010101T000000Z", "0001-01-01T00:00:00Z"},
};

static void check_dates(void)
{
  size_t i;

  for(i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
    char http[SLSH_SIGN_HTTP_DATE_SIZE], v4[SLSH_SIGN_V4_DATE_SIZE];
    char iso[SLSH_SIGN_ISO8601_SIZE];

    assert_int_equal(slsh_sign_http_date(date_cases[i].epoch, http), 0);
    assert_int_equal(slsh_sign_v4_date(date_cases[i].epoch, v4), 0);
    assert_int_equal(slsh_sign_iso8601(date_cases[i].epoch, iso), 0);
    assert_string_equal(http, date_cases[i].http);
    assert_string_equal(v4, date_cases[i].v4);
    assert_string_equal(iso, date_cases[i].iso);
  }
}

static void test_dates(void **state)
{
  char out[SLSH_SIGN_HTTP_DATE_SIZE];

  (void)state;
  check_dates();
  assert_int_equal(slsh_sign_http_date(INT64_C(253402300800), out), -1);
  assert_int_equal(slsh_sign_v4_date(INT64_C(-62135596801), out), -1);
  assert_int_equal(slsh_sign_iso8601(INT64_MAX, out), -1);
  assert_int_equal(slsh_sign_iso8601(INT64_MIN, out), -1);
}

/* PY issue #89: a Chinese locale produced a Date the server refused. The
 * helpers must write English whatever the process locale is. Skipped on
 * machines without a non-English locale to switch to. */
static void test_dates_ignore_the_locale(void **state)
{
  static const char *const locales[] = {"zh_CN.UTF-8", "de_DE.UTF-8",
    "fr_FR.UTF-8", "ja_JP.UTF-8", "ru_RU.UTF-8"};
  size_t i;
  int set = 0;

  (void)state;
  for(i = 0; i < sizeof(locales) / sizeof(locales[0]) && !set; i++)
    set = setlocale(LC_ALL, locales[i]) != NULL;
  if(!set)
    skip();
  check_dates();
  setlocale(LC_ALL, "C");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_http_known_answers),
    cmocka_unit_test(test_http_input_order_does_not_matter),
    cmocka_unit_test(test_v1_resource_java_vector),
    cmocka_unit_test(test_repeated_and_empty_query_values),
    cmocka_unit_test(test_header_rules),
    cmocka_unit_test(test_many_headers),
    cmocka_unit_test(test_rpc_known_answers),
    cmocka_unit_test(test_rpc_darabonba_empty_method_vector),
    cmocka_unit_test(test_rpc_query_order),
    cmocka_unit_test(test_http_refusals),
    cmocka_unit_test(test_null_arguments),
    cmocka_unit_test(test_rpc_refusals),
    cmocka_unit_test(test_dates),
    cmocka_unit_test(test_dates_ignore_the_locale),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
