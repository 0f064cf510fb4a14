/*
 * slsh.logs.core: the Lua binding of core/logs.c, behind the facade
 * slsh.logs (lua/slsh/logs.lua), which also accepts friendlier shapes.
 *
 * Here a group is always the normalised table
 *   {topic=?, source=?, tags={{k, v}, ...},
 *    logs={{time=, time_ns=?, contents={{k, v}, ...}}, ...}}
 * Misuse (a wrong Lua type anywhere in it) raises naming the path; bytes
 * that are not a log body are the world's problem: nil, err.
 *
 * The arrays handed to the core live in userdata, so a raise while they
 * are filled leaks nothing; the strings they point at are the Lua strings
 * of argument 1, alive for the whole call. A decoded list lives in a box.
 */
#include "lslsh.h"
#include "slsh/logs.h"

#include <string.h>

/* The element `i` of the table at `t`, which must be a table: pushed. */
static void logs_subtable(lua_State *L, int t, const char *name, lua_Integer i,
                          const char *path)
{
  if(lua_geti(L, t, i) != LUA_TTABLE)
    luaL_error(L, "bad log groups: %s.%s[%d] must be a table, not %s", path,
               name, (int)i, luaL_typename(L, -1));
}

/* The string at key `k` (a number index or a field name) of the table on
 * top, or NULL when nil and optional. */
static const char *logs_str(lua_State *L, int t, const char *field,
                            lua_Integer idx, size_t *len, int required,
                            const char *path)
{
  const char *s;
  int ty = field ? lua_getfield(L, t, field) : lua_geti(L, t, idx);

  if(ty == LUA_TNIL && !required) {
    lua_pop(L, 1);
    return NULL;
  }
  if(ty != LUA_TSTRING)
    luaL_error(L, "bad log groups: %s%s%s must be a string, not %s", path,
               field ? "." : "", field ? field : (idx == 1 ? "[1] (key)"
                                                  : "[2] (value)"),
               luaL_typename(L, -1));
  s = lua_tolstring(L, -1, len);
  lua_pop(L, 1);                /* still referenced by the table */
  return s;
}

/* Fill `kv` from the list of {k, v} pairs in field `name` of table `t`. */
static size_t logs_pairs(lua_State *L, int t, const char *name,
                         struct slsh_log_kv *kv, const char *path)
{
  size_t i, n;
  int list;

  if(lua_getfield(L, t, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if(!lua_istable(L, -1))
    luaL_error(L, "bad log groups: %s.%s must be a list, not %s", path, name,
               luaL_typename(L, -1));
  list = lua_gettop(L);
  n = lua_rawlen(L, list);
  for(i = 0; i < n; i++) {
    logs_subtable(L, list, name, (lua_Integer)i + 1, path);
    if(kv) {
      kv[i].key = logs_str(L, lua_gettop(L), NULL, 1, &kv[i].key_len, 1, path);
      kv[i].value = logs_str(L, lua_gettop(L), NULL, 2, &kv[i].value_len, 1,
                             path);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return n;
}

/* A zeroed array in a userdata anchored in the table at index `anchor`
 * (so the stack does not grow with the number of logs). */
static void *logs_array(lua_State *L, int anchor, size_t n, size_t size)
{
  void *p;

  if(n && size > (size_t)-1 / n)
    luaL_error(L, "too many log groups");
  p = lua_newuserdatauv(L, n ? n * size : 1, 0);
  memset(p, 0, n ? n * size : 1);
  lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
  return p;
}

/* Read the normalised groups of argument 1 into userdata arrays anchored
 * in the table at `anchor` and return the group array. */
static struct slsh_log_group *logs_fromlua(lua_State *L, int anchor,
                                           size_t *ngroups)
{
  struct slsh_log_group *groups;
  size_t n, i, j, nl;
  int g, logs, l, ok;
  lua_Integer t;

  luaL_checktype(L, 1, LUA_TTABLE);
  n = lua_rawlen(L, 1);
  groups = logs_array(L, anchor, n, sizeof(*groups));
  for(i = 0; i < n; i++) {
    struct slsh_log_group *gr = &groups[i];
    struct slsh_log_entry *e;

    logs_subtable(L, 1, "groups", (lua_Integer)i + 1, "");
    g = lua_gettop(L);
    gr->topic = logs_str(L, g, "topic", 0, &gr->topic_len, 0, "group");
    gr->source = logs_str(L, g, "source", 0, &gr->source_len, 0, "group");
    gr->ntags = logs_pairs(L, g, "tags", NULL, "group");
    gr->tags = logs_array(L, anchor, gr->ntags, sizeof(*gr->tags));
    logs_pairs(L, g, "tags", gr->tags, "group");
    if(lua_getfield(L, g, "logs") != LUA_TTABLE)
      luaL_error(L, "bad log groups: group.logs must be a list, not %s",
                 luaL_typename(L, -1));
    logs = lua_gettop(L);
    nl = lua_rawlen(L, logs);
    e = logs_array(L, anchor, nl, sizeof(*e));
    gr->logs = e;
    gr->nlogs = nl;
    for(j = 0; j < nl; j++) {
      logs_subtable(L, logs, "logs", (lua_Integer)j + 1, "group");
      l = lua_gettop(L);
      lua_getfield(L, l, "time");
      t = lua_tointegerx(L, -1, &ok);
      if(!ok || t < 0 || t > 0xFFFFFFFFLL)
        luaL_error(L, "bad log groups: log.time must be unix seconds "
                   "(0..4294967295)");
      e[j].time = (uint32_t)t;
      lua_pop(L, 1);
      if(lua_getfield(L, l, "time_ns") != LUA_TNIL) {
        t = lua_tointegerx(L, -1, &ok);
        if(!ok || t < 0 || t > 999999999)
          luaL_error(L, "bad log groups: log.time_ns must be 0..999999999");
        e[j].time_ns = (uint32_t)t;
        e[j].has_time_ns = 1;
      }
      lua_pop(L, 1);
      e[j].ncontents = logs_pairs(L, l, "contents", NULL, "log");
      e[j].contents = logs_array(L, anchor, e[j].ncontents,
                                 sizeof(*e[j].contents));
      logs_pairs(L, l, "contents", e[j].contents, "log");
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
  *ngroups = n;
  return groups;
}

/* encode(groups, as_list) -> bytes | nil, err */
static int logs_encode(lua_State *L)
{
  struct slsh_log_group *groups;
  struct slsh_box *box;
  struct slsh_err err;
  size_t n;
  int as_list = lua_toboolean(L, 2);

  lua_settop(L, 2);
  lua_newtable(L);
  groups = logs_fromlua(L, 3, &n);
  box = slsh_box_push(L);
  if(slsh_logs_encode(groups, n, as_list, &box->buf, &err)) {
    slsh_box_free(box);
    return slsh_lua_fail(L, &err);
  }
  lua_pushlstring(L, box->buf.data ? box->buf.data : "", box->buf.len);
  slsh_box_free(box);
  return 1;
}

static void logs_pushpairs(lua_State *L, const struct slsh_log_kv *kv,
                           size_t n)
{
  size_t i;

  lua_createtable(L, (int)n, 0);
  for(i = 0; i < n; i++) {
    lua_createtable(L, 2, 0);
    lua_pushlstring(L, kv[i].key ? kv[i].key : "", kv[i].key_len);
    lua_rawseti(L, -2, 1);
    lua_pushlstring(L, kv[i].value ? kv[i].value : "", kv[i].value_len);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

static void logs_free_list(void *p)
{
  slsh_logs_free(p);
  free(p);
}

/* decode(bytes, as_list) -> groups | nil, err */
static int logs_decode(lua_State *L)
{
  size_t len, i, j;
  const char *data = luaL_checklstring(L, 1, &len);
  int as_list = lua_toboolean(L, 2);
  struct slsh_log_list *list;
  struct slsh_box *box;
  struct slsh_err err;

  box = slsh_box_push(L);
  list = calloc(1, sizeof(*list));
  if(!list)
    return luaL_error(L, "out of memory");
  box->ptr = list;
  box->free_ptr = logs_free_list;
  if(slsh_logs_decode(data, len, as_list, list, &err)) {
    slsh_box_free(box);
    return slsh_lua_fail(L, &err);
  }
  lua_createtable(L, (int)list->ngroups, 0);
  for(i = 0; i < list->ngroups; i++) {
    const struct slsh_log_group *g = &list->groups[i];

    lua_createtable(L, 0, 4);
    if(g->topic) {
      lua_pushlstring(L, g->topic, g->topic_len);
      lua_setfield(L, -2, "topic");
    }
    if(g->source) {
      lua_pushlstring(L, g->source, g->source_len);
      lua_setfield(L, -2, "source");
    }
    logs_pushpairs(L, g->tags, g->ntags);
    lua_setfield(L, -2, "tags");
    lua_createtable(L, (int)g->nlogs, 0);
    for(j = 0; j < g->nlogs; j++) {
      const struct slsh_log_entry *e = &g->logs[j];

      lua_createtable(L, 0, 3);
      lua_pushinteger(L, e->time);
      lua_setfield(L, -2, "time");
      if(e->has_time_ns) {
        lua_pushinteger(L, e->time_ns);
        lua_setfield(L, -2, "time_ns");
      }
      logs_pushpairs(L, e->contents, e->ncontents);
      lua_setfield(L, -2, "contents");
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "logs");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  slsh_box_free(box);
  return 1;
}

/* compress(bytes) -> bytes | nil, err */
static int logs_compress(lua_State *L)
{
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  struct slsh_box *box = slsh_box_push(L);
  struct slsh_err err;

  if(slsh_lz4_compress(data, len, &box->buf, &err)) {
    slsh_box_free(box);
    return slsh_lua_fail(L, &err);
  }
  lua_pushlstring(L, box->buf.data ? box->buf.data : "", box->buf.len);
  slsh_box_free(box);
  return 1;
}

/* decompress(bytes, raw_size) -> bytes | nil, err */
static int logs_decompress(lua_State *L)
{
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  lua_Integer raw = luaL_checkinteger(L, 2);
  struct slsh_box *box;
  struct slsh_err err;

  luaL_argcheck(L, raw >= 0, 2, "raw size must not be negative");
  box = slsh_box_push(L);
  box->buf.max = SLSH_LOGS_MAX_RAW;
  if(slsh_lz4_decompress(data, len, (size_t)raw, &box->buf, &err)) {
    slsh_box_free(box);
    return slsh_lua_fail(L, &err);
  }
  lua_pushlstring(L, box->buf.data ? box->buf.data : "", box->buf.len);
  slsh_box_free(box);
  return 1;
}

static const luaL_Reg logs_funcs[] = {
  {"encode", logs_encode},
  {"decode", logs_decode},
  {"compress", logs_compress},
  {"decompress", logs_decompress},
  {NULL, NULL}
};

int luaopen_slsh_logs_core(lua_State *L)
{
  luaL_newlib(L, logs_funcs);
  lua_pushinteger(L, (lua_Integer)SLSH_LOGS_MAX_RAW);
  lua_setfield(L, -2, "MAX_RAW");
  return 1;
}
