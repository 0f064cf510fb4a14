/* Shared between host.c, main.c and repl.c; not part of the public API. */
#ifndef SLSH_HOST_INTERNAL_H
#define SLSH_HOST_INTERNAL_H

#include <lua.h>

/* A state with the libraries and slsh loaded, global `slsh` set. */
lua_State *slsh_newstate(void);

/* lua_pcall under the message handler, with Ctrl-C handling. */
int slsh_docall(lua_State *L, int narg, int nres);

/* The signal (SIGINT, SIGTERM) that interrupted the running chunk, or 0. */
int slsh_interrupted(void);

/* On the next interrupt, only set the flag (slsh_interrupted) and give
 * the chunk `grace` seconds to finish before it is stopped; 0: stop it at
 * once (the default, reset after each chunk). */
void slsh_finish_on_interrupt(int grace);

/* Whether the last error the message handler saw was a bug (a raised
 * string or Lua error, not an slsh error object nor an interrupt). */
int slsh_last_error_was_bug(void);

/* The -v count: with 2 or more every error carries its traceback. */
void slsh_set_verbose(int verbose);

/* Push require(module)[name] (the host's C calls into its Lua modules;
 * raises if the module cannot be loaded, so call it protected). */
void slsh_push_modfn(lua_State *L, const char *module, const char *name);

#endif
