/*
 * The one "box" of the bindings (lslsh.h): a userdata that owns C memory
 * while Lua code that may raise runs, so that nothing leaks when it does.
 * Following Lua's own liolib, the box is pushed before the memory is
 * acquired; __gc (and __close, for a box marked to be closed) frees
 * whatever it still holds, and slsh_box_free frees it at once on the
 * normal path. Freeing twice is harmless.
 */
#include "lslsh.h"

#define BOX_MT "slsh.box"

void slsh_box_free(struct slsh_box *b)
{
  json_decref(b->json);
  b->json = NULL;
  slsh_buf_free(&b->buf);
  if(b->ptr && b->free_ptr)
    b->free_ptr(b->ptr);
  b->ptr = NULL;
}

static int box__gc(lua_State *L)
{
  slsh_box_free(luaL_checkudata(L, 1, BOX_MT));
  return 0;
}

struct slsh_box *slsh_box_push(lua_State *L)
{
  struct slsh_box *b = lua_newuserdatauv(L, sizeof(*b), 0);

  b->json = NULL;
  slsh_buf_init(&b->buf, 0);
  b->ptr = NULL;
  b->free_ptr = NULL;
  if(luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box__gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, box__gc);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  return b;
}
