/*
 * Credentials: the part of the credential chain that is parsing and
 * deciding, in the order of the official SDKs' default chain. No network here: the
 * resolver reads the environment, ~/.aliyun/config.json and the INI file
 * and says either "these are the credentials" or "fetch them like this"
 * (AssumeRole, ECS metadata, a credentials URI). The fetches themselves go
 * through the HTTP engine in Lua; their JSON answers come back here to be
 * parsed.
 *
 * Every secret (AccessKeySecret, SecurityToken) lives in malloc'ed memory
 * owned by a struct slsh_cred and is wiped when that struct is freed. No
 * error message, origin string or `looked` line ever contains a secret.
 */
#ifndef SLSH_CRED_H
#define SLSH_CRED_H

#include <stddef.h>

#include "slsh/err.h"

struct slsh_buf;

/* Static credentials. All strings are owned; free with slsh_cred_free. */
struct slsh_cred {
  char *access_key_id;
  char *access_key_secret;    /* secret */
  char *security_token;       /* secret; NULL unless STS credentials */
  long long expiration;       /* Unix seconds; 0 = does not expire */
};

enum slsh_cred_kind {
  SLSH_CRED_STATIC,           /* cred holds the credentials */
  SLSH_CRED_RAM_ROLE_ARN,     /* AssumeRole with the credentials of source */
  SLSH_CRED_ECS_RAM_ROLE,     /* ECS instance metadata (IMDS) */
  SLSH_CRED_URI               /* GET uri */
};

/* A resolved source: what to use, or how to fetch it. Owned as a tree;
 * slsh_cred_source_free frees (and wipes) all of it. */
struct slsh_cred_source {
  enum slsh_cred_kind kind;
  char *origin;               /* where it was found, for people */
  int implicit;               /* ECS/URI reached at the end of the default
                                 chain rather than configured: a failed
                                 fetch means "no credentials anywhere" */
  struct slsh_cred *cred;     /* STATIC */
  /* RAM_ROLE_ARN */
  char *role_arn;
  char *session_name;
  long long duration;         /* DurationSeconds, 900..43200 */
  char *external_id;          /* NULL if none */
  char *policy;               /* NULL if none */
  char *sts_region;           /* NULL: the global endpoint */
  char *sts_endpoint;         /* host, e.g. "sts.cn-hangzhou.aliyuncs.com" */
  struct slsh_cred_source *source;    /* who calls AssumeRole */
  /* ECS_RAM_ROLE */
  char *role_name;            /* NULL: ask the metadata service */
  int imdsv1_disabled;        /* the IMDSv2 token is mandatory */
  /* URI */
  char *uri;
  /* Next candidate of the chain, tried when fetching this one fails
   * (ECS metadata, then the credentials URI); NULL if none. */
  struct slsh_cred_source *fallback;
};

/* What the caller asks for. All fields may be NULL. */
struct slsh_cred_opts {
  const char *profile;            /* explicit profile (--profile): must
                                     exist; environment keys are skipped */
  const char *access_key_id;      /* explicit keys: win over everything */
  const char *access_key_secret;
  const char *security_token;
  const char *const *env;         /* "NAME=value" strings ending with NULL,
                                     used instead of the process
                                     environment; NULL = getenv() */
};

/* Walk the chain: explicit keys, environment, ~/.aliyun/config.json, the
 * INI file, ECS metadata, credentials URI. On success *out is
 * the source (caller frees) and returns 0. Malformed sources, named
 * profiles that do not exist and "nothing anywhere" return -1 with `e`
 * set (credentials_invalid, credentials_missing; invalid_argument for
 * contradictory options). When `looked` is not NULL it receives one line
 * per place examined without result ("<path>: not found"), '\n'-separated,
 * which is what a failed fetch of an implicit source should report. */
int slsh_cred_resolve(const struct slsh_cred_opts *o,
                      struct slsh_cred_source **out,
                      struct slsh_buf *looked, struct slsh_err *e);

/* Free a source tree (NULL is fine); every string is wiped first. */
void slsh_cred_source_free(struct slsh_cred_source *s);

/* "static", "ram_role_arn", "ecs_ram_role", "credentials_uri". */
const char *slsh_cred_kind_name(enum slsh_cred_kind kind);

/* Copy the given strings into new credentials (token may be NULL or "").
 * NULL with `e` set when id or secret is empty, or out of memory. */
struct slsh_cred *slsh_cred_new(const char *access_key_id,
                                const char *access_key_secret,
                                const char *security_token,
                                long long expiration, struct slsh_err *e);

/* Wipe and free (NULL is fine). */
void slsh_cred_free(struct slsh_cred *c);

/* Parse the answer of GET /latest/meta-data/ram/security-credentials/<role>
 * (Code must be "Success"; AccessKeyId, AccessKeySecret, SecurityToken and
 * Expiration are required). 0 with *out set, or -1 with `e` set
 * (bad_response, field = the offending JSON key). */
int slsh_cred_parse_imds(const char *body, size_t len,
                         struct slsh_cred **out, struct slsh_err *e);

/* Parse the answer of a credentials URI: the same four fields; a Code
 * other than "Success" is refused, a missing Code is accepted (as Go). */
int slsh_cred_parse_uri_response(const char *body, size_t len,
                                 struct slsh_cred **out,
                                 struct slsh_err *e);

/* Parse an STS AssumeRole answer: Credentials{AccessKeyId,
 * AccessKeySecret, SecurityToken, Expiration}. An error answer (Code and
 * Message, no Credentials) is reported with its code. */
int slsh_cred_parse_assume_role(const char *body, size_t len,
                                struct slsh_cred **out,
                                struct slsh_err *e);

/* 1 when credentials expiring at `expiration` should be fetched again at
 * `now`, i.e. less than `margin` seconds remain; 0 when they never expire
 * (expiration 0) or still have time. */
int slsh_cred_needs_refresh(long long expiration, long long now,
                            long long margin);

/* "yyyy-MM-ddTHH:mm:ssZ" (optionally with fractional seconds) to Unix
 * seconds; 0 or -1 when the text is not such a UTC time. */
int slsh_cred_parse_time(const char *s, long long *out);

/* Unix seconds to "yyyy-MM-ddTHH:mm:ssZ"; `buf` holds SLSH_CRED_TIMELEN. */
#define SLSH_CRED_TIMELEN 32
void slsh_cred_format_time(long long t, char *buf);

#endif
