/*
 * Helpers shared by the Lua bindings (lua/ is the only code that includes
 * lua.h). Not installed; the public C surface is core/include/slsh/
 * and lua/include/slsh/host.h.
 */
#ifndef SLSH_LUA_H
#define SLSH_LUA_H

#include <lua.h>
#include <lauxlib.h>

#include <jansson.h>

#include "slsh/buf.h"
#include "slsh/err.h"

#define SLSH_ERROR_MT "slsh.error"

/* C memory held while Lua code that may raise runs (box.c): push the box
 * first, then fill it; a raised error frees the contents at collection,
 * slsh_box_free frees them now (the box stays usable, empty). */
struct slsh_box {
  json_t *json;                 /* owned reference, or NULL */
  struct slsh_buf buf;          /* owned; starts empty, default cap */
  void *ptr;                    /* anything else, freed by free_ptr */
  void (*free_ptr)(void *);     /* how to free ptr */
};

struct slsh_box *slsh_box_push(lua_State *L);
void slsh_box_free(struct slsh_box *b);

/* Push an error object (a table with code, message and, if set, field;
 * metatable "slsh.error") built from a core error. */
void slsh_lua_pusherr(lua_State *L, const struct slsh_err *e);

/* The world's failures: push `nil, err` and return 2. */
int slsh_lua_fail(lua_State *L, const struct slsh_err *e);

/* Read string field `name` of the table at `idx`. Raises a clear error
 * naming the field when it is present but not a string, or absent while
 * `required`. Returns NULL when absent and optional. */
const char *slsh_lua_strfield(lua_State *L, int idx, const char *name,
                              size_t *len, int required);

/* Register the C modules and embedded Lua sources in package.preload. */
void slsh_preload(lua_State *L);

/* Find an embedded (or, with SLSH_LUA_PATH, on-disk) bundled script and
 * push it as a loaded chunk; returns LUA_OK or pushes nil + message. */
int slsh_load_script(lua_State *L, const char *name);

/* Push a table {name = summary, ...} of the bundled scripts. */
void slsh_list_scripts(lua_State *L);

/* lua_CFunction: dir -> the names of its *.lua files (without ".lua"),
 * or nil when the directory cannot be read. slsh.scripts lists a user's
 * workflow directories with it. */
int slsh_script_dir(lua_State *L);

/* The interactive loop (repl.c). Returns an exit status. */
int slsh_repl(lua_State *L);

#endif
