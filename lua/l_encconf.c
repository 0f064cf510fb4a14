/*
 * slsh.encconf.core: the Lua binding of core/encconf.c and of the logstore
 * checks and merges built on it (core/logstore.c), behind the facade
 * slsh.encrypt_conf (lua/slsh/encrypt_conf.lua). One binding serves both:
 * they share the document boxes below and one Lua facade.
 *
 * Documents cross as Lua tables through the JSON bridge (l_json.h), so key
 * order and the difference between {} and [] survive a GET -> merge -> PUT.
 * Misuse (an argument of the wrong Lua type) raises; a document that
 * breaks a rule, including one the bridge cannot turn into JSON, is the
 * world's problem: `nil, err` with err.field naming the offending path.
 *
 * Every jansson tree held here lives in a "box" userdata pushed before the
 * tree exists, so a Lua error (out of memory while pushing a result) can
 * never leak it: __gc frees whatever the box still holds.
 */
#include "lslsh.h"
#include "l_json.h"
#include "slsh/encconf.h"
#include "slsh/logstore.h"

#include <stdio.h>
#include <string.h>

/* Push an empty box (lslsh.h) and return its tree slot. */
static json_t **encconf_box(lua_State *L)
{
  return &slsh_box_push(L)->json;
}

/* Free what a box holds now rather than at the next collection. */
static void encconf_release(json_t **b)
{
  json_decref(*b);
  *b = NULL;
}

/* Raise unless argument `arg` is a table (or, when `optional`, nil or
 * slsh.json.null, which mean "no config"). */
static void encconf_checkdoc(lua_State *L, int arg, int optional)
{
  int t = lua_type(L, arg);

  if(t == LUA_TTABLE || (optional && (t == LUA_TNIL || t == LUA_TNONE ||
                                      t == LUA_TLIGHTUSERDATA)))
    return;
  luaL_typeerror(L, arg, optional ? "table, nil or slsh.json.null"
                 : "table");
}

/* Convert argument `arg` into *box. A value the bridge refuses is a
 * broken document: err gets its message with the path under `root`, and
 * for an encrypt_conf the code invalid_encrypt_conf. Returns 0 or -1. */
static int encconf_tojson(lua_State *L, int arg, const char *root,
                          json_t **box, struct slsh_err *err)
{
  char field[sizeof(err->field)];

  slsh_err_clear(err);
  if(lua_isnoneornil(L, arg))
    return 0;
  *box = slsh_lua_tojson(L, arg, err);
  if(*box)
    return 0;
  if(snprintf(field, sizeof(field), "%s%s%s", root,
              err->field[0] && err->field[0] != '[' ? "." : "",
              err->field) < 0)
    field[0] = '\0';
  memcpy(err->field, field, sizeof(field));
  if(err->code != SLSH_E_NOMEM && !strcmp(root, "encrypt_conf"))
    err->code = SLSH_E_ENCRYPT_CONF_INVALID;
  return -1;
}

/* validate(conf) -> true | nil, err */
static int encconf_validate(lua_State *L)
{
  json_t **conf;
  struct slsh_err err;
  int rc;

  encconf_checkdoc(L, 1, 0);
  conf = encconf_box(L);
  rc = encconf_tojson(L, 1, "encrypt_conf", conf, &err) ||
    slsh_encconf_validate(*conf, &err);
  encconf_release(conf);
  if(rc)
    return slsh_lua_fail(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* check_transition(current_or_nil, wanted) -> kind | nil, err */
static int encconf_check_transition(lua_State *L)
{
  enum slsh_encconf_kind kind;
  json_t **cur, **want;
  struct slsh_err err;
  int rc;

  encconf_checkdoc(L, 1, 1);
  encconf_checkdoc(L, 2, 0);
  cur = encconf_box(L);
  want = encconf_box(L);
  rc = encconf_tojson(L, 1, "encrypt_conf", cur, &err) ||
    encconf_tojson(L, 2, "encrypt_conf", want, &err) ||
    slsh_encconf_check_transition(*cur, *want, &kind, &err);
  encconf_release(cur);
  encconf_release(want);
  if(rc)
    return slsh_lua_fail(L, &err);
  lua_pushstring(L, slsh_encconf_kind_name(kind));
  return 1;
}

/* merge(logstore, conf) -> body, kind | nil, err */
static int encconf_merge(lua_State *L)
{
  enum slsh_encconf_kind kind;
  json_t **ls, **conf, **body;
  struct slsh_err err;

  encconf_checkdoc(L, 1, 0);
  encconf_checkdoc(L, 2, 0);
  ls = encconf_box(L);
  conf = encconf_box(L);
  body = encconf_box(L);
  if(encconf_tojson(L, 1, "logstore", ls, &err) ||
     encconf_tojson(L, 2, "encrypt_conf", conf, &err) ||
     slsh_encconf_check_transition(json_object_get(*ls, "encrypt_conf"),
                                   *conf, &kind, &err) ||
     slsh_logstore_merge_encconf(*ls, *conf, body, &err)) {
    encconf_release(ls);
    encconf_release(conf);
    return slsh_lua_fail(L, &err);
  }
  encconf_release(ls);
  encconf_release(conf);
  slsh_lua_pushjson(L, *body);
  encconf_release(body);
  lua_pushstring(L, slsh_encconf_kind_name(kind));
  return 2;
}

/* merge_changes(logstore, changes, flags) -> body | nil, err; the facade
 * turns the option table into `flags`. */
static int encconf_merge_changes(lua_State *L)
{
  lua_Integer flags;
  json_t **ls, **ch, **body;
  struct slsh_err err;

  encconf_checkdoc(L, 1, 0);
  encconf_checkdoc(L, 2, 0);
  flags = luaL_optinteger(L, 3, 0);
  ls = encconf_box(L);
  ch = encconf_box(L);
  body = encconf_box(L);
  if(encconf_tojson(L, 1, "logstore", ls, &err) ||
     encconf_tojson(L, 2, "changes", ch, &err) ||
     slsh_logstore_merge_changes(*ls, *ch, (unsigned)flags, body, &err)) {
    encconf_release(ls);
    encconf_release(ch);
    return slsh_lua_fail(L, &err);
  }
  encconf_release(ls);
  encconf_release(ch);
  slsh_lua_pushjson(L, *body);
  encconf_release(body);
  return 1;
}

/* check_logstore(doc, name?) -> true | nil, err: is `doc` (any value: a
 * decoded answer may be null or a string) a complete GetLogStore answer
 * for the logstore `name`? */
static int encconf_check_logstore(lua_State *L)
{
  const char *name = luaL_optstring(L, 2, NULL);
  struct slsh_err err;
  json_t **doc;
  int rc;

  luaL_checkany(L, 1);
  doc = encconf_box(L);
  rc = encconf_tojson(L, 1, "logstore", doc, &err) ||
    slsh_logstore_check(*doc, name, &err);
  encconf_release(doc);
  if(rc) {
    if(err.code != SLSH_E_NOMEM)
      err.code = SLSH_E_BAD_RESPONSE;
    return slsh_lua_fail(L, &err);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* check_body(body) -> true | nil, err (invalid_logstore): may `body` be
 * sent as a CreateLogStore body (the fields and types of a logstore)? */
static int encconf_check_body(lua_State *L)
{
  struct slsh_err err;
  json_t **doc;
  int rc;

  luaL_checkany(L, 1);
  doc = encconf_box(L);
  rc = encconf_tojson(L, 1, "body", doc, &err) ||
    slsh_logstore_check_body(*doc, &err);
  encconf_release(doc);
  if(rc)
    return slsh_lua_fail(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* creatable(logstore) -> body | nil, err: the CreateLogStore body that
 * recreates a (checked) GetLogStore answer, read-only fields left out. */
static int encconf_creatable(lua_State *L)
{
  struct slsh_err err;
  json_t **ls, **body;

  encconf_checkdoc(L, 1, 0);
  ls = encconf_box(L);
  body = encconf_box(L);
  if(encconf_tojson(L, 1, "logstore", ls, &err) ||
     slsh_logstore_creatable(*ls, body, &err)) {
    encconf_release(ls);
    return slsh_lua_fail(L, &err);
  }
  encconf_release(ls);
  slsh_lua_pushjson(L, *body);
  encconf_release(body);
  return 1;
}

/* Push the conf in *box (consumed) or fail with `err`. */
static int encconf_pushresult(lua_State *L, json_t **box,
                              const struct slsh_err *err)
{
  if(!*box)
    return slsh_lua_fail(L, err);
  slsh_lua_pushjson(L, *box);
  encconf_release(box);
  return 1;
}

/* String argument `arg` (nil allowed when `optional`) for a builder; no
 * number coercion. A NUL inside cannot reach the C string API, so it is
 * refused here as the validator would. Returns NULL when absent. */
static const char *encconf_strarg(lua_State *L, int arg, const char *name,
                                  int optional, struct slsh_err *err,
                                  int *bad)
{
  const char *s;
  size_t len;

  if(optional && lua_isnoneornil(L, arg))
    return NULL;
  if(lua_type(L, arg) != LUA_TSTRING)
    luaL_typeerror(L, arg, "string");
  s = lua_tolstring(L, arg, &len);
  if(strlen(s) != len && !*bad) {
    *bad = 1;
    slsh_err_set(err, SLSH_E_ENCRYPT_CONF_INVALID, name,
                 "%s contains a NUL byte at offset %zu", name, strlen(s));
  }
  return s;
}

/* byok(cmk_key_id, arn, region_id, encrypt_type?) -> conf | nil, err */
static int encconf_byok(lua_State *L)
{
  const char *key, *arn, *region, *type;
  struct slsh_err err;
  json_t **conf;
  int bad = 0;

  key = encconf_strarg(L, 1, "encrypt_conf.user_cmk_info.cmk_key_id", 0,
                       &err, &bad);
  arn = encconf_strarg(L, 2, "encrypt_conf.user_cmk_info.arn", 0, &err,
                       &bad);
  region = encconf_strarg(L, 3, "encrypt_conf.user_cmk_info.region_id", 0,
                          &err, &bad);
  type = encconf_strarg(L, 4, "encrypt_conf.encrypt_type", 1, &err, &bad);
  if(bad)
    return slsh_lua_fail(L, &err);
  conf = encconf_box(L);
  *conf = slsh_encconf_byok(key, arn, region, type, &err);
  return encconf_pushresult(L, conf, &err);
}

/* service_key(encrypt_type?) -> conf | nil, err */
static int encconf_service_key(lua_State *L)
{
  struct slsh_err err;
  const char *type;
  json_t **conf;
  int bad = 0;

  type = encconf_strarg(L, 1, "encrypt_conf.encrypt_type", 1, &err, &bad);
  if(bad)
    return slsh_lua_fail(L, &err);
  conf = encconf_box(L);
  *conf = slsh_encconf_service_key(type, &err);
  return encconf_pushresult(L, conf, &err);
}

/* with_enable(conf, enable) -> conf | nil, err */
static int encconf_with_enable(lua_State *L)
{
  json_t **cur, **out;
  struct slsh_err err;
  int enable;

  encconf_checkdoc(L, 1, 0);
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  enable = lua_toboolean(L, 2);
  cur = encconf_box(L);
  out = encconf_box(L);
  if(!encconf_tojson(L, 1, "encrypt_conf", cur, &err))
    *out = slsh_encconf_with_enable(*cur, enable, &err);
  encconf_release(cur);
  return encconf_pushresult(L, out, &err);
}

/* to_api(conf) / from_api(api) -> table | nil, err */
static int encconf_convert(lua_State *L, int to_api)
{
  json_t **in, **out;
  struct slsh_err err;

  encconf_checkdoc(L, 1, 0);
  in = encconf_box(L);
  out = encconf_box(L);
  if(!encconf_tojson(L, 1, to_api ? "encrypt_conf" : "encryption", in,
                     &err))
    *out = to_api ? slsh_encconf_to_api(*in, &err)
      : slsh_encconf_from_api(*in, &err);
  encconf_release(in);
  return encconf_pushresult(L, out, &err);
}

static int encconf_to_api(lua_State *L)
{
  return encconf_convert(L, 1);
}

static int encconf_from_api(lua_State *L)
{
  return encconf_convert(L, 0);
}

/* Set t[name] = s unless s is empty. */
static void encconf_setstr(lua_State *L, const char *name, const char *s)
{
  if(!*s)
    return;
  lua_pushstring(L, s);
  lua_setfield(L, -2, name);
}

/* parse(conf_or_nil) -> {mechanism=, enable=, enable_known=,
 * encrypt_type=, cmk_key_id=, arn=, region_id=} | nil, err */
static int encconf_parse(lua_State *L)
{
  struct slsh_encconf c;
  struct slsh_err err;
  json_t **conf;
  int rc;

  encconf_checkdoc(L, 1, 1);
  conf = encconf_box(L);
  rc = encconf_tojson(L, 1, "encrypt_conf", conf, &err) ||
    slsh_encconf_parse(*conf, &c, &err);
  encconf_release(conf);
  if(rc)
    return slsh_lua_fail(L, &err);
  lua_createtable(L, 0, 7);
  lua_pushstring(L, !c.present ? "none" : c.byok ? "byok" : "service_key");
  lua_setfield(L, -2, "mechanism");
  lua_pushboolean(L, c.enable);
  lua_setfield(L, -2, "enable");
  lua_pushboolean(L, c.enable_known);
  lua_setfield(L, -2, "enable_known");
  encconf_setstr(L, "encrypt_type", c.encrypt_type);
  if(c.byok) {
    encconf_setstr(L, "cmk_key_id", c.cmk_key_id);
    encconf_setstr(L, "arn", c.arn);
    encconf_setstr(L, "region_id", c.region_id);
  }
  return 1;
}

static const luaL_Reg encconf_funcs[] = {
  {"validate", encconf_validate},
  {"check_transition", encconf_check_transition},
  {"merge", encconf_merge},
  {"merge_changes", encconf_merge_changes},
  {"check_logstore", encconf_check_logstore},
  {"creatable", encconf_creatable},
  {"check_body", encconf_check_body},
  {"byok", encconf_byok},
  {"service_key", encconf_service_key},
  {"with_enable", encconf_with_enable},
  {"to_api", encconf_to_api},
  {"from_api", encconf_from_api},
  {"parse", encconf_parse},
  {NULL, NULL}
};

int luaopen_slsh_encconf_core(lua_State *L)
{
  int i;

  luaL_newlib(L, encconf_funcs);
  lua_newtable(L);
  for(i = 0; slsh_encconf_types[i]; i++) {
    lua_pushstring(L, slsh_encconf_types[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "valid_types");
  lua_newtable(L);
  for(i = 0; slsh_logstore_readonly[i]; i++) {
    lua_pushstring(L, slsh_logstore_readonly[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "readonly_fields");
  lua_pushinteger(L, SLSH_LOGSTORE_ALLOW_SHORTER_RETENTION);
  lua_setfield(L, -2, "ALLOW_SHORTER_RETENTION");
  lua_pushinteger(L, SLSH_LOGSTORE_ALLOW_MODE_CHANGE);
  lua_setfield(L, -2, "ALLOW_MODE_CHANGE");
  lua_pushinteger(L, SLSH_LOGSTORE_ALLOW_TELEMETRY_CHANGE);
  lua_setfield(L, -2, "ALLOW_TELEMETRY_CHANGE");
  return 1;
}
