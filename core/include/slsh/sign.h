/*
 * Request signing for Alibaba Cloud: SLS signature V1 (hmac-sha1 and
 * hmac-sha256), SLS V4 (SLS4-HMAC-SHA256), RPC signature V1 (HMAC-SHA1)
 * and ACS3-HMAC-SHA256.
 *
 * Pure functions: every input is explicit (no clock, no randomness, no
 * network), so each signer is checked against the published vectors
 * (tests/core/test_sign.c). The canonical strings are built in plain
 * struct slsh_buf buffers, as curl's http_aws_sigv4.c does, and returned
 * beside the signature so that a SignatureDoesNotMatch answer (which
 * quotes the server's string to sign) can be compared.
 *
 * Names and values are (pointer, length) pairs, so repeated keys, empty
 * values and bytes such as NUL are all representable. Query strings and
 * RPC parameters are the decoded values; the signers encode them where
 * the algorithm wants it. Header names are matched case-insensitively.
 * Canonical orders are by byte order of the (lower-cased for headers)
 * name, then of the value, so duplicates sort deterministically.
 *
 * Bad input (a NULL or missing field, an invalid header name, a missing
 * required header, a missing region) fills the struct slsh_err with the
 * offending field named and returns -1; no error message ever contains a
 * header, parameter or secret value. Buffers that held key material are
 * zeroed before they are freed.
 */
#ifndef SLSH_SIGN_H
#define SLSH_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "slsh/buf.h"
#include "slsh/err.h"

/* One name/value pair (a header, a query or RPC parameter). The bytes
 * need not be NUL-terminated; a pointer may be NULL when its length is 0.
 */
struct slsh_sign_pair {
  const char *name;      /* header or parameter name */
  size_t name_len;
  const char *value;     /* decoded value; "" and repeated names allowed */
  size_t value_len;
};

/* A request to sign. Fields that a signer does not use are ignored. */
struct slsh_sign_request {
  const char *method;            /* "GET", "PUT", ...: signed as given */
  const char *path;              /* as sent: starts with '/', no query */
  const struct slsh_sign_pair *query;    /* decoded query parameters */
  size_t nquery;
  const struct slsh_sign_pair *headers;  /* every header to be sent */
  size_t nheaders;
  const void *body;              /* NULL = not given; else checked against
                                    Content-MD5 / the content-sha256 header */
  size_t body_len;
  const char *access_key_id;
  const char *access_key_secret; /* "" allowed, NULL refused */
  const char *region;            /* SLS V4: e.g. "cn-hangzhou" */
  const char *payload_hash;      /* ACS3: lower-hex hashed payload when no
                                    x-acs-content-sha256 header is sent
                                    (NULL = take the header) */
};

/* What a signer produces. Each call empties the buffers first, so one
 * result can be reused for many signatures; on failure they are empty. */
struct slsh_sign_result {
  struct slsh_buf authorization; /* the Authorization header value; for
                                    RPC V1, the base64 signature */
  struct slsh_buf canonical;     /* SLS V1 and RPC V1: the string to sign;
                                    SLS V4 and ACS3: the canonical request */
  struct slsh_buf string_to_sign;/* SLS V4 and ACS3: the string to sign;
                                    otherwise empty */
};

void slsh_sign_result_init(struct slsh_sign_result *r);

/* Wipe and free the buffers; the result may be reused after init. */
void slsh_sign_result_free(struct slsh_sign_result *r);

/* SLS signature V1: `Authorization: LOG <ak>:<base64 signature>`.
 * Headers must hold Date and x-log-signaturemethod (hmac-sha1 or
 * hmac-sha256, which picks the HMAC); Content-MD5 and Content-Type are
 * signed as given, and every x-log-* and x-acs-* header is signed
 * (lower-cased, value trimmed) except x-log-date, which the service
 * leaves out of V1. A header name given twice is refused.
 * The query is signed decoded, sorted, `key=value` joined with '&'. */
int slsh_sign_sls_v1(const struct slsh_sign_request *rq,
                     struct slsh_sign_result *out, struct slsh_err *err);

/* SLS signature V4 (SLS4-HMAC-SHA256). Needs `region` and the headers
 * x-log-date (YYYYMMDDTHHMMSSZ) and x-log-content-sha256; signs host,
 * content-type and the x-log-* (except x-log-meta-*) and x-acs-* headers.
 * The query is sorted with names as given and values percent-encoded. */
int slsh_sign_sls_v4(const struct slsh_sign_request *rq,
                     struct slsh_sign_result *out, struct slsh_err *err);

/* ACS3-HMAC-SHA256 (the V3 OpenAPI signature). Signs host, content-type
 * and every x-acs-* header; a header given more than once is signed once
 * with its values sorted and joined with ','. The hashed payload is the
 * x-acs-content-sha256 header (required), or `payload_hash` when the
 * header is not sent. */
int slsh_sign_acs3(const struct slsh_sign_request *rq,
                   struct slsh_sign_result *out, struct slsh_err *err);

/* RPC signature V1 (HMAC-SHA1 with key `secret&`). `params` are all the
 * request's parameters (query and form together, without Signature).
 * out->authorization gets the base64 signature (to be sent percent-
 * encoded as the last parameter, Signature=...), out->canonical the
 * string to sign `METHOD&%2F&enc(canonical query)`. */
int slsh_sign_rpc_v1(const char *method, const struct slsh_sign_pair *params,
                     size_t nparams, const char *access_key_secret,
                     struct slsh_sign_result *out, struct slsh_err *err);

/* Append the canonicalized query string of RPC parameters: names and
 * values percent-encoded, sorted, `name=value` joined with '&'. It is the
 * URL query (GET) or the form body (POST) before `&Signature=...`. */
int slsh_sign_rpc_query(const struct slsh_sign_pair *params, size_t nparams,
                        struct slsh_buf *out, struct slsh_err *err);

/* Dates from seconds since the epoch, in the C locale whatever the
 * process locale is. Years 1 to 9999; -1 outside. */
#define SLSH_SIGN_HTTP_DATE_SIZE 30   /* "Mon, 03 Jan 2022 08:33:47 GMT" */
#define SLSH_SIGN_V4_DATE_SIZE 17     /* "20220103T083347Z" */
#define SLSH_SIGN_ISO8601_SIZE 21     /* "2022-01-03T08:33:47Z" */
int slsh_sign_http_date(int64_t epoch, char out[SLSH_SIGN_HTTP_DATE_SIZE]);
int slsh_sign_v4_date(int64_t epoch, char out[SLSH_SIGN_V4_DATE_SIZE]);
int slsh_sign_iso8601(int64_t epoch, char out[SLSH_SIGN_ISO8601_SIZE]);

#endif
