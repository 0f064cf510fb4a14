/*
 * encrypt_conf validation, transition rules and logstore merges
 * (encconf.h; DESIGN §2.4 and §4; spec sls-api §6 and §7).
 *
 * The file reads top to bottom: rendering helpers for messages, string
 * checks, validation of a conf, tolerant parsing of what the service
 * returns, the transition rules, and the merges that build a complete
 * UpdateLogStore body.
 */
#include "slsh/encconf.h"

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

/* Logstore keys the service sets itself; never sent back (DESIGN §4). */
static const char *const readonly_keys[] = {
  "createTime", "lastModifyTime", "productType", NULL
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

/* Longest string accepted in a logstore field we check (mode, ...). */
#define LS_STRING_MAX 256
/* How much of a value an error message quotes (a whole usual ARN). */
#define SHOW_MAX 96

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

/* Length of the valid UTF-8 sequence at `s` (at most `n` bytes available),
 * or 0 when the bytes there are not one: overlong forms, surrogates and
 * code points above U+10FFFF are refused, as are NUL bytes. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len, i;
  unsigned long cp;

  if(c == 0)
    return 0;
  if(c < 0x80)
    return 1;
  if(c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  }
  else if(c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  }
  else if(c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  }
  else
    return 0;
  if(n < len)
    return 0;
  for(i = 1; i < len; i++) {
    if((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
     (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  return len;
}

/* Offset of the first byte that breaks UTF-8 (or is NUL), or `n`. */
static size_t utf8_bad_at(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, k;

  while(i < n) {
    k = utf8_seq(p + i, n - i);
    if(!k)
      return i;
    i += k;
  }
  return n;
}

/* Render `s` for a message: quoted, at most SHOW_MAX bytes, control
 * characters and bytes that are not UTF-8 as \xNN, so that a hostile
 * value can neither break the line nor make it unreadable. */
static void show(char *out, size_t outsz, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, o = 0, k;

  if(outsz < 8) {
    if(outsz)
      out[0] = '\0';
    return;
  }
  out[o++] = '\'';
  while(i < n && i < SHOW_MAX && o + 8 < outsz) {
    k = utf8_seq(p + i, n - i);
    if(k > 1 && o + k + 4 < outsz) {
      memcpy(out + o, p + i, k);
      o += k;
      i += k;
    }
    else if(k == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\'' &&
            p[i] != '\\')
      out[o++] = (char)p[i++];
    else {
      o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", p[i++]);
    }
  }
  if(i < n && o + 4 < outsz) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o++] = '\'';
  out[o] = '\0';
}

/* Render a JSON value for "got ..." in a message. */
static void describe(char *out, size_t outsz, const json_t *v)
{
  char q[SHOW_MAX * 4 + 16];

  switch(json_typeof(v)) {
  case JSON_OBJECT:
    snprintf(out, outsz, "an object");
    break;
  case JSON_ARRAY:
    snprintf(out, outsz, "an array");
    break;
  case JSON_STRING:
    show(q, sizeof(q), json_string_value(v), json_string_length(v));
    snprintf(out, outsz, "the string %s", q);
    break;
  case JSON_INTEGER:
    snprintf(out, outsz, "the integer %" JSON_INTEGER_FORMAT,
             json_integer_value(v));
    break;
  case JSON_REAL:
    snprintf(out, outsz, "the number %g", json_real_value(v));
    break;
  case JSON_TRUE:
  case JSON_FALSE:
    snprintf(out, outsz, "a boolean");
    break;
  case JSON_NULL:
  default:
    snprintf(out, outsz, "null");
    break;
  }
}

/* The valid encrypt_type values as messages list them; kept beside
 * slsh_encconf_types (a test checks that the two agree). */
#define TYPES_TEXT "default (AES), m4, sm4, sm4_ecb, sm4_cbc, sm4_gcm, " \
  "aes_ecb, aes_cbc, aes_cfb, aes_ofb, aes_gcm"

/* "a, b, c" of a NULL-terminated list, into `out`. */
static void list_text(char *out, size_t outsz, const char *const *list)
{
  size_t o = 0;
  int i;

  out[0] = '\0';
  for(i = 0; list[i] && o < outsz; i++)
    o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? ", " : "",
                          list[i]);
}

/* Levenshtein distance of two short strings, case-insensitive, capped at
 * 9; used only to suggest the name a typo meant. */
static int distance(const char *a, const char *b)
{
  int row[40], i, j, la = (int)strlen(a), lb = (int)strlen(b);

  if(la > 38 || lb > 38)
    return 9;
  for(j = 0; j <= lb; j++)
    row[j] = j;
  for(i = 1; i <= la; i++) {
    int diag = row[0], tmp;

    row[0] = i;
    for(j = 1; j <= lb; j++) {
      int ca = a[i - 1], cb = b[j - 1];
      int cost, best;

      if(ca >= 'A' && ca <= 'Z')
        ca += 'a' - 'A';
      if(cb >= 'A' && cb <= 'Z')
        cb += 'a' - 'A';
      if(ca == '-')
        ca = '_';
      if(cb == '-')
        cb = '_';
      cost = ca == cb ? 0 : 1;
      tmp = row[j];
      best = diag + cost;
      if(row[j] + 1 < best)
        best = row[j] + 1;
      if(row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = tmp;
    }
  }
  return row[lb] > 9 ? 9 : row[lb];
}

/* " (did you mean 'x'?)" when `s` is within two edits of a list entry,
 * else "". */
static void suggest(char *out, size_t outsz, const char *s,
                    const char *const *list)
{
  int i, best = 3, at = -1;

  out[0] = '\0';
  for(i = 0; list[i]; i++) {
    int d = distance(s, list[i]);

    if(d < best) {
      best = d;
      at = i;
    }
  }
  if(at >= 0)
    snprintf(out, outsz, " (did you mean '%s'?)", list[at]);
}

static int in_list(const char *s, const char *const *list)
{
  int i;

  for(i = 0; list[i]; i++)
    if(!strcmp(s, list[i]))
      return 1;
  return 0;
}

/* True when `s` can go into a field path as it is: short UTF-8 text
 * without control characters, quotes or backslashes. */
static int plain_key(const char *s)
{
  size_t n = strlen(s), i;

  if(n > SHOW_MAX || utf8_bad_at(s, n) < n)
    return 0;
  for(i = 0; i < n; i++)
    if((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\'' ||
       s[i] == '\\')
      return 0;
  return 1;
}

/* Join `prefix` (NULL for none) and a key into a dotted field path; a key
 * that is not plain text is shown quoted and escaped (it may be any bytes
 * the caller put there). */
static void join_path(char *out, size_t outsz, const char *prefix,
                      const char *key)
{
  char k[SHOW_MAX * 4 + 16];

  if(plain_key(key))
    snprintf(k, sizeof(k), "%s", key);
  else
    show(k, sizeof(k), key, strlen(key));
  /* A long key is cut short in the path; the message quotes it. */
  if(snprintf(out, outsz, "%s%s%s", prefix ? prefix : "",
              prefix ? "." : "", k) < 0)
    out[0] = '\0';
}

/* Refuse an unknown key of an object at `prefix`, naming it, the valid
 * keys and the one it probably meant. */
static int unknown_key(struct slsh_err *err, enum slsh_errcode code,
                       const char *prefix, const char *key,
                       const char *const *valid)
{
  char path[128], keys[256], hint[64], k[SHOW_MAX * 4 + 16];

  join_path(path, sizeof(path), prefix, key);
  list_text(keys, sizeof(keys), valid);
  suggest(hint, sizeof(hint), key, valid);
  show(k, sizeof(k), key, strlen(key));
  return slsh_err_set(err, code, path,
                      "unknown key %s in %s%s; valid keys: %s", k, prefix,
                      hint, keys);
}

/* Check that `v` is a string of at most `max` bytes (at least one unless
 * `allow_empty`), valid UTF-8 without NUL. `rule` says what is expected.
 * Returns the string, or NULL with err set (code `code`). */
static const char *check_string(const json_t *v, const char *path,
                                size_t max, int allow_empty,
                                const char *rule, enum slsh_errcode code,
                                struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32];
  const char *s;
  size_t n, bad;

  if(!json_is_string(v)) {
    describe(got, sizeof(got), v);
    slsh_err_set(err, code, path, "%s must be a string (%s), got %s", path,
                 rule, got);
    return NULL;
  }
  s = json_string_value(v);
  n = json_string_length(v);
  if(!n && !allow_empty) {
    slsh_err_set(err, code, path, "%s must not be empty (%s)", path, rule);
    return NULL;
  }
  if(n > max) {
    slsh_err_set(err, code, path,
                 "%s is %zu bytes long; at most %zu are allowed (%s)", path,
                 n, max, rule);
    return NULL;
  }
  bad = utf8_bad_at(s, n);
  if(bad < n && !s[bad]) {
    slsh_err_set(err, code, path, "%s contains a NUL byte at offset %zu "
                 "(%s)", path, bad, rule);
    return NULL;
  }
  if(bad < n) {
    slsh_err_set(err, code, path,
                 "%s is not valid UTF-8 text (bad byte 0x%02X at offset "
                 "%zu) (%s)", path, (unsigned char)s[bad], bad, rule);
    return NULL;
  }
  return s;
}

/* Refuse `s` at `path` because of `why`, quoting the value and the rule. */
static int bad_value(struct slsh_err *err, const char *path, const char *s,
                     const char *why, const char *rule)
{
  char q[SHOW_MAX * 4 + 16];

  show(q, sizeof(q), s, strlen(s));
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
  char path[128], got[SHOW_MAX * 4 + 32];
  json_t *v;
  int i;

  if(carry && json_equal(cmk, carry))
    return 0;
  if(!json_is_object(cmk)) {
    describe(got, sizeof(got), cmk);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, prefix,
                        "%s must be an object: %s; got %s", prefix,
                        CMK_SHAPE, got);
  }
  if(!json_object_size(cmk))
    return 0;
  json_object_foreach((json_t *)cmk, key, v) {
    if(!in_list(key, cmk_keys) && !carried(carry, key, v))
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
    s = check_string(v, path, max[i], 0, rules[i],
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
  char q[SHOW_MAX * 4 + 16], hint[64];
  const char *s;

  if(carried(carry, "encrypt_type", v))
    return 0;
  s = check_string(v, path, SLSH_ENCCONF_TYPE_MAX, 0,
                   "valid values: " TYPES_TEXT,
                   SLSH_E_ENCRYPT_CONF_INVALID, err);
  if(!s)
    return -1;
  if(in_list(s, slsh_encconf_types))
    return 0;
  show(q, sizeof(q), s, strlen(s));
  suggest(hint, sizeof(hint), s, slsh_encconf_types);
  return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                      "%s %s is not a valid algorithm%s; valid values: %s",
                      path, q, hint, TYPES_TEXT);
}

/* The rules of slsh_encconf_validate; `carry` (the current conf, or NULL)
 * admits unchanged values the service returned (see encconf.h). */
static int validate_conf(const json_t *conf, const json_t *carry,
                         struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32];
  const json_t *en, *type, *cmk;
  const char *key;
  json_t *v;

  if(!conf)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "encrypt_conf",
                        "encrypt_conf is required");
  if(!json_is_object(carry))
    carry = NULL;
  if(!json_is_object(conf)) {
    describe(got, sizeof(got), conf);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                        "encrypt_conf must be an object with enable, "
                        "encrypt_type and, for BYOK, user_cmk_info; got %s",
                        got);
  }
  json_object_foreach((json_t *)conf, key, v) {
    if(!in_list(key, conf_keys) && !carried(carry, key, v))
      return unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                         key, conf_keys);
  }
  en = json_object_get(conf, "enable");
  if(!en)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID,
                        "encrypt_conf.enable", "encrypt_conf.enable is "
                        "required: %s", RULE_ENABLE);
  if(!json_is_boolean(en)) {
    describe(got, sizeof(got), en);
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
  char got[SHOW_MAX * 4 + 32];
  size_t n;

  out[0] = '\0';
  if(!v || json_is_null(v))
    return 0;
  if(!json_is_string(v)) {
    describe(got, sizeof(got), v);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s must be a string, got %s", path, got);
  }
  n = json_string_length(v);
  if(n >= outsz)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s is %zu bytes long; at most %zu can be read",
                        path, n, outsz - 1);
  if(utf8_bad_at(json_string_value(v), n) < n)
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, path,
                        "%s is not valid UTF-8 text", path);
  memcpy(out, json_string_value(v), n + 1);
  return 0;
}

int slsh_encconf_parse(const json_t *conf, struct slsh_encconf *out,
                       struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32];
  const json_t *v, *cmk;

  slsh_err_clear(err);
  memset(out, 0, sizeof(*out));
  if(!conf || json_is_null(conf))
    return 0;
  if(!json_is_object(conf)) {
    describe(got, sizeof(got), conf);
    return slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf",
                        "encrypt_conf must be an object, got %s", got);
  }
  v = json_object_get(conf, "enable");
  if(v && !json_is_null(v)) {
    if(!json_is_boolean(v)) {
      describe(got, sizeof(got), v);
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
      describe(got, sizeof(got), cmk);
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
  /* Creating a config needs encrypt_type (spec sls-api §7.3): a conf
   * that names neither an algorithm nor a key never chose one. */
  out->present = out->encrypt_type[0] || out->byok;
  return 0;
}

/* One phrase for the mechanism of a parsed conf, for refusals. */
static void mechanism_text(char *out, size_t outsz,
                           const struct slsh_encconf *c)
{
  char k[SHOW_MAX * 4 + 16];

  if(!c->present)
    snprintf(out, outsz, "no encryption");
  else if(c->byok) {
    show(k, sizeof(k), c->cmk_key_id, strlen(c->cmk_key_id));
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
  char path[128], a[SHOW_MAX * 4 + 16], b[SHOW_MAX * 4 + 16];

  snprintf(path, sizeof(path), "encrypt_conf.user_cmk_info.%s", member);
  show(a, sizeof(a), cur, strlen(cur));
  show(b, sizeof(b), want, strlen(want));
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
    show(a, sizeof(a), c->encrypt_type, strlen(c->encrypt_type));
    if(w->encrypt_type[0]) {
      show(b, sizeof(b), w->encrypt_type, strlen(w->encrypt_type));
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
    /* RAM role names are case-insensitive (spec openapi-rpc §7). */
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

/* A copy of a resourceQuota value without storage.used (read-only).
 * Sets *emptied when taking `used` out left storage, and then the whole
 * value, empty: such a value is left out of the body. */
static json_t *quota_copy(const json_t *v, int *emptied)
{
  json_t *c = json_deep_copy(v), *st;

  *emptied = 0;
  if(!c)
    return NULL;
  st = json_object_get(c, "storage");
  if(json_is_object(st) && json_object_get(st, "used")) {
    json_object_del(st, "used");
    if(!json_object_size(st)) {
      json_object_del(c, "storage");
      *emptied = !json_object_size(c);
    }
  }
  return c;
}

/* A copy of one logstore value for a body, or NULL on no memory; *skip
 * is set when the value is to be left out. */
static json_t *body_value(const char *key, json_t *v, int *skip)
{
  *skip = 0;
  if(!strcmp(key, "resourceQuota"))
    return quota_copy(v, skip);
  return json_deep_copy(v);
}

/* The UpdateLogStore body: `logstore` minus read-only keys, with each key
 * of `over` (new values, owned by `over`) replacing the current value in
 * place or, when new, appended in the order of `over`. */
static json_t *build_body(const json_t *logstore, json_t *over,
                          struct slsh_err *err)
{
  json_t *body = json_object(), *v, *o, *copy;
  const char *key;
  int skip;

  if(!body)
    goto nomem;
  json_object_foreach((json_t *)logstore, key, v) {
    if(in_list(key, readonly_keys))
      continue;
    o = json_object_get(over, key);
    copy = body_value(key, o ? o : v, &skip);
    if(!copy)
      goto nomem;
    if(skip) {
      json_decref(copy);
      continue;
    }
    if(json_object_set_new(body, key, copy))
      goto nomem;
  }
  json_object_foreach(over, key, v) {
    if(json_object_get(logstore, key) || in_list(key, readonly_keys))
      continue;
    copy = body_value(key, v, &skip);
    if(!copy)
      goto nomem;
    if(skip) {
      json_decref(copy);
      continue;
    }
    if(json_object_set_new(body, key, copy))
      goto nomem;
  }
  return body;
nomem:
  json_decref(body);
  slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  return NULL;
}

/* Refuse a logstore that is not an object. */
static int check_logstore(const json_t *logstore, struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32];

  if(!logstore)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "logstore",
                        "the logstore (a GetLogStore answer) is required");
  if(!json_is_object(logstore)) {
    describe(got, sizeof(got), logstore);
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "logstore",
                        "the logstore must be an object (a GetLogStore "
                        "answer), got %s", got);
  }
  return 0;
}

int slsh_encconf_merge(const json_t *logstore, const json_t *conf,
                       json_t **body, struct slsh_err *err)
{
  json_t *over = NULL, *copy;

  slsh_err_clear(err);
  *body = NULL;
  if(check_logstore(logstore, err) ||
     slsh_encconf_check_transition(json_object_get(logstore, "encrypt_conf"),
                                   conf, NULL, err))
    return -1;
  over = json_object();
  copy = json_deep_copy(conf);
  if(!over || !copy || json_object_set_new(over, "encrypt_conf", copy)) {
    json_decref(over);
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  }
  *body = build_body(logstore, over, err);
  json_decref(over);
  return *body ? 0 : -1;
}

/* What merge_changes knows about a logstore field (spec sls-api §6). */
enum ls_type { LS_STRING, LS_BOOL, LS_INT, LS_OBJECT };

#define LS_READONLY 0x01u   /* set by the service, never sent */
#define LS_FIXED 0x02u      /* cannot change through UpdateLogStore */
#define LS_RETENTION 0x04u  /* never lowered unless allowed */
#define LS_MODE 0x08u       /* changes only with ALLOW_MODE_CHANGE */
#define LS_TELEMETRY 0x10u  /* changes only with ALLOW_TELEMETRY_CHANGE */
#define LS_ENCCONF 0x20u    /* goes through the transition check */

static const struct ls_field {
  const char *name;
  enum ls_type type;
  json_int_t min, max;      /* LS_INT only */
  unsigned flags;
  const char *rule;         /* what a valid value is, for messages */
} ls_fields[] = {
  {"logstoreName", LS_STRING, 0, 0, LS_FIXED,
   "the logstore's name; a logstore cannot be renamed"},
  {"ttl", LS_INT, 1, 3650, LS_RETENTION,
   "an integer number of days, 1-3650 (3650 = permanent)"},
  {"shardCount", LS_INT, 1, 1000000, LS_FIXED,
   "changed only by SplitShard and MergeShards, never by UpdateLogStore"},
  {"enable_tracking", LS_BOOL, 0, 0, 0, "true or false"},
  {"autoSplit", LS_BOOL, 0, 0, 0, "true or false"},
  {"maxSplitShard", LS_INT, 0, 256, 0,
   "an integer 0-256, at least 1 when autoSplit is true"},
  {"appendMeta", LS_BOOL, 0, 0, 0, "true or false"},
  {"telemetryType", LS_STRING, 0, 0, LS_TELEMETRY,
   "\"\" (logs) or \"Metrics\"; fixed when the logstore is created"},
  {"hot_ttl", LS_INT, 0, 3650, LS_RETENTION,
   "an integer number of days in the hot tier, 0 = all hot, less than ttl"},
  {"infrequentAccessTTL", LS_INT, 0, 3650, LS_RETENTION,
   "an integer number of days in the infrequent-access tier, 0-3650"},
  {"mode", LS_STRING, 0, 0, LS_MODE, "\"standard\" or \"query\""},
  {"encrypt_conf", LS_OBJECT, 0, 0, LS_ENCCONF, "an encrypt_conf object"},
  {"enableModify", LS_BOOL, 0, 0, 0, "true or false"},
  {"productType", LS_STRING, 0, 0, LS_READONLY, "set by the service"},
  {"createTime", LS_INT, 0, 0, LS_READONLY, "set by the service"},
  {"lastModifyTime", LS_INT, 0, 0, LS_READONLY, "set by the service"},
  {"resourceQuota", LS_OBJECT, 0, 0, 0,
   "an object {\"storage\":{\"preserved\":<int>}}"},
  {"processorId", LS_STRING, 0, 0, 0, "a string"},
  {"shardingPolicy", LS_OBJECT, 0, 0, 0, "an object"},
  {"resourceGroupId", LS_STRING, 0, 0, 0, "a string"},
  {NULL, LS_STRING, 0, 0, 0, NULL}
};

static const struct ls_field *ls_field(const char *name)
{
  int i;

  for(i = 0; ls_fields[i].name; i++)
    if(!strcmp(ls_fields[i].name, name))
      return &ls_fields[i];
  return NULL;
}

/* Refuse a logstore key unknown here and absent from the logstore. */
static int unknown_field(const char *key, struct slsh_err *err)
{
  const char *names[sizeof(ls_fields) / sizeof(ls_fields[0])];
  char q[SHOW_MAX * 4 + 16], hint[64], path[128];
  int i;

  for(i = 0; ls_fields[i].name; i++)
    names[i] = ls_fields[i].name;
  names[i] = NULL;
  show(q, sizeof(q), key, strlen(key));
  suggest(hint, sizeof(hint), key, names);
  join_path(path, sizeof(path), NULL, key);
  return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, path,
                      "unknown logstore field %s%s: it is neither a known "
                      "field nor in the current logstore, and would do "
                      "nothing; see the UpdateLogStore fields",
                      q, hint);
}

/* Check the type and range of a changed known field. */
static int check_field_type(const struct ls_field *f, const json_t *v,
                            struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32];
  const char *what;

  switch(f->type) {
  case LS_STRING:
    return check_string(v, f->name, LS_STRING_MAX, 1, f->rule,
                        SLSH_E_LOGSTORE_INVALID, err) ? 0 : -1;
  case LS_BOOL:
    if(json_is_boolean(v))
      return 0;
    what = "a boolean";
    break;
  case LS_INT:
    if(json_is_integer(v)) {
      json_int_t n = json_integer_value(v);

      if(n >= f->min && n <= f->max)
        return 0;
      return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, f->name,
                          "%s is %" JSON_INTEGER_FORMAT ", out of range; "
                          "expected %s", f->name, n, f->rule);
    }
    what = "an integer";
    break;
  case LS_OBJECT:
  default:
    if(json_is_object(v))
      return 0;
    what = "an object";
    break;
  }
  describe(got, sizeof(got), v);
  return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, f->name,
                      "%s must be %s (%s), got %s", f->name, what, f->rule,
                      got);
}

/* True when the changed value `v` of `name` differs from `cur`. An absent
 * mode or telemetryType is the service default. */
static int differs(const char *name, const json_t *cur, const json_t *v)
{
  const char *s;

  if(cur)
    return !json_equal(cur, v);
  s = json_string_value(v);
  if(!s)
    return 1;
  return !((!strcmp(name, "mode") && !strcmp(s, "standard")) ||
           (!strcmp(name, "telemetryType") && !*s));
}

/* Refuse a changed field that cannot change. */
static int locked_field(const struct ls_field *f, const json_t *cur,
                        const json_t *v, const char *how,
                        struct slsh_err *err)
{
  char a[SHOW_MAX * 4 + 32], b[SHOW_MAX * 4 + 32];

  if(cur)
    describe(a, sizeof(a), cur);
  else
    snprintf(a, sizeof(a), "absent");
  describe(b, sizeof(b), v);
  return slsh_err_set(err, SLSH_E_FIELD_LOCKED, f->name,
                      "%s cannot change%s: it is %s now and %s was asked "
                      "(%s)", f->name, how, a, b, f->rule);
}

/* The integer of member `name` of the change or else of the logstore;
 * returns 1 when it is an integer, 0 when absent, -1 when something
 * else. */
static int int_of(const json_t *changes, const json_t *logstore,
                  const char *name, json_int_t *out)
{
  const json_t *v = json_object_get(changes, name);

  if(!v)
    v = json_object_get(logstore, name);
  if(!v)
    return 0;
  if(!json_is_integer(v))
    return -1;
  *out = json_integer_value(v);
  return 1;
}

/* Refuse a lower retention value `name` (old -> new). */
static int shortened(const char *name, json_int_t old, json_int_t new_,
                     const char *what, struct slsh_err *err)
{
  return slsh_err_set(err, SLSH_E_RETENTION, name,
                      "%s would go down from %" JSON_INTEGER_FORMAT " to %"
                      JSON_INTEGER_FORMAT " days, %s; refused unless "
                      "shorter retention is explicitly allowed", name, old,
                      new_, what);
}

/* The retention guards and the cross-field rules, after every changed
 * field passed its own checks. */
static int check_retention(const json_t *logstore, const json_t *changes,
                           unsigned flags, struct slsh_err *err)
{
  int allow = (flags & SLSH_ENCCONF_ALLOW_SHORTER_RETENTION) != 0;
  json_int_t cur = 0, new_ = 0, ttl_old = 0, ttl_new = 0, hot_old = 0, hot_new = 0;
  int has_ttl_old, has_ttl_new, split;
  const json_t *v;

  has_ttl_old = int_of(NULL, logstore, "ttl", &ttl_old);
  has_ttl_new = int_of(changes, logstore, "ttl", &ttl_new);
  if(json_object_get(changes, "ttl") && !allow) {
    if(has_ttl_old < 0)
      return slsh_err_set(err, SLSH_E_RETENTION, "ttl",
                          "the current ttl is not an integer, so it cannot "
                          "be checked that the change keeps retention; "
                          "refused unless shorter retention is explicitly "
                          "allowed");
    if(has_ttl_old > 0 && ttl_new < ttl_old)
      return shortened("ttl", ttl_old, ttl_new, "and data older than the "
                       "new ttl is deleted within about an hour", err);
  }
  /* hot_ttl 0 or absent keeps everything hot for the whole ttl. */
  if(json_object_get(changes, "hot_ttl") && !allow && has_ttl_old > 0) {
    int h = int_of(NULL, logstore, "hot_ttl", &hot_old);

    if(h < 0)
      return slsh_err_set(err, SLSH_E_RETENTION, "hot_ttl",
                          "the current hot_ttl is not an integer, so it "
                          "cannot be checked that the change keeps "
                          "retention; refused unless shorter retention is "
                          "explicitly allowed");
    int_of(changes, logstore, "hot_ttl", &hot_new);
    cur = (h == 0 || hot_old == 0) ? ttl_old : hot_old;
    new_ = hot_new == 0 ? (has_ttl_new > 0 ? ttl_new : ttl_old) : hot_new;
    if(new_ < cur)
      return shortened("hot_ttl", cur, new_, "and data leaves the hot tier "
                       "sooner (0 or absent counts as the whole ttl)", err);
  }
  if(json_object_get(changes, "infrequentAccessTTL") && !allow &&
     int_of(NULL, logstore, "infrequentAccessTTL", &cur) > 0) {
    int_of(changes, logstore, "infrequentAccessTTL", &new_);
    if(new_ < cur)
      return shortened("infrequentAccessTTL", cur, new_, "and data leaves "
                       "the infrequent-access tier sooner", err);
  }
  if((json_object_get(changes, "ttl") || json_object_get(changes, "hot_ttl"))
     && has_ttl_new > 0 && int_of(changes, logstore, "hot_ttl", &hot_new) > 0
     && hot_new > 0 && hot_new >= ttl_new)
    return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, "hot_ttl",
                        "hot_ttl (%" JSON_INTEGER_FORMAT ") must be less "
                        "than ttl (%" JSON_INTEGER_FORMAT "), or 0 to keep "
                        "all data hot", hot_new, ttl_new);
  if(json_object_get(changes, "autoSplit") ||
     json_object_get(changes, "maxSplitShard")) {
    v = json_object_get(changes, "autoSplit");
    split = json_is_true(v ? v : json_object_get(logstore, "autoSplit"));
    if(split && (int_of(changes, logstore, "maxSplitShard", &new_) <= 0 ||
                 new_ < 1))
      return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, "maxSplitShard",
                          "maxSplitShard must be an integer 1-256 when "
                          "autoSplit is true");
  }
  return 0;
}

int slsh_encconf_merge_changes(const json_t *logstore, const json_t *changes,
                               unsigned flags, json_t **body,
                               struct slsh_err *err)
{
  char got[SHOW_MAX * 4 + 32], path[128];
  const struct ls_field *f;
  const json_t *cur;
  json_t *over = NULL, *v, *copy;
  const char *key;

  slsh_err_clear(err);
  *body = NULL;
  if(check_logstore(logstore, err))
    return -1;
  if(!json_is_object(changes)) {
    if(changes)
      describe(got, sizeof(got), changes);
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "changes",
                        "the changes must be an object of logstore fields, "
                        "got %s", changes ? got : "nothing");
  }
  json_object_foreach((json_t *)changes, key, v) {
    cur = json_object_get(logstore, key);
    f = ls_field(key);
    if(json_is_null(v)) {
      join_path(path, sizeof(path), NULL, key);
      return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, path,
                          "%s is null: a field cannot be removed, since "
                          "UpdateLogStore would reset it to its default",
                          path);
    }
    if(!f) {
      if(!cur)
        return unknown_field(key, err);
      continue;
    }
    if((f->flags & LS_READONLY)) {
      if(cur && json_equal(cur, v))
        continue;
      return locked_field(f, cur, v, " (it is read-only and never sent)",
                          err);
    }
    if((f->flags & LS_ENCCONF)) {
      if(slsh_encconf_check_transition(cur, v, NULL, err))
        return -1;
      continue;
    }
    if(!differs(key, cur, v))
      continue;
    if(check_field_type(f, v, err))
      return -1;
    if((f->flags & LS_FIXED))
      return locked_field(f, cur, v, "", err);
    if((f->flags & LS_MODE) && !(flags & SLSH_ENCCONF_ALLOW_MODE_CHANGE))
      return locked_field(f, cur, v, " unless a mode change is explicitly "
                          "allowed", err);
    if((f->flags & LS_TELEMETRY) &&
       !(flags & SLSH_ENCCONF_ALLOW_TELEMETRY_CHANGE))
      return locked_field(f, cur, v, " unless a telemetryType change is "
                          "explicitly allowed", err);
  }
  if(check_retention(logstore, changes, flags, err))
    return -1;
  over = json_object();
  if(!over)
    goto nomem;
  json_object_foreach((json_t *)changes, key, v) {
    if(in_list(key, readonly_keys))
      continue;
    copy = json_deep_copy(v);
    if(!copy || json_object_set_new(over, key, copy))
      goto nomem;
  }
  *body = build_body(logstore, over, err);
  json_decref(over);
  return *body ? 0 : -1;
nomem:
  json_decref(over);
  return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
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
  char got[SHOW_MAX * 4 + 32];
  const json_t *cmk;
  json_t *out = NULL, *info = NULL, *v;
  const char *key;
  int bad;

  slsh_err_clear(err);
  if(!json_is_object(api)) {
    if(api)
      describe(got, sizeof(got), api);
    slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, "encryption",
                 "the encryption config must be an object {enable, "
                 "encryptType, userCmkInfo}, got %s", api ? got : "nothing");
    return NULL;
  }
  json_object_foreach((json_t *)api, key, v) {
    if(!in_list(key, api_keys)) {
      unknown_key(err, SLSH_E_ENCRYPT_CONF_INVALID, "encryption", key,
                  api_keys);
      return NULL;
    }
  }
  cmk = json_object_get(api, "userCmkInfo");
  if(json_is_object(cmk)) {
    json_object_foreach((json_t *)cmk, key, v) {
      if(!in_list(key, api_cmk_keys)) {
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
