/*
 * Bridge between Lua values and jansson trees, for the bindings that take
 * or give JSON documents (encrypt_conf, the clients). The rules are those
 * of slsh.json (lua/l_json.c): objects are plain tables whose key order is
 * remembered in a weak side table, arrays carry a shared metatable marker,
 * null is slsh.json.null.
 */
#ifndef SLSH_L_JSON_H
#define SLSH_L_JSON_H

#include <jansson.h>
#include <lua.h>
#include "slsh/err.h"

/* Convert the Lua value at idx to a new jansson value (caller owns the
   reference). Arrays/objects follow the same rules as slsh.json.encode,
   including remembered key order. On failure returns NULL and fills err
   (err->field = path of the offending value, e.g. "encrypt_conf.enable").
   Does not raise, except on Lua memory errors. */
json_t *slsh_lua_tojson(lua_State *L, int idx, struct slsh_err *err);

/* Push the Lua value of json: objects remember key order, arrays carry the
   array marker, null is slsh.json.null. Does not steal the reference. */
void slsh_lua_pushjson(lua_State *L, const json_t *json);

#endif
