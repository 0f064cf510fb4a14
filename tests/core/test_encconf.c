/*
 * encrypt_conf rules (core/encconf.c): bad documents, the transition
 * matrix, tolerance of real service answers, the logstore merges, the
 * builders and the camelCase conversion. Table-driven; every refusal is
 * checked for its code, its field and the words of its message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/encconf.h"
#include "slsh/logstore.h"

#define ARN_A "acs:ram::1234567890123456:role/aliyunlogdefaultrole"
#define ARN_B "acs:ram::1234567890123456:role/other-role"
#define KEY_A "key-hzz62f1cb66fa42qo0000"
#define KEY_B "1234abcd-12ab-34cd-56ef-1234567890ab"
#define BYOK(key, arn, region, type, on) \
  "{\"enable\":" on ",\"encrypt_type\":\"" type "\",\"user_cmk_info\":" \
  "{\"cmk_key_id\":\"" key "\",\"arn\":\"" arn "\",\"region_id\":\"" \
  region "\"}}"
#define BYOK_A(on) BYOK(KEY_A, ARN_A, "cn-hangzhou", "default", on)
#define SK(type, on) "{\"enable\":" on ",\"encrypt_type\":\"" type "\"}"
#define TYPES "valid values: default (AES), m4, sm4, sm4_ecb, sm4_cbc, " \
  "sm4_gcm, aes_ecb, aes_cbc, aes_cfb, aes_ofb, aes_gcm"

/* Values a JSON text cannot hold, put where the text says "@@". */
enum special { SP_NONE, SP_HUGE, SP_BADUTF8, SP_NUL, SP_KEY, SP_CTRL };

static json_t *special_value(enum special sp)
{
  static char huge[(1 << 20) + 1];

  switch(sp) {
  case SP_HUGE:
    memset(huge, 'a', sizeof(huge) - 1);
    return json_stringn_nocheck(huge, sizeof(huge) - 1);
  case SP_BADUTF8:
    return json_stringn_nocheck("cn-\xff\xfehz", 7);
  case SP_NUL:
    return json_stringn_nocheck("cn-hang\0zhou", 12);
  case SP_CTRL:
    return json_string("default\n");
  default:
    return NULL;
  }
}

/* Replace the string "@@" (or, for SP_KEY, the key "@@") under `j`. */
static void subst(json_t *j, enum special sp)
{
  const char *key;
  json_t *v;
  void *tmp;
  size_t i;

  if(json_is_object(j)) {
    json_object_foreach_safe(j, tmp, key, v) {
      if(sp == SP_KEY && !strcmp(key, "@@")) {
        json_incref(v);
        json_object_del(j, key);
        json_object_set_new_nocheck(j, "enc\xc3\x28typ\x01", v);
      }
      else if(json_is_string(v) && !strcmp(json_string_value(v), "@@"))
        json_object_set_new(j, key, special_value(sp));
      else
        subst(v, sp);
    }
  }
  else if(json_is_array(j)) {
    json_array_foreach(j, i, v) {
      if(json_is_string(v) && !strcmp(json_string_value(v), "@@"))
        json_array_set_new(j, i, special_value(sp));
      else
        subst(v, sp);
    }
  }
}

static json_t *load_sp(const char *text, enum special sp)
{
  json_error_t e;
  json_t *j;

  if(!text)
    return NULL;
  j = json_loads(text, JSON_DECODE_ANY, &e);
  if(!j)
    fail_msg("test JSON does not parse: %s: %s", text, e.text);
  if(sp != SP_NONE)
    subst(j, sp);
  return j;
}

static json_t *load(const char *text)
{
  return load_sp(text, SP_NONE);
}

/* Assert that `j` dumps (compact, key order kept) exactly as `want`. */
static void assert_dump(const json_t *j, const char *want)
{
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

  assert_non_null(s);
  if(strcmp(s, want))
    fail_msg("\n got: %s\nwant: %s", s, want);
  free(s);
}

/* Assert an error: code, field, and up to two substrings of the message. */
static void assert_err(const struct slsh_err *e, enum slsh_errcode code,
                       const char *field, const char *m1, const char *m2,
                       const char *name)
{
  if(e->code != code)
    fail_msg("%s: code %s, want %s (%s)", name, slsh_err_code(e->code),
             slsh_err_code(code), e->message);
  if(field && strcmp(e->field, field))
    fail_msg("%s: field '%s', want '%s' (%s)", name, e->field, field,
             e->message);
  if(m1 && !strstr(e->message, m1))
    fail_msg("%s: message lacks '%s': %s", name, m1, e->message);
  if(m2 && !strstr(e->message, m2))
    fail_msg("%s: message lacks '%s': %s", name, m2, e->message);
  if(strlen(e->message) > 500)
    fail_msg("%s: message was cut: %s", name, e->message);
}

struct bad_doc {
  const char *name;
  const char *json;
  enum special sp;
  const char *field;
  const char *m1;
  const char *m2;
};

#define F_CMK "encrypt_conf.user_cmk_info"
#define F_ARN F_CMK ".arn"
#define F_KEY F_CMK ".cmk_key_id"
#define F_REG F_CMK ".region_id"
#define F_TYPE "encrypt_conf.encrypt_type"
#define F_EN "encrypt_conf.enable"
#define CMK3(k, a, r) "{\"enable\":true,\"encrypt_type\":\"default\"," \
  "\"user_cmk_info\":{\"cmk_key_id\":" k ",\"arn\":" a ",\"region_id\":" \
  r "}}"
#define ARN(a) CMK3("\"" KEY_A "\"", a, "\"cn-hangzhou\"")
#define REG(r) CMK3("\"" KEY_A "\"", "\"" ARN_A "\"", r)
#define KEY(k) CMK3(k, "\"" ARN_A "\"", "\"cn-hangzhou\"")
#define RULE_A "acs:ram::<account id>:role/<role name>"
#define RULE_R "a region id such as cn-hangzhou"
#define RULE_K "a KMS key id"
#define ROLE65 "r12345678901234567890123456789012345678901234567890123456" \
  "78901234"

static const struct bad_doc bad_docs[] = {
  /* the document itself */
  {"array instead of object", "[]", SP_NONE, "encrypt_conf",
   "must be an object", "got an array"},
  {"array of a conf", "[" SK("default", "true") "]", SP_NONE,
   "encrypt_conf", "got an array", "enable, encrypt_type"},
  {"string", "\"default\"", SP_NONE, "encrypt_conf", "must be an object",
   "got the string 'default'"},
  {"number", "1", SP_NONE, "encrypt_conf", "must be an object",
   "got the integer 1"},
  {"null", "null", SP_NONE, "encrypt_conf", "must be an object", "got null"},
  {"boolean", "true", SP_NONE, "encrypt_conf", "must be an object",
   "got a boolean"},
  /* enable */
  {"enable missing", "{\"encrypt_type\":\"default\"}", SP_NONE, F_EN,
   "is required", "true or false"},
  {"empty object", "{}", SP_NONE, F_EN, "is required", "true or false"},
  {"enable as string \"true\"",
   "{\"enable\":\"true\",\"encrypt_type\":\"default\"}", SP_NONE, F_EN,
   "must be a boolean (true or false)", "got the string 'true'"},
  {"enable as 1", "{\"enable\":1,\"encrypt_type\":\"default\"}", SP_NONE,
   F_EN, "must be a boolean", "got the integer 1"},
  {"enable as null", "{\"enable\":null}", SP_NONE, F_EN,
   "must be a boolean", "got null"},
  {"enable as object", "{\"enable\":{\"on\":true}}", SP_NONE, F_EN,
   "must be a boolean", "got an object"},
  {"enable as array", "{\"enable\":[true]}", SP_NONE, F_EN,
   "must be a boolean", "got an array"},
  /* encrypt_type */
  {"encrypt_type missing while enabled", "{\"enable\":true}", SP_NONE,
   F_TYPE, "required when enable is true", TYPES},
  {"encrypt_type unknown", SK("aes", "true"), SP_NONE, F_TYPE,
   "'aes' is not a valid algorithm", TYPES},
  {"encrypt_type upper case", SK("AES_GCM", "true"), SP_NONE, F_TYPE,
   "did you mean 'aes_gcm'?", TYPES},
  {"encrypt_type with a dash", SK("sm4-cbc", "true"), SP_NONE, F_TYPE,
   "did you mean 'sm4_cbc'?", TYPES},
  {"encrypt_type empty", SK("", "true"), SP_NONE, F_TYPE,
   "must not be empty", TYPES},
  {"encrypt_type a number", "{\"enable\":true,\"encrypt_type\":4}", SP_NONE,
   F_TYPE, "must be a string", "got the integer 4"},
  {"encrypt_type null", "{\"enable\":false,\"encrypt_type\":null}", SP_NONE,
   F_TYPE, "must be a string", "got null"},
  {"encrypt_type an array",
   "{\"enable\":true,\"encrypt_type\":[\"default\"]}", SP_NONE, F_TYPE,
   "must be a string", TYPES},
  {"encrypt_type 1 MB", "{\"enable\":true,\"encrypt_type\":\"@@\"}", SP_HUGE,
   F_TYPE, "1048576 bytes long; at most 32", TYPES},
  {"encrypt_type not UTF-8", "{\"enable\":true,\"encrypt_type\":\"@@\"}",
   SP_BADUTF8, F_TYPE, "not valid UTF-8", "0xFF"},
  {"encrypt_type with a newline", "{\"enable\":true,\"encrypt_type\":\"@@\"}",
   SP_CTRL, F_TYPE, "'default\\x0A' is not a valid algorithm", TYPES},
  /* keys */
  {"typo encrypt_typ", "{\"enable\":true,\"encrypt_typ\":\"default\"}",
   SP_NONE, "encrypt_conf.encrypt_typ", "unknown key 'encrypt_typ'",
   "did you mean 'encrypt_type'?"},
  {"extra key lists the valid keys",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"kms\":1}", SP_NONE,
   "encrypt_conf.kms", "unknown key 'kms'",
   "valid keys: enable, encrypt_type, user_cmk_info"},
  {"camelCase key", "{\"enable\":true,\"encryptType\":\"default\"}",
   SP_NONE, "encrypt_conf.encryptType", "unknown key 'encryptType'",
   "did you mean 'encrypt_type'?"},
  {"key that is not text", "{\"enable\":true,\"@@\":\"default\"}", SP_KEY,
   "encrypt_conf.'enc\\xC3(typ\\x01'", "unknown key 'enc\\xC3(typ\\x01'",
   "valid keys"},
  /* user_cmk_info shape */
  {"user_cmk_info a string",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":\""
   KEY_A "\"}", SP_NONE, F_CMK, "must be an object: {} for the SLS service "
   "key, or {cmk_key_id, arn, region_id} for BYOK", "got the string"},
  {"user_cmk_info an array",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":[]}",
   SP_NONE, F_CMK, "must be an object", "got an array"},
  {"user_cmk_info null",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":null}",
   SP_NONE, F_CMK, "must be an object", "got null"},
  {"BYOK without arn",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
   "\"cmk_key_id\":\"" KEY_A "\",\"region_id\":\"cn-hangzhou\"}}", SP_NONE,
   F_ARN, "is required for BYOK", RULE_A},
  {"BYOK without region_id",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
   "\"cmk_key_id\":\"" KEY_A "\",\"arn\":\"" ARN_A "\"}}", SP_NONE, F_REG,
   "is required for BYOK", RULE_R},
  {"BYOK without cmk_key_id",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
   "\"arn\":\"" ARN_A "\",\"region_id\":\"cn-hangzhou\"}}", SP_NONE, F_KEY,
   "is required for BYOK", RULE_K},
  {"user_cmk_info extra key",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
   "\"cmk_key_id\":\"" KEY_A "\",\"arn\":\"" ARN_A "\",\"region_id\":"
   "\"cn-hangzhou\",\"role\":\"x\"}}", SP_NONE, F_CMK ".role",
   "unknown key 'role'", "valid keys: cmk_key_id, arn, region_id"},
  {"user_cmk_info typo regionId",
   "{\"enable\":true,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
   "\"cmk_key_id\":\"" KEY_A "\",\"arn\":\"" ARN_A "\",\"region_d\":"
   "\"cn-hangzhou\"}}", SP_NONE, F_CMK ".region_d", "unknown key",
   "did you mean 'region_id'?"},
  /* cmk_key_id */
  {"cmk_key_id empty", KEY("\"\""), SP_NONE, F_KEY, "must not be empty",
   RULE_K},
  {"cmk_key_id a number", KEY("123"), SP_NONE, F_KEY, "must be a string",
   "got the integer 123"},
  {"cmk_key_id an object", KEY("{\"id\":\"x\"}"), SP_NONE, F_KEY,
   "must be a string", "got an object"},
  {"cmk_key_id with a space", KEY("\"key 1\""), SP_NONE, F_KEY,
   "has the character ' ' at offset 3", RULE_K},
  {"cmk_key_id 1 MB", KEY("\"@@\""), SP_HUGE, F_KEY,
   "1048576 bytes long; at most 128", RULE_K},
  {"cmk_key_id not UTF-8", KEY("\"@@\""), SP_BADUTF8, F_KEY,
   "not valid UTF-8", RULE_K},
  /* arn */
  {"arn empty", ARN("\"\""), SP_NONE, F_ARN, "must not be empty", RULE_A},
  {"arn a number", ARN("42"), SP_NONE, F_ARN, "must be a string", RULE_A},
  {"arn of AWS", ARN("\"arn:aws:iam::123:role/x\""), SP_NONE, F_ARN,
   "does not start with 'acs:ram::'", RULE_A},
  {"arn of another service", ARN("\"acs:kms::123:role/x\""), SP_NONE,
   F_ARN, "names the service 'kms'", RULE_A},
  {"arn with a region", ARN("\"acs:ram:cn-hangzhou:123:role/x\""), SP_NONE,
   F_ARN, "has a region field", RULE_A},
  {"arn with a letter uid", ARN("\"acs:ram::12ab:role/x\""), SP_NONE, F_ARN,
   "account id that is not all digits", RULE_A},
  {"arn with a wildcard uid", ARN("\"acs:ram::*:role/x\""), SP_NONE, F_ARN,
   "not all digits", RULE_A},
  {"arn without uid", ARN("\"acs:ram:::role/x\""), SP_NONE, F_ARN,
   "has no account id", RULE_A},
  {"arn of a user", ARN("\"acs:ram::123:user/x\""), SP_NONE, F_ARN,
   "does not name a role", RULE_A},
  {"arn with no role part", ARN("\"acs:ram::123\""), SP_NONE, F_ARN,
   "has no ':role/<role name>' part", RULE_A},
  {"arn with only the prefix", ARN("\"acs:ram::\""), SP_NONE, F_ARN,
   "has no ':role/<role name>' part", RULE_A},
  {"arn with an empty role", ARN("\"acs:ram::123:role/\""), SP_NONE, F_ARN,
   "has an empty role name", RULE_A},
  {"arn with an underscore", ARN("\"acs:ram::123:role/my_role\""), SP_NONE,
   F_ARN, "has the character '_' in the role name", RULE_A},
  {"arn with a 65-char role", ARN("\"acs:ram::123:role/" ROLE65 "\""),
   SP_NONE, F_ARN, "role name longer than 64", RULE_A},
  {"arn 1 MB", ARN("\"@@\""), SP_HUGE, F_ARN,
   "1048576 bytes long; at most 160", RULE_A},
  {"arn upper-case prefix", ARN("\"ACS:RAM::123:role/x\""), SP_NONE, F_ARN,
   "does not start with 'acs:ram::'", RULE_A},
  /* region_id */
  {"region_id empty", REG("\"\""), SP_NONE, F_REG, "must not be empty",
   RULE_R},
  {"region_id capitalised", REG("\"Hangzhou\""), SP_NONE, F_REG,
   "does not start with two lower-case letters", RULE_R},
  {"region_id with underscore", REG("\"cn_hangzhou\""), SP_NONE, F_REG,
   "does not look like a region id", RULE_R},
  {"region_id trailing dash", REG("\"cn-\""), SP_NONE, F_REG,
   "does not look like a region id", RULE_R},
  {"region_id double dash", REG("\"cn--hangzhou\""), SP_NONE, F_REG,
   "does not look like a region id", RULE_R},
  {"region_id without dash", REG("\"hangzhou\""), SP_NONE, F_REG,
   "does not look like a region id", RULE_R},
  {"region_id a boolean", REG("true"), SP_NONE, F_REG, "must be a string",
   "got a boolean"},
  {"region_id 1 MB", REG("\"@@\""), SP_HUGE, F_REG,
   "1048576 bytes long; at most 64", RULE_R},
  {"region_id not UTF-8", REG("\"@@\""), SP_BADUTF8, F_REG,
   "not valid UTF-8 text (bad byte 0xFF at offset 3)", RULE_R},
  {"region_id with NUL", REG("\"@@\""), SP_NUL, F_REG,
   "contains a NUL byte at offset 7", RULE_R},
};

static void test_bad_documents(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
    const struct bad_doc *b = &bad_docs[i];
    json_t *j = load_sp(b->json, b->sp);
    struct slsh_err e;

    if(!slsh_encconf_validate(j, &e))
      fail_msg("accepted: %s", b->name);
    assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, b->field, b->m1, b->m2,
               b->name);
    json_decref(j);
  }
  print_message("%zu bad documents refused\n", i);
  assert_true(i >= 40);
}

static const char *const good_docs[] = {
  SK("default", "true"),
  SK("default", "false"),
  "{\"enable\":false}",
  "{\"enable\":true,\"encrypt_type\":\"sm4\",\"user_cmk_info\":{}}",
  BYOK_A("true"),
  BYOK_A("false"),
  BYOK(KEY_B, "acs:ram::1:role/AliyunLogDefaultRole.v2", "ap-southeast-1",
       "aes_gcm", "true"),
  BYOK("alias/my-key", ARN_A, "cn-hangzhou-finance", "m4", "true"),
  "{\"enable\":false,\"user_cmk_info\":{\"cmk_key_id\":\"" KEY_A "\","
  "\"arn\":\"" ARN_A "\",\"region_id\":\"eu-central-1\"}}",
};

static void test_good_documents(void **state)
{
  struct slsh_err e;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(good_docs) / sizeof(good_docs[0]); i++) {
    json_t *j = load(good_docs[i]);

    if(slsh_encconf_validate(j, &e))
      fail_msg("refused %s: %s", good_docs[i], e.message);
    json_decref(j);
  }
  /* Every listed algorithm is accepted and named in the refusal text. */
  for(i = 0; slsh_encconf_types[i]; i++) {
    json_t *j = json_pack("{s:b,s:s}", "enable", 1, "encrypt_type",
                          slsh_encconf_types[i]);
    json_t *bad = json_pack("{s:b,s:s}", "enable", 1, "encrypt_type", "x");
    char word[40];

    assert_int_equal(slsh_encconf_validate(j, &e), 0);
    assert_int_equal(slsh_encconf_validate(bad, &e), -1);
    snprintf(word, sizeof(word), " %s", slsh_encconf_types[i]);
    if(!strstr(e.message, word))
      fail_msg("'%s' missing from: %s", word, e.message);
    json_decref(j);
    json_decref(bad);
  }
  assert_int_equal(i, 11);
  assert_int_equal(slsh_encconf_validate(NULL, &e), -1);
  assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
  /* A NULL err is allowed. */
  assert_int_equal(slsh_encconf_validate(NULL, NULL), -1);
}

/* The transition matrix: states x operations. */
enum { ST_NONE, ST_SK_ON, ST_SK_OFF, ST_BYOK_ON, ST_BYOK_OFF, ST__N };
enum { OP_SAME, OP_TOGGLE, OP_TYPE, OP_KEY, OP_MECH, OP__N };

static const char *const states[ST__N] = {
  NULL, SK("default", "true"), SK("default", "false"), BYOK_A("true"),
  BYOK_A("false")
};
static const char *const state_names[ST__N] = {
  "none", "service key on", "service key off", "BYOK key A on",
  "BYOK key A off"
};
static const char *const op_names[OP__N] = {
  "same", "toggle", "other encrypt_type", "other key", "other mechanism"
};

struct cell {
  const char *want;
  int code;          /* -1 = accepted with `kind` */
  enum slsh_encconf_kind kind;
  const char *field;
  const char *m1, *m2;
};

#define OK(w, k) {w, -1, SLSH_ENCCONF_##k, NULL, NULL, NULL}
#define NO(w, c, f, a, b) {w, SLSH_E_##c, SLSH_ENCCONF_NOOP, f, a, b}
#define BYOK_B(on) BYOK(KEY_B, ARN_A, "cn-hangzhou", "default", on)
#define PERM "the first encryption choice is permanent: only enable can " \
  "change"

static const struct cell matrix[ST__N][OP__N] = {
  [ST_NONE] = {
    OK("{\"enable\":false}", NOOP),
    NO("{\"enable\":true}", ENCRYPT_CONF_INVALID, F_TYPE,
       "required when enable is true", TYPES),
    OK(SK("sm4", "true"), CREATE),
    OK(BYOK_B("true"), CREATE),
    OK(BYOK_A("true"), CREATE),
  },
  [ST_SK_ON] = {
    OK(SK("default", "true"), NOOP),
    OK(SK("default", "false"), TOGGLE),
    NO(SK("sm4", "true"), ENCRYPT_TYPE_LOCKED, F_TYPE,
       "encrypt_type is 'default' now and 'sm4' was asked", PERM),
    NO(BYOK_B("true"), MECHANISM_LOCKED, F_CMK,
       "uses the SLS service key and the request asks for BYOK with CMK '"
       KEY_B "'", PERM),
    NO(BYOK_A("true"), MECHANISM_LOCKED, F_CMK,
       "the encryption mechanism cannot change", PERM),
  },
  [ST_SK_OFF] = {
    OK(SK("default", "false"), NOOP),
    OK(SK("default", "true"), TOGGLE),
    NO(SK("aes_gcm", "false"), ENCRYPT_TYPE_LOCKED, F_TYPE,
       "'default' now and 'aes_gcm' was asked", PERM),
    NO(BYOK_B("false"), MECHANISM_LOCKED, F_CMK, "SLS service key", PERM),
    NO(BYOK_A("true"), MECHANISM_LOCKED, F_CMK, "SLS service key", PERM),
  },
  [ST_BYOK_ON] = {
    OK(BYOK_A("true"), NOOP),
    OK(BYOK_A("false"), TOGGLE),
    NO(BYOK(KEY_A, ARN_A, "cn-hangzhou", "sm4", "true"),
       ENCRYPT_TYPE_LOCKED, F_TYPE, "'default' now and 'sm4' was asked",
       PERM),
    NO(BYOK_B("true"), CMK_LOCKED, F_KEY,
       "cmk_key_id is '" KEY_A "' now and '" KEY_B "' was asked", PERM),
    NO(SK("default", "true"), MECHANISM_LOCKED, F_CMK,
       "uses BYOK with CMK '" KEY_A "' and the request asks for the SLS "
       "service key", PERM),
  },
  [ST_BYOK_OFF] = {
    OK(BYOK_A("false"), NOOP),
    OK(BYOK_A("true"), TOGGLE),
    NO(BYOK(KEY_A, ARN_A, "cn-hangzhou", "aes_cbc", "false"),
       ENCRYPT_TYPE_LOCKED, F_TYPE, "'aes_cbc' was asked", PERM),
    NO(BYOK_B("false"), CMK_LOCKED, F_KEY, "the CMK of this logstore "
       "cannot change", PERM),
    NO(SK("default", "false"), MECHANISM_LOCKED, F_CMK,
       "the request asks for the SLS service key", PERM),
  },
};

static void check_cell(const char *cur_text, const struct cell *c,
                       const char *name)
{
  json_t *cur = load(cur_text), *want = load(c->want);
  enum slsh_encconf_kind kind = SLSH_ENCCONF_CREATE;
  struct slsh_err e;
  int rc = slsh_encconf_check_transition(cur, want, &kind, &e);

  if(c->code < 0) {
    if(rc)
      fail_msg("%s: refused: %s", name, e.message);
    if(kind != c->kind)
      fail_msg("%s: kind %s, want %s", name, slsh_encconf_kind_name(kind),
               slsh_encconf_kind_name(c->kind));
  }
  else {
    if(!rc)
      fail_msg("%s: accepted as %s", name, slsh_encconf_kind_name(kind));
    assert_err(&e, (enum slsh_errcode)c->code, c->field, c->m1, c->m2,
               name);
  }
  json_decref(cur);
  json_decref(want);
}

static void test_transition_matrix(void **state)
{
  char name[128];
  int s, o, n = 0;

  (void)state;
  for(s = 0; s < ST__N; s++)
    for(o = 0; o < OP__N; o++) {
      snprintf(name, sizeof(name), "%s x %s", state_names[s], op_names[o]);
      check_cell(states[s], &matrix[s][o], name);
      n++;
    }
  assert_int_equal(n, 25);
}

struct extra_cell {
  const char *name;
  const char *cur;
  struct cell c;
};

static const struct extra_cell extra_cells[] = {
  {"role name compared case-insensitively", BYOK_A("true"),
   OK(BYOK(KEY_A, "acs:ram::1234567890123456:role/AliyunLogDefaultRole",
           "cn-hangzhou", "default", "true"), NOOP)},
  {"other role", BYOK_A("true"),
   NO(BYOK(KEY_A, ARN_B, "cn-hangzhou", "default", "true"), CMK_LOCKED,
      F_ARN, "arn is '" ARN_A "' now and '" ARN_B "' was asked", PERM)},
  {"other account", BYOK_A("true"),
   NO(BYOK(KEY_A, "acs:ram::99:role/aliyunlogdefaultrole", "cn-hangzhou",
           "default", "true"), CMK_LOCKED, F_ARN, "arn is", PERM)},
  {"other region", BYOK_A("true"),
   NO(BYOK(KEY_A, ARN_A, "cn-shanghai", "default", "true"), CMK_LOCKED,
      F_REG, "region_id is 'cn-hangzhou' now and 'cn-shanghai'", PERM)},
  {"toggle that omits encrypt_type", SK("default", "true"),
   NO("{\"enable\":false}", ENCRYPT_TYPE_LOCKED, F_TYPE,
      "'default' now and the request omits it", "complete current")},
  {"toggle that omits user_cmk_info", BYOK_A("true"),
   NO(SK("default", "false"), MECHANISM_LOCKED, F_CMK, "BYOK with CMK",
      "only enable changed")},
  {"toggle to a bare enable", BYOK_A("true"),
   NO("{\"enable\":false}", MECHANISM_LOCKED, F_CMK,
      "a conf without user_cmk_info", PERM)},
  {"create without encrypt_type", NULL,
   NO("{\"enable\":false,\"user_cmk_info\":{\"cmk_key_id\":\"" KEY_A "\","
      "\"arn\":\"" ARN_A "\",\"region_id\":\"cn-hangzhou\"}}",
      ENCRYPT_CONF_INVALID, F_TYPE, "a first encryption config must name "
      "encrypt_type", TYPES)},
  {"create on an empty shell", "{\"enable\":false,\"user_cmk_info\":{}}",
   OK(BYOK_A("true"), CREATE)},
  {"create on json null", "null", OK(SK("m4", "true"), CREATE)},
  {"create on an enabled shell", "{\"enable\":true}",
   OK(BYOK_A("true"), CREATE)},
  {"wanted is invalid", SK("default", "true"),
   NO("{\"enable\":\"false\",\"encrypt_type\":\"default\"}",
      ENCRYPT_CONF_INVALID, F_EN, "must be a boolean", NULL)},
  {"wanted is not an object", SK("default", "true"),
   NO("[]", ENCRYPT_CONF_INVALID, "encrypt_conf", "got an array", NULL)},
  {"current is unreadable", "{\"enable\":\"yes\"}",
   NO(SK("default", "true"), ENCRYPT_CONF_INVALID, F_EN,
      "must be a boolean", NULL)},
  /* Tolerance of what the service really returns. */
  {"service omitted enable", "{\"encrypt_type\":\"default\","
   "\"user_cmk_info\":{}}", OK(SK("default", "true"), TOGGLE)},
  {"service omitted enable, asked off", "{\"encrypt_type\":\"default\"}",
   OK(SK("default", "false"), TOGGLE)},
  {"empty user_cmk_info is the service key", "{\"enable\":true,"
   "\"encrypt_type\":\"default\",\"user_cmk_info\":{}}",
   NO(BYOK_A("true"), MECHANISM_LOCKED, F_CMK, "SLS service key", PERM)},
  {"empty user_cmk_info sent back", "{\"enable\":true,"
   "\"encrypt_type\":\"default\",\"user_cmk_info\":{}}",
   OK("{\"enable\":false,\"encrypt_type\":\"default\","
      "\"user_cmk_info\":{}}", TOGGLE)},
  {"blank cmk members are the service key", "{\"enable\":true,"
   "\"encrypt_type\":\"default\",\"user_cmk_info\":{\"cmk_key_id\":\"\","
   "\"arn\":\"\",\"region_id\":\"\"}}", OK(SK("default", "false"), TOGGLE)},
  {"encrypt_type unknown here but carried", "{\"enable\":true,"
   "\"encrypt_type\":\"aes_xts\"}",
   OK("{\"enable\":false,\"encrypt_type\":\"aes_xts\"}", TOGGLE)},
  {"unknown encrypt_type not carried", "{\"enable\":true,"
   "\"encrypt_type\":\"aes_xts\"}",
   NO("{\"enable\":false,\"encrypt_type\":\"aes_xtz\"}",
      ENCRYPT_CONF_INVALID, F_TYPE, "not a valid algorithm", TYPES)},
  {"unknown key carried", "{\"enable\":true,\"encrypt_type\":\"default\","
   "\"key_version\":3}",
   OK("{\"enable\":false,\"encrypt_type\":\"default\",\"key_version\":3}",
      TOGGLE)},
  {"unknown key changed", "{\"enable\":true,\"encrypt_type\":\"default\","
   "\"key_version\":3}",
   NO("{\"enable\":false,\"encrypt_type\":\"default\",\"key_version\":4}",
      ENCRYPT_CONF_INVALID, "encrypt_conf.key_version",
      "unknown key 'key_version'", NULL)},
  {"service omitted encrypt_type of a BYOK store",
   "{\"enable\":false,\"user_cmk_info\":{\"cmk_key_id\":\"" KEY_A "\","
   "\"arn\":\"" ARN_A "\",\"region_id\":\"cn-hangzhou\"}}",
   OK("{\"enable\":true,\"user_cmk_info\":{\"cmk_key_id\":\"" KEY_A "\","
      "\"arn\":\"" ARN_A "\",\"region_id\":\"cn-hangzhou\"}}", TOGGLE)},
  {"service ARN it cannot parse, carried", "{\"enable\":true,"
   "\"encrypt_type\":\"default\",\"user_cmk_info\":{\"cmk_key_id\":\""
   KEY_A "\",\"arn\":\"acs:ram::1:role/odd_name\",\"region_id\":"
   "\"cn-hangzhou\"}}",
   OK("{\"enable\":false,\"encrypt_type\":\"default\",\"user_cmk_info\":{"
      "\"cmk_key_id\":\"" KEY_A "\",\"arn\":\"acs:ram::1:role/odd_name\","
      "\"region_id\":\"cn-hangzhou\"}}", TOGGLE)},
};

static void test_transition_extra(void **state)
{
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(extra_cells) / sizeof(extra_cells[0]); i++)
    check_cell(extra_cells[i].cur, &extra_cells[i].c, extra_cells[i].name);
  assert_string_equal(slsh_encconf_kind_name(SLSH_ENCCONF_CREATE),
                      "create");
  assert_string_equal(slsh_encconf_kind_name(SLSH_ENCCONF_TOGGLE),
                      "toggle");
  assert_string_equal(slsh_encconf_kind_name(SLSH_ENCCONF_NOOP), "noop");
}

struct parse_case {
  const char *name;
  const char *json;
  int rc, present, enable, enable_known, byok;
  const char *type, *key, *arn, *region;
};

static const struct parse_case parse_cases[] = {
  {"absent", NULL, 0, 0, 0, 0, 0, "", "", "", ""},
  {"null", "null", 0, 0, 0, 0, 0, "", "", "", ""},
  {"2023 doc example: no enable, empty user_cmk_info",
   "{\"encrypt_type\":\"default\",\"user_cmk_info\":{}}", 0, 1, 0, 0, 0,
   "default", "", "", ""},
  {"service key on", SK("sm4", "true"), 0, 1, 1, 1, 0, "sm4", "", "", ""},
  {"BYOK off", BYOK_A("false"), 0, 1, 0, 1, 1, "default", KEY_A, ARN_A,
   "cn-hangzhou"},
  {"shell: enable false only", "{\"enable\":false}", 0, 0, 0, 1, 0, "", "",
   "", ""},
  {"shell: empty object", "{}", 0, 0, 0, 0, 0, "", "", "", ""},
  {"enabled shell: no algorithm, no key", "{\"enable\":true}", 0, 0, 1, 1, 0, "",
   "", "", ""},
  {"disabled BYOK, encrypt_type missing", "{\"enable\":false,"
   "\"user_cmk_info\":{\"cmk_key_id\":\"k\"}}", 0, 1, 0, 1, 1, "", "k", "",
   ""},
  {"nulls everywhere", "{\"enable\":null,\"encrypt_type\":null,"
   "\"user_cmk_info\":null}", 0, 0, 0, 0, 0, "", "", "", ""},
  {"unknown algorithm and keys", "{\"enable\":true,\"encrypt_type\":"
   "\"future\",\"x\":1}", 0, 1, 1, 1, 0, "future", "", "", ""},
  {"enable as string", "{\"enable\":\"true\"}", -1, 0, 0, 0, 0, "", "", "",
   ""},
  {"user_cmk_info a string", "{\"enable\":true,\"user_cmk_info\":\"k\"}",
   -1, 0, 0, 0, 0, "", "", "", ""},
  {"encrypt_type a number", "{\"encrypt_type\":5}", -1, 0, 0, 0, 0, "", "",
   "", ""},
  {"array", "[]", -1, 0, 0, 0, 0, "", "", "", ""},
};

static void test_parse_tolerance(void **state)
{
  struct slsh_encconf c;
  struct slsh_err e;
  size_t i;
  json_t *j;

  (void)state;
  for(i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
    const struct parse_case *p = &parse_cases[i];

    j = load(p->json);
    if(slsh_encconf_parse(j, &c, &e) != p->rc)
      fail_msg("%s: rc %d (%s)", p->name, -p->rc - 1, e.message);
    if(!p->rc) {
      if(c.present != p->present || c.enable != p->enable ||
         c.enable_known != p->enable_known || c.byok != p->byok)
        fail_msg("%s: present %d enable %d known %d byok %d", p->name,
                 c.present, c.enable, c.enable_known, c.byok);
      assert_string_equal(c.encrypt_type, p->type);
      assert_string_equal(c.cmk_key_id, p->key);
      assert_string_equal(c.arn, p->arn);
      assert_string_equal(c.region_id, p->region);
    }
    else
      assert_int_equal(e.code, SLSH_E_ENCRYPT_CONF_INVALID);
    json_decref(j);
  }
  /* An over-long value cannot be read into the fixed fields. */
  j = load_sp("{\"enable\":true,\"user_cmk_info\":{\"arn\":\"@@\"}}",
              SP_HUGE);
  assert_int_equal(slsh_encconf_parse(j, &c, &e), -1);
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_ARN, "1048576 bytes", NULL,
             "parse huge arn");
  json_decref(j);
}

struct with_case {
  const char *cur;
  int enable;
  const char *want;     /* NULL = refused */
};

static const struct with_case with_cases[] = {
  {SK("default", "true"), 0, SK("default", "false")},
  {BYOK_A("false"), 1, BYOK_A("true")},
  {BYOK_A("true"), 1, BYOK_A("true")},
  {"{\"encrypt_type\":\"default\",\"user_cmk_info\":{}}", 1,
   SK("default", "true")},
  {"{\"user_cmk_info\":{\"cmk_key_id\":\"\",\"arn\":\"\",\"region_id\":"
   "\"\"},\"encrypt_type\":\"sm4\",\"enable\":true}", 0, SK("sm4", "false")},
  {"{\"enable\":true,\"encrypt_type\":\"sm4\",\"user_cmk_info\":null,"
   "\"x\":null,\"encrypt_type2\":\"x\"}", 0,
   "{\"enable\":false,\"encrypt_type\":\"sm4\",\"encrypt_type2\":\"x\"}"},
  {"{\"enable\":false}", 1, NULL},
  {"{\"enable\":true,\"user_cmk_info\":{}}", 0, NULL},
  {"null", 1, NULL},
  {"[]", 1, NULL},
};

static void test_with_enable(void **state)
{
  struct slsh_err e;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(with_cases) / sizeof(with_cases[0]); i++) {
    json_t *cur = load(with_cases[i].cur);
    json_t *out = slsh_encconf_with_enable(cur, with_cases[i].enable, &e);

    if(with_cases[i].want) {
      if(!out)
        fail_msg("%s: %s", with_cases[i].cur, e.message);
      assert_dump(out, with_cases[i].want);
    }
    else {
      assert_null(out);
      assert_int_equal(e.code, SLSH_E_ENCRYPT_CONF_INVALID);
    }
    json_decref(out);
    json_decref(cur);
  }
  assert_null(slsh_encconf_with_enable(NULL, 1, &e));
  assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
}

/* A GetLogStore answer with every field seen in any source (API reference, SDKs, Terraform). */
#define LOGSTORE_HEAD "{\"logstoreName\":\"cloudfirewall-logstore\"," \
  "\"ttl\":180,\"shardCount\":2,\"enable_tracking\":false,\"autoSplit\":" \
  "true,\"maxSplitShard\":64,\"appendMeta\":true,\"telemetryType\":\"\"," \
  "\"createTime\":1700000000,\"lastModifyTime\":1700000100,"
#define LOGSTORE_TAIL "\"hot_ttl\":30,\"infrequentAccessTTL\":60," \
  "\"mode\":\"standard\",\"productType\":\"cloudfirewall\"," \
  "\"resourceQuota\":{\"storage\":{\"preserved\":-1,\"used\":123}}," \
  "\"futureField\":{\"a\":[1,2]},\"processorId\":\"\"}"
#define LOGSTORE LOGSTORE_HEAD LOGSTORE_TAIL
#define LOGSTORE_ENC(conf) LOGSTORE_HEAD "\"encrypt_conf\":" conf "," \
  LOGSTORE_TAIL
/* The same minus the read-only keys: the body every write sends. */
#define BODY_HEAD "{\"logstoreName\":\"cloudfirewall-logstore\",\"ttl\":180," \
  "\"shardCount\":2,\"enable_tracking\":false,\"autoSplit\":true," \
  "\"maxSplitShard\":64,\"appendMeta\":true,\"telemetryType\":\"\","
#define BODY_TAIL "\"hot_ttl\":30,\"infrequentAccessTTL\":60,\"mode\":" \
  "\"standard\",\"resourceQuota\":{\"storage\":{\"preserved\":-1}}," \
  "\"futureField\":{\"a\":[1,2]},\"processorId\":\"\""
#define BODY_ENC(conf) BODY_HEAD "\"encrypt_conf\":" conf "," BODY_TAIL "}"

struct merge_case {
  const char *name;
  const char *logstore;
  const char *conf;
  const char *body;      /* NULL = refused with code */
  enum slsh_errcode code;
  const char *field;
};

static const struct merge_case merge_cases[] = {
  {"first BYOK: appended, order kept, read-only dropped", LOGSTORE,
   BYOK_A("true"), BODY_HEAD BODY_TAIL ",\"encrypt_conf\":" BYOK_A("true")
   "}", SLSH_E_OK, NULL},
  {"enable in place", LOGSTORE_ENC(BYOK_A("false")), BYOK_A("true"),
   BODY_ENC(BYOK_A("true")), SLSH_E_OK, NULL},
  {"noop still gives the full body", LOGSTORE_ENC(SK("default", "true")),
   SK("default", "true"), BODY_ENC(SK("default", "true")), SLSH_E_OK,
   NULL},
  {"service key to BYOK refused", LOGSTORE_ENC(SK("default", "true")),
   BYOK_A("true"), NULL, SLSH_E_MECHANISM_LOCKED, F_CMK},
  {"rekey refused", LOGSTORE_ENC(BYOK_A("true")), BYOK_B("true"), NULL,
   SLSH_E_CMK_LOCKED, F_KEY},
  {"bad conf refused", LOGSTORE, "{\"enable\":true,\"encrypt_typ\":\"x\"}",
   NULL, SLSH_E_ENCRYPT_CONF_INVALID, "encrypt_conf.encrypt_typ"},
  {"used alone: resourceQuota left out",
   "{\"logstoreName\":\"a\",\"resourceQuota\":{\"storage\":{\"used\":1}},"
   "\"ttl\":7,\"shardCount\":1}", SK("sm4", "true"),
   "{\"logstoreName\":\"a\",\"ttl\":7,\"shardCount\":1,"
   "\"encrypt_conf\":" SK("sm4", "true") "}", SLSH_E_OK, NULL},
  {"other quota members kept",
   "{\"logstoreName\":\"a\",\"ttl\":7,\"shardCount\":1,"
   "\"resourceQuota\":{\"storage\":{\"used\":1},\"x\":2}}",
   SK("sm4", "true"), "{\"logstoreName\":\"a\",\"ttl\":7,"
   "\"shardCount\":1,\"resourceQuota\":{\"x\":2},\"encrypt_conf\":"
   SK("sm4", "true") "}", SLSH_E_OK, NULL},
  {"empty logstore refused: nothing is built from an incomplete read",
   "{}", SK("sm4", "true"), NULL, SLSH_E_LOGSTORE_INVALID, "logstoreName"},
  {"logstore not an object", "[1]", SK("sm4", "true"), NULL,
   SLSH_E_LOGSTORE_INVALID, "logstore"},
};

static void test_merge(void **state)
{
  struct slsh_err e;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(merge_cases) / sizeof(merge_cases[0]); i++) {
    const struct merge_case *m = &merge_cases[i];
    json_t *ls = load(m->logstore), *conf = load(m->conf);
    json_t *body = (json_t *)1;
    int rc = slsh_logstore_merge_encconf(ls, conf, &body, &e);

    if(m->body) {
      if(rc)
        fail_msg("%s: %s", m->name, e.message);
      assert_dump(body, m->body);
    }
    else {
      if(!rc)
        fail_msg("%s: accepted", m->name);
      assert_null(body);
      assert_err(&e, m->code, m->field, NULL, NULL, m->name);
    }
    json_decref(body);
    json_decref(ls);
    json_decref(conf);
  }
}

struct change_case {
  const char *name;
  const char *logstore;
  const char *changes;
  unsigned flags;
  const char *body;      /* NULL = refused */
  enum slsh_errcode code;
  const char *field;
  const char *m1, *m2;
};

#define LS_SMALL "{\"logstoreName\":\"a\",\"ttl\":90,\"shardCount\":2," \
  "\"hot_ttl\":30,\"infrequentAccessTTL\":20,\"mode\":\"standard\"," \
  "\"telemetryType\":\"\",\"autoSplit\":false,\"maxSplitShard\":0," \
  "\"createTime\":1}"
#define BODY_SMALL(ttl, hot, ia) "{\"logstoreName\":\"a\",\"ttl\":" ttl \
  ",\"shardCount\":2,\"hot_ttl\":" hot ",\"infrequentAccessTTL\":" ia \
  ",\"mode\":\"standard\",\"telemetryType\":\"\",\"autoSplit\":false," \
  "\"maxSplitShard\":0"
/* The fields every logstore has, for the cases about other fields. */
#define LS_MIN "\"logstoreName\":\"a\",\"ttl\":1,\"shardCount\":1"
#define ALLOW_R SLSH_LOGSTORE_ALLOW_SHORTER_RETENTION
#define NOTE_ALLOW "refused unless shorter retention is explicitly allowed"

static const struct change_case change_cases[] = {
  {"raise ttl", LS_SMALL, "{\"ttl\":180}", 0,
   BODY_SMALL("180", "30", "20") "}", SLSH_E_OK, NULL, NULL, NULL},
  {"lower ttl refused", LS_SMALL, "{\"ttl\":30}", 0, NULL,
   SLSH_E_RETENTION, "ttl", "ttl would go down from 90 to 30 days",
   NOTE_ALLOW},
  {"lower ttl allowed", LS_SMALL, "{\"ttl\":60}", ALLOW_R,
   BODY_SMALL("60", "30", "20") "}", SLSH_E_OK, NULL, NULL, NULL},
  {"lower hot_ttl refused", LS_SMALL, "{\"hot_ttl\":7}", 0, NULL,
   SLSH_E_RETENTION, "hot_ttl", "from 30 to 7 days", NOTE_ALLOW},
  {"hot_ttl 0 keeps all hot", LS_SMALL, "{\"hot_ttl\":0}", 0,
   BODY_SMALL("90", "0", "20") "}", SLSH_E_OK, NULL, NULL, NULL},
  {"hot_ttl from all hot to 30 refused",
   "{\"logstoreName\":\"a\",\"ttl\":90,\"shardCount\":1,\"hot_ttl\":0}", "{\"hot_ttl\":30}", 0, NULL,
   SLSH_E_RETENTION, "hot_ttl", "from 90 to 30 days", "whole ttl"},
  {"hot_ttl not below ttl", LS_SMALL, "{\"hot_ttl\":90}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "hot_ttl", "hot_ttl (90) must be less than ttl "
   "(90)", NULL},
  {"ttl under hot_ttl even when allowed", LS_SMALL, "{\"ttl\":20}",
   ALLOW_R, NULL, SLSH_E_LOGSTORE_INVALID, "hot_ttl",
   "must be less than ttl (20)", NULL},
  {"lower infrequentAccessTTL refused", LS_SMALL,
   "{\"infrequentAccessTTL\":10}", 0, NULL, SLSH_E_RETENTION,
   "infrequentAccessTTL", "from 20 to 10 days", NOTE_ALLOW},
  {"ttl as a string", LS_SMALL, "{\"ttl\":\"180\"}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "ttl", "must be an integer",
   "got the string '180'"},
  {"ttl as a real", LS_SMALL, "{\"ttl\":180.0}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "ttl", "must be an integer", "1-3650"},
  {"ttl above 3650", LS_SMALL, "{\"ttl\":4000}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "ttl", "is 4000, out of range", "1-3650"},
  {"ttl zero", LS_SMALL, "{\"ttl\":0}", ALLOW_R, NULL,
   SLSH_E_LOGSTORE_INVALID, "ttl", "out of range", NULL},
  {"a current ttl that is not an integer is refused before any guard",
   "{\"logstoreName\":\"a\",\"ttl\":\"90\",\"shardCount\":1}",
   "{\"ttl\":100}", 0, NULL, SLSH_E_LOGSTORE_INVALID, "ttl",
   "ttl must be an integer", "got the string '90'"},
  {"a logstore without shardCount is refused", "{\"logstoreName\":\"a\","
   "\"ttl\":1}", "{\"ttl\":2}", 0, NULL, SLSH_E_LOGSTORE_INVALID,
   "shardCount", "the logstore has no shardCount", NULL},
  {"shardCount change refused", LS_SMALL, "{\"shardCount\":4}", 0, NULL,
   SLSH_E_FIELD_LOCKED, "shardCount", "shardCount cannot change: it is the "
   "integer 2 now and the integer 4 was asked", "SplitShard"},
  {"shardCount change refused whatever the flags", LS_SMALL,
   "{\"shardCount\":4}", ~0u, NULL, SLSH_E_FIELD_LOCKED, "shardCount",
   NULL, NULL},
  {"shardCount unchanged is fine", LS_SMALL, "{\"shardCount\":2}", 0,
   BODY_SMALL("90", "30", "20") "}", SLSH_E_OK, NULL, NULL, NULL},
  {"rename refused", LS_SMALL, "{\"logstoreName\":\"b\"}", 0, NULL,
   SLSH_E_FIELD_LOCKED, "logstoreName", "cannot be renamed", NULL},
  {"mode change refused", LS_SMALL, "{\"mode\":\"query\"}", 0, NULL,
   SLSH_E_FIELD_LOCKED, "mode", "unless a mode change is explicitly "
   "allowed", "'standard'"},
  {"mode change allowed", LS_SMALL, "{\"mode\":\"query\"}",
   SLSH_LOGSTORE_ALLOW_MODE_CHANGE, "{\"logstoreName\":\"a\",\"ttl\":90,"
   "\"shardCount\":2,\"hot_ttl\":30,\"infrequentAccessTTL\":20,\"mode\":"
   "\"query\",\"telemetryType\":\"\",\"autoSplit\":false,"
   "\"maxSplitShard\":0}", SLSH_E_OK, NULL, NULL, NULL},
  {"mode standard where absent is no change", "{" LS_MIN "}",
   "{\"mode\":\"standard\"}", 0, "{" LS_MIN ",\"mode\":\"standard\"}",
   SLSH_E_OK, NULL, NULL, NULL},
  {"telemetryType change refused", LS_SMALL,
   "{\"telemetryType\":\"Metrics\"}", SLSH_LOGSTORE_ALLOW_MODE_CHANGE, NULL,
   SLSH_E_FIELD_LOCKED, "telemetryType", "telemetryType change", NULL},
  {"telemetryType change allowed", "{" LS_MIN "}",
   "{\"telemetryType\":\"Metrics\"}", SLSH_LOGSTORE_ALLOW_TELEMETRY_CHANGE,
   "{" LS_MIN ",\"telemetryType\":\"Metrics\"}", SLSH_E_OK, NULL, NULL,
   NULL},
  {"read-only unchanged is dropped", LS_SMALL,
   "{\"createTime\":1,\"ttl\":91}", 0, BODY_SMALL("91", "30", "20") "}",
   SLSH_E_OK, NULL, NULL, NULL},
  {"read-only changed refused", LS_SMALL, "{\"createTime\":2}", 0, NULL,
   SLSH_E_FIELD_LOCKED, "createTime", "read-only", NULL},
  {"read-only new refused", LS_SMALL, "{\"productType\":\"x\"}", 0, NULL,
   SLSH_E_FIELD_LOCKED, "productType", "absent now", NULL},
  {"null refused", LS_SMALL, "{\"hot_ttl\":null}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "hot_ttl", "cannot be removed", NULL},
  {"typo refused", LS_SMALL, "{\"tll\":180}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "tll", "unknown logstore field 'tll'",
   "did you mean 'ttl'?"},
  {"unknown key of the service replaced", "{" LS_MIN ",\"future\":1}",
   "{\"future\":{\"x\":2}}", 0, "{" LS_MIN ",\"future\":{\"x\":2}}",
   SLSH_E_OK, NULL, NULL, NULL},
  {"new known key appended", "{" LS_MIN ",\"mode\":\"query\"}",
   "{\"appendMeta\":true,\"enable_tracking\":false}", 0,
   "{" LS_MIN ",\"mode\":\"query\",\"appendMeta\":true,"
   "\"enable_tracking\":false}", SLSH_E_OK, NULL, NULL, NULL},
  {"boolean as string", LS_SMALL, "{\"appendMeta\":\"yes\"}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "appendMeta", "must be a boolean",
   "got the string 'yes'"},
  {"maxSplitShard too big", LS_SMALL, "{\"maxSplitShard\":300}", 0, NULL,
   SLSH_E_LOGSTORE_INVALID, "maxSplitShard", "300, out of range", "0-256"},
  {"autoSplit without maxSplitShard", LS_SMALL, "{\"autoSplit\":true}", 0,
   NULL, SLSH_E_LOGSTORE_INVALID, "maxSplitShard", "1-256 when autoSplit",
   NULL},
  {"autoSplit with maxSplitShard", "{" LS_MIN "}",
   "{\"autoSplit\":true,\"maxSplitShard\":64}", 0,
   "{" LS_MIN ",\"autoSplit\":true,\"maxSplitShard\":64}", SLSH_E_OK, NULL,
   NULL, NULL},
  {"mode not a string", LS_SMALL, "{\"mode\":1}",
   SLSH_LOGSTORE_ALLOW_MODE_CHANGE, NULL, SLSH_E_LOGSTORE_INVALID, "mode",
   "must be a string", "standard"},
  {"encrypt_conf through the transition check",
   LOGSTORE_ENC(SK("default", "true")),
   "{\"encrypt_conf\":" SK("sm4", "true") "}", 0, NULL,
   SLSH_E_ENCRYPT_TYPE_LOCKED, F_TYPE, PERM, NULL},
  {"encrypt_conf toggled with a ttl raise",
   LOGSTORE_ENC(SK("default", "true")),
   "{\"ttl\":365,\"encrypt_conf\":" SK("default", "false") "}", 0,
   "{\"logstoreName\":\"cloudfirewall-logstore\",\"ttl\":365,"
   "\"shardCount\":2,\"enable_tracking\":false,\"autoSplit\":true,"
   "\"maxSplitShard\":64,\"appendMeta\":true,\"telemetryType\":\"\","
   "\"encrypt_conf\":" SK("default", "false") "," BODY_TAIL "}",
   SLSH_E_OK, NULL, NULL, NULL},
  {"encrypt_conf kept when not changed", LOGSTORE_ENC(BYOK_A("true")),
   "{\"appendMeta\":false}", 0, NULL, SLSH_E_OK, NULL, NULL, NULL},
  {"the whole logstore as changes", LOGSTORE_ENC(BYOK_A("true")),
   LOGSTORE_ENC(BYOK_A("true")), 0, BODY_ENC(BYOK_A("true")), SLSH_E_OK,
   NULL, NULL, NULL},
  {"changes not an object", LS_SMALL, "[]", 0, NULL,
   SLSH_E_INVALID_ARGUMENT, "changes", "got an array", NULL},
};

static void test_merge_changes(void **state)
{
  struct slsh_err e;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(change_cases) / sizeof(change_cases[0]); i++) {
    const struct change_case *c = &change_cases[i];
    json_t *ls = load(c->logstore), *ch = load(c->changes);
    json_t *body = (json_t *)1;
    int rc = slsh_logstore_merge_changes(ls, ch, c->flags, &body, &e);

    if(c->code == SLSH_E_OK) {
      if(rc)
        fail_msg("%s: %s", c->name, e.message);
      if(c->body)
        assert_dump(body, c->body);
      else {
        /* encrypt_conf and the rest as read; only the change differs. */
        assert_true(json_equal(json_object_get(body, "encrypt_conf"),
                               json_object_get(ls, "encrypt_conf")));
        assert_true(json_is_false(json_object_get(body, "appendMeta")));
        assert_null(json_object_get(body, "createTime"));
      }
    }
    else {
      if(!rc)
        fail_msg("%s: accepted", c->name);
      assert_null(body);
      assert_err(&e, c->code, c->field, c->m1, c->m2, c->name);
    }
    json_decref(body);
    json_decref(ls);
    json_decref(ch);
  }
}

static void test_builders(void **state)
{
  struct slsh_err e;
  json_t *j;

  (void)state;
  j = slsh_encconf_byok(KEY_A, ARN_A, "cn-hangzhou", NULL, &e);
  assert_non_null(j);
  assert_dump(j, BYOK_A("true"));
  json_decref(j);
  j = slsh_encconf_byok(KEY_B, ARN_A, "cn-hangzhou", "sm4_gcm", &e);
  assert_dump(j, BYOK(KEY_B, ARN_A, "cn-hangzhou", "sm4_gcm", "true"));
  json_decref(j);
  j = slsh_encconf_service_key(NULL, &e);
  assert_dump(j, SK("default", "true"));
  json_decref(j);
  j = slsh_encconf_service_key("aes_ofb", &e);
  assert_dump(j, SK("aes_ofb", "true"));
  json_decref(j);

  assert_null(slsh_encconf_service_key("sm5", &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_TYPE, "'sm5'", TYPES,
             "service_key sm5");
  assert_null(slsh_encconf_byok(KEY_A, "acs:ram::1:role/a b",
                                "cn-hangzhou", NULL, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_ARN, "character ' '",
             RULE_A, "byok bad arn");
  assert_null(slsh_encconf_byok(KEY_A, ARN_A, "cn-hangzhou\xff", NULL, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_REG, "not valid UTF-8",
             NULL, "byok bad utf-8");
  assert_null(slsh_encconf_byok(KEY_A, NULL, "cn-hangzhou", NULL, &e));
  assert_err(&e, SLSH_E_INVALID_ARGUMENT, "arn", "required", NULL,
             "byok no arn");
  assert_null(slsh_encconf_byok("", ARN_A, "cn-hangzhou", NULL, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_KEY, "must not be empty",
             NULL, "byok empty key");
}

static void test_api_shape(void **state)
{
  struct slsh_err e;
  json_t *conf, *api, *back;

  (void)state;
  conf = load(BYOK_A("true"));
  api = slsh_encconf_to_api(conf, &e);
  assert_dump(api, "{\"enable\":true,\"encryptType\":\"default\","
              "\"userCmkInfo\":{\"keyId\":\"" KEY_A "\",\"roleArn\":\""
              ARN_A "\",\"regionId\":\"cn-hangzhou\"}}");
  back = slsh_encconf_from_api(api, &e);
  assert_true(json_equal(back, conf));
  json_decref(conf);
  json_decref(api);
  json_decref(back);

  conf = load("{\"enable\":false,\"encrypt_type\":\"sm4\","
              "\"user_cmk_info\":{}}");
  api = slsh_encconf_to_api(conf, &e);
  assert_dump(api, "{\"enable\":false,\"encryptType\":\"sm4\"}");
  json_decref(conf);
  json_decref(api);

  conf = load("{\"enable\":false}");
  api = slsh_encconf_to_api(conf, &e);
  assert_dump(api, "{\"enable\":false}");
  json_decref(conf);
  json_decref(api);

  conf = load("{\"enable\":true,\"encrypt_type\":\"aes\"}");
  assert_null(slsh_encconf_to_api(conf, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_TYPE, "'aes'", TYPES,
             "to_api bad type");
  json_decref(conf);

  api = load("{\"enable\":true,\"encryptType\":\"default\",\"userCmkInfo\":"
             "{\"keyId\":\"k\",\"roleArn\":\"" ARN_A "\",\"region\":\"x\"}}");
  assert_null(slsh_encconf_from_api(api, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, "encryption.userCmkInfo.region",
             "unknown key 'region'", "did you mean 'regionId'?",
             "from_api typo");
  json_decref(api);
  api = load("{\"enable\":true,\"encrypt_type\":\"default\"}");
  assert_null(slsh_encconf_from_api(api, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, "encryption.encrypt_type",
             "did you mean 'encryptType'?", NULL, "from_api snake");
  json_decref(api);
  api = load("{\"enable\":true,\"encryptType\":\"default\",\"userCmkInfo\":"
             "{\"keyId\":\"k\"}}");
  assert_null(slsh_encconf_from_api(api, &e));
  assert_err(&e, SLSH_E_ENCRYPT_CONF_INVALID, F_ARN, "required for BYOK",
             NULL, "from_api partial");
  json_decref(api);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_documents),
    cmocka_unit_test(test_good_documents),
    cmocka_unit_test(test_transition_matrix),
    cmocka_unit_test(test_transition_extra),
    cmocka_unit_test(test_parse_tolerance),
    cmocka_unit_test(test_with_enable),
    cmocka_unit_test(test_merge),
    cmocka_unit_test(test_merge_changes),
    cmocka_unit_test(test_builders),
    cmocka_unit_test(test_api_shape),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
