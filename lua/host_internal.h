/* Shared between host.c, main.c and repl.c; not part of the public API. */
#ifndef SLSH_HOST_INTERNAL_H
#define SLSH_HOST_INTERNAL_H

#include <lua.h>

/* A state with the libraries and slsh loaded, global `slsh` set. */
lua_State *slsh_newstate(void);

/* lua_pcall under the message handler, with Ctrl-C handling. */
int slsh_docall(lua_State *L, int narg, int nres);

#endif
