/*
 * slsh.host.core: what scripts need from the machine and that plain Lua
 * lacks: clocks, sleeping, randomness, terminals, the version.
 */
#include "lslsh.h"
#include "slsh/text.h"
#include "slsh/util.h"
#include "host_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

/* interrupted() -> "SIGINT" | "SIGTERM" | false: whether the user asked
 * the running chunk to stop (see finish_on_interrupt). */
static int host_interrupted_sig(lua_State *L)
{
  int sig = slsh_interrupted();

  if(sig == SIGTERM)
    lua_pushliteral(L, "SIGTERM");
  else if(sig)
    lua_pushliteral(L, "SIGINT");
  else
    lua_pushboolean(L, 0);
  return 1;
}

/* finish_on_interrupt(grace): on Ctrl-C or SIGTERM do not stop the chunk
 * but set the flag interrupted() reports, and stop it only if it has not
 * ended `grace` seconds later (a second signal ends the process). */
static int host_finish_on_interrupt(lua_State *L)
{
  lua_Integer grace = luaL_checkinteger(L, 1);

  luaL_argcheck(L, grace >= 1 && grace <= 3600, 1, "between 1 and 3600");
  slsh_finish_on_interrupt((int)grace);
  return 0;
}

/* create_private(path) -> true | nil, message: create `path` empty, or
 * leave an existing file as it is, so that a report or journal that may
 * name the estate is readable by its owner only (mode 0600). */
static int host_create_private(lua_State *L)
{
  const char *path = luaL_checkstring(L, 1);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  if(fd < 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  close(fd);
  lua_pushboolean(L, 1);
  return 1;
}

/* file_kind(path) -> "file" | "directory" | "other" | nil (absent): what
 * `path` itself is (a link is "other": it is not followed), so that an
 * output written as temporary file + rename never replaces a device, a
 * pipe or a link. */
static int host_file_kind(lua_State *L)
{
  const char *path = luaL_checkstring(L, 1);
  struct stat st;

  if(lstat(path, &st) != 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, S_ISREG(st.st_mode) ? "file" :
                    S_ISDIR(st.st_mode) ? "directory" : "other");
  return 1;
}

static const luaL_Reg host_funcs[] = {
  {"file_kind", host_file_kind},
  {"interrupted", host_interrupted_sig},
  {"finish_on_interrupt", host_finish_on_interrupt},
  {"create_private", host_create_private},
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
