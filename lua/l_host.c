/*
 * slsh.host.core: what scripts need from the machine and that plain Lua
 * lacks: clocks, sleeping, randomness, terminals, the version.
 */
#include "lslsh.h"
#include "slsh/text.h"
#include "slsh/util.h"

#include <stdlib.h>
#include <unistd.h>

#ifndef SLSH_VERSION
#define SLSH_VERSION "0.0.0"
#endif

/* monotime() -> seconds on a monotonic clock. */
static int host_monotime(lua_State *L)
{
  lua_pushnumber(L, slsh_monotime());
  return 1;
}

/* time() -> seconds since the epoch, with fractions. */
static int host_time(lua_State *L)
{
  lua_pushnumber(L, slsh_walltime());
  return 1;
}

/* sleep(seconds) */
static int host_sleep(lua_State *L)
{
  slsh_sleep(luaL_checknumber(L, 1));
  return 0;
}

/* random_hex(nbytes) -> lower-case hex of fresh random bytes. */
static int host_random_hex(lua_State *L)
{
  unsigned char raw[64];
  char hex[128];
  lua_Integer n = luaL_optinteger(L, 1, 16);

  luaL_argcheck(L, n > 0 && n <= 64, 1, "between 1 and 64 bytes");
  if(slsh_random(raw, (size_t)n))
    return luaL_error(L, "no random bytes available");
  slsh_hex(hex, raw, (size_t)n, 0);
  lua_pushlstring(L, hex, (size_t)n * 2);
  return 1;
}

/* isatty(fd) -> boolean (0 stdin, 1 stdout, 2 stderr). */
static int host_isatty(lua_State *L)
{
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* getpid() -> integer */
static int host_getpid(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

static const luaL_Reg host_funcs[] = {
  {"monotime", host_monotime},
  {"time", host_time},
  {"sleep", host_sleep},
  {"random_hex", host_random_hex},
  {"isatty", host_isatty},
  {"getpid", host_getpid},
  {NULL, NULL}
};

int luaopen_slsh_host_core(lua_State *L)
{
  luaL_newlib(L, host_funcs);
  lua_pushliteral(L, SLSH_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
