/*
 * encrypt_conf validation and transition rules (encconf.h).
 *
 * The file reads top to bottom: checks of each member of a conf,
 * validation of a conf, tolerant parsing of what the service returns, the
 * transition rules, and the builders. The logstore around a conf (its
 * fields, the merges that build an UpdateLogStore body, the check of a
 * GetLogStore answer) is logstore.c; quoting values in messages is
 * msg.c.
 */
#include "slsh/encconf.h"
#include "slsh/msg.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const slsh_encconf_types[] = {
  "default", "m4", "sm4", "sm4_ecb", "sm4_cbc", "sm4_gcm",
  "aes_ecb", "aes_cbc", "aes_cfb", "aes_ofb", "aes_gcm", NULL
};

static const char *const conf_keys[] = {
  "enable", "encrypt_type", "user_cmk_info", NULL
};

static const char *const cmk_keys[] = {
  "cmk_key_id", "arn", "region_id", NULL
};

#define PERMANENT "the first encryption choice is permanent: only enable " \
  "can change (send the complete current encrypt_conf with only enable " \
  "changed)"
#define RULE_ENABLE "true or false"
#define RULE_KEY_ID "a KMS key id such as key-hzz62f1cb66fa42qo0000 or a " \
  "UUID: 1-128 letters, digits and - _ . / :"
#define RULE_ARN "acs:ram::<account id>:role/<role name>, e.g. " \
  "acs:ram::1234567890123456:role/aliyunlogdefaultrole"
#define RULE_REGION "a region id such as cn-hangzhou or ap-southeast-1: " \
  "lower-case letters, digits and '-'"
#define CMK_SHAPE "{} for the SLS service key, or {cmk_key_id, arn, " \
  "region_id} for BYOK"

const char *slsh_encconf_kind_name(enum slsh_encconf_kind kind)
{
  switch(kind) {
  case SLSH_ENCCONF_CREATE:
    return "create";
  case SLSH_ENCCONF_TOGGLE:
    return "toggle";
  case SLSH_ENCCONF_NOOP:
    return "noop";
  }
  return "noop";
}

/* The valid encrypt_type values as messages list them; kept beside
 * slsh_encconf_types (a test checks that the two agree). */
#define TYPES_TEXT "default (AES), m4, sm4, sm4_ecb, sm4_cbc, sm4_gcm, " \
  "aes_ecb, aes_cbc, aes_cfb, aes_ofb, aes_gcm"

/* Refuse an unknown key of an object at `prefix`, naming it, the valid
 * keys and the one it probably meant. */
static int unknown_key(struct slsh_err *err, enum slsh_errcode code,
                       const char *prefix, const char *key,
                       const char *const *valid)
{
  char path[128], keys[256], hint[64], k[SLSH_MSG_QUOTED];

  slsh_msg_path(path, sizeof(path), prefix, key);
  slsh_msg_list(keys, sizeof(keys), valid);
  slsh_msg_suggest(hint, sizeof(hint), key, valid);
  slsh_msg_show(k, sizeof(k), key, strlen(key));
  return slsh_err_set(err, code, path,
                      "unknown key %s in %s%s; valid keys: %s", k, prefix,
                      hint, keys);
}

/* Refuse `s` at `path` because of `why`, quoting the value and the rule. */
static int bad_value(struct slsh_err *err, const char *path, const char *s,
                     const char *why, const char *rule)
{
  char q[SLSH_MSG_QUOTED];

  slsh_msg_show(q, sizeof(q), s, strlen(s));
  return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                      "%s %s %s; expected %s", path, q, why, rule);
}

/* cmk_key_id: letters, digits and - _ . / : (KMS key ids, aliases and key
 * ARNs all fit); length is checked by check_string. */
static int check_key_id(const char *s, const char *path, struct slsh_err *err)
{
  const char *p;
  char why[64];

  for(p = s; *p; p++) {
    if((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
       (*p >= '0' && *p <= '9') || strchr("-_./:", *p))
      continue;
    snprintf(why, sizeof(why), "has the character '%c' at offset %d",
             (*p >= 0x20 && *p < 0x7f) ? *p : '?', (int)(p - s));
    return bad_value(err, path, s, why, RULE_KEY_ID);
  }
  return 0;
}

/* arn: acs:ram::<digits>:role/<name>, name 1-64 of letters, digits, '.'
 * and '-'. Each way of getting it wrong gets its own sentence. */
static int check_arn(const char *s, const char *path, struct slsh_err *err)
{
  const char *p, *q, *uid, *name;
  char why[128];

  if(strncmp(s, "acs:", 4))
    return bad_value(err, path, s, "does not start with 'acs:ram::'",
                     RULE_ARN);
  p = s + 4;
  q = strchr(p, ':');
  if(!q)
    return bad_value(err, path, s, "has no account id and role name",
                     RULE_ARN);
  if(q - p != 3 || strncmp(p, "ram", 3)) {
    snprintf(why, sizeof(why), "names the service '%.*s'; a role ARN names "
             "'ram'", (int)(q - p > 20 ? 20 : q - p), p);
    return bad_value(err, path, s, why, RULE_ARN);
  }
  p = q + 1;
  q = strchr(p, ':');
  if(!q)
    return bad_value(err, path, s, "has no account id and role name",
                     RULE_ARN);
  if(q != p)
    return bad_value(err, path, s, "has a region field; the region of a RAM "
                     "role ARN is empty", RULE_ARN);
  uid = q + 1;
  q = strchr(uid, ':');
  if(!q)
    return bad_value(err, path, s, "has no ':role/<role name>' part",
                     RULE_ARN);
  if(q == uid)
    return bad_value(err, path, s, "has no account id", RULE_ARN);
  if(q - uid > 32)
    return bad_value(err, path, s, "has an account id longer than 32 "
                     "digits", RULE_ARN);
  for(p = uid; p < q; p++)
    if(*p < '0' || *p > '9')
      return bad_value(err, path, s, "has an account id that is not all "
                       "digits (the numeric Alibaba Cloud account id)",
                       RULE_ARN);
  if(strncmp(q + 1, "role/", 5))
    return bad_value(err, path, s, "does not name a role (the resource must "
                     "be role/<role name>)", RULE_ARN);
  name = q + 6;
  if(!*name)
    return bad_value(err, path, s, "has an empty role name", RULE_ARN);
  if(strlen(name) > SLSH_ENCCONF_ROLE_MAX)
    return bad_value(err, path, s, "has a role name longer than 64 "
                     "characters", RULE_ARN);
  for(p = name; *p; p++) {
    if((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
       (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
      continue;
    snprintf(why, sizeof(why), "has the character '%c' in the role name (a "
             "role name is letters, digits, '.' and '-')",
             (*p >= 0x20 && *p < 0x7f) ? *p : '?');
    return bad_value(err, path, s, why, RULE_ARN);
  }
  return 0;
}

/* region_id: [a-z]{2,} then one or more -[a-z0-9]+ (cn-hangzhou,
 * ap-southeast-1, cn-hangzhou-finance). */
static int check_region(const char *s, const char *path, struct slsh_err *err)
{
  const char *p;
  int letters = 0, parts = 0, seg = 0;

  for(p = s; *p >= 'a' && *p <= 'z'; p++)
    letters++;
  if(letters < 2)
    return bad_value(err, path, s, "does not start with two lower-case "
                     "letters", RULE_REGION);
  for(; *p; p++) {
    if(*p == '-') {
      if(parts && !seg)
        break;
      parts++;
      seg = 0;
    }
    else if((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
      seg++;
    else
      break;
  }
  if(*p || !parts || !seg)
    return bad_value(err, path, s, "does not look like a region id",
                     RULE_REGION);
  return 0;
}

/* True when key `key` with value `v` is carried over unchanged from
 * `carry` (what the service returned), and so accepted although unknown
 * here. */
static int carried(const json_t *carry, const char *key, const json_t *v)
{
  const json_t *c;

  if(!json_is_object(carry))
    return 0;
  c = json_object_get(carry, key);
  return c && json_equal(c, v);
}

/* Validate a user_cmk_info object (present in the conf). */
static int validate_cmk(const json_t *cmk, const json_t *carry,
                        struct slsh_err *err)
{
  static const char *const rules[] = {RULE_KEY_ID, RULE_ARN, RULE_REGION};
  static const size_t max[] = {SLSH_ENCCONF_KEY_ID_MAX, SLSH_ENCCONF_ARN_MAX,
                               SLSH_ENCCONF_REGION_MAX};
  const char *prefix = "encrypt_conf.user_cmk_info";
  const char *key, *s;
  char path[128], got[SLSH_MSG_GOT];
  json_t *v;
  int i;

  if(carry && json_equal(cmk, carry))
    return 0;
  if(!json_is_object(cmk)) {
    slsh_msg_describe(got, sizeof(got), cmk);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, prefix,
                        "%s must be an object: %s; got %s", prefix,
                        CMK_SHAPE, got);
  }
  if(!json_object_size(cmk))
    return 0;
  json_object_foreach((json_t *)cmk, key, v) {
    if(!slsh_msg_in_list(key, cmk_keys) && !carried(carry, key, v))
      return unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID, prefix, key,
                         cmk_keys);
  }
  for(i = 0; cmk_keys[i]; i++) {
    snprintf(path, sizeof(path), "%s.%s", prefix, cmk_keys[i]);
    v = json_object_get(cmk, cmk_keys[i]);
    if(!v)
      return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                          "%s is required for BYOK (user_cmk_info needs "
                          "cmk_key_id, arn and region_id; use {} for the "
                          "SLS service key); expected %s", path, rules[i]);
    s = slsh_msg_string(v, path, max[i], 0, rules[i],
                        SLSH_E_ENCRYPT_CONF_INVALID, err);
    if(!s)
      return -1;
    if((i == 0 && check_key_id(s, path, err)) ||
       (i == 1 && check_arn(s, path, err)) ||
       (i == 2 && check_region(s, path, err)))
      return -1;
  }
  return 0;
}

/* Validate the encrypt_type member. */
static int validate_type(const json_t *v, const json_t *carry,
                         struct slsh_err *err)
{
  const char *path = "encrypt_conf.encrypt_type";
  char q[SLSH_MSG_QUOTED], hint[64];
  const char *s;

  if(carried(carry, "encrypt_type", v))
    return 0;
  s = slsh_msg_string(v, path, SLSH_ENCCONF_TYPE_MAX, 0,
                      "valid values: " TYPES_TEXT,
                      SLSH_E_ENCRYPT_CONF_INVALID, err);
  if(!s)
    return -1;
  if(slsh_msg_in_list(s, slsh_encconf_types))
    return 0;
  slsh_msg_show(q, sizeof(q), s, strlen(s));
  slsh_msg_suggest(hint, sizeof(hint), s, slsh_encconf_types);
  return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                      "%s %s is not a valid algorithm%s; valid values: %s",
                      path, q, hint, TYPES_TEXT);
}

/* The rules of slsh_encconf_validate; `carry` (the current conf, or NULL)
 * admits unchanged values the service returned (see encconf.h). */
static int validate_conf(const json_t *conf, const json_t *carry,
                         struct slsh_err *err)
{
  char got[SLSH_MSG_GOT];
  const json_t *en, *type, *cmk;
  const char *key;
  json_t *v;

  if(!conf)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "encrypt_conf",
                        "encrypt_conf is required");
  if(!json_is_object(carry))
    carry = NULL;
  if(!json_is_object(conf)) {
    slsh_msg_describe(got, sizeof(got), conf);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                        "encrypt_conf must be an object with enable, "
                        "encrypt_type and, for BYOK, user_cmk_info; got %s",
                        got);
  }
  json_object_foreach((json_t *)conf, key, v) {
    if(!slsh_msg_in_list(key, conf_keys) && !carried(carry, key, v))
      return unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                         key, conf_keys);
  }
  en = json_object_get(conf, "enable");
  if(!en)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                        "encrypt_conf.enable", "encrypt_conf.enable is "
                        "required: %s", RULE_ENABLE);
  if(!json_is_boolean(en)) {
    slsh_msg_describe(got, sizeof(got), en);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                        "encrypt_conf.enable", "encrypt_conf.enable must be "
                        "a boolean (%s), got %s", RULE_ENABLE, got);
  }
  type = json_object_get(conf, "encrypt_type");
  if(type) {
    if(validate_type(type, carry, err))
      return -1;
  }
  else if(json_is_true(en) &&
          !(carry && !json_object_get(carry, "encrypt_type")))
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                        "encrypt_conf.encrypt_type",
                        "encrypt_conf.encrypt_type is required when enable "
                        "is true; valid values: %s", TYPES_TEXT);
  cmk = json_object_get(conf, "user_cmk_info");
  if(cmk && validate_cmk(cmk, carry ? json_object_get(carry,
                                                      "user_cmk_info")
                         : NULL, err))
    return -1;
  return 0;
}

int slsh_encconf_validate(const json_t *conf, struct slsh_err *err)
{
  slsh_err_clear(err);
  return validate_conf(conf, NULL, err);
}

/* Copy string member `v` of a service answer into `out` (size `outsz`);
 * null or absent leave "". Refuses what cannot be read. */
static int parse_string(const json_t *v, const char *path, char *out,
                        size_t outsz, struct slsh_err *err)
{
  char got[SLSH_MSG_GOT];
  size_t n;

  out[0] = '\0';
  if(!v || json_is_null(v))
    return 0;
  if(!json_is_string(v)) {
    slsh_msg_describe(got, sizeof(got), v);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s must be a string, got %s", path, got);
  }
  n = json_string_length(v);
  if(n >= outsz)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s is %zu bytes long; at most %zu can be read",
                        path, n, outsz - 1);
  if(slsh_msg_utf8_bad_at(json_string_value(v), n) < n)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s is not valid UTF-8 text", path);
  memcpy(out, json_string_value(v), n + 1);
  return 0;
}

int slsh_encconf_parse(const json_t *conf, struct slsh_encconf *out,
                       struct slsh_err *err)
{
  char got[SLSH_MSG_GOT];
  const json_t *v, *cmk;

  slsh_err_clear(err);
  memset(out, 0, sizeof(*out));
  if(!conf || json_is_null(conf))
    return 0;
  if(!json_is_object(conf)) {
    slsh_msg_describe(got, sizeof(got), conf);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                        "encrypt_conf must be an object, got %s", got);
  }
  v = json_object_get(conf, "enable");
  if(v && !json_is_null(v)) {
    if(!json_is_boolean(v)) {
      slsh_msg_describe(got, sizeof(got), v);
      return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                          "encrypt_conf.enable", "encrypt_conf.enable must "
                          "be a boolean (%s), got %s", RULE_ENABLE, got);
    }
    out->enable_known = 1;
    out->enable = json_is_true(v);
  }
  if(parse_string(json_object_get(conf, "encrypt_type"),
                  "encrypt_conf.encrypt_type", out->encrypt_type,
                  sizeof(out->encrypt_type), err))
    return -1;
  cmk = json_object_get(conf, "user_cmk_info");
  if(cmk && !json_is_null(cmk)) {
    if(!json_is_object(cmk)) {
      slsh_msg_describe(got, sizeof(got), cmk);
      return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                          "encrypt_conf.user_cmk_info",
                          "encrypt_conf.user_cmk_info must be an object: "
                          "%s; got %s", CMK_SHAPE, got);
    }
    if(parse_string(json_object_get(cmk, "cmk_key_id"),
                    "encrypt_conf.user_cmk_info.cmk_key_id",
                    out->cmk_key_id, sizeof(out->cmk_key_id), err) ||
       parse_string(json_object_get(cmk, "arn"),
                    "encrypt_conf.user_cmk_info.arn", out->arn,
                    sizeof(out->arn), err) ||
       parse_string(json_object_get(cmk, "region_id"),
                    "encrypt_conf.user_cmk_info.region_id", out->region_id,
                    sizeof(out->region_id), err))
      return -1;
    /* An object with nothing in it (TF PR #6843) is the service key. */
    out->byok = out->cmk_key_id[0] || out->arn[0] || out->region_id[0];
  }
  /* The service refuses a first config without encrypt_type: a conf
   * that names neither an algorithm nor a key never chose one. */
  out->present = out->encrypt_type[0] || out->byok;
  return 0;
}

/* One phrase for the mechanism of a parsed conf, for refusals. */
static void mechanism_text(char *out, size_t outsz,
                           const struct slsh_encconf *c)
{
  char k[SLSH_MSG_QUOTED];

  if(!c->present)
    snprintf(out, outsz, "no encryption");
  else if(c->byok) {
    slsh_msg_show(k, sizeof(k), c->cmk_key_id, strlen(c->cmk_key_id));
    if(snprintf(out, outsz, "BYOK with CMK %s", k) < 0)
      out[0] = '\0';
  }
  else
    snprintf(out, outsz, "the SLS service key");
}

/* Refuse a change of one member of the CMK. */
static int cmk_refusal(struct slsh_err *err, const char *member,
                       const char *cur, const char *want)
{
  char path[128], a[SLSH_MSG_QUOTED], b[SLSH_MSG_QUOTED];

  snprintf(path, sizeof(path), "encrypt_conf.user_cmk_info.%s", member);
  slsh_msg_show(a, sizeof(a), cur, strlen(cur));
  slsh_msg_show(b, sizeof(b), want, strlen(want));
  return slsh_err_set(err, SLSH_E_CMK_LOCKED, path,
                      "the CMK of this logstore cannot change: %s is %s "
                      "now and %s was asked; " PERMANENT, member, a, b);
}

/* check_transition on confs already parsed; `want` is validated. */
static int transition(const struct slsh_encconf *c,
                      const struct slsh_encconf *w,
                      enum slsh_encconf_kind *kind, struct slsh_err *err)
{
  char a[128], b[128];

  if(!c->present) {
    if(!w->present) {
      *kind = SLSH_ENCCONF_NOOP;
      return 0;
    }
    if(!w->encrypt_type[0])
      return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                          "encrypt_conf.encrypt_type",
                          "a first encryption config must name "
                          "encrypt_type, since it can never change "
                          "afterwards; valid values: %s", TYPES_TEXT);
    *kind = SLSH_ENCCONF_CREATE;
    return 0;
  }
  if(c->byok != w->byok) {
    mechanism_text(a, sizeof(a), c);
    if(w->present)
      mechanism_text(b, sizeof(b), w);
    else
      snprintf(b, sizeof(b), "a conf without user_cmk_info (the SLS "
               "service key)");
    return slsh_err_set(err, SLSH_E_MECHANISM_LOCKED,
                        "encrypt_conf.user_cmk_info",
                        "the encryption mechanism cannot change: the "
                        "logstore uses %s and the request asks for %s; "
                        PERMANENT, a, b);
  }
  /* An algorithm the service did not report cannot be compared; the
   * service itself judges the one sent. */
  if(c->encrypt_type[0] && strcmp(c->encrypt_type, w->encrypt_type)) {
    slsh_msg_show(a, sizeof(a), c->encrypt_type, strlen(c->encrypt_type));
    if(w->encrypt_type[0]) {
      slsh_msg_show(b, sizeof(b), w->encrypt_type, strlen(w->encrypt_type));
      return slsh_err_set(err, SLSH_E_ENCRYPT_TYPE_LOCKED,
                          "encrypt_conf.encrypt_type",
                          "the algorithm cannot change: encrypt_type is %s "
                          "now and %s was asked; " PERMANENT, a, b);
    }
    return slsh_err_set(err, SLSH_E_ENCRYPT_TYPE_LOCKED,
                        "encrypt_conf.encrypt_type",
                        "the algorithm cannot change: encrypt_type is %s "
                        "now and the request omits it; " PERMANENT, a);
  }
  if(c->byok) {
    if(strcmp(c->cmk_key_id, w->cmk_key_id))
      return cmk_refusal(err, "cmk_key_id", c->cmk_key_id, w->cmk_key_id);
    /* RAM role names are case-insensitive. */
    if(strcasecmp(c->arn, w->arn))
      return cmk_refusal(err, "arn", c->arn, w->arn);
    if(strcmp(c->region_id, w->region_id))
      return cmk_refusal(err, "region_id", c->region_id, w->region_id);
  }
  /* An unknown `enable` is written explicitly, whatever was asked. */
  *kind = (c->enable_known && c->enable == w->enable) ?
    SLSH_ENCCONF_NOOP : SLSH_ENCCONF_TOGGLE;
  return 0;
}

int slsh_encconf_check_transition(const json_t *current,
                                  const json_t *wanted,
                                  enum slsh_encconf_kind *kind,
                                  struct slsh_err *err)
{
  struct slsh_encconf c, w;
  enum slsh_encconf_kind k = SLSH_ENCCONF_NOOP;

  slsh_err_clear(err);
  if(slsh_encconf_parse(current, &c, err))
    return -1;
  if(validate_conf(wanted, json_is_object(current) ? current : NULL, err) ||
     slsh_encconf_parse(wanted, &w, err) || transition(&c, &w, &k, err))
    return -1;
  if(kind)
    *kind = k;
  return 0;
}

json_t *slsh_encconf_with_enable(const json_t *current, int enable,
                                 struct slsh_err *err)
{
  struct slsh_encconf c;
  const char *key;
  json_t *out, *v, *copy;

  slsh_err_clear(err);
  if(!current) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "encrypt_conf",
                 "the current encrypt_conf is required");
    return NULL;
  }
  if(slsh_encconf_parse(current, &c, err))
    return NULL;
  if(!c.present) {
    slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                 "the logstore has no encryption config to enable or "
                 "disable; a first config (service key or BYOK) must be "
                 "created, and that choice is permanent");
    return NULL;
  }
  out = json_object();
  if(!out || json_object_set_new(out, "enable", json_boolean(enable)))
    goto nomem;
  json_object_foreach((json_t *)current, key, v) {
    if(!strcmp(key, "enable") || json_is_null(v) ||
       (!strcmp(key, "user_cmk_info") && !c.byok))
      continue;
    copy = json_deep_copy(v);
    if(!copy || json_object_set_new(out, key, copy))
      goto nomem;
  }
  if(slsh_encconf_check_transition(current, out, NULL, err)) {
    json_decref(out);
    return NULL;
  }
  return out;
nomem:
  json_decref(out);
  slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  return NULL;
}

/* The end of every conf builder: a conf built with `bad` set ran out of
 * memory; else it must pass the rules like any conf sent. Takes `conf`. */
static json_t *built_conf(json_t *conf, int bad, struct slsh_err *err)
{
  if(bad) {
    json_decref(conf);
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  if(validate_conf(conf, NULL, err)) {
    json_decref(conf);
    return NULL;
  }
  return conf;
}

/* A new conf {enable: true, encrypt_type, user_cmk_info?}, validated.
 * Strings go in unchecked so that the validator, not jansson, explains
 * what is wrong with them. */
static json_t *build_conf(const char *type, const char *const *cmk,
                          struct slsh_err *err)
{
  json_t *conf = json_object(), *info = NULL;
  int i, bad = !conf;

  bad = bad || json_object_set_new(conf, "enable", json_true()) ||
    json_object_set_new(conf, "encrypt_type",
                        json_stringn_nocheck(type ? type : "default",
                                             strlen(type ? type
                                                    : "default")));
  if(cmk && !bad) {
    info = json_object();
    bad = !info || json_object_set(conf, "user_cmk_info", info);
    for(i = 0; cmk_keys[i] && !bad; i++)
      bad = json_object_set_new(info, cmk_keys[i],
                                json_stringn_nocheck(cmk[i],
                                                     strlen(cmk[i])));
    json_decref(info);
  }
  return built_conf(conf, bad, err);
}

json_t *slsh_encconf_byok(const char *cmk_key_id, const char *arn,
                          const char *region_id, const char *encrypt_type,
                          struct slsh_err *err)
{
  const char *cmk[3];
  int i;

  slsh_err_clear(err);
  cmk[0] = cmk_key_id;
  cmk[1] = arn;
  cmk[2] = region_id;
  for(i = 0; i < 3; i++)
    if(!cmk[i]) {
      slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, cmk_keys[i],
                   "%s is required for BYOK (cmk_key_id, arn and "
                   "region_id)", cmk_keys[i]);
      return NULL;
    }
  return build_conf(encrypt_type, cmk, err);
}

json_t *slsh_encconf_service_key(const char *encrypt_type,
                                 struct slsh_err *err)
{
  slsh_err_clear(err);
  return build_conf(encrypt_type, NULL, err);
}

/* Copy member `from` of `src` to `to` of `dst` when present; 0 or -1. */
static int rename_member(json_t *dst, const char *to, const json_t *src,
                         const char *from)
{
  json_t *v = json_object_get(src, from);

  return v ? json_object_set_new(dst, to, json_deep_copy(v)) : 0;
}

json_t *slsh_encconf_to_api(const json_t *conf, struct slsh_err *err)
{
  json_t *out, *info = NULL;
  const json_t *cmk;
  int bad;

  if(slsh_encconf_validate(conf, err))
    return NULL;
  out = json_object();
  bad = !out || rename_member(out, "enable", conf, "enable") ||
    rename_member(out, "encryptType", conf, "encrypt_type");
  cmk = json_object_get(conf, "user_cmk_info");
  if(!bad && json_object_size(cmk)) {
    info = json_object();
    bad = !info || rename_member(info, "keyId", cmk, "cmk_key_id") ||
      rename_member(info, "roleArn", cmk, "arn") ||
      rename_member(info, "regionId", cmk, "region_id") ||
      json_object_set(out, "userCmkInfo", info);
    json_decref(info);
  }
  if(bad) {
    json_decref(out);
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  return out;
}

json_t *slsh_encconf_from_api(const json_t *api, struct slsh_err *err)
{
  static const char *const api_keys[] = {
    "enable", "encryptType", "userCmkInfo", NULL
  };
  static const char *const api_cmk_keys[] = {
    "keyId", "roleArn", "regionId", NULL
  };
  char got[SLSH_MSG_GOT];
  const json_t *cmk;
  json_t *out = NULL, *info = NULL, *v;
  const char *key;
  int bad;

  slsh_err_clear(err);
  if(!json_is_object(api)) {
    if(api)
      slsh_msg_describe(got, sizeof(got), api);
    slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encryption",
                 "the encryption config must be an object {enable, "
                 "encryptType, userCmkInfo}, got %s", api ? got : "nothing");
    return NULL;
  }
  json_object_foreach((json_t *)api, key, v) {
    if(!slsh_msg_in_list(key, api_keys)) {
      unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID, "encryption", key,
                  api_keys);
      return NULL;
    }
  }
  cmk = json_object_get(api, "userCmkInfo");
  if(json_is_object(cmk)) {
    json_object_foreach((json_t *)cmk, key, v) {
      if(!slsh_msg_in_list(key, api_cmk_keys)) {
        unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID,
                    "encryption.userCmkInfo", key, api_cmk_keys);
        return NULL;
      }
    }
  }
  out = json_object();
  bad = !out || rename_member(out, "enable", api, "enable") ||
    rename_member(out, "encrypt_type", api, "encryptType");
  if(!bad && json_is_object(cmk)) {
    info = json_object();
    bad = !info || rename_member(info, "cmk_key_id", cmk, "keyId") ||
      rename_member(info, "arn", cmk, "roleArn") ||
      rename_member(info, "region_id", cmk, "regionId") ||
      json_object_set(out, "user_cmk_info", info);
    json_decref(info);
  }
  else if(!bad && cmk)
    bad = rename_member(out, "user_cmk_info", api, "userCmkInfo");
  return built_conf(out, bad, err);
}
