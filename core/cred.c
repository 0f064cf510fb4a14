/*
 * The credential chain without the network (see cred.h): explicit keys,
 * environment variables and their legacy names, then the profile files
 * (cred_profile.c: the aliyun CLI's config.json, the SDKs' INI file), then
 * ECS metadata and a credentials URI; and the JSON answers of ECS
 * metadata, a credentials URI and STS AssumeRole. The order and the
 * variable names are those of the official SDKs and the aliyun CLI.
 *
 * Everything read from a file or an answer is wiped before it is freed:
 * the file buffer and the strings of the parsed JSON tree. Error messages
 * name files, profiles and fields, never values.
 */
#include "slsh/cred.h"
#include "slsh/buf.h"
#include "slsh/json.h"
#include "slsh/text.h"
#include "cred_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Environment variables, in the order in which the first non-empty one
 * wins (the SDK name, then aliyun-cli's, Go's and Terraform's
 * alternates). */
static const char *const env_id[] = {
  "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_Id",
  "ALIBABACLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY_ID",
  "ALICLOUD_ACCESS_KEY", "ACCESS_KEY_ID", NULL
};
static const char *const env_secret[] = {
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABACLOUD_ACCESS_KEY_SECRET",
  "ALICLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY", "ACCESS_KEY_SECRET",
  NULL
};
static const char *const env_token[] = {
  "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABACLOUD_SECURITY_TOKEN",
  "ALICLOUD_SECURITY_TOKEN", "SECURITY_TOKEN", NULL
};
static const char *const env_profile[] = {
  "ALIBABA_CLOUD_PROFILE", "ALIBABACLOUD_PROFILE", "ALICLOUD_PROFILE", NULL
};
static const char *const env_ecs_role[] = {
  "ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME", NULL
};
const char *const cred_env_uri[] = {
  "ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_CREDENTIALS_URI", NULL
};

/* Wipe and free a string we own. */
void cred_wfree(char *s)
{
  if(s) {
    slsh_wipe(s, strlen(s));
    free(s);
  }
}

/* strdup that keeps NULL and records out-of-memory in `e`. */
int cred_dup(char **dst, const char *s, struct slsh_err *e)
{
  *dst = NULL;
  if(!s)
    return 0;
  *dst = strdup(s);
  if(!*dst)
    return slsh_err_set(e, SLSH_E_NOMEM, NULL, "out of memory");
  return 0;
}

/* A malloc'ed printf; NULL when out of memory. */
char *cred_aprintf(const char *fmt, ...)
{
  struct slsh_buf b;
  va_list ap;

  slsh_buf_init(&b, 0);
  va_start(ap, fmt);
  slsh_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if(!b.data && !b.failed)
    slsh_buf_adds(&b, "");
  return slsh_buf_take(&b, NULL);
}

const char *slsh_cred_kind_name(enum slsh_cred_kind kind)
{
  switch(kind) {
  case SLSH_CRED_STATIC:
    return "static";
  case SLSH_CRED_RAM_ROLE_ARN:
    return "ram_role_arn";
  case SLSH_CRED_ECS_RAM_ROLE:
    return "ecs_ram_role";
  case SLSH_CRED_URI:
    return "credentials_uri";
  }
  return "unknown";
}

void slsh_cred_free(struct slsh_cred *c)
{
  if(!c)
    return;
  cred_wfree(c->access_key_id);
  cred_wfree(c->access_key_secret);
  cred_wfree(c->security_token);
  slsh_wipe(c, sizeof(*c));
  free(c);
}

/* Credentials travel in HTTP headers and signed strings: every byte must
 * be visible ASCII. 0 when `s` is (or is NULL). */
static int cred_bad_text(const char *s)
{
  if(!s)
    return 0;
  for(; *s; s++)
    if((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
      return 1;
  return 0;
}

struct slsh_cred *slsh_cred_new(const char *access_key_id,
                                const char *access_key_secret,
                                const char *security_token,
                                long long expiration, struct slsh_err *e)
{
  struct slsh_cred *c;
  const char *bad;

  if(!access_key_id || !*access_key_id) {
    slsh_err_set(e, SLSH_E_INVALID_ARGUMENT, "access_key_id",
                 "access_key_id must be a non-empty string");
    return NULL;
  }
  if(!access_key_secret || !*access_key_secret) {
    slsh_err_set(e, SLSH_E_INVALID_ARGUMENT, "access_key_secret",
                 "access_key_secret must be a non-empty string");
    return NULL;
  }
  /* Refused here, naming the field but never quoting it, rather than by
   * the signer at the first request. */
  bad = cred_bad_text(access_key_id) ? "access_key_id" :
        cred_bad_text(access_key_secret) ? "access_key_secret" :
        cred_bad_text(security_token) ? "security_token" : NULL;
  if(bad) {
    slsh_err_set(e, SLSH_E_CREDENTIALS_INVALID, bad,
                 "%s holds a space, a control character or a non-ASCII "
                 "character, which no credential has", bad);
    return NULL;
  }
  c = calloc(1, sizeof(*c));
  if(!c) {
    slsh_err_set(e, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  c->expiration = expiration;
  if(cred_dup(&c->access_key_id, access_key_id, e) ||
     cred_dup(&c->access_key_secret, access_key_secret, e) ||
     cred_dup(&c->security_token,
              security_token && *security_token ? security_token : NULL,
              e)) {
    slsh_cred_free(c);
    return NULL;
  }
  return c;
}

void slsh_cred_source_free(struct slsh_cred_source *s)
{
  if(!s)
    return;
  cred_wfree(s->origin);
  slsh_cred_free(s->cred);
  cred_wfree(s->role_arn);
  cred_wfree(s->session_name);
  cred_wfree(s->external_id);
  cred_wfree(s->policy);
  cred_wfree(s->sts_region);
  cred_wfree(s->sts_endpoint);
  slsh_cred_source_free(s->source);
  cred_wfree(s->role_name);
  cred_wfree(s->uri);
  slsh_cred_source_free(s->fallback);
  free(s);
}

/* A new source of `kind` whose origin is printf'ed; NULL on no memory. */
struct slsh_cred_source *cred_src_new(struct cred_ctx *c,
                                        enum slsh_cred_kind kind,
                                        const char *fmt, ...)
{
  struct slsh_cred_source *s = calloc(1, sizeof(*s));
  struct slsh_buf b;
  va_list ap;

  slsh_buf_init(&b, 0);
  va_start(ap, fmt);
  slsh_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  if(s)
    s->origin = slsh_buf_take(&b, NULL);
  if(!s || !s->origin) {
    slsh_buf_free(&b);
    free(s);
    slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  s->kind = kind;
  return s;
}

/* ---- time ---- */

/* Expirations go through the one calendar in text.c. */
int slsh_cred_parse_time(const char *s, long long *out)
{
  int64_t t;

  if(slsh_time_parse_iso8601(s, &t))
    return -1;
  *out = (long long)t;
  return 0;
}

void slsh_cred_format_time(long long t, char *buf)
{
  if(slsh_time_iso8601((int64_t)t, buf))
    snprintf(buf, SLSH_CRED_TIMELEN, "@%lld", t);
}

int slsh_cred_needs_refresh(long long expiration, long long now,
                            long long margin)
{
  if(expiration <= 0)
    return 0;
  if(margin < 0)
    margin = 0;
  return now >= expiration - margin;
}

/* ---- JSON ---- */

/* Zero every string of a parsed tree in place, since jansson frees without
 * wiping and the tree may hold secrets. */
static void json_wipe(json_t *j)
{
  void *it;
  size_t i;

  if(json_is_string(j))
    slsh_wipe((char *)json_string_value(j), json_string_length(j));
  else if(json_is_object(j)) {
    for(it = json_object_iter(j); it; it = json_object_iter_next(j, it))
      json_wipe(json_object_iter_value(it));
  }
  else if(json_is_array(j)) {
    for(i = 0; i < json_array_size(j); i++)
      json_wipe(json_array_get(j, i));
  }
}

/* Wipe, then release a parsed tree (NULL is fine). */
void cred_json_free(json_t *j)
{
  if(j) {
    json_wipe(j);
    json_decref(j);
  }
}

/* What the JSON parser says, unless its message would quote the text
 * (an escape, a number, a key), which could be part of a secret: then
 * only the kind of fault. */
static const char *json_reason(const char *msg)
{
  static const struct {
    const char *prefix, *safe;
  } quoting[] = {
    {"invalid escape", "invalid escape in a string"},
    {"lone ", "lone UTF-16 surrogate in a string"},
    {"integer ", "integer out of range"},
    {"number ", "number out of range"},
    {"duplicate key", "duplicate key"},
  };
  size_t i;

  for(i = 0; i < sizeof(quoting) / sizeof(quoting[0]); i++)
    if(!strncmp(msg, quoting[i].prefix, strlen(quoting[i].prefix)))
      return quoting[i].safe;
  return msg;
}

/* Parse `len` bytes as a JSON object with slsh's own parser (json.c), the
 * one every other JSON in slsh goes through. On failure the message gives
 * the 0-based byte offset, the 1-based line and column and the reason,
 * never the text there. */
json_t *cred_json_parse(const char *what, const char *data, size_t len,
                          enum slsh_errcode code, struct slsh_err *e)
{
  struct slsh_err pe;
  size_t off = 0, i, line = 1, col = 1;
  char reason[sizeof(pe.message)], *at;
  json_t *j;

  slsh_err_clear(&pe);
  j = slsh_json_parse(data, len, NULL, &pe, &off);
  if(!j) {
    for(i = 0; i < off && i < len; i++) {
      if(data[i] == '\n') {
        line++;
        col = 1;
      }
      else
        col++;
    }
    snprintf(reason, sizeof(reason), "%s", json_reason(pe.message));
    at = strstr(reason, " at byte ");
    if(at)
      *at = '\0';
    slsh_err_set(e, pe.code == SLSH_E_NOMEM ? SLSH_E_NOMEM : code, NULL,
                 "%s: invalid JSON at byte %zu (line %zu, column %zu): %s",
                 what, off, line, col, reason);
    slsh_wipe(&pe, sizeof(pe));
    return NULL;
  }
  if(!json_is_object(j)) {
    cred_json_free(j);
    slsh_err_set(e, code, NULL, "%s: the JSON is not an object", what);
    return NULL;
  }
  return j;
}

/* Name of a JSON value's type for messages. */
const char *cred_json_typename(const json_t *j)
{
  switch(json_typeof(j)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "value";
}

/* ---- answers of IMDS, credentials URI, STS ---- */

/* 1 when `needle` (lower case) occurs in `s`, ignoring case. */
static int has_icase(const char *s, const char *needle)
{
  size_t n = strlen(needle);

  for(; *s; s++)
    if(!strncasecmp(s, needle, n))
      return 1;
  return 0;
}

/* Refuse an answer whose Code is not "Success" (missing is refused only
 * when `required`). The service's Message is quoted, shortened, unless it
 * echoes a string to sign. */
static int check_code(const char *what, json_t *root, int required,
                      struct slsh_err *e)
{
  json_t *code = json_object_get(root, "Code");
  json_t *msg = json_object_get(root, "Message");
  const char *m = json_is_string(msg) ? json_string_value(msg) : NULL;

  if(!code) {
    if(required)
      return slsh_err_set(e, SLSH_E_BAD_RESPONSE, "Code",
                          "%s: field 'Code' is missing", what);
    return 0;
  }
  if(!json_is_string(code))
    return slsh_err_set(e, SLSH_E_BAD_RESPONSE, "Code",
                        "%s: field 'Code' must be a string, got %s", what,
                        cred_json_typename(code));
  if(!strcmp(json_string_value(code), "Success"))
    return 0;
  if(m && has_icase(m, "string to sign"))
    m = NULL;
  return slsh_err_set(e, SLSH_E_BAD_RESPONSE, "Code",
                      "%s answered Code '%.64s'%s%.200s", what,
                      json_string_value(code), m ? ": " : "", m ? m : "");
}

/* Read the four credential fields of `obj` (names prefixed by `prefix`
 * in messages) into new credentials. */
static int creds_from_json(const char *what, const char *prefix,
                           json_t *obj, struct slsh_cred **out,
                           struct slsh_err *e)
{
  static const char *const keys[] = {"AccessKeyId", "AccessKeySecret",
                                     "SecurityToken", "Expiration"};
  const char *v[4];
  char field[64];
  long long exp;
  json_t *j;
  int i;

  for(i = 0; i < 4; i++) {
    snprintf(field, sizeof(field), "%s%s", prefix, keys[i]);
    j = json_object_get(obj, keys[i]);
    if(!j || json_is_null(j))
      return slsh_err_set(e, SLSH_E_BAD_RESPONSE, field,
                          "%s: field '%s' is missing", what, field);
    if(!json_is_string(j))
      return slsh_err_set(e, SLSH_E_BAD_RESPONSE, field,
                          "%s: field '%s' must be a string, got %s", what,
                          field, cred_json_typename(j));
    v[i] = json_string_value(j);
    if(!*v[i])
      return slsh_err_set(e, SLSH_E_BAD_RESPONSE, field,
                          "%s: field '%s' is empty", what, field);
  }
  if(slsh_cred_parse_time(v[3], &exp)) {
    snprintf(field, sizeof(field), "%sExpiration", prefix);
    return slsh_err_set(e, SLSH_E_BAD_RESPONSE, field,
                        "%s: field '%s' is not a UTC time like "
                        "2024-01-02T03:04:05Z", what, field);
  }
  *out = slsh_cred_new(v[0], v[1], v[2], exp, e);
  return *out ? 0 : -1;
}

/* The answers of the metadata service and of a credentials URI have the
 * same shape; only whether `Code` must be there differs. */
static int cred_parse_answer(const char *what, int require_code,
                             const char *body, size_t len,
                             struct slsh_cred **out, struct slsh_err *e)
{
  json_t *root;
  int rc;

  *out = NULL;
  root = cred_json_parse(what, body, len, SLSH_E_BAD_RESPONSE, e);
  if(!root)
    return -1;
  rc = check_code(what, root, require_code, e);
  if(!rc)
    rc = creds_from_json(what, "", root, out, e);
  cred_json_free(root);
  return rc;
}

int slsh_cred_parse_imds(const char *body, size_t len,
                         struct slsh_cred **out, struct slsh_err *e)
{
  return cred_parse_answer("ECS metadata", 1, body, len, out, e);
}

int slsh_cred_parse_uri_response(const char *body, size_t len,
                                 struct slsh_cred **out,
                                 struct slsh_err *e)
{
  return cred_parse_answer("credentials URI", 0, body, len, out, e);
}

int slsh_cred_parse_assume_role(const char *body, size_t len,
                                struct slsh_cred **out,
                                struct slsh_err *e)
{
  const char *what = "STS AssumeRole";
  json_t *root, *creds;
  int rc = -1;

  *out = NULL;
  root = cred_json_parse(what, body, len, SLSH_E_BAD_RESPONSE, e);
  if(!root)
    return -1;
  creds = json_object_get(root, "Credentials");
  if(!creds) {
    if(json_object_get(root, "Code"))
      check_code(what, root, 1, e);
    else
      slsh_err_set(e, SLSH_E_BAD_RESPONSE, "Credentials",
                   "%s: field 'Credentials' is missing", what);
  }
  else if(!json_is_object(creds))
    slsh_err_set(e, SLSH_E_BAD_RESPONSE, "Credentials",
                 "%s: field 'Credentials' must be an object, got %s", what,
                 cred_json_typename(creds));
  else
    rc = creds_from_json(what, "Credentials.", creds, out, e);
  cred_json_free(root);
  return rc;
}

/* ---- environment and files ---- */

/* A variable from the caller's environment list or the process; empty
 * values count as unset (as in every SDK). */
static const char *ctx_env(const struct cred_ctx *c, const char *name)
{
  const char *v = NULL;
  const char *const *p;
  size_t n = strlen(name);

  if(c->o->env) {
    for(p = c->o->env; *p; p++) {
      if(!strncmp(*p, name, n) && (*p)[n] == '=') {
        v = *p + n + 1;
        break;
      }
    }
  }
  else
    v = getenv(name);
  return v && *v ? v : NULL;
}

/* The first set variable of `names`; *which gets its name. */
const char *cred_env_first(const struct cred_ctx *c,
                             const char *const *names, const char **which)
{
  const char *v;

  for(; *names; names++) {
    v = ctx_env(c, *names);
    if(v) {
      if(which)
        *which = *names;
      return v;
    }
  }
  return NULL;
}

/* "true" (any case) or "1" in the first set variable of `names`. */
const char *cred_env_true(const struct cred_ctx *c,
                            const char *const *names)
{
  const char *v;

  for(; *names; names++) {
    v = ctx_env(c, *names);
    if(v && (!strcasecmp(v, "true") || !strcmp(v, "1")))
      return *names;
  }
  return NULL;
}

/* Append one line to the list of places that gave nothing. */
void cred_note(struct cred_ctx *c, const char *fmt, ...)
{
  va_list ap;

  if(c->looked.len)
    slsh_buf_addc(&c->looked, '\n');
  va_start(ap, fmt);
  slsh_buf_vprintf(&c->looked, fmt, ap);
  va_end(ap);
}

/* Read `path` whole into `b`. 0 read, 1 does not exist, -1 error. */
int cred_file_read(const char *path, struct slsh_buf *b,
                     struct slsh_err *e)
{
  char chunk[4096];
  struct stat st;
  ssize_t n;
  int fd, rc = 0;

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if(fd < 0) {
    if(errno == ENOENT || errno == ENOTDIR)
      return 1;
    return slsh_err_set(e, SLSH_E_CREDENTIALS_INVALID, NULL,
                        "%s: cannot read: %s", path, strerror(errno));
  }
  if(fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return slsh_err_set(e, SLSH_E_CREDENTIALS_INVALID, NULL,
                        "%s: cannot read: it is a directory", path);
  }
  for(;;) {
    n = read(fd, chunk, sizeof(chunk));
    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      rc = slsh_err_set(e, SLSH_E_CREDENTIALS_INVALID, NULL,
                        "%s: cannot read: %s", path, strerror(errno));
      break;
    }
    if(n == 0)
      break;
    if(slsh_buf_add(b, chunk, (size_t)n)) {
      rc = slsh_err_set(e, b->failed == SLSH_E_NOMEM ? SLSH_E_NOMEM :
                        SLSH_E_CREDENTIALS_INVALID, NULL,
                        "%s: larger than %zu bytes", path, b->max);
      break;
    }
  }
  slsh_wipe(chunk, sizeof(chunk));
  close(fd);
  if(!rc && !b->data)
    slsh_buf_adds(b, "");      /* an empty file still has a terminator */
  return rc;
}

/* ---- sources ---- */

/* Static credentials found in a profile or the environment. */
struct slsh_cred_source *cred_make_static(struct cred_ctx *c,
                                            const char *origin,
                                            const char *id,
                                            const char *secret,
                                            const char *token)
{
  struct slsh_cred_source *s = cred_src_new(c, SLSH_CRED_STATIC, "%s", origin);

  if(!s)
    return NULL;
  s->cred = slsh_cred_new(id, secret, token, 0, c->e);
  if(!s->cred) {
    slsh_cred_source_free(s);
    return NULL;
  }
  return s;
}

/* ECS metadata; `role` may be NULL (the metadata service names it). */
struct slsh_cred_source *cred_make_ecs(struct cred_ctx *c,
                                         const char *origin,
                                         const char *role)
{
  static const char *const v1off[] = {"ALIBABA_CLOUD_IMDSV1_DISABLED",
                                      NULL};
  struct slsh_cred_source *s = cred_src_new(c, SLSH_CRED_ECS_RAM_ROLE, "%s",
                                       origin);

  if(!s)
    return NULL;
  s->imdsv1_disabled = cred_env_true(c, v1off) != NULL;
  if(cred_dup(&s->role_name, role, c->e)) {
    slsh_cred_source_free(s);
    return NULL;
  }
  return s;
}

/* ---- the chain ---- */

/* Step 2: environment keys. 1 found, 0 none (noted), -1 error. Half a
 * pair is an error, except from the generic names (ACCESS_KEY_ID, ...)
 * that other tools may set: those are ignored with a note. */
static int env_step(struct cred_ctx *c, struct slsh_cred_source **out)
{
  const char *id, *secret, *token, *idv = NULL, *secv = NULL;
  const char *have, *const *want;
  struct slsh_buf list;
  int i;

  id = cred_env_first(c, env_id, &idv);
  secret = cred_env_first(c, env_secret, &secv);
  if(id && secret) {
    char *origin;

    token = cred_env_first(c, env_token, NULL);
    origin = strcmp(idv, env_id[0]) ? cred_aprintf("env %s", idv) :
      strdup("env");
    if(!origin)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    *out = cred_make_static(c, origin, id, secret, token);
    free(origin);
    return *out ? 1 : -1;
  }
  if(!id && !secret) {
    cred_note(c, "env: %s not set", env_id[0]);
    return 0;
  }
  have = id ? idv : secv;
  want = id ? env_secret : env_id;
  if(!strncmp(have, "ACCESS_KEY_", 11)) {
    cred_note(c, "env: %s set without its pair, ignored", have);
    return 0;
  }
  slsh_buf_init(&list, 0);
  for(i = 0; want[i]; i++)
    slsh_buf_printf(&list, "%s%s", i ? ", " : "", want[i]);
  slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, want[0],
               "environment: %s is set but none of %s is", have,
               slsh_buf_str(&list));
  slsh_buf_free(&list);
  return -1;
}

/* OIDC role credentials (RRSA) are set up by the environment alone; slsh
 * cannot use them yet, and quietly taking the next source (often the ECS
 * node's role) would act as someone else. */
static int oidc_check(struct cred_ctx *c)
{
  static const char *const arn[] = {"ALIBABA_CLOUD_ROLE_ARN", NULL};
  static const char *const prov[] = {"ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                                     NULL};
  static const char *const file[] = {"ALIBABA_CLOUD_OIDC_TOKEN_FILE", NULL};

  if(cred_env_first(c, arn, NULL) && cred_env_first(c, prov, NULL) &&
     cred_env_first(c, file, NULL))
    return slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID,
                        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                        "environment: OIDC role credentials "
                        "(ALIBABA_CLOUD_ROLE_ARN, "
                        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN, "
                        "ALIBABA_CLOUD_OIDC_TOKEN_FILE) are set, but slsh "
                        "does not support them; unset them or name a "
                        "profile");
  return 0;
}

/* The looked-at lines joined with "; " for a one-line message, in `b`. */
static const char *looked_line(struct cred_ctx *c, struct slsh_buf *b)
{
  const char *p = slsh_buf_str(&c->looked), *nl;

  while((nl = strchr(p, '\n'))) {
    slsh_buf_add(b, p, (size_t)(nl - p));
    slsh_buf_adds(b, "; ");
    p = nl + 1;
  }
  slsh_buf_adds(b, p);
  return slsh_buf_str(b);
}

/* Steps 6 and 7: ECS metadata then the credentials URI, as candidates to
 * fetch in that order. 1 with *out set, 0 neither applies (noted). */
static int tail_step(struct cred_ctx *c, struct slsh_cred_source **out)
{
  static const char *const off[] = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED",
                                    NULL};
  struct slsh_cred_source *ecs = NULL, *uri = NULL;
  const char *v, *var = NULL;

  if(cred_env_true(c, off))
    cred_note(c, "ECS metadata: disabled (%s)", off[0]);
  else {
    ecs = cred_make_ecs(c, "ECS instance metadata",
                   cred_env_first(c, env_ecs_role, NULL));
    if(!ecs)
      return -1;
    ecs->implicit = 1;
  }
  v = cred_env_first(c, cred_env_uri, &var);
  if(v) {
    uri = cred_src_new(c, SLSH_CRED_URI, "env %s", var);
    if(!uri || cred_dup(&uri->uri, v, c->e)) {
      slsh_cred_source_free(uri);
      slsh_cred_source_free(ecs);
      return -1;
    }
    uri->implicit = 1;
  }
  else
    cred_note(c, "credentials URI: %s not set", cred_env_uri[0]);
  if(ecs) {
    ecs->fallback = uri;
    *out = ecs;
  }
  else
    *out = uri;
  return *out ? 1 : 0;
}

int slsh_cred_resolve(const struct slsh_cred_opts *o,
                      struct slsh_cred_source **out,
                      struct slsh_buf *looked, struct slsh_err *e)
{
  static const char *const env_home[] = {"HOME", NULL};
  struct cred_ctx c;
  struct slsh_buf line;
  const char *named, *named_var = NULL;
  int rc;

  *out = NULL;
  slsh_buf_init(&line, 0);
  c.o = o;
  c.e = e;
  c.now = (long long)time(NULL);
  slsh_buf_init(&c.looked, 0);
  if(o->access_key_id || o->access_key_secret || o->security_token) {
    if(o->profile)
      return slsh_err_set(e, SLSH_E_INVALID_ARGUMENT, "profile",
                          "give either a profile or access keys, not both");
    if(!o->access_key_id || !*o->access_key_id || !o->access_key_secret ||
       !*o->access_key_secret)
      return slsh_err_set(e, SLSH_E_INVALID_ARGUMENT,
                          o->access_key_id && *o->access_key_id ?
                          "access_key_secret" : "access_key_id",
                          "access_key_id and access_key_secret go together "
                          "and must not be empty");
    *out = cred_make_static(&c, "explicit", o->access_key_id,
                       o->access_key_secret, o->security_token);
    return *out ? 0 : -1;
  }
  if(o->profile && !*o->profile)
    return slsh_err_set(e, SLSH_E_INVALID_ARGUMENT, "profile",
                        "profile must not be empty");
  c.home = cred_env_first(&c, env_home, NULL);
  named = o->profile;
  if(!named)
    named = cred_env_first(&c, env_profile, &named_var);
  rc = 0;
  if(!o->profile) {
    rc = env_step(&c, out);
    if(!rc)
      rc = oidc_check(&c);
  }
  if(!rc)
    rc = cred_cli_step(&c, named, out);
  if(!rc)
    rc = cred_ini_step(&c, named, out);
  if(!rc && named)
    rc = slsh_err_set(e, SLSH_E_CREDENTIALS_MISSING, "profile",
                      "profile '%s'%s%s%s not found (looked at: %s)", named,
                      named_var ? " (from " : "",
                      named_var ? named_var : "", named_var ? ")" : "",
                      looked_line(&c, &line));
  if(!rc)
    rc = tail_step(&c, out);
  if(!rc)
    rc = slsh_err_set(e, SLSH_E_CREDENTIALS_MISSING, NULL,
                      "no credentials found (looked at: %s)",
                      looked_line(&c, &line));
  if(looked && c.looked.len)
    slsh_buf_add(looked, c.looked.data, c.looked.len);
  slsh_buf_free(&line);
  slsh_buf_free(&c.looked);
  if(rc < 0) {
    slsh_cred_source_free(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}
