/*
 * slsh.http.core: the HTTP engine (core/http.c) as two handle types.
 *
 *   client = core.client{timeout=, connect_timeout=, max_body=, ca_file=,
 *                        connect_to=, user_agent=, max_connections=}
 *   x = client:submit{method=, url=, headers=, body=, timeout=}
 *   client:step(seconds) -> n finished     client:pending() -> n
 *   x:done() -> bool     x:result() -> table | nil, err     x:close()
 *   client:close()
 *   core.engine() -> the shared engine     client:engine() -> its engine
 *   engine:step(seconds) -> n   engine:pending() -> n   engine:stats()
 *
 * Every client of a Lua state shares one engine (one curl multi handle,
 * one connection cache, one wait for the task scheduler), kept in the
 * registry; only a client given max_connections, which curl applies per
 * multi handle, gets an engine of its own.
 *
 * Both handles follow liolib: the userdata exists before the resource, so
 * __gc is always safe, and one idempotent close serves __gc, __close and
 * :close(). A transfer keeps its client alive through its first user
 * value; the C side copes with either being freed first anyway. The
 * result of a transfer is built once, cached in the second user value,
 * and the C transfer is freed right then: its body is now a Lua string.
 *
 * The facade (lua/slsh/http.lua) adds client:request on top of these.
 */
#include "lslsh.h"
#include "slsh/http.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define ENGINE_MT "slsh.http.engine"
#define CLIENT_MT "slsh.http.client"
#define XFER_MT "slsh.http.transfer"
#define ENGINE_KEY "slsh.http.shared_engine"

#define CLIENT_UV_ENGINE 1      /* the engine userdata */

#define XFER_UV_CLIENT 1        /* the client userdata */
#define XFER_UV_RESULT 2        /* cached result table */
#define XFER_UV_ERROR 3         /* cached error object */

struct lengine {
  struct slsh_http_engine *e;   /* this handle's reference; NULL after gc */
};

struct lclient {
  struct slsh_http *c;          /* NULL once closed */
};

struct lxfer {
  struct slsh_http_xfer *x;     /* NULL once its result is taken or closed */
  int taken;                    /* result cached in the user values */
};

/* Raise unless every key of the table at `idx` is one of `valid`; the
 * message lists the valid ones, so a typo explains itself. */
static void http_checkkeys(lua_State *L, int idx, const char *what,
                           const char *const *valid)
{
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while(lua_next(L, idx)) {
    const char *const *v;
    const char *k;

    lua_pop(L, 1);
    if(lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "%s: keys must be option names, got a %s key", what,
                 luaL_typename(L, -1));
    k = lua_tostring(L, -1);
    for(v = valid; *v && strcmp(*v, k); v++)
      ;
    if(!*v) {
      luaL_Buffer b;

      luaL_buffinit(L, &b);
      for(v = valid; *v; v++) {
        luaL_addstring(&b, v == valid ? "" : ", ");
        luaL_addstring(&b, *v);
      }
      luaL_pushresult(&b);
      luaL_error(L, "%s: unknown option '%s' (valid: %s)", what, k,
                 lua_tostring(L, -1));
    }
  }
}

/* An optional positive number of seconds in field `name`, as
 * milliseconds (0 when absent). */
static long http_msfield(lua_State *L, int idx, const char *name)
{
  lua_Number s;
  int isnum;

  if(lua_getfield(L, idx, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  s = lua_tonumberx(L, -1, &isnum);
  if(!isnum || !(s > 0) || s > 1e6)
    luaL_error(L, "field '%s' must be a positive number of seconds", name);
  lua_pop(L, 1);
  return (long)ceil(s * 1000);
}

/* An optional positive integer in field `name` (0 when absent). */
static lua_Integer http_intfield(lua_State *L, int idx, const char *name,
                                 lua_Integer max)
{
  lua_Integer n;
  int isint;

  if(lua_getfield(L, idx, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  n = lua_tointegerx(L, -1, &isint);
  if(!isint || n <= 0 || n > max)
    luaL_error(L, "field '%s' must be a positive integer", name);
  lua_pop(L, 1);
  return n;
}

/* Optional string field `name` that C will read as a C string: a NUL
 * inside would silently cut it, so it raises. */
static const char *http_cstrfield(lua_State *L, int idx, const char *name,
                                  int required)
{
  size_t len;
  const char *s = slsh_lua_strfield(L, idx, name, &len, required);

  if(s && strlen(s) != len)
    luaL_error(L, "field '%s' must not contain a NUL byte", name);
  return s;
}

/* Push a new engine handle; raises when libcurl cannot start one. */
static struct lengine *engine_push(lua_State *L, long max_host_connections)
{
  struct lengine *le = lua_newuserdatauv(L, sizeof(*le), 0);
  struct slsh_err err;

  le->e = NULL;
  luaL_setmetatable(L, ENGINE_MT);
  slsh_err_clear(&err);
  le->e = slsh_http_engine_new(max_host_connections, &err);
  if(!le->e)
    luaL_error(L, "http engine: %s", err.message);
  return le;
}

/* core.engine() -> the engine every client of this Lua state shares,
 * created on first use. */
static int http_engine(lua_State *L)
{
  if(lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY) == LUA_TUSERDATA)
    return 1;
  lua_pop(L, 1);
  engine_push(L, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
  return 1;
}

static struct slsh_http_engine *engine_check(lua_State *L, int idx)
{
  struct lengine *le = luaL_checkudata(L, idx, ENGINE_MT);

  if(!le->e)
    luaL_error(L, "attempt to use a closed HTTP engine");
  return le->e;
}

/* engine:step([seconds]) -> transfers finished; waits at most `seconds`
 * for any transfer of any client of the engine. */
static int engine_step(lua_State *L)
{
  struct slsh_http_engine *e = engine_check(L, 1);
  lua_Number s = luaL_optnumber(L, 2, 0);
  int ms;

  luaL_argcheck(L, s >= 0, 2, "seconds must not be negative");
  ms = s > 3600 ? 3600 * 1000 : (int)ceil(s * 1000);
  lua_pushinteger(L, slsh_http_engine_step(e, ms));
  return 1;
}

/* engine:pending() -> transfers of any client not finished yet. */
static int engine_pending(lua_State *L)
{
  lua_pushinteger(L, slsh_http_engine_pending(engine_check(L, 1)));
  return 1;
}

/* engine:stats() -> {pending=, peak=, hosts=, max_cached=, cache_cap=,
 * opened=} */
static int engine_stats(lua_State *L)
{
  struct slsh_http_engine_stats st;

  slsh_http_engine_stats(engine_check(L, 1), &st);
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, st.pending);
  lua_setfield(L, -2, "pending");
  lua_pushinteger(L, st.peak);
  lua_setfield(L, -2, "peak");
  lua_pushinteger(L, st.hosts);
  lua_setfield(L, -2, "hosts");
  lua_pushinteger(L, st.max_cached);
  lua_setfield(L, -2, "max_cached");
  lua_pushinteger(L, st.cache_cap);
  lua_setfield(L, -2, "cache_cap");
  lua_pushinteger(L, st.opened);
  lua_setfield(L, -2, "opened");
  return 1;
}

/* __gc: drop this handle's reference (clients keep theirs). */
static int engine__gc(lua_State *L)
{
  struct lengine *le = luaL_checkudata(L, 1, ENGINE_MT);

  slsh_http_engine_free(le->e);
  le->e = NULL;
  return 0;
}

/* The client at `idx`, raising if it is closed. */
static struct lclient *client_check(lua_State *L, int idx)
{
  struct lclient *lc = luaL_checkudata(L, idx, CLIENT_MT);

  if(!lc->c)
    luaL_error(L, "attempt to use a closed HTTP client");
  return lc;
}

/* core.client(opts) -> client. A bad option raises; so does a malformed
 * connect_to. */
static int http_client(lua_State *L)
{
  static const char *const valid[] = {
    "timeout", "connect_timeout", "max_body", "ca_file", "connect_to",
    "user_agent", "max_connections", NULL
  };
  struct slsh_http_opts o;
  struct slsh_err err;
  struct lclient *lc;

  memset(&o, 0, sizeof(o));
  if(lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  http_checkkeys(L, 1, "http.client", valid);
  o.timeout_ms = http_msfield(L, 1, "timeout");
  o.connect_timeout_ms = http_msfield(L, 1, "connect_timeout");
  o.max_body = (size_t)http_intfield(L, 1, "max_body",
                                     (lua_Integer)1 << 40);
  o.max_connections = (long)http_intfield(L, 1, "max_connections", 100000);
  o.ca_file = http_cstrfield(L, 1, "ca_file", 0);
  o.connect_to = http_cstrfield(L, 1, "connect_to", 0);
  o.user_agent = http_cstrfield(L, 1, "user_agent", 0);
  lc = lua_newuserdatauv(L, sizeof(*lc), 1);
  lc->c = NULL;
  luaL_setmetatable(L, CLIENT_MT);
  if(o.max_connections)
    o.engine = engine_push(L, o.max_connections)->e;
  else {
    http_engine(L);
    o.engine = engine_check(L, -1);
  }
  o.max_connections = 0;
  lua_setiuservalue(L, -2, CLIENT_UV_ENGINE);
  slsh_err_clear(&err);
  lc->c = slsh_http_new(&o, &err);
  if(!lc->c) {
    if(err.code == SLSH_E_INVALID_ARGUMENT)
      return luaL_error(L, "http.client: %s", err.message);
    return slsh_lua_fail(L, &err);
  }
  return 1;
}

/* Read one header name/value pair at the top of the stack (value on top,
 * name below) into `h`. Numbers are allowed as values; their string form
 * is anchored in the table at `anchor` so that it outlives the call. */
static void http_header(lua_State *L, int anchor, struct slsh_http_header *h,
                        size_t i)
{
  size_t nlen, vlen;

  if(lua_type(L, -2) != LUA_TSTRING)
    luaL_error(L, "header %d: the name must be a string", (int)i);
  if(lua_type(L, -1) == LUA_TNUMBER) {
    lua_pushvalue(L, -1);
    lua_tostring(L, -1);
    lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
    lua_rawgeti(L, anchor, (lua_Integer)lua_rawlen(L, anchor));
    lua_replace(L, -2);
  }
  if(lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "header '%s': the value must be a string, got %s",
               lua_tostring(L, -2), luaL_typename(L, -1));
  h->name = lua_tolstring(L, -2, &nlen);
  h->value = lua_tolstring(L, -1, &vlen);
  if(strlen(h->name) != nlen || strlen(h->value) != vlen)
    luaL_error(L, "header '%s': NUL bytes are not allowed", h->name);
}

/* Turn the `headers` field of the request at `idx` (a map name = value or
 * a list of {name, value}) into an array. The array, the anchor table and
 * the headers table stay on the stack until the call returns, so every
 * pointer stays valid. */
static struct slsh_http_header *http_headers(lua_State *L, int idx,
                                             size_t *n)
{
  struct slsh_http_header *hs;
  size_t count = 0, i = 0;
  int t, anchor;

  *n = 0;
  t = lua_getfield(L, idx, "headers");
  if(t == LUA_TNIL)
    return NULL;
  if(t != LUA_TTABLE)
    luaL_error(L, "field 'headers' must be a table, got %s",
               luaL_typename(L, -1));
  t = lua_absindex(L, -1);
  lua_newtable(L);
  anchor = lua_absindex(L, -1);
  lua_pushnil(L);
  while(lua_next(L, t)) {
    count++;
    lua_pop(L, 1);
  }
  hs = lua_newuserdatauv(L, (count ? count : 1) * sizeof(*hs), 0);
  if(lua_rawlen(L, t) == count && count) {
    for(i = 0; i < count; i++) {
      if(lua_rawgeti(L, t, (lua_Integer)i + 1) != LUA_TTABLE)
        luaL_error(L, "headers[%d] must be a {name, value} pair", (int)i + 1);
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2);
      http_header(L, anchor, &hs[i], i + 1);
      lua_pop(L, 3);
    }
  }
  else {
    lua_pushnil(L);
    while(lua_next(L, t)) {
      if(lua_type(L, -2) != LUA_TSTRING)
        luaL_error(L, "field 'headers' must be a map of name = value or a "
                   "list of {name, value}, not both");
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      http_header(L, anchor, &hs[i], i + 1);
      i++;
      lua_pop(L, 2);
    }
  }
  *n = count;
  return hs;
}

/* client:submit{method=, url=, headers=, body=, timeout=} -> transfer, or
 * nil, err (insecure_transport). A malformed request raises. */
static int client_submit(lua_State *L)
{
  static const char *const valid[] = {
    "method", "url", "headers", "body", "timeout", NULL
  };
  struct lclient *lc = client_check(L, 1);
  struct slsh_http_req req;
  struct slsh_err err;
  struct lxfer *lx;

  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  http_checkkeys(L, 2, "http request", valid);
  memset(&req, 0, sizeof(req));
  req.method = http_cstrfield(L, 2, "method", 0);
  if(!req.method)
    req.method = "GET";
  req.url = http_cstrfield(L, 2, "url", 1);
  req.body = slsh_lua_strfield(L, 2, "body", &req.body_len, 0);
  req.timeout_ms = http_msfield(L, 2, "timeout");
  req.headers = http_headers(L, 2, &req.nheaders);
  lx = lua_newuserdatauv(L, sizeof(*lx), 3);
  lx->x = NULL;
  lx->taken = 0;
  luaL_setmetatable(L, XFER_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, XFER_UV_CLIENT);
  slsh_err_clear(&err);
  lx->x = slsh_http_submit(lc->c, &req, &err);
  if(!lx->x) {
    if(err.code == SLSH_E_INVALID_ARGUMENT)
      return luaL_error(L, "http request: %s", err.message);
    return slsh_lua_fail(L, &err);
  }
  return 1;
}

/* client:step([seconds]) -> number of transfers that finished. Waits at
 * most `seconds` (default 0: only do what can be done now). */
static int client_step(lua_State *L)
{
  struct lclient *lc = client_check(L, 1);
  lua_Number s = luaL_optnumber(L, 2, 0);
  int ms;

  luaL_argcheck(L, s >= 0, 2, "seconds must not be negative");
  ms = s > 3600 ? 3600 * 1000 : (int)ceil(s * 1000);
  lua_pushinteger(L, slsh_http_step(lc->c, ms));
  return 1;
}

/* client:engine() -> the engine handle the client's transfers run on. */
static int client_engine(lua_State *L)
{
  luaL_checkudata(L, 1, CLIENT_MT);
  lua_getiuservalue(L, 1, CLIENT_UV_ENGINE);
  return 1;
}

/* client:pending() -> transfers not finished yet. */
static int client_pending(lua_State *L)
{
  lua_pushinteger(L, slsh_http_pending(client_check(L, 1)->c));
  return 1;
}

/* client:closed() -> bool */
static int client_closed(lua_State *L)
{
  struct lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);

  lua_pushboolean(L, lc->c == NULL);
  return 1;
}

/* client:close(), __gc, __close: idempotent. Unfinished transfers end
 * with the error "closed". */
static int client_close(lua_State *L)
{
  struct lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);

  slsh_http_free(lc->c);
  lc->c = NULL;
  return 0;
}

static int client__tostring(lua_State *L)
{
  struct lclient *lc = luaL_checkudata(L, 1, CLIENT_MT);

  if(lc->c)
    lua_pushfstring(L, "slsh.http.client (%d pending)",
                    slsh_http_pending(lc->c));
  else
    lua_pushliteral(L, "slsh.http.client (closed)");
  return 1;
}

/* x:done() -> bool */
static int xfer_done(lua_State *L)
{
  struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);

  lua_pushboolean(L, lx->x ? slsh_http_xfer_done(lx->x) : 1);
  return 1;
}

/* Push the seconds `t`, or nothing useful was measured. */
static void xfer_setnum(lua_State *L, const char *name, double t)
{
  lua_pushnumber(L, t);
  lua_setfield(L, -2, name);
}

/* Timing and address of a transfer, into the table on top. */
static void xfer_settiming(lua_State *L, const struct slsh_http_result *r)
{
  xfer_setnum(L, "time", r->t_total);
  xfer_setnum(L, "dns_time", r->t_dns);
  xfer_setnum(L, "connect_time", r->t_connect);
  xfer_setnum(L, "tls_time", r->t_tls);
  xfer_setnum(L, "first_byte_time", r->t_first_byte);
  xfer_setnum(L, "submitted_at", r->submitted);
  xfer_setnum(L, "finished_at", r->finished);
  if(r->ip[0]) {
    lua_pushstring(L, r->ip);
    lua_setfield(L, -2, "ip");
    lua_pushinteger(L, r->port);
    lua_setfield(L, -2, "port");
  }
  lua_pushboolean(L, r->new_connection);
  lua_setfield(L, -2, "new_connection");
}

/* Push the header map (lower-case names, repeats joined with ", ") and
 * the list of {name, value} as received. */
static void xfer_pushheaders(lua_State *L, const struct slsh_http_result *r)
{
  size_t i;
  int map, list;

  lua_createtable(L, 0, (int)r->nheaders);
  map = lua_gettop(L);
  lua_createtable(L, (int)r->nheaders, 0);
  list = lua_gettop(L);
  for(i = 0; i < r->nheaders; i++) {
    const char *name = r->headers[i].name, *value = r->headers[i].value;
    luaL_Buffer b;
    size_t k, len = strlen(name);
    char *p;

    lua_createtable(L, 2, 0);
    lua_pushstring(L, name);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, value);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, list, (lua_Integer)i + 1);
    p = luaL_buffinitsize(L, &b, len);
    for(k = 0; k < len; k++)
      p[k] = (char)((name[k] >= 'A' && name[k] <= 'Z') ?
                    name[k] + ('a' - 'A') : name[k]);
    luaL_pushresultsize(&b, len);
    lua_pushvalue(L, -1);
    if(lua_rawget(L, map) == LUA_TSTRING) {
      lua_pushliteral(L, ", ");
      lua_pushstring(L, value);
      lua_concat(L, 3);
    }
    else {
      lua_pop(L, 1);
      lua_pushstring(L, value);
    }
    lua_rawset(L, map);
  }
}

/* x:result() -> {status=, headers=, header_list=, body=, time=, ...} or
 * nil, err. Raises before the transfer has finished. */
static int xfer_result(lua_State *L)
{
  static const char *const versions[] = {"", "1.0", "1.1", "2", "3"};
  struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);
  const struct slsh_http_result *r;
  struct slsh_err err;
  int v;

  if(lx->taken) {
    if(lua_getiuservalue(L, 1, XFER_UV_RESULT) == LUA_TTABLE)
      return 1;
    lua_pushnil(L);
    lua_getiuservalue(L, 1, XFER_UV_ERROR);
    return 2;
  }
  if(!lx->x)
    return luaL_error(L, "attempt to use a closed transfer");
  if(!slsh_http_xfer_done(lx->x))
    return luaL_error(L, "the transfer has not finished (step the client "
                      "until x:done(), or use client:request)");
  slsh_err_clear(&err);
  if(slsh_http_xfer_result(lx->x, &r, &err)) {
    slsh_lua_pusherr(L, &err);
    xfer_settiming(L, r);
    if(r->curl_code) {
      lua_pushinteger(L, r->curl_code);
      lua_setfield(L, -2, "curl_code");
    }
    lua_setiuservalue(L, 1, XFER_UV_ERROR);
  }
  else {
    lua_createtable(L, 0, 16);
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    xfer_pushheaders(L, r);
    lua_setfield(L, -3, "header_list");
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, r->body, r->body_len);
    lua_setfield(L, -2, "body");
    v = r->http_version == 10 ? 1 : r->http_version == 11 ? 2 :
      r->http_version == 20 ? 3 : r->http_version == 30 ? 4 : 0;
    if(v) {
      lua_pushstring(L, versions[v]);
      lua_setfield(L, -2, "http_version");
    }
    xfer_settiming(L, r);
    lua_setiuservalue(L, 1, XFER_UV_RESULT);
  }
  /* Everything is in Lua now; the C transfer can go. */
  lx->taken = 1;
  slsh_http_xfer_free(lx->x);
  lx->x = NULL;
  return xfer_result(L);
}

/* x:close(), __gc, __close: stop the transfer if it runs, free it. */
static int xfer_close(lua_State *L)
{
  struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);

  slsh_http_xfer_free(lx->x);
  lx->x = NULL;
  return 0;
}

static int xfer__tostring(lua_State *L)
{
  struct lxfer *lx = luaL_checkudata(L, 1, XFER_MT);

  lua_pushstring(L, lx->taken ? "slsh.http.transfer (finished)" :
                 !lx->x ? "slsh.http.transfer (closed)" :
                 slsh_http_xfer_done(lx->x) ?
                 "slsh.http.transfer (finished)" :
                 "slsh.http.transfer (running)");
  return 1;
}

static const luaL_Reg client_methods[] = {
  {"submit", client_submit},
  {"step", client_step},
  {"pending", client_pending},
  {"engine", client_engine},
  {"closed", client_closed},
  {"close", client_close},
  {NULL, NULL}
};

static const luaL_Reg client_meta[] = {
  {"__gc", client_close},
  {"__close", client_close},
  {"__tostring", client__tostring},
  {NULL, NULL}
};

static const luaL_Reg xfer_methods[] = {
  {"done", xfer_done},
  {"result", xfer_result},
  {"close", xfer_close},
  {NULL, NULL}
};

static const luaL_Reg xfer_meta[] = {
  {"__gc", xfer_close},
  {"__close", xfer_close},
  {"__tostring", xfer__tostring},
  {NULL, NULL}
};

static const luaL_Reg engine_methods[] = {
  {"step", engine_step},
  {"pending", engine_pending},
  {"stats", engine_stats},
  {NULL, NULL}
};

static const luaL_Reg engine_meta[] = {
  {"__gc", engine__gc},
  {NULL, NULL}
};

static const luaL_Reg http_funcs[] = {
  {"client", http_client},
  {"engine", http_engine},
  {NULL, NULL}
};

/* Create metatable `name` with `meta`, and an __index table of `methods`
 * that is also stored in the module as `field` (so the facade can add
 * methods written in Lua). */
static void http_newclass(lua_State *L, const char *name,
                          const luaL_Reg *meta, const luaL_Reg *methods,
                          const char *field)
{
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_setfield(L, -3, field);
  lua_pop(L, 1);
}

int luaopen_slsh_http_core(lua_State *L)
{
  luaL_newlib(L, http_funcs);
  http_newclass(L, ENGINE_MT, engine_meta, engine_methods, "engine_methods");
  http_newclass(L, CLIENT_MT, client_meta, client_methods, "client_methods");
  http_newclass(L, XFER_MT, xfer_meta, xfer_methods, "transfer_methods");
  lua_pushinteger(L, SLSH_HTTP_DEFAULT_TIMEOUT_MS / 1000);
  lua_setfield(L, -2, "default_timeout");
  return 1;
}
