/*
 * Error objects (docs/design.md, the error model): plain tables with a shared metatable, so
 * Lua code reads err.code / err.message directly, `assert(x, err)` raises
 * them, and `tostring(err)` gives one human line. Created from C core
 * errors here and from Lua with slsh.err.new{...}.
 */
#include "lslsh.h"

#include <string.h>

/* One line: "code: message (field f; service action; HTTP n; request r)". */
static int error__tostring(lua_State *L)
{
  static const char *const extra[] = {"field", "service", "action",
                                      "status", "request_id", NULL};
  static const char *const label[] = {"field ", "", "", "HTTP ",
                                      "request ", NULL};
  luaL_Buffer b;
  int i, n = 0;

  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_buffinit(L, &b);
  lua_getfield(L, 1, "code");
  if(lua_type(L, -1) == LUA_TSTRING) {
    luaL_addvalue(&b);
    luaL_addstring(&b, ": ");
  }
  else
    lua_pop(L, 1);
  lua_getfield(L, 1, "message");
  if(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)
    luaL_addvalue(&b);
  else {
    lua_pop(L, 1);
    luaL_addstring(&b, "error");
  }
  for(i = 0; extra[i]; i++) {
    lua_getfield(L, 1, extra[i]);
    if(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
      const char *s = lua_tostring(L, -1);

      if(*s) {
        luaL_addstring(&b, n++ ? "; " : " (");
        luaL_addstring(&b, label[i]);
        luaL_addstring(&b, s);
      }
    }
    lua_pop(L, 1);
  }
  if(n)
    luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

/* Push the shared metatable, creating it on first use. */
static void error_pushmeta(lua_State *L)
{
  if(luaL_newmetatable(L, SLSH_ERROR_MT)) {
    lua_pushcfunction(L, error__tostring);
    lua_setfield(L, -2, "__tostring");
  }
}

void slsh_lua_pusherr(lua_State *L, const struct slsh_err *e)
{
  lua_createtable(L, 0, 3);
  lua_pushstring(L, slsh_err_code(e->code));
  lua_setfield(L, -2, "code");
  lua_pushstring(L, e->message[0] ? e->message : slsh_err_text(e->code));
  lua_setfield(L, -2, "message");
  if(e->field[0]) {
    lua_pushstring(L, e->field);
    lua_setfield(L, -2, "field");
  }
  error_pushmeta(L);
  lua_setmetatable(L, -2);
}

int slsh_lua_fail(lua_State *L, const struct slsh_err *e)
{
  lua_pushnil(L);
  slsh_lua_pusherr(L, e);
  return 2;
}

const char *slsh_lua_strfield(lua_State *L, int idx, const char *name,
                              size_t *len, int required)
{
  const char *s;
  int t;

  idx = lua_absindex(L, idx);
  t = lua_getfield(L, idx, name);
  if(t == LUA_TNIL) {
    lua_pop(L, 1);
    if(required)
      luaL_error(L, "field '%s' is required (a string)", name);
    if(len)
      *len = 0;
    return NULL;
  }
  if(t != LUA_TSTRING)
    luaL_error(L, "field '%s' must be a string, got %s", name,
               luaL_typename(L, -1));
  s = lua_tolstring(L, -1, len);
  /* The table still holds the string, so it stays alive after the pop. */
  lua_pop(L, 1);
  return s;
}

/* slsh.err.new{code=, message=, ...}: make `t` an error object. */
static int err_new(lua_State *L)
{
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "code");
  luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 1,
                "error needs a string 'code'");
  lua_pop(L, 1);
  lua_settop(L, 1);
  error_pushmeta(L);
  lua_setmetatable(L, 1);
  return 1;
}

/* slsh.err.is(x): true when x is an error object. */
static int err_is(lua_State *L)
{
  int is = 0;

  if(lua_getmetatable(L, 1)) {
    luaL_getmetatable(L, SLSH_ERROR_MT);
    is = lua_rawequal(L, -1, -2);
  }
  lua_pushboolean(L, is);
  return 1;
}

/* slsh.err.codes: the list of slsh's own codes, {code = description}. */
static void err_pushcodes(lua_State *L)
{
  int i;

  lua_createtable(L, 0, SLSH_E__COUNT);
  for(i = 0; i < SLSH_E__COUNT; i++) {
    lua_pushstring(L, slsh_err_text((enum slsh_errcode)i));
    lua_setfield(L, -2, slsh_err_code((enum slsh_errcode)i));
  }
}

static const luaL_Reg err_funcs[] = {
  {"new", err_new},
  {"is", err_is},
  {NULL, NULL}
};

int luaopen_slsh_err_core(lua_State *L)
{
  luaL_newlib(L, err_funcs);
  err_pushcodes(L);
  lua_setfield(L, -2, "codes");
  error_pushmeta(L);
  lua_setfield(L, -2, "metatable");
  return 1;
}
