/*
 * Profiles of the credential chain (see cred.h): the aliyun CLI's
 * ~/.aliyun/config.json and the SDKs' INI file, each profile checked field
 * by field and turned into a source (static keys, an AssumeRole chain,
 * ECS metadata, a credentials URI). cred.c runs the chain and calls the
 * two steps at the end of this file.
 *
 * Everything read from a file is wiped before it is freed: the file buffer
 * and the strings of the parsed JSON tree (cred_json_free) and the INI
 * lines. Error messages name files, profiles and fields, never values.
 */
#include "slsh/cred.h"
#include "slsh/buf.h"
#include "cred_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CRED_FILE_MAX ((size_t)1024 * 1024)   /* config.json, INI */
#define CRED_CHAIN_MAX 16         /* ChainableRamRoleArn hops */
#define CRED_NAMES_MAX 200        /* profile names listed in a message */
#define CRED_DURATION_DEFAULT 3600
#define CRED_DURATION_MIN 900     /* STS AssumeRole's DurationSeconds */
#define CRED_DURATION_MAX 43200

/* Where config.json is, and the switches that skip it. */
static const char *const env_config_file[] = {
  "ALIBABA_CLOUD_CONFIG_FILE", "ALICLOUD_SHARED_CREDENTIALS_FILE", NULL
};
static const char *const env_ignore_profile[] = {
  "ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_IGNORE_PROFILE",
  "ALIBABACLOUD_IGNORE_PROFILE", NULL
};

/* The modes of config.json and types of the INI file that slsh reads. */
#define CLI_MODES "AK, StsToken, RamRoleArn, ChainableRamRoleArn, " \
  "EcsRamRole, CredentialsURI, RamRoleArnWithRoleName"
#define INI_TYPES "access_key, sts, ram_role_arn, ecs_ram_role"

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
                         cred_json_typename(j));
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
                     cred_json_typename(j));
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
                     cred_json_typename(j));
  *v = json_is_true(j);
  return 0;
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
 * sts[-vpc].<region>.aliyuncs.com, else sts.aliyuncs.com. */
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
    region = cred_env_first(c, env_region, NULL);
  if(!vpc)
    vpc = cred_env_true(c, env_vpc) != NULL;
  if(!session)
    session = cred_env_first(c, env_session, NULL);
  if(endpoint)
    ep = strdup(endpoint);
  else if(region)
    ep = cred_aprintf("%s.%s.aliyuncs.com", vpc ? "sts-vpc" : "sts", region);
  else
    ep = strdup("sts.aliyuncs.com");
  sess = session ? strdup(session) : cred_aprintf("slsh-%lld", c->now);
  s = cred_src_new(c, SLSH_CRED_RAM_ROLE_ARN, "%s", origin);
  if(!s)
    goto fail;
  s->duration = duration;
  s->source = src;
  src = NULL;
  s->sts_endpoint = ep;
  s->session_name = sess;
  ep = sess = NULL;
  if(!s->sts_endpoint || !s->session_name ||
     cred_dup(&s->role_arn, arn, c->e) ||
     cred_dup(&s->external_id, ext, c->e) ||
     cred_dup(&s->policy, policy, c->e) ||
     cred_dup(&s->sts_region, region, c->e)) {
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
                 cred_json_typename(profiles));
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
    src = cred_make_static(c, origin, id, secret, token);
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
    src = cred_make_ecs(c, origin, v);
    break;
  case 5: /* CredentialsURI */
    if(prof_str(&p, "credentials_uri", &v))
      return -1;
    if(!v)
      v = cred_env_first(c, cred_env_uri, NULL);
    if(!v)
      return prof_fail(&p, "credentials_uri", "is missing");
    src = cred_src_new(c, SLSH_CRED_URI, "%s", origin);
    if(src && cred_dup(&src->uri, v, c->e)) {
      slsh_cred_source_free(src);
      src = NULL;
    }
    break;
  default: /* RamRoleArnWithRoleName: the ECS role assumes another */
    if(prof_str(&p, "ram_role_name", &v))
      return -1;
    src = cred_make_ecs(c, origin, v);
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

/* Read a credentials file: 0 read, -1 an error, 1 absent and that is
 * fine (noted; the caller goes on with the next source). A file that the
 * environment variable `var` named must exist. */
static int profile_file_read(struct cred_ctx *c, const char *path,
                             const char *var, struct slsh_buf *file)
{
  int rc = cred_file_read(path, file, c->e);

  if(rc != 1)
    return rc;
  if(var)
    return slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, var,
                        "%s names %s, which does not exist", var, path);
  cred_note(c, "%s: not found", path);
  return 1;
}

/* The config.json step: 1 found, 0 nothing (noted), -1 error. */
int cred_cli_step(struct cred_ctx *c, const char *named,
                    struct slsh_cred_source **out)
{
  const char *chain[CRED_CHAIN_MAX];
  const char *path, *var = NULL, *name = named, *off;
  struct slsh_buf file, names;
  char *own = NULL;
  json_t *root = NULL, *cur;
  int rc = -1, chosen = 0;

  off = cred_env_true(c, env_ignore_profile);
  if(off) {
    cred_note(c, "~/.aliyun/config.json: skipped (%s)", off);
    return 0;
  }
  path = cred_env_first(c, env_config_file, &var);
  if(!path) {
    if(!c->home) {
      cred_note(c, "~/.aliyun/config.json: HOME is not set");
      return 0;
    }
    path = own = cred_aprintf("%s/.aliyun/config.json", c->home);
    if(!own)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
  }
  slsh_buf_init(&file, CRED_FILE_MAX);
  slsh_buf_init(&names, 0);
  rc = profile_file_read(c, path, var, &file);
  if(rc) {
    rc = rc > 0 ? 0 : rc;  /* absent: the next source */
    goto fail;
  }
  rc = -1;
  root = cred_json_parse(path, file.data, file.len, SLSH_E_CREDENTIALS_INVALID,
                    c->e);
  if(!root)
    goto fail;
  if(!name) {
    cur = json_object_get(root, "current");
    if(cur && !json_is_null(cur) && !json_is_string(cur)) {
      slsh_err_set(c->e, SLSH_E_CREDENTIALS_INVALID, "current",
                   "%s: field 'current' must be a string, got %s", path,
                   cred_json_typename(cur));
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
      cred_note(c, "%s: no profile '%s' (profiles: %s)", path, name,
           names.len ? slsh_buf_str(&names) : "none");
  }
fail:
  cred_json_free(root);
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
    src = cred_make_ecs(c, origin, v);
  }
  else {
    if(prof_req(&p, "access_key_id", &id) ||
       prof_req(&p, "access_key_secret", &secret) ||
       (t == 1 && prof_req(&p, "security_token", &token)))
      return -1;
    src = cred_make_static(c, origin, id, secret, token);
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
  rc = profile_file_read(c, path, var, &file);
  if(rc) {
    rc = rc > 0 ? 0 : rc;  /* absent: the next source */
    goto fail;
  }
  rc = ini_parse(c, path, file.data, name, &sec, &names, &found);
  if(rc)
    goto fail;
  if(found)
    rc = ini_build(c, path, name, &sec, out);
  else
    cred_note(c, "%s: no profile [%s] (profiles: %s)", path, name,
         names.len ? slsh_buf_str(&names) : "none");
fail:
  free(sec.kv);
  slsh_buf_free(&file);
  slsh_buf_free(&names);
  return rc;
}

/* The INI step: ALIBABA_CLOUD_CREDENTIALS_FILE, else credentials.ini
 * (Python, Java) then credentials (Go) under ~/.alibabacloud. */
int cred_ini_step(struct cred_ctx *c, const char *named,
                    struct slsh_cred_source **out)
{
  static const char *const env_file[] = {"ALIBABA_CLOUD_CREDENTIALS_FILE",
                                         NULL};
  static const char *const files[] = {"credentials.ini", "credentials",
                                      NULL};
  const char *name = named ? named : "default", *path, *var = NULL;
  char *own;
  int i, rc = 0;

  path = cred_env_first(c, env_file, &var);
  if(path)
    return ini_file(c, path, var, name, out);
  if(!c->home) {
    cred_note(c, "~/.alibabacloud/credentials.ini: HOME is not set");
    return 0;
  }
  for(i = 0; files[i] && rc == 0; i++) {
    own = cred_aprintf("%s/.alibabacloud/%s", c->home, files[i]);
    if(!own)
      return slsh_err_set(c->e, SLSH_E_NOMEM, NULL, "out of memory");
    rc = ini_file(c, own, NULL, name, out);
    free(own);
  }
  return rc;
}
