/*
 * The credential chain without the network (see cred.h): environment
 * variables and their legacy names, the aliyun CLI's config.json, the SDKs'
 * INI file, and the JSON answers of ECS metadata, a credentials URI and STS
 * AssumeRole. Facts from spec/openapi-rpc-credentials.md §6.
 *
 * Everything read from a file is wiped before it is freed: the file buffer,
 * the strings of the parsed JSON tree and the INI lines. Error messages name
 * files, profiles and fields, never values.
 */
#include "slsh/cred.h"
#include "slsh/buf.h"
#include "slsh/json.h"
#include "slsh/text.h"

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

#define CRED_FILE_MAX ((size_t)1024 * 1024)   /* config.json, INI */
#define CRED_CHAIN_MAX 16         /* ChainableRamRoleArn hops */
#define CRED_NAMES_MAX 200        /* profile names listed in a message */
#define CRED_DURATION_DEFAULT 3600
#define CRED_DURATION_MIN 900     /* AssumeRole limits (spec §4.3) */
#define CRED_DURATION_MAX 43200

/* Environment variables, in the order in which the first non-empty one
 * wins (spec §6.1: the SDK name, then aliyun-cli's, Go's and Terraform's
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
static const char *const env_config_file[] = {
  "ALIBABA_CLOUD_CONFIG_FILE", "ALICLOUD_SHARED_CREDENTIALS_FILE", NULL
};
static const char *const env_ignore_profile[] = {
  "ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_IGNORE_PROFILE",
  "ALIBABACLOUD_IGNORE_PROFILE", NULL
};
static const char *const env_ecs_role[] = {
  "ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME", NULL
};
static const char *const env_uri[] = {
  "ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_CREDENTIALS_URI", NULL
};

/* The modes of config.json and types of the INI file that slsh reads. */
#define CLI_MODES "AK, StsToken, RamRoleArn, ChainableRamRoleArn, " \
  "EcsRamRole, CredentialsURI, RamRoleArnWithRoleName"
#define INI_TYPES "access_key, sts, ram_role_arn, ecs_ram_role"

struct cred_ctx {
  const struct slsh_cred_opts *o;
  struct slsh_err *e;
  struct slsh_buf looked;     /* one line per place without result */
  const char *home;
  long long now;
};

/* Wipe and free a string we own. */
static void wfree(char *s)
{
  if(s) {
    slsh_wipe(s, strlen(s));
    free(s);
  }
}

/* strdup that keeps NULL and records out-of-memory in `e`. */
static int dup_into(char **dst, const char *s, struct slsh_err *e)
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
static char *aprintf(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;
static char *aprintf(const char *fmt, ...)
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
  wfree(c->access_key_id);
  wfree(c->access_key_secret);
  wfree(c->security_token);
  slsh_wipe(c, sizeof(*c));
  free(c);
}

struct slsh_cred *slsh_cred_new(const char *access_key_id,
                                const char *access_key_secret,
                                const char *security_token,
                                long long expiration, struct slsh_err *e)
{
  struct slsh_cred *c;

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
  c = calloc(1, sizeof(*c));
  if(!c) {
    slsh_err_set(e, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  c->expiration = expiration;
  if(dup_into(&c->access_key_id, access_key_id, e) ||
     dup_into(&c->access_key_secret, access_key_secret, e) ||
     dup_into(&c->security_token,
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
  wfree(s->origin);
  slsh_cred_free(s->cred);
  wfree(s->role_arn);
  wfree(s->session_name);
  wfree(s->external_id);
  wfree(s->policy);
  wfree(s->sts_region);
  wfree(s->sts_endpoint);
  slsh_cred_source_free(s->source);
  wfree(s->role_name);
  wfree(s->uri);
  slsh_cred_source_free(s->fallback);
  free(s);
}

/* A new source of `kind` whose origin is printf'ed; NULL on no memory. */
static struct slsh_cred_source *src_new(struct cred_ctx *c,
                                        enum slsh_cred_kind kind,
                                        const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;
static struct slsh_cred_source *src_new(struct cred_ctx *c,
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
static void json_free(json_t *j)
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
static json_t *json_parse(const char *what, const char *data, size_t len,
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
    json_free(j);
    slsh_err_set(e, code, NULL, "%s: the JSON is not an object", what);
    return NULL;
  }
  return j;
}

/* Name of a JSON value's type for messages. */
static const char *json_typename(const json_t *j)
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
                        json_typename(code));
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
                          field, json_typename(j));
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
  root = json_parse(what, body, len, SLSH_E_BAD_RESPONSE, e);
  if(!root)
    return -1;
  rc = check_code(what, root, require_code, e);
  if(!rc)
    rc = creds_from_json(what, "", root, out, e);
  json_free(root);
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
  root = json_parse(what, body, len, SLSH_E_BAD_RESPONSE, e);
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
                 json_typename(creds));
  else
    rc = creds_from_json(what, "Credentials.", creds, out, e);
  json_free(root);
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
static const char *env_first(const struct cred_ctx *c,
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
static const char *env_true(const struct cred_ctx *c,
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
static void note(struct cred_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
static void note(struct cred_ctx *c, const char *fmt, ...)
{
  va_list ap;

  if(c->looked.len)
    slsh_buf_addc(&c->looked, '\n');
  va_start(ap, fmt);
  slsh_buf_vprintf(&c->looked, fmt, ap);
  va_end(ap);
}

/* Read `path` whole into `b`. 0 read, 1 does not exist, -1 error. */
static int file_read(const char *path, struct slsh_buf *b,
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

/* ---- one profile, from config.json or from the INI file ---- */

/* An INI section: pointers into the (owned, later wiped) file text. */
struct ini_kv {
  const char *key;
  const char *val;
};

struct ini_sec {
  struct ini_kv *kv;
  size_t n, cap;
};

/* The profile being read, so that every message can say which file,
 * which profile, which mode and which field. */
struct prof {
  struct cred_ctx *c;
  const char *path;
  const char *name;
  const char *label;          /* "mode" (config.json) or "type" (INI) */
  const char *kind;           /* the mode or type; NULL before it is known */
  json_t *obj;                /* config.json profile, or NULL */
  struct ini_sec *ini;        /* INI section, or NULL */
};

/* Fail with "<file>: profile '<p>' (mode M): field 'f' <what>". */
static int prof_fail(struct prof *p, const char *field, const char *fmt,
                     ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;
static int prof_fail(struct prof *p, const char *field, const char *fmt,
                     ...)
{
  char what[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  if(p->kind)
    return slsh_err_set(p->c->e, SLSH_E_CREDENTIALS_INVALID, field,
                        "%s: profile '%s' (%s %s): field '%s' %s", p->path,
                        p->name, p->label, p->kind, field, what);
  return slsh_err_set(p->c->e, SLSH_E_CREDENTIALS_INVALID, field,
                      "%s: profile '%s': field '%s' %s", p->path, p->name,
                      field, what);
}

/* The value of `key` in an INI section (keys ignore case; last wins). */
static const char *ini_get(const struct ini_sec *s, const char *key)
{
  const char *v = NULL;
  size_t i;

  for(i = 0; i < s->n; i++)
    if(!strcasecmp(s->kv[i].key, key))
      v = s->kv[i].val;
  return v;
}

/* An optional string field: *v is NULL when absent or empty. */
static int prof_str(struct prof *p, const char *field, const char **v)
{
  json_t *j;

  *v = NULL;
  if(p->ini)
    *v = ini_get(p->ini, field);
  else {
    j = json_object_get(p->obj, field);
    if(j && !json_is_null(j)) {
      if(!json_is_string(j))
        return prof_fail(p, field, "must be a string, got %s",
                         json_typename(j));
      *v = json_string_value(j);
    }
  }
  if(*v && !**v)
    *v = NULL;
  return 0;
}

/* A required string field. */
static int prof_req(struct prof *p, const char *field, const char **v)
{
  if(prof_str(p, field, v))
    return -1;
  if(!*v)
    return prof_fail(p, field, "is missing");
  return 0;
}

/* An optional integer field (a JSON integer, or decimal in the INI file);
 * *v stays 0 when absent. */
static int prof_int(struct prof *p, const char *field, long long *v)
{
  const char *s;
  char *end;
  json_t *j;

  *v = 0;
  if(p->ini) {
    s = ini_get(p->ini, field);
    if(!s || !*s)
      return 0;
    errno = 0;
    *v = strtoll(s, &end, 10);
    if(errno || *end)
      return prof_fail(p, field, "must be an integer");
    return 0;
  }
  j = json_object_get(p->obj, field);
  if(!j || json_is_null(j))
    return 0;
  if(!json_is_integer(j))
    return prof_fail(p, field, "must be an integer, got %s",
                     json_typename(j));
  *v = json_integer_value(j);
  return 0;
}

/* An optional boolean field (config.json only). */
static int prof_bool(struct prof *p, const char *field, int *v)
{
  json_t *j;

  *v = 0;
  if(p->ini || !field)
    return 0;
  j = json_object_get(p->obj, field);
  if(!j || json_is_null(j))
    return 0;
  if(!json_is_boolean(j))
    return prof_fail(p, field, "must be true or false, got %s",
                     json_typename(j));
  *v = json_is_true(j);
  return 0;
}

/* Static credentials found in a profile or the environment. */
static struct slsh_cred_source *make_static(struct cred_ctx *c,
                                            const char *origin,
                                            const char *id,
                                            const char *secret,
                                            const char *token)
{
  struct slsh_cred_source *s = src_new(c, SLSH_CRED_STATIC, "%s", origin);

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
static struct slsh_cred_source *make_ecs(struct cred_ctx *c,
                                         const char *origin,
                                         const char *role)
{
  static const char *const v1off[] = {"ALIBABA_CLOUD_IMDSV1_DISABLED",
                                      NULL};
  struct slsh_cred_source *s = src_new(c, SLSH_CRED_ECS_RAM_ROLE, "%s",
                                       origin);

  if(!s)
    return NULL;
  s->imdsv1_disabled = env_true(c, v1off) != NULL;
  if(dup_into(&s->role_name, role, c->e)) {
    slsh_cred_source_free(s);
    return NULL;
  }
  return s;
}

/* Names of the role fields in config.json and in the INI file. */
struct role_fields {
  const char *arn, *session, *duration, *region, *external_id, *policy;
  const char *vpc, *endpoint;
};

static const struct role_fields cli_role = {
  "ram_role_arn", "ram_session_name", "expired_seconds", "sts_region",
  "external_id", "policy", "enable_vpc", "sts_endpoint"
};

static const struct role_fields ini_role = {
  "role_arn", "role_session_name", "role_session_expiration", NULL, NULL,
  "policy", NULL, NULL
};

/* An AssumeRole source read from profile `p`, assumed with the
 * credentials of `src` (taken over, freed on failure). The STS endpoint
 * follows credentials-python: an explicit endpoint, else
 * sts[-vpc].<region>.aliyuncs.com, else sts.aliyuncs.com (spec §3). */
static struct slsh_cred_source *make_role(struct prof *p,
                                          const struct role_fields *f,
                                          const char *origin,
                                          struct slsh_cred_source *src)
{
  static const char *const env_region[] = {"ALIBABA_CLOUD_STS_REGION",
                                           NULL};
  static const char *const env_vpc[] = {"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
                                        NULL};
  static const char *const env_session[] = {
    "ALIBABA_CLOUD_ROLE_SESSION_NAME", NULL
  };
  struct cred_ctx *c = p->c;
  struct slsh_cred_source *s = NULL;
  const char *arn, *session = NULL, *region = NULL, *ext = NULL;
  const char *policy = NULL, *endpoint = NULL;
  long long duration;
  int vpc = 0;
  char *ep = NULL, *sess = NULL;

  if(!src || prof_req(p, f->arn, &arn) ||
     prof_str(p, f->session, &session) ||
     prof_int(p, f->duration, &duration) ||
     (f->region && prof_str(p, f->region, &region)) ||
     (f->external_id && prof_str(p, f->external_id, &ext)) ||
     prof_str(p, f->policy, &policy) || prof_bool(p, f->vpc, &vpc) ||
     (f->endpoint && prof_str(p, f->endpoint, &endpoint)))
    goto fail;
  if(duration == 0)
    duration = CRED_DURATION_DEFAULT;
  if(duration < CRED_DURATION_MIN || duration > CRED_DURATION_MAX) {
    prof_fail(p, f->duration, "must be between %d and %d seconds",
              CRED_DURATION_MIN, CRED_DURATION_MAX);
    goto fail;
  }
  if(!region)
    region = env_first(c, env_region, NULL);
  if(!vpc)
    vpc = env_true(c, env_vpc) != NULL;
  if(!session)
    session = env_first(c, env_session, NULL);
  if(endpoint)
    ep = strdup(endpoint);
  else if(region)
    ep = aprintf("%s.%s.aliyuncs.com", vpc ? "sts-vpc" : "sts", region);
  else
    ep = strdup("sts.aliyuncs.com");
  sess = session ? strdup(session) : aprintf("slsh-%lld", c->now);
  s = src_new(c, SLSH_CRED_RAM_ROLE_ARN, "%s", origin);
  if(!s)
    goto fail;
  s->duration = duration;
  s->source = src;
  src = NULL;
  s->sts_endpoint = ep;
  s->session_name = sess;
  ep = sess = NULL;
  if(!s->sts_endpoint || !s->session_name ||
     dup_into(&s->role_arn, arn, c->e) ||
     dup_into(&s->external_id, ext, c->e) ||
     dup_into(&s->policy, policy, c->e) ||
     dup_into(&s->sts_region, region, c->e)) {
    slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    goto fail;
  }
  return s;
fail:
  slsh_cred_source_free(src);
  slsh_cred_source_free(s);
  free(ep);
  free(sess);
  return NULL;
}

/* ---- ~/.aliyun/config.json ---- */

/* The profile object named `name`, or NULL. Entries that are not objects
 * with a string name are errors (*bad set). */
static json_t *cli_find(struct cred_ctx *c, json_t *root, const char *path,
                        const char *name, int *bad)
{
  json_t *profiles = json_object_get(root, "profiles"), *p, *n;
  size_t i;

  *bad = 0;
  if(!profiles || json_is_null(profiles))
    return NULL;
  if(!json_is_array(profiles)) {
    *bad = 1;
    slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, "profiles",
                 "%s: field 'profiles' must be an array, got %s", path,
                 json_typename(profiles));
    return NULL;
  }
  for(i = 0; i < json_array_size(profiles); i++) {
    p = json_array_get(profiles, i);
    n = json_is_object(p) ? json_object_get(p, "name") : NULL;
    if(!json_is_string(n)) {
      *bad = 1;
      slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, "name",
                   "%s: profiles[%zu] %s", path, i,
                   json_is_object(p) ? "has no string field 'name'" :
                   "is not an object");
      return NULL;
    }
    if(!strcmp(json_string_value(n), name))
      return p;
  }
  return NULL;
}

/* "a, b, c" of the profile names (shortened), for "no profile" notes. */
static void cli_names(json_t *root, struct slsh_buf *b)
{
  json_t *profiles = json_object_get(root, "profiles"), *n;
  size_t i;

  for(i = 0; i < json_array_size(profiles); i++) {
    n = json_object_get(json_array_get(profiles, i), "name");
    if(!json_is_string(n))
      continue;
    if(b->len > CRED_NAMES_MAX) {
      slsh_buf_adds(b, ", ...");
      break;
    }
    slsh_buf_printf(b, "%s%s", b->len ? ", " : "", json_string_value(n));
  }
}

static int cli_profile(struct cred_ctx *c, json_t *root, const char *path,
                       const char *name, const char **chain, int depth,
                       struct slsh_cred_source **out);

/* Which of `known` the profile's `field` names (matched without case
 * when `nocase`): its index, or -1 with the error saying what is missing,
 * unsupported or unknown and listing `supported`. */
static int prof_kind(struct prof *p, const char *field,
                     const char *const *known,
                     const char *const *unsupported, const char *supported,
                     int nocase)
{
  const char *v;
  int i;

  if(prof_str(p, field, &v))
    return -1;
  if(!v)
    return prof_fail(p, field, "is missing (supported: %s)", supported);
  for(i = 0; known[i]; i++)
    if(!(nocase ? strcasecmp(known[i], v) : strcmp(known[i], v)))
      return i;
  for(i = 0; unsupported[i]; i++)
    if(!(nocase ? strcasecmp(unsupported[i], v) : strcmp(unsupported[i], v)))
      return prof_fail(p, field, "'%s' is not supported by slsh "
                       "(supported: %s)", unsupported[i], supported);
  return prof_fail(p, field, "'%.64s' is unknown (supported: %s)", v,
                   supported);
}

/* The mode names slsh knows but does not support, to say so plainly. */
static const char *const cli_unsupported[] = {
  "OIDC", "External", "CloudSSO", "OAuth", "BearerToken", "Anonymous",
  "RsaKeyPair", NULL
};

/* Build the source of profile object `obj` (named chain[depth]). */
static int cli_build(struct cred_ctx *c, json_t *root, const char *path,
                     json_t *obj, const char **chain, int depth,
                     struct slsh_cred_source **out)
{
  static const char *const modes[] = {
    "AK", "StsToken", "RamRoleArn", "ChainableRamRoleArn", "EcsRamRole",
    "CredentialsURI", "RamRoleArnWithRoleName", NULL
  };
  struct prof p = {c, path, chain[depth], "mode", NULL, obj, NULL};
  struct slsh_cred_source *src = NULL;
  const char *id, *secret, *token, *v;
  char origin[1024];
  int i, m, rc;

  m = prof_kind(&p, "mode", modes, cli_unsupported, CLI_MODES, 1);
  if(m < 0)
    return -1;
  p.kind = modes[m];
  snprintf(origin, sizeof(origin), "profile %s (%s) in %s", p.name, p.kind,
           path);
  switch(m) {
  case 0: /* AK */
  case 1: /* StsToken */
  case 2: /* RamRoleArn */
    if(prof_req(&p, "access_key_id", &id) ||
       prof_req(&p, "access_key_secret", &secret))
      return -1;
    if(m == 1 ? prof_req(&p, "sts_token", &token) :
       prof_str(&p, "sts_token", &token))
      return -1;
    if(m == 0)
      token = NULL;
    src = make_static(c, origin, id, secret, token);
    if(m == 2 && src)
      src = make_role(&p, &cli_role, origin, src);
    break;
  case 3: /* ChainableRamRoleArn */
    if(prof_req(&p, "source_profile", &v))
      return -1;
    for(i = 0; i <= depth; i++) {
      if(!strcmp(chain[i], v)) {
        struct slsh_buf loop;
        int j;

        slsh_buf_init(&loop, 0);
        for(j = i; j <= depth; j++)
          slsh_buf_printf(&loop, "%s -> ", chain[j]);
        prof_fail(&p, "source_profile", "makes a loop: %s%s",
                  slsh_buf_str(&loop), v);
        slsh_buf_free(&loop);
        return -1;
      }
    }
    if(depth + 1 >= CRED_CHAIN_MAX)
      return prof_fail(&p, "source_profile", "leads to a chain of more "
                       "than %d profiles", CRED_CHAIN_MAX);
    rc = cli_profile(c, root, path, v, chain, depth + 1, &src);
    if(rc < 0)
      return -1;
    if(rc == 0)
      return prof_fail(&p, "source_profile", "names profile '%s', which "
                       "does not exist", v);
    src = make_role(&p, &cli_role, origin, src);
    break;
  case 4: /* EcsRamRole */
    if(prof_str(&p, "ram_role_name", &v))
      return -1;
    src = make_ecs(c, origin, v);
    break;
  case 5: /* CredentialsURI */
    if(prof_str(&p, "credentials_uri", &v))
      return -1;
    if(!v)
      v = env_first(c, env_uri, NULL);
    if(!v)
      return prof_fail(&p, "credentials_uri", "is missing");
    src = src_new(c, SLSH_CRED_URI, "%s", origin);
    if(src && dup_into(&src->uri, v, c->e)) {
      slsh_cred_source_free(src);
      src = NULL;
    }
    break;
  default: /* RamRoleArnWithRoleName: the ECS role assumes another */
    if(prof_str(&p, "ram_role_name", &v))
      return -1;
    src = make_ecs(c, origin, v);
    if(src)
      src = make_role(&p, &cli_role, origin, src);
    break;
  }
  *out = src;
  return src ? 1 : -1;
}

/* Resolve profile `name` of config.json: 1 found (*out set), 0 no such
 * profile, -1 error. `chain` holds the profiles above it (loops). */
static int cli_profile(struct cred_ctx *c, json_t *root, const char *path,
                       const char *name, const char **chain, int depth,
                       struct slsh_cred_source **out)
{
  json_t *obj;
  int bad;

  obj = cli_find(c, root, path, name, &bad);
  if(bad)
    return -1;
  if(!obj)
    return 0;
  chain[depth] = name;
  return cli_build(c, root, path, obj, chain, depth, out);
}

/* The config.json step: 1 found, 0 nothing (noted), -1 error. */
static int cli_step(struct cred_ctx *c, const char *named,
                    struct slsh_cred_source **out)
{
  const char *chain[CRED_CHAIN_MAX];
  const char *path, *var = NULL, *name = named, *off;
  struct slsh_buf file, names;
  char *own = NULL;
  json_t *root = NULL, *cur;
  int rc = -1, chosen = 0;

  off = env_true(c, env_ignore_profile);
  if(off) {
    note(c, "~/.aliyun/config.json: skipped (%s)", off);
    return 0;
  }
  path = env_first(c, env_config_file, &var);
  if(!path) {
    if(!c->home) {
      note(c, "~/.aliyun/config.json: HOME is not set");
      return 0;
    }
    path = own = aprintf("%s/.aliyun/config.json", c->home);
    if(!own)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
  }
  slsh_buf_init(&file, CRED_FILE_MAX);
  slsh_buf_init(&names, 0);
  rc = file_read(path, &file, c->e);
  if(rc == 1) {
    if(var)
      rc = slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, var,
                        "%s names %s, which does not exist", var, path);
    else {
      note(c, "%s: not found", path);
      rc = 0;
    }
    goto fail;
  }
  if(rc)
    goto fail;
  rc = -1;
  root = json_parse(path, file.data, file.len, SLSH_E_CREDENTIALS_INVALID,
                    c->e);
  if(!root)
    goto fail;
  if(!name) {
    cur = json_object_get(root, "current");
    if(cur && !json_is_null(cur) && !json_is_string(cur)) {
      slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, "current",
                   "%s: field 'current' must be a string, got %s", path,
                   json_typename(cur));
      goto fail;
    }
    name = json_string_value(cur);
    if(name && *name)
      chosen = 1;
    else
      name = "default";
  }
  rc = cli_profile(c, root, path, name, chain, 0, out);
  if(rc == 0) {
    cli_names(root, &names);
    /* The file chose this profile: going on to the next source would run
     * as another identity (an instance role, say) than the one the user
     * selected, so a missing one is an error, not a note. */
    if(chosen)
      rc = slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, "current",
                        "%s: 'current' names profile '%s', which is not in "
                        "the file (profiles: %s)", path, name,
                        names.len ? slsh_buf_str(&names) : "none");
    else
      note(c, "%s: no profile '%s' (profiles: %s)", path, name,
           names.len ? slsh_buf_str(&names) : "none");
  }
fail:
  json_free(root);
  slsh_buf_free(&file);
  slsh_buf_free(&names);
  free(own);
  return rc;
}

/* ---- INI file (~/.alibabacloud/credentials[.ini]) ---- */

/* Strip blanks (and a CR) at both ends, in place. */
static char *trim(char *s)
{
  char *end;

  while(*s == ' ' || *s == '\t' || *s == '\r')
    s++;
  end = s + strlen(s);
  while(end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  return s;
}

/* Parse `text` in place and collect the keys of section `want` into `sec`
 * and the section names into `names`. A line that is neither a comment, a
 * section nor key = value is an error (its text is not quoted: it may be a
 * secret). Everything after '#' in a value is a comment (credentials-
 * python does the same). */
static int ini_parse(struct cred_ctx *c, const char *path, char *text,
                     const char *want, struct ini_sec *sec,
                     struct slsh_buf *names, int *found)
{
  char *line, *next, *eq, *hash, *key;
  int lineno = 0, in = 0;
  struct ini_kv *kv;

  *found = 0;
  for(line = text; line; line = next) {
    next = strchr(line, '\n');
    if(next)
      *next++ = '\0';
    lineno++;
    line = trim(line);
    if(!*line || *line == '#' || *line == ';')
      continue;
    if(*line == '[') {
      char *end = strchr(line, ']');

      if(!end || *trim(end + 1))
        return slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, NULL,
                            "%s line %d: a section header must look like "
                            "[name]", path, lineno);
      *end = '\0';
      line = trim(line + 1);
      in = !strcmp(line, want);
      if(in)
        *found = 1;
      if(names->len <= CRED_NAMES_MAX)
        slsh_buf_printf(names, "%s%s", names->len ? ", " : "", line);
      continue;
    }
    eq = strchr(line, '=');
    if(!eq)
      return slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, NULL,
                          "%s line %d: expected 'key = value'", path,
                          lineno);
    *eq = '\0';
    key = trim(line);
    if(!*key)
      return slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, NULL,
                          "%s line %d: a key is missing before '='", path,
                          lineno);
    if(!in)
      continue;
    hash = strchr(eq + 1, '#');
    if(hash)
      *hash = '\0';
    if(sec->n == sec->cap) {
      size_t cap = sec->cap ? sec->cap * 2 : 16;

      kv = realloc(sec->kv, cap * sizeof(*kv));
      if(!kv)
        return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
      sec->kv = kv;
      sec->cap = cap;
    }
    sec->kv[sec->n].key = key;
    sec->kv[sec->n].val = trim(eq + 1);
    sec->n++;
  }
  return 0;
}

/* Build the source of INI section `sec` named `name`. */
static int ini_build(struct cred_ctx *c, const char *path, const char *name,
                     struct ini_sec *sec, struct slsh_cred_source **out)
{
  static const char *const types[] = {"access_key", "sts", "ram_role_arn",
                                      "ecs_ram_role", NULL};
  static const char *const unsupported[] = {"oidc_role_arn",
                                            "rsa_key_pair", "bearer",
                                            NULL};
  struct prof p = {c, path, name, "type", NULL, NULL, sec};
  struct slsh_cred_source *src = NULL;
  const char *id, *secret, *token = NULL, *v;
  char origin[1024];
  int t;

  t = prof_kind(&p, "type", types, unsupported, INI_TYPES, 0);
  if(t < 0)
    return -1;
  p.kind = types[t];
  snprintf(origin, sizeof(origin), "ini %s (%s) in %s", name, p.kind, path);
  if(t == 3) {
    if(prof_str(&p, "role_name", &v))
      return -1;
    src = make_ecs(c, origin, v);
  }
  else {
    if(prof_req(&p, "access_key_id", &id) ||
       prof_req(&p, "access_key_secret", &secret) ||
       (t == 1 && prof_req(&p, "security_token", &token)))
      return -1;
    src = make_static(c, origin, id, secret, token);
    if(t == 2 && src)
      src = make_role(&p, &ini_role, origin, src);
  }
  *out = src;
  return src ? 1 : -1;
}

/* Look for section `name` in one INI file: 1 found, 0 not there (noted),
 * -1 error. `var` names the variable the path came from, if any: then a
 * missing file is an error. */
static int ini_file(struct cred_ctx *c, const char *path, const char *var,
                    const char *name, struct slsh_cred_source **out)
{
  struct slsh_buf file, names;
  struct ini_sec sec = {NULL, 0, 0};
  int rc, found;

  slsh_buf_init(&file, CRED_FILE_MAX);
  slsh_buf_init(&names, 0);
  rc = file_read(path, &file, c->e);
  if(rc == 1) {
    if(var)
      rc = slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, var,
                        "%s names %s, which does not exist", var, path);
    else {
      note(c, "%s: not found", path);
      rc = 0;
    }
    goto fail;
  }
  if(rc)
    goto fail;
  rc = ini_parse(c, path, file.data, name, &sec, &names, &found);
  if(rc)
    goto fail;
  if(found)
    rc = ini_build(c, path, name, &sec, out);
  else
    note(c, "%s: no profile [%s] (profiles: %s)", path, name,
         names.len ? slsh_buf_str(&names) : "none");
fail:
  free(sec.kv);
  slsh_buf_free(&file);
  slsh_buf_free(&names);
  return rc;
}

/* The INI step: ALIBABA_CLOUD_CREDENTIALS_FILE, else credentials.ini
 * (Python, Java) then credentials (Go) under ~/.alibabacloud. */
static int ini_step(struct cred_ctx *c, const char *named,
                    struct slsh_cred_source **out)
{
  static const char *const env_file[] = {"ALIBABA_CLOUD_CREDENTIALS_FILE",
                                         NULL};
  static const char *const files[] = {"credentials.ini", "credentials",
                                      NULL};
  const char *name = named ? named : "default", *path, *var = NULL;
  char *own;
  int i, rc = 0;

  path = env_first(c, env_file, &var);
  if(path)
    return ini_file(c, path, var, name, out);
  if(!c->home) {
    note(c, "~/.alibabacloud/credentials.ini: HOME is not set");
    return 0;
  }
  for(i = 0; files[i] && rc == 0; i++) {
    own = aprintf("%s/.alibabacloud/%s", c->home, files[i]);
    if(!own)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    rc = ini_file(c, own, NULL, name, out);
    free(own);
  }
  return rc;
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

  id = env_first(c, env_id, &idv);
  secret = env_first(c, env_secret, &secv);
  if(id && secret) {
    char *origin;

    token = env_first(c, env_token, NULL);
    origin = strcmp(idv, env_id[0]) ? aprintf("env %s", idv) :
      strdup("env");
    if(!origin)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    *out = make_static(c, origin, id, secret, token);
    free(origin);
    return *out ? 1 : -1;
  }
  if(!id && !secret) {
    note(c, "env: %s not set", env_id[0]);
    return 0;
  }
  have = id ? idv : secv;
  want = id ? env_secret : env_id;
  if(!strncmp(have, "ACCESS_KEY_", 11)) {
    note(c, "env: %s set without its pair, ignored", have);
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

  if(env_first(c, arn, NULL) && env_first(c, prov, NULL) &&
     env_first(c, file, NULL))
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

  if(env_true(c, off))
    note(c, "ECS metadata: disabled (%s)", off[0]);
  else {
    ecs = make_ecs(c, "ECS instance metadata",
                   env_first(c, env_ecs_role, NULL));
    if(!ecs)
      return -1;
    ecs->implicit = 1;
  }
  v = env_first(c, env_uri, &var);
  if(v) {
    uri = src_new(c, SLSH_CRED_URI, "env %s", var);
    if(!uri || dup_into(&uri->uri, v, c->e)) {
      slsh_cred_source_free(uri);
      slsh_cred_source_free(ecs);
      return -1;
    }
    uri->implicit = 1;
  }
  else
    note(c, "credentials URI: %s not set", env_uri[0]);
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
    *out = make_static(&c, "explicit", o->access_key_id,
                       o->access_key_secret, o->security_token);
    return *out ? 0 : -1;
  }
  if(o->profile && !*o->profile)
    return slsh_err_set(e, SLSH_E_INVALID_ARGUMENT, "profile",
                        "profile must not be empty");
  c.home = env_first(&c, env_home, NULL);
  named = o->profile;
  if(!named)
    named = env_first(&c, env_profile, &named_var);
  rc = 0;
  if(!o->profile) {
    rc = env_step(&c, out);
    if(!rc)
      rc = oidc_check(&c);
  }
  if(!rc)
    rc = cli_step(&c, named, out);
  if(!rc)
    rc = ini_step(&c, named, out);
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
