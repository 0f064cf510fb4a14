/*
 * slsh.credentials.core: the credential resolver and the parsers of
 * credential answers (core/cred.c) for Lua.
 *
 * Credentials are userdata ("slsh.credentials") that keep the id, secret
 * and token in C memory, wiped when collected. Lua reads access_key_id,
 * source, expiration and has_token; the raw secret and token come only
 * from the methods cred:secret() and cred:token(), which the signing layer
 * calls and nothing that prints does. tostring() never shows them.
 */
#include "lslsh.h"
#include "slsh/buf.h"
#include "slsh/cred.h"

#include <stdlib.h>
#include <string.h>

#define CRED_MT "slsh.credentials"

struct lcred {
  struct slsh_cred *cred;     /* owned; NULL until filled */
  char *source;               /* owned; where they came from */
};

/* Push empty credentials; they own whatever is stored in them later. */
static struct lcred *cred_push(lua_State *L)
{
  struct lcred *c = lua_newuserdatauv(L, sizeof(*c), 0);

  c->cred = NULL;
  c->source = NULL;
  luaL_setmetatable(L, CRED_MT);
  return c;
}

/* Copy `source` into `c` (raises on no memory; `c` owns what it has). */
static void cred_setsource(lua_State *L, struct lcred *c, const char *source)
{
  free(c->source);
  c->source = strdup(source);
  if(!c->source)
    luaL_error(L, "out of memory");
}

/* The credentials at `idx`, or raise naming the expected type. */
static struct lcred *cred_check(lua_State *L, int idx)
{
  return luaL_checkudata(L, idx, CRED_MT);
}

/* __gc and __close: wipe and free. Idempotent. */
static int cred__gc(lua_State *L)
{
  struct lcred *c = cred_check(L, 1);

  slsh_cred_free(c->cred);
  c->cred = NULL;
  free(c->source);
  c->source = NULL;
  return 0;
}

/* credentials(<source> <id> secret=*** token=*** expires <iso>) */
static int cred__tostring(lua_State *L)
{
  struct lcred *c = cred_check(L, 1);
  char when[SLSH_CRED_TIMELEN];
  luaL_Buffer b;

  if(!c->cred) {
    lua_pushliteral(L, "credentials(empty)");
    return 1;
  }
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "credentials(");
  luaL_addstring(&b, c->source ? c->source : "?");
  luaL_addchar(&b, ' ');
  luaL_addstring(&b, c->cred->access_key_id);
  luaL_addstring(&b, " secret=***");
  if(c->cred->security_token)
    luaL_addstring(&b, " token=***");
  if(c->cred->expiration) {
    slsh_cred_format_time(c->cred->expiration, when);
    luaL_addstring(&b, " expires ");
    luaL_addstring(&b, when);
  }
  luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

/* cred:secret() -> the AccessKeySecret, for the signing layer only. */
static int cred_secret(lua_State *L)
{
  struct lcred *c = cred_check(L, 1);

  luaL_argcheck(L, c->cred != NULL, 1, "credentials are empty");
  lua_pushstring(L, c->cred->access_key_secret);
  return 1;
}

/* cred:token() -> the SecurityToken or nil, for the signing layer only. */
static int cred_token(lua_State *L)
{
  struct lcred *c = cred_check(L, 1);

  luaL_argcheck(L, c->cred != NULL, 1, "credentials are empty");
  if(c->cred->security_token)
    lua_pushstring(L, c->cred->security_token);
  else
    lua_pushnil(L);
  return 1;
}

/* Fields: access_key_id, source, expiration (nil if none), has_token;
 * methods: secret, token. Anything else is nil. */
static int cred__index(lua_State *L)
{
  struct lcred *c = cred_check(L, 1);
  const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "";

  if(!strcmp(k, "secret"))
    lua_pushcfunction(L, cred_secret);
  else if(!strcmp(k, "token"))
    lua_pushcfunction(L, cred_token);
  else if(!c->cred)
    lua_pushnil(L);
  else if(!strcmp(k, "access_key_id"))
    lua_pushstring(L, c->cred->access_key_id);
  else if(!strcmp(k, "source"))
    lua_pushstring(L, c->source ? c->source : "");
  else if(!strcmp(k, "expiration")) {
    if(c->cred->expiration)
      lua_pushinteger(L, (lua_Integer)c->cred->expiration);
    else
      lua_pushnil(L);
  }
  else if(!strcmp(k, "has_token"))
    lua_pushboolean(L, c->cred->security_token != NULL);
  else
    lua_pushnil(L);
  return 1;
}

/* Credentials are values: any assignment is misuse. */
static int cred__newindex(lua_State *L)
{
  return luaL_error(L, "credentials are read-only (field '%s')",
                    luaL_tolstring(L, 2, NULL));
}

/* Raise on keys of table `idx` that are not in `valid`. */
static void check_keys(lua_State *L, int idx, const char *what,
                       const char *const *valid, const char *list)
{
  int i;

  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while(lua_next(L, idx)) {
    lua_pop(L, 1);
    for(i = 0; valid[i]; i++)
      if(lua_type(L, -1) == LUA_TSTRING &&
         !strcmp(lua_tostring(L, -1), valid[i]))
        break;
    if(!valid[i])
      luaL_error(L, "%s: unknown option '%s' (valid: %s)", what,
                 luaL_tolstring(L, -1, NULL), list);
  }
}

/* new{access_key_id=, access_key_secret=, security_token=?,
 *     expiration=?, source=?} -> credentials (what a fetcher builds). */
static int cred_new(lua_State *L)
{
  static const char *const valid[] = {"access_key_id", "access_key_secret",
                                      "security_token", "expiration",
                                      "source", NULL};
  const char *id, *secret, *token, *source;
  lua_Integer exp = 0;
  struct slsh_err e;
  struct lcred *c;
  int isint;

  luaL_checktype(L, 1, LUA_TTABLE);
  check_keys(L, 1, "credentials.new", valid,
             "access_key_id, access_key_secret, security_token, "
             "expiration, source");
  id = slsh_lua_strfield(L, 1, "access_key_id", NULL, 1);
  secret = slsh_lua_strfield(L, 1, "access_key_secret", NULL, 1);
  token = slsh_lua_strfield(L, 1, "security_token", NULL, 0);
  source = slsh_lua_strfield(L, 1, "source", NULL, 0);
  if(lua_getfield(L, 1, "expiration") != LUA_TNIL) {
    exp = lua_tointegerx(L, -1, &isint);
    if(!isint || exp < 0)
      luaL_error(L, "field 'expiration' must be a non-negative integer "
                 "(Unix seconds), got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  c = cred_push(L);
  cred_setsource(L, c, source ? source : "explicit");
  c->cred = slsh_cred_new(id, secret, token, (long long)exp, &e);
  if(!c->cred)
    return luaL_error(L, "%s", e.message);
  return 1;
}

/* Shared body of the three answer parsers: (body [, source]). */
static int cred_parse(lua_State *L,
                      int (*parse)(const char *, size_t,
                                   struct slsh_cred **, struct slsh_err *),
                      const char *dflt)
{
  const char *body, *source;
  struct slsh_err e;
  struct lcred *c;
  size_t len;

  body = luaL_checklstring(L, 1, &len);
  source = luaL_optstring(L, 2, dflt);
  c = cred_push(L);
  cred_setsource(L, c, source);
  if(parse(body, len, &c->cred, &e))
    return slsh_lua_fail(L, &e);
  return 1;
}

/* parse_imds(body [, source]) -> credentials | nil, err */
static int cred_parse_imds(lua_State *L)
{
  return cred_parse(L, slsh_cred_parse_imds, "ecs_ram_role");
}

/* parse_uri_response(body [, source]) -> credentials | nil, err */
static int cred_parse_uri(lua_State *L)
{
  return cred_parse(L, slsh_cred_parse_uri_response, "credentials_uri");
}

/* parse_assume_role(body [, source]) -> credentials | nil, err */
static int cred_parse_assume_role(lua_State *L)
{
  return cred_parse(L, slsh_cred_parse_assume_role, "assume_role");
}

/* needs_refresh(expiration|nil, now, margin) -> boolean */
static int cred_needs_refresh(lua_State *L)
{
  lua_Integer exp = luaL_optinteger(L, 1, 0);
  lua_Integer now = luaL_checkinteger(L, 2);
  lua_Integer margin = luaL_checkinteger(L, 3);

  lua_pushboolean(L, slsh_cred_needs_refresh(exp, now, margin));
  return 1;
}

/* parse_time("2024-01-02T03:04:05Z") -> Unix seconds | nil, err */
static int cred_parse_time(lua_State *L)
{
  const char *s = luaL_checkstring(L, 1);
  struct slsh_err e;
  long long t;

  if(slsh_cred_parse_time(s, &t)) {
    slsh_err_set(&e, SLSH_E_INVALID_ARGUMENT, NULL,
                 "not a UTC time like 2024-01-02T03:04:05Z");
    return slsh_lua_fail(L, &e);
  }
  lua_pushinteger(L, (lua_Integer)t);
  return 1;
}

/* format_time(seconds) -> "2024-01-02T03:04:05Z" */
static int cred_format_time(lua_State *L)
{
  char buf[SLSH_CRED_TIMELEN];

  slsh_cred_format_time((long long)luaL_checkinteger(L, 1), buf);
  lua_pushstring(L, buf);
  return 1;
}

/* is(x) -> true when x is a credentials object. */
static int cred_is(lua_State *L)
{
  lua_pushboolean(L, luaL_testudata(L, 1, CRED_MT) != NULL);
  return 1;
}

/* slsh_cred_source_free for a box's free_ptr. */
static void cred_source_free(void *src)
{
  slsh_cred_source_free(src);
}

/* Set t.looked = {lines of `looked`} on the table on top of the stack. */
static void push_looked(lua_State *L, const struct slsh_buf *looked)
{
  const char *p = slsh_buf_str(looked), *nl;
  int i = 0;

  lua_newtable(L);
  while(*p) {
    nl = strchr(p, '\n');
    if(!nl)
      nl = p + strlen(p);
    lua_pushlstring(L, p, (size_t)(nl - p));
    lua_rawseti(L, -2, ++i);
    p = *nl ? nl + 1 : nl;
  }
  lua_setfield(L, -2, "looked");
}

/* t[k] = v on the table on top of the stack, unless v is NULL. */
static void setstr(lua_State *L, const char *k, const char *v)
{
  if(v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
  }
}

/* Push a spec table for source `s`; static credentials move out of `s`
 * into a credentials userdata. */
static void spec_push(lua_State *L, struct slsh_cred_source *s)
{
  struct lcred *c;

  luaL_checkstack(L, 8, "credential chain too deep");
  lua_createtable(L, 0, 12);
  setstr(L, "kind", slsh_cred_kind_name(s->kind));
  setstr(L, "origin", s->origin);
  if(s->implicit) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "implicit");
  }
  switch(s->kind) {
  case SLSH_CRED_STATIC:
    c = cred_push(L);
    c->cred = s->cred;
    s->cred = NULL;
    cred_setsource(L, c, s->origin);
    lua_setfield(L, -2, "credentials");
    break;
  case SLSH_CRED_RAM_ROLE_ARN:
    setstr(L, "role_arn", s->role_arn);
    setstr(L, "session_name", s->session_name);
    lua_pushinteger(L, (lua_Integer)s->duration);
    lua_setfield(L, -2, "duration");
    setstr(L, "external_id", s->external_id);
    setstr(L, "policy", s->policy);
    setstr(L, "sts_region", s->sts_region);
    setstr(L, "sts_endpoint", s->sts_endpoint);
    spec_push(L, s->source);
    lua_setfield(L, -2, "source");
    break;
  case SLSH_CRED_ECS_RAM_ROLE:
    setstr(L, "role_name", s->role_name);
    lua_pushboolean(L, s->imdsv1_disabled);
    lua_setfield(L, -2, "imdsv1_disabled");
    break;
  case SLSH_CRED_URI:
    setstr(L, "uri", s->uri);
    break;
  }
  if(s->fallback) {
    spec_push(L, s->fallback);
    lua_setfield(L, -2, "fallback");
  }
}

/* resolve{profile=?, access_key_id=?, access_key_secret=?,
 *         security_token=?, env=?} -> spec | nil, err
 * `env` is a table {NAME = value} used instead of the process
 * environment. The spec is a table {kind=, origin=, ...} as described in
 * cred.h, with static credentials as a credentials object. */
static int cred_resolve(lua_State *L)
{
  static const char *const valid[] = {"profile", "access_key_id",
                                      "access_key_secret", "security_token",
                                      "env", NULL};
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  const char **envp;
  struct slsh_err e;
  struct slsh_box *box;
  struct slsh_cred_source *src = NULL;
  int n = 0, env;

  if(lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  check_keys(L, 1, "credentials.resolve", valid,
             "profile, access_key_id, access_key_secret, security_token, "
             "env");
  o.profile = slsh_lua_strfield(L, 1, "profile", NULL, 0);
  o.access_key_id = slsh_lua_strfield(L, 1, "access_key_id", NULL, 0);
  o.access_key_secret = slsh_lua_strfield(L, 1, "access_key_secret", NULL,
                                          0);
  o.security_token = slsh_lua_strfield(L, 1, "security_token", NULL, 0);
  lua_settop(L, 1);
  if(lua_getfield(L, 1, "env") != LUA_TNIL) {
    luaL_argcheck(L, lua_istable(L, 2), 1, "field 'env' must be a table");
    env = 2;
    lua_newtable(L);                    /* 3: keeps the "K=V" strings */
    lua_pushnil(L);
    while(lua_next(L, env)) {
      if(lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "field 'env' must map strings to strings");
      lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
      lua_rawseti(L, 3, ++n);
      lua_pop(L, 1);
    }
    envp = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof(*envp), 0);
    for(env = 0; env < n; env++) {
      lua_rawgeti(L, 3, env + 1);
      envp[env] = lua_tostring(L, -1);  /* kept alive by table 3 */
      lua_pop(L, 1);
    }
    envp[n] = NULL;
    o.env = envp;
  }
  /* What resolve hands back is parked in a box while it is turned into
   * tables, so that a Lua error on the way frees it. */
  box = slsh_box_push(L);
  box->free_ptr = cred_source_free;
  if(slsh_cred_resolve(&o, &src, &box->buf, &e)) {
    box->ptr = src;
    if(e.code == SLSH_E_INVALID_ARGUMENT) {  /* contradictory options */
      slsh_box_free(box);
      return luaL_error(L, "%s", e.message);
    }
    lua_pushnil(L);
    slsh_lua_pusherr(L, &e);
    push_looked(L, &box->buf);
    return 2;
  }
  box->ptr = src;
  spec_push(L, src);
  push_looked(L, &box->buf);
  slsh_box_free(box);
  return 1;
}

static const luaL_Reg cred_meta[] = {
  {"__gc", cred__gc},
  {"__close", cred__gc},
  {"__tostring", cred__tostring},
  {"__index", cred__index},
  {"__newindex", cred__newindex},
  {NULL, NULL}
};

static const luaL_Reg cred_funcs[] = {
  {"resolve", cred_resolve},
  {"new", cred_new},
  {"parse_imds", cred_parse_imds},
  {"parse_uri_response", cred_parse_uri},
  {"parse_assume_role", cred_parse_assume_role},
  {"needs_refresh", cred_needs_refresh},
  {"parse_time", cred_parse_time},
  {"format_time", cred_format_time},
  {"is", cred_is},
  {NULL, NULL}
};

int luaopen_slsh_cred_core(lua_State *L)
{
  luaL_newmetatable(L, CRED_MT);
  luaL_setfuncs(L, cred_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, cred_funcs);
  return 1;
}
