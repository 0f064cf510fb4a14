/*
 * Embedding the slsh host in a C program: a Lua state with the standard
 * libraries, every slsh module preloaded and the global `slsh` defined.
 *
 *   struct slsh_host *h = slsh_host_new();
 *   if(slsh_host_dostring(h, "print(slsh.version)", "=demo"))
 *     fprintf(stderr, "%s\n", slsh_host_error(h));
 *   slsh_host_close(h);
 *
 * Link with libslsh.a and the libraries of `pkg-config --libs lua5.4
 * libcurl openssl jansson libedit`. This header does not include lua.h;
 * slsh_host_state() gives the lua_State for callers that want the Lua API.
 */
#ifndef SLSH_HOST_H
#define SLSH_HOST_H

struct lua_State;
struct slsh_host;

/* A new host, or NULL when out of memory. */
struct slsh_host *slsh_host_new(void);

/* The host's Lua state (owned by the host). */
struct lua_State *slsh_host_state(struct slsh_host *h);

/* Run a chunk of Lua source. Returns 0, or 1 with the message (and a
 * traceback) available from slsh_host_error(). */
int slsh_host_dostring(struct slsh_host *h, const char *code,
                       const char *chunkname);

/* Run a file (NULL = standard input) with `argc` strings as its `...` and
 * the global `arg`. Same return convention. */
int slsh_host_dofile(struct slsh_host *h, const char *path, int argc,
                     const char *const *argv);

/* The last error message, or "" (valid until the next call). */
const char *slsh_host_error(struct slsh_host *h);

/* Close the state and free the host; NULL is allowed. */
void slsh_host_close(struct slsh_host *h);

#endif
