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
#include <unistd.h>

struct slsh_host {
  lua_State *L;
  char *error;          /* last error text, malloc'ed */
};

static lua_State *host_active;  /* state running a chunk, for signals */
static volatile sig_atomic_t host_signal;   /* SIGINT/SIGTERM received, or 0 */
static volatile sig_atomic_t host_finish;   /* seconds of grace, 0: stop now */
static int host_verbose;                    /* -v count: tracebacks at 2 */
static int host_bug;                  /* the last error looked like a bug */

/* Hook set on an interrupt: raise at the next Lua instruction. The value
 * raised is the bare string "interrupted" (no position), which the
 * message handler and main() recognise while host_signal is set. */
static void host_interrupted(lua_State *L, lua_Debug *ar)
{
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  lua_pushliteral(L, "interrupted");
  lua_error(L);
}

static void host_raise(void)
{
  if(host_active)
    lua_sethook(host_active, host_interrupted,
                LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* SIGALRM: the grace a finishing run had is over; stop it now. */
static void host_sigalrm(int sig)
{
  (void)sig;
  host_raise();
}

/* SIGINT and SIGTERM: only set a flag and a hook or an alarm (the only
 * async-signal-safe things to do). A plain script stops with an
 * "interrupted" error at a safe point; a workflow that asked to finish
 * (slsh_host_finish_on_interrupt) sees the flag, starts nothing new and
 * ends its items in flight, for at most the grace time. A second signal
 * ends the process at once. */
static void host_sigint(int sig)
{
  if(host_signal)
    _exit(128 + sig);
  host_signal = sig;
  if(host_finish > 0) {
    signal(SIGALRM, host_sigalrm);
    alarm((unsigned)host_finish);
  }
  else
    host_raise();
}

int slsh_interrupted(void)
{
  return (int)host_signal;
}

void slsh_finish_on_interrupt(int grace)
{
  host_finish = grace > 0 ? grace : 0;
}

int slsh_last_error_was_bug(void)
{
  return host_bug;
}

void slsh_set_verbose(int verbose)
{
  host_verbose = verbose;
}

/* An error object of the slsh.err kind that is not a Lua error in our own
 * code: the world's or the user's doing, told without a traceback. */
static int host_is_world_error(lua_State *L, int idx)
{
  int world = 0;

  if(lua_type(L, idx) != LUA_TTABLE)
    return 0;
  if(lua_getfield(L, idx, "code") == LUA_TSTRING) {
    const char *code = lua_tostring(L, -1);

    world = strcmp(code, "lua_error") != 0 && strcmp(code, "internal") != 0;
  }
  lua_pop(L, 1);
  return world;
}

/* Message handler: error objects and other values become text via
 * __tostring. A traceback is appended for bugs (a raised string or a
 * Lua error), and for anything with -v -v; an interrupt and the world's
 * errors (slsh.err objects) stay one line. */
static int host_msghandler(lua_State *L)
{
  const char *msg = lua_tostring(L, 1);
  int quiet = host_is_world_error(L, 1);

  if(host_signal && msg && !strcmp(msg, "interrupted"))
    quiet = 1;
  if(msg == NULL) {
    if(luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      msg = lua_tostring(L, -1);
    else
      msg = lua_pushfstring(L, "(error object is a %s value)",
                            luaL_typename(L, 1));
  }
  host_bug = !quiet;
  if(quiet && host_verbose < 2) {
    lua_pushstring(L, msg);
    return 1;
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

void slsh_push_modfn(lua_State *L, const char *module, const char *name)
{
  lua_getglobal(L, "require");
  lua_pushstring(L, module);
  lua_call(L, 1, 1);
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
}

int slsh_docall(lua_State *L, int narg, int nres)
{
  int base = lua_gettop(L) - narg;
  int status;

  lua_pushcfunction(L, host_msghandler);
  lua_insert(L, base);
  host_active = L;
  host_signal = 0;
  signal(SIGINT, host_sigint);
  signal(SIGTERM, host_sigint);
  status = lua_pcall(L, narg, nres, base);
  alarm(0);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  host_active = NULL;
  host_finish = 0;
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
