/*
 * Module registration. Every C binding (lua/l_<mod>.c, luaopen_slsh_<mod>_
 * core) and every pure-Lua module is put in package.preload, so `require`
 * finds them without touching the file system. With SLSH_LUA_PATH set to a
 * checkout, Lua modules and scripts are read from that checkout instead,
 * which is how one develops them without rebuilding.
 *
 * luaopen_slsh makes the same thing work from a stock lua5.4 interpreter:
 * `require "slsh"` loads slsh.so, which registers everything and returns
 * the embedded "slsh" module.
 */
#include "lslsh.h"
#include "embedded.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLSH_CMOD(name) int luaopen_slsh_##name##_core(lua_State *L);
#include "cmods.h"
#undef SLSH_CMOD

static const luaL_Reg preload_cmods[] = {
#define SLSH_CMOD(name) {"slsh." #name ".core", luaopen_slsh_##name##_core},
#include "cmods.h"
#undef SLSH_CMOD
  {NULL, NULL}
};

/* The on-disk twin of an embedded source under SLSH_LUA_PATH, pushed on
 * the stack, or NULL (nothing pushed) when there is none, so that a
 * checkout holding only the files being worked on still works. */
static const char *preload_devpath(lua_State *L, const struct slsh_embedded *e)
{
  const char *root = getenv("SLSH_LUA_PATH");
  const char *path;
  FILE *f;

  if(!root || !*root)
    return NULL;
  path = lua_pushfstring(L, "%s/%s", root, e->path);
  f = fopen(path, "r");
  if(!f) {
    lua_pop(L, 1);
    return NULL;
  }
  fclose(f);
  return path;
}

/* Load an embedded entry (or its on-disk twin) as a chunk. */
static int preload_loadentry(lua_State *L, const struct slsh_embedded *e)
{
  const char *disk = preload_devpath(L, e);
  int rc;

  if(disk) {
    rc = luaL_loadfilex(L, disk, "t");
    lua_remove(L, -2);
    return rc;
  }
  lua_pushfstring(L, "@%s", e->path);
  rc = luaL_loadbufferx(L, (const char *)e->data, e->len, lua_tostring(L, -1),
                        "t");
  lua_remove(L, -2);
  return rc;
}

/* package.preload loader for a Lua module: upvalue 1 = entry index. */
static int preload_luamod(lua_State *L)
{
  const struct slsh_embedded *e =
    &slsh_embedded[lua_tointeger(L, lua_upvalueindex(1))];

  if(preload_loadentry(L, e) != LUA_OK)
    return lua_error(L);
  lua_pushstring(L, e->name);
  lua_call(L, 1, 1);
  return 1;
}

/* package.preload loader for a text (a documentation page): returns the
 * text itself, so that the REPL's help reads the same page the tests run;
 * under SLSH_LUA_PATH the checkout's copy. Upvalue 1 = entry index. */
static int preload_text(lua_State *L)
{
  const struct slsh_embedded *e =
    &slsh_embedded[lua_tointeger(L, lua_upvalueindex(1))];
  const char *disk = preload_devpath(L, e);
  luaL_Buffer b;
  FILE *f;
  size_t n;

  if(!disk) {
    lua_pushlstring(L, (const char *)e->data, e->len);
    return 1;
  }
  f = fopen(disk, "rb");
  if(!f)
    return luaL_error(L, "cannot open %s", disk);
  luaL_buffinit(L, &b);
  do {
    char *p = luaL_prepbuffer(&b);
    n = fread(p, 1, LUAL_BUFFERSIZE, f);
    luaL_addsize(&b, n);
  } while(n == LUAL_BUFFERSIZE);
  fclose(f);
  luaL_pushresult(&b);
  return 1;
}

void slsh_preload(lua_State *L)
{
  const luaL_Reg *m;
  int i;

  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for(m = preload_cmods; m->name; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  for(i = 0; slsh_embedded[i].name; i++) {
    if(slsh_embedded[i].script == 1)
      continue;
    lua_pushinteger(L, i);
    lua_pushcclosure(L, slsh_embedded[i].script == 2 ? preload_text :
                     preload_luamod, 1);
    lua_setfield(L, -2, slsh_embedded[i].name);
  }
  lua_pop(L, 1);
}

int slsh_load_script(lua_State *L, const char *name)
{
  int i;

  for(i = 0; slsh_embedded[i].name; i++) {
    if(slsh_embedded[i].script == 1 && !strcmp(slsh_embedded[i].name, name))
      return preload_loadentry(L, &slsh_embedded[i]);
  }
  lua_pushfstring(L, "no bundled script '%s' (see 'slsh run')", name);
  return LUA_ERRFILE;
}

/* A script's summary: the text of its first line if that line is a
 * "--- " comment, else "". */
static void preload_pushsummary(lua_State *L, const struct slsh_embedded *e)
{
  const char *s = (const char *)e->data, *end = s + e->len, *nl;

  if(e->len > 4 && !strncmp(s, "--- ", 4)) {
    s += 4;
    nl = memchr(s, '\n', (size_t)(end - s));
    lua_pushlstring(L, s, (size_t)((nl ? nl : end) - s));
  }
  else
    lua_pushliteral(L, "");
}

void slsh_list_scripts(lua_State *L)
{
  int i;

  lua_newtable(L);
  for(i = 0; slsh_embedded[i].name; i++) {
    if(slsh_embedded[i].script != 1)
      continue;
    preload_pushsummary(L, &slsh_embedded[i]);
    lua_setfield(L, -2, slsh_embedded[i].name);
  }
}

/* The *.lua files of a directory of the user's workflows, names without
 * ".lua"; hidden files are not workflows. */
int slsh_script_dir(lua_State *L)
{
  const char *dir = luaL_checkstring(L, 1);
  DIR *d;
  struct dirent *de;
  int n = 0;

  d = opendir(dir);
  if(!d) {
    lua_pushnil(L);
    return 1;
  }
  lua_newtable(L);
  while((de = readdir(d)) != NULL) {
    size_t len = strlen(de->d_name);

    if(len > 4 && de->d_name[0] != '.' &&
       !strcmp(de->d_name + len - 4, ".lua")) {
      lua_pushlstring(L, de->d_name, len - 4);
      lua_rawseti(L, -2, ++n);
    }
  }
  closedir(d);
  return 1;
}

/* Entry point of slsh.so for a stock interpreter. */
int luaopen_slsh(lua_State *L)
{
  slsh_preload(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "slsh");
  lua_call(L, 1, 1);
  return 1;
}
