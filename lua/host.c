/*
 * The embeddable host (lua/include/slsh/host.h) and the pieces of the
 * command-line program that are not about parsing its arguments: running a
 * chunk under a message handler, turning error objects into text, and
 * Ctrl-C handling in the manner of lua.c.
 */
#include "lslsh.h"
#include "host_internal.h"
#include "slsh/host.h"

#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slsh_host {
  lua_State *L;
  char *error;          /* last error text, malloc'ed */
};

static lua_State *host_active;  /* state running a chunk, for SIGINT */

/* Hook set by the signal handler: raise at the next Lua instruction. */
static void host_interrupted(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted");
}

/* Ctrl-C: only set a hook (the only async-signal-safe thing to do); the
 * running script then stops with an "interrupted" error at a safe point.
 * A second Ctrl-C falls back to the default action. */
static void host_sigint(int sig)
{
  signal(sig, SIG_DFL);
  if(host_active)
    lua_sethook(host_active, host_interrupted,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Message handler: error objects and other values become text via
 * __tostring, and a traceback is appended. */
static int host_msghandler(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);

  if(msg == NULL) {
    if(luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int slsh_docall(lua_State *L, int narg, int nres)
{
  int base = lua_gettop(L) - narg;
  int status;

  lua_pushcfunction(L, host_msghandler);
  lua_insert(L, base);
  host_active = L;
  signal(SIGINT, host_sigint);
  status = lua_pcall(L, narg, nres, base);
  signal(SIGINT, SIG_DFL);
  host_active = NULL;
  lua_remove(L, base);
  return status;
}

/* Open the libraries and the slsh modules; define the global `slsh`. */
static int host_init(lua_State *L)
{
  luaL_openlibs(L);
  slsh_preload(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "slsh");
  lua_call(L, 1, 1);
  lua_setglobal(L, "slsh");
  lua_gc(L, LUA_GCGEN, 0, 0);
  return 0;
}

lua_State *slsh_newstate(void)
{
  lua_State *L = luaL_newstate();

  if(!L)
    return NULL;
  lua_pushcfunction(L, host_init);
  if(slsh_docall(L, 0, 0) != LUA_OK) {
    fprintf(stderr, "slsh: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  return L;
}

/* Remember the message on top of the stack as the host's error. */
static int host_seterror(struct slsh_host *h)
{
  const char *msg = lua_tostring(h->L, -1);

  free(h->error);
  h->error = strdup(msg ? msg : "(no message)");
  lua_pop(h->L, 1);
  return 1;
}

struct slsh_host *slsh_host_new(void)
{
  struct slsh_host *h = calloc(1, sizeof(*h));

  if(!h)
    return NULL;
  h->L = slsh_newstate();
  if(!h->L) {
    free(h);
    return NULL;
  }
  return h;
}

struct lua_State *slsh_host_state(struct slsh_host *h)
{
  return h->L;
}

int slsh_host_dostring(struct slsh_host *h, const char *code,
                       const char *chunkname)
{
  if(luaL_loadbuffer(h->L, code, strlen(code), chunkname ? chunkname : code)
     != LUA_OK || slsh_docall(h->L, 0, 0) != LUA_OK)
    return host_seterror(h);
  return 0;
}

int slsh_host_dofile(struct slsh_host *h, const char *path, int argc,
                     const char *const *argv)
{
  int i;

  lua_createtable(h->L, argc, 1);
  lua_pushstring(h->L, path ? path : "-");
  lua_rawseti(h->L, -2, 0);
  for(i = 0; i < argc; i++) {
    lua_pushstring(h->L, argv[i]);
    lua_rawseti(h->L, -2, i + 1);
  }
  lua_setglobal(h->L, "arg");
  if(luaL_loadfile(h->L, path) != LUA_OK)
    return host_seterror(h);
  for(i = 0; i < argc; i++)
    lua_pushstring(h->L, argv[i]);
  if(slsh_docall(h->L, argc, 0) != LUA_OK)
    return host_seterror(h);
  return 0;
}

const char *slsh_host_error(struct slsh_host *h)
{
  return h->error ? h->error : "";
}

void slsh_host_close(struct slsh_host *h)
{
  if(!h)
    return;
  lua_close(h->L);
  free(h->error);
  free(h);
}
