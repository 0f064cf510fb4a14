/*
 * slsh.json.core: Lua values <-> jansson trees <-> text, keeping what a
 * read-modify-write of a cloud document must keep (docs/design.md, JSON fidelity).
 *
 * Representation in Lua:
 *   - an object is a plain table; the order of its keys when decoded is
 *     remembered in a weak-keyed side table (registry "slsh.json.order",
 *     table -> list of keys). Encoding writes the remembered keys that are
 *     still present, in that order, then any other keys sorted bytewise.
 *     Being in the side table also marks a table as an object, so an empty
 *     decoded object stays {};
 *   - an array is a table whose metatable is the shared marker
 *     "slsh.json.array", so an empty decoded array stays [];
 *   - a table with neither mark is an array when its keys are exactly 1..n
 *     (n >= 1), else an object (all keys strings);
 *   - null is slsh.json.null, a light userdata;
 *   - integers stay Lua integers and floats stay floats (1.0 is 1.0).
 *
 * Errors: the world's (bad text, output too large) are `nil, err` with
 * err.offset for decoding; a value that cannot be JSON (function, NaN,
 * mixed keys, cycle, too deep) is a programming error and encode raises an
 * error object whose `field` is the path to it ("logstore.encrypt_conf").
 */
#include "lslsh.h"
#include "l_json.h"
#include "slsh/json.h"
#include "slsh/text.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_ORDER_KEY "slsh.json.order"
#define JSON_ARRAY_MT "slsh.json.array"

/* The address of this byte is slsh.json.null. */
static char json_null_tag;
#define JSON_NULLP ((void *)&json_null_tag)

/* Push the order side table and the array marker, creating them on first
 * use so that bindings can use the bridge before slsh.json is loaded. */
static void json_pushstate(lua_State *L)
{
  luaL_checkstack(L, 4, "slsh.json");
  if(lua_getfield(L, LUA_REGISTRYINDEX, JSON_ORDER_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, JSON_ORDER_KEY);
  }
  luaL_newmetatable(L, JSON_ARRAY_MT);
}

/* One object member while converting, for sorting the keys that have no
 * remembered place. */
struct tj_member {
  const char *key;      /* borrowed from the Lua table being converted */
  size_t len;           /* key length */
  json_t *value;        /* owned until moved into the object */
};

/* Bytewise order, a prefix before the longer key (as the core dumper). */
static int tj_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
  int c = memcmp(a, b, alen < blen ? alen : blen);

  if(c)
    return c;
  return (alen > blen) - (alen < blen);
}

static int tj_membercmp(const void *a, const void *b)
{
  const struct tj_member *x = a, *y = b;

  return tj_keycmp(x->key, x->len, y->key, y->len);
}

/* A table being converted, for finding cycles. */
struct tj_anc {
  const void *table;          /* lua_topointer of the table */
  const struct tj_anc *up;    /* its parent, NULL at the top */
};

/* Conversion state. The path of the offending value is built while the
 * recursion unwinds, by prepending one segment per level. */
struct tojson {
  lua_State *L;
  int order;                  /* stack index of the order side table */
  int arraymt;                /* stack index of the array marker */
  size_t max_depth;           /* nesting limit */
  struct slsh_err *err;       /* where failures go (may be NULL) */
  char path[256];             /* path, in path[start..] */
  size_t start;               /* where the path begins in `path` */
  int cut;                    /* the path was too long: head dropped */
};

static int tj_fail(struct tojson *s, enum slsh_errcode code,
                   const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

static int tj_fail(struct tojson *s, enum slsh_errcode code,
                   const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return slsh_err_set(s->err, code, NULL, "%s", msg);
}

/* Prepend `seg` to the path; when the path is the key of a parent, the
 * dot between them is added here. */
static void tj_prepend(struct tojson *s, const char *seg, size_t n)
{
  int dot = s->start < sizeof(s->path) - 1 && s->path[s->start] != '[';

  if(s->cut || n + (size_t)dot > s->start) {
    s->cut = 1;
    return;
  }
  if(dot)
    s->path[--s->start] = '.';
  s->start -= n;
  memcpy(s->path + s->start, seg, n);
}

/* Prepend an object key: `name` when it looks like an identifier, else
 * ["key"] with unprintable bytes shown as '?'. */
static void tj_prepend_key(struct tojson *s, const char *k, size_t n)
{
  char seg[64];
  size_t i, m = 0;
  int ident = n > 0 && n < 48 && !(k[0] >= '0' && k[0] <= '9');

  for(i = 0; ident && i < n; i++) {
    unsigned char c = (unsigned char)k[i];

    ident = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9');
  }
  if(ident) {
    tj_prepend(s, k, n);
    return;
  }
  seg[m++] = '[';
  seg[m++] = '"';
  for(i = 0; i < n && i < 40; i++) {
    unsigned char c = (unsigned char)k[i];

    seg[m++] = (char)(c < 0x20 || c == '"' || c >= 0x80 ? '?' : c);
  }
  if(n > 40) {
    memcpy(seg + m, "...", 3);
    m += 3;
  }
  seg[m++] = '"';
  seg[m++] = ']';
  tj_prepend(s, seg, m);
}

static void tj_prepend_index(struct tojson *s, lua_Integer i)
{
  char seg[32];
  int n = snprintf(seg, sizeof(seg), "[%lld]", (long long)i);

  tj_prepend(s, seg, (size_t)n);
}

static json_t *tj_value(struct tojson *s, int idx, size_t depth,
                        const struct tj_anc *up);

/* What the keys of a table look like (one pass with lua_next). */
struct tj_scan {
  size_t n;                 /* number of keys */
  size_t nstr;              /* string keys */
  size_t nint;              /* integer keys >= 1 */
  lua_Integer maxi;         /* largest integer key */
  lua_Integer badint;       /* an integer key < 1 (if nbadint) */
  size_t nbadint;           /* integer keys < 1 */
  int badtype;              /* type of a key that is neither, or LUA_TNONE */
  lua_Number badnum;        /* that key, when it is a float */
};

static void tj_scan(lua_State *L, int idx, struct tj_scan *k)
{
  memset(k, 0, sizeof(*k));
  k->badtype = LUA_TNONE;
  lua_pushnil(L);
  while(lua_next(L, idx)) {
    int t = lua_type(L, -2);

    lua_pop(L, 1);
    k->n++;
    if(t == LUA_TSTRING)
      k->nstr++;
    else if(t == LUA_TNUMBER && lua_isinteger(L, -1)) {
      lua_Integer i = lua_tointeger(L, -1);

      if(i >= 1) {
        k->nint++;
        if(i > k->maxi)
          k->maxi = i;
      }
      else {
        k->nbadint++;
        k->badint = i;
      }
    }
    else if(k->badtype == LUA_TNONE) {
      k->badtype = t;
      if(t == LUA_TNUMBER)
        k->badnum = lua_tonumber(L, -1);
    }
  }
}

/* Fail for a key of a table that cannot be a JSON key. */
static int tj_badkey(struct tojson *s, const struct tj_scan *k)
{
  if(k->badtype == LUA_TNUMBER)
    return tj_fail(s, SLSH_E_JSON_TYPE, "a table with the float key %.14g "
                   "cannot be JSON (object keys are strings)", k->badnum);
  return tj_fail(s, SLSH_E_JSON_TYPE, "a table with a %s key cannot be JSON "
                 "(object keys are strings)", lua_typename(s->L, k->badtype));
}

/* The first missing index of a table whose integer keys are not 1..n. */
static lua_Integer tj_hole(lua_State *L, int idx)
{
  lua_Integer i;

  for(i = 1;; i++) {
    int t = lua_rawgeti(L, idx, i);

    lua_pop(L, 1);
    if(t == LUA_TNIL)
      return i;
  }
}

/* Convert an array: indices 1..n. */
static json_t *tj_array(struct tojson *s, int idx, lua_Integer n,
                        size_t depth, const struct tj_anc *me)
{
  json_t *arr = json_array();
  lua_Integer i;

  if(!arr) {
    tj_fail(s, SLSH_E_NOMEM, "out of memory");
    return NULL;
  }
  for(i = 1; i <= n; i++) {
    json_t *v;

    lua_rawgeti(s->L, idx, i);
    v = tj_value(s, lua_gettop(s->L), depth + 1, me);
    lua_pop(s->L, 1);
    if(!v) {
      tj_prepend_index(s, i);
      goto fail;
    }
    if(json_array_append_new(arr, v)) {
      tj_fail(s, SLSH_E_NOMEM, "out of memory");
      goto fail;
    }
  }
  return arr;
fail:
  json_decref(arr);
  return NULL;
}

/* Convert the value at the top of the stack (key below it) into a member
 * value, checking the key. Returns the value or NULL, path set. */
static json_t *tj_member(struct tojson *s, const char *key, size_t klen,
                         size_t depth, const struct tj_anc *me)
{
  size_t bad = slsh_utf8_valid(key, klen);
  json_t *v;

  if(bad != klen) {
    tj_fail(s, SLSH_E_JSON_TYPE, "key is not valid UTF-8 (byte %zu)", bad);
    tj_prepend_key(s, key, klen);
    return NULL;
  }
  v = tj_value(s, lua_gettop(s->L), depth + 1, me);
  if(!v)
    tj_prepend_key(s, key, klen);
  return v;
}

/* Convert an object: remembered keys first (list at `list`, or 0), then
 * the others sorted. `nstr` is the number of (string) keys. */
static json_t *tj_object(struct tojson *s, int idx, int list, size_t nstr,
                         size_t depth, const struct tj_anc *me)
{
  lua_State *L = s->L;
  json_t *obj = json_object();
  struct tj_member *m = NULL;
  size_t i, n = 0, nnew;

  if(!obj)
    goto nomem;
  if(list) {
    lua_Integer j, len = (lua_Integer)lua_rawlen(L, list);

    for(j = 1; j <= len; j++) {
      const char *key;
      size_t klen;

      if(lua_rawgeti(L, list, j) == LUA_TSTRING) {
        key = lua_tolstring(L, -1, &klen);
        lua_pushvalue(L, -1);
        if(lua_rawget(L, idx) != LUA_TNIL && !json_object_getn(obj, key,
                                                                klen)) {
          json_t *v = tj_member(s, key, klen, depth, me);

          if(!v || json_object_setn_new_nocheck(obj, key, klen, v)) {
            lua_pop(L, 2);
            if(v)
              goto nomem;
            goto fail;
          }
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  nnew = nstr - json_object_size(obj);
  if(nnew) {
    m = malloc(nnew * sizeof(*m));
    if(!m)
      goto nomem;
    lua_pushnil(L);
    while(lua_next(L, idx)) {
      const char *key;
      size_t klen;

      /* Every key is a string here (checked by the caller); the table
       * holds it, so the pointer stays valid after the pop. */
      key = lua_tolstring(L, -2, &klen);
      if(!json_object_getn(obj, key, klen)) {
        json_t *v = tj_member(s, key, klen, depth, me);

        if(!v) {
          lua_pop(L, 2);
          goto fail;
        }
        m[n].key = key;
        m[n].len = klen;
        m[n].value = v;
        n++;
      }
      lua_pop(L, 1);
    }
    qsort(m, n, sizeof(*m), tj_membercmp);
    for(i = 0; i < n; i++) {
      /* setn_new steals the value even when it fails. */
      json_t *v = m[i].value;

      m[i].value = NULL;
      if(json_object_setn_new_nocheck(obj, m[i].key, m[i].len, v))
        goto nomem;
    }
    free(m);
  }
  return obj;
nomem:
  tj_fail(s, SLSH_E_NOMEM, "out of memory");
fail:
  if(m) {
    for(i = 0; i < n; i++)
      json_decref(m[i].value);
    free(m);
  }
  json_decref(obj);
  return NULL;
}

/* Convert the table at idx: decide array or object from the marks and
 * the keys, refusing what JSON cannot say. */
static json_t *tj_table(struct tojson *s, int idx, size_t depth,
                        const struct tj_anc *up)
{
  lua_State *L = s->L;
  const struct tj_anc *a;
  struct tj_anc me;
  struct tj_scan k;
  int marked = 0, list = 0;
  json_t *v;

  me.table = lua_topointer(L, idx);
  me.up = up;
  for(a = up; a; a = a->up)
    if(a->table == me.table) {
      tj_fail(s, SLSH_E_JSON_TYPE, "a table that contains itself (a cycle) "
              "cannot be JSON");
      return NULL;
    }
  if(depth >= s->max_depth) {
    tj_fail(s, SLSH_E_JSON_DEPTH, "nesting deeper than %zu", s->max_depth);
    return NULL;
  }
  if(!lua_checkstack(L, 8)) {
    tj_fail(s, SLSH_E_NOMEM, "Lua stack overflow");
    return NULL;
  }
  if(lua_getmetatable(L, idx)) {
    marked = lua_rawequal(L, -1, s->arraymt);
    lua_pop(L, 1);
  }
  tj_scan(L, idx, &k);
  if(marked) {
    if(k.nstr || k.nbadint || k.badtype != LUA_TNONE) {
      if(k.nstr)
        tj_fail(s, SLSH_E_JSON_TYPE, "an array (slsh.json.array) with a "
                "string key cannot be JSON");
      else if(k.nbadint)
        tj_fail(s, SLSH_E_JSON_TYPE, "an array (slsh.json.array) with the "
                "index %lld cannot be JSON", (long long)k.badint);
      else
        tj_badkey(s, &k);
      return NULL;
    }
    if((lua_Integer)k.nint != k.maxi) {
      tj_fail(s, SLSH_E_JSON_TYPE, "array has a hole at index %lld (use "
              "slsh.json.null for null)", (long long)tj_hole(L, idx));
      return NULL;
    }
    return tj_array(s, idx, k.maxi, depth, &me);
  }
  lua_pushvalue(L, idx);
  if(lua_rawget(L, s->order) == LUA_TTABLE)
    list = lua_gettop(L);
  else
    lua_pop(L, 1);
  v = NULL;
  if(k.badtype != LUA_TNONE)
    tj_badkey(s, &k);
  else if(!list && k.n && k.nint == k.n && (lua_Integer)k.n == k.maxi)
    v = tj_array(s, idx, k.maxi, depth, &me);
  else if(k.nstr == k.n)
    v = tj_object(s, idx, list, k.nstr, depth, &me);
  else if(k.nstr && !list)
    tj_fail(s, SLSH_E_JSON_TYPE, "a table that mixes string keys and "
            "integer keys cannot be JSON");
  else if(list || k.nbadint)
    tj_fail(s, SLSH_E_JSON_TYPE, "an object with the integer key %lld "
            "cannot be JSON (object keys are strings)",
            (long long)(k.nbadint ? k.badint : k.maxi));
  else
    tj_fail(s, SLSH_E_JSON_TYPE, "array has a hole at index %lld (use "
            "slsh.json.null for null)", (long long)tj_hole(L, idx));
  if(list)
    lua_pop(L, 1);
  return v;
}

/* Convert any value at idx (absolute). */
static json_t *tj_value(struct tojson *s, int idx, size_t depth,
                        const struct tj_anc *up)
{
  lua_State *L = s->L;
  json_t *v = NULL;
  const char *str;
  size_t len, bad;
  double d;

  switch(lua_type(L, idx)) {
  case LUA_TTABLE:
    return tj_table(s, idx, depth, up);
  case LUA_TSTRING:
    str = lua_tolstring(L, idx, &len);
    bad = slsh_utf8_valid(str, len);
    if(bad != len) {
      tj_fail(s, SLSH_E_JSON_TYPE, "string is not valid UTF-8 (byte %zu)",
              bad);
      return NULL;
    }
    v = json_stringn_nocheck(str, len);
    break;
  case LUA_TNUMBER:
    if(lua_isinteger(L, idx))
      v = json_integer((json_int_t)lua_tointeger(L, idx));
    else {
      d = lua_tonumber(L, idx);
      if(!isfinite(d)) {
        tj_fail(s, SLSH_E_JSON_TYPE, "%s cannot be JSON",
                isnan(d) ? "NaN" : "infinity");
        return NULL;
      }
      v = json_real(d);
    }
    break;
  case LUA_TBOOLEAN:
    v = json_boolean(lua_toboolean(L, idx));
    break;
  case LUA_TLIGHTUSERDATA:
    if(lua_touserdata(L, idx) == JSON_NULLP) {
      v = json_null();
      break;
    }
    /* FALLTHROUGH */
  default:
    tj_fail(s, SLSH_E_JSON_TYPE, "a %s value cannot be JSON%s",
            luaL_typename(L, idx), lua_isnil(L, idx) ?
            " (use slsh.json.null for null)" : "");
    return NULL;
  }
  if(!v)
    tj_fail(s, SLSH_E_NOMEM, "out of memory");
  return v;
}

/* slsh_lua_tojson with a depth limit. Raises only before any memory is
 * held (when the side table must be created). */
static json_t *json_tojson(lua_State *L, int idx, size_t max_depth,
                           struct slsh_err *err)
{
  struct tojson s;
  json_t *v;

  idx = lua_absindex(L, idx);
  json_pushstate(L);
  memset(&s, 0, sizeof(s));
  s.L = L;
  s.order = lua_gettop(L) - 1;
  s.arraymt = lua_gettop(L);
  s.max_depth = max_depth ? max_depth : SLSH_JSON_DEFAULT_DEPTH;
  s.err = err;
  s.start = sizeof(s.path) - 1;
  v = tj_value(&s, idx, 0, NULL);
  if(!v && err)
    snprintf(err->field, sizeof(err->field), "%s%s", s.cut ? "..." : "",
             s.path + s.start);
  lua_pop(L, 2);
  return v;
}

json_t *slsh_lua_tojson(lua_State *L, int idx, struct slsh_err *err)
{
  return json_tojson(L, idx, 0, err);
}

/* Push one value; `order` and `mt` are the absolute indices of the side
 * table and the array marker. */
static void pj_value(lua_State *L, const json_t *j, int order, int mt)
{
  const char *key;
  json_t *value;
  size_t i, n, klen;

  luaL_checkstack(L, 6, "JSON nesting too deep for the Lua stack");
  switch(json_typeof(j)) {
  case JSON_OBJECT:
    n = json_object_size(j);
    lua_createtable(L, 0, n > INT32_MAX ? 0 : (int)n);
    lua_createtable(L, n > INT32_MAX ? 0 : (int)n, 0);
    i = 0;
    json_object_keylen_foreach((json_t *)j, key, klen, value) {
      lua_pushlstring(L, key, klen);
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, (lua_Integer)++i);
      pj_value(L, value, order, mt);
      lua_rawset(L, -4);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, order);
    return;
  case JSON_ARRAY:
    n = json_array_size(j);
    lua_createtable(L, n > INT32_MAX ? 0 : (int)n, 0);
    for(i = 0; i < n; i++) {
      pj_value(L, json_array_get(j, i), order, mt);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushvalue(L, mt);
    lua_setmetatable(L, -2);
    return;
  case JSON_STRING:
    lua_pushlstring(L, json_string_value(j), json_string_length(j));
    return;
  case JSON_INTEGER:
    lua_pushinteger(L, (lua_Integer)json_integer_value(j));
    return;
  case JSON_REAL:
    lua_pushnumber(L, (lua_Number)json_real_value(j));
    return;
  case JSON_TRUE:
  case JSON_FALSE:
    lua_pushboolean(L, json_is_true(j));
    return;
  case JSON_NULL:
    lua_pushlightuserdata(L, JSON_NULLP);
    return;
  }
  lua_pushlightuserdata(L, JSON_NULLP);
}

void slsh_lua_pushjson(lua_State *L, const json_t *json)
{
  int top;

  json_pushstate(L);
  top = lua_gettop(L);
  if(json)
    pj_value(L, json, top - 1, top);
  else
    lua_pushlightuserdata(L, JSON_NULLP);
  lua_replace(L, top - 1);
  lua_pop(L, 1);
}

/* Read an integer option within [lo, hi]. */
static size_t json_intopt(lua_State *L, const char *name, lua_Integer lo,
                          lua_Integer hi)
{
  lua_Integer v;

  if(!lua_isinteger(L, -1) || (v = lua_tointeger(L, -1)) < lo || v > hi)
    luaL_error(L, "option '%s' must be an integer from %I to %I, got %s",
               name, lo, hi, lua_isinteger(L, -1) ? lua_tostring(L, -1) :
               luaL_typename(L, -1));
  return (size_t)lua_tointeger(L, -1);
}

/* Read the options table at idx (nil or absent = defaults). Misuse
 * raises: an unknown option, a value of the wrong type. */
static void json_getopts(lua_State *L, int idx, struct slsh_json_opts *o,
                         int encode)
{
  const char *valid = encode ? "pretty, sort_keys, max_depth, max_size" :
    "max_depth, max_size";

  memset(o, 0, sizeof(*o));
  if(lua_isnoneornil(L, idx))
    return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while(lua_next(L, idx)) {
    const char *name = lua_type(L, -2) == LUA_TSTRING ?
      lua_tostring(L, -2) : "";
    unsigned flag = !strcmp(name, "pretty") ? SLSH_JSON_PRETTY :
      !strcmp(name, "sort_keys") ? SLSH_JSON_SORT_KEYS : 0;

    if(encode && flag) {
      if(!lua_isboolean(L, -1))
        luaL_error(L, "option '%s' must be a boolean, got %s", name,
                   luaL_typename(L, -1));
      if(lua_toboolean(L, -1))
        o->flags |= flag;
    }
    else if(!strcmp(name, "max_depth"))
      o->max_depth = json_intopt(L, name, 1, SLSH_JSON_MAX_DEPTH);
    else if(!strcmp(name, "max_size"))
      o->max_size = json_intopt(L, name, 1, LUA_MAXINTEGER);
    else
      luaL_error(L, "unknown option '%s' (valid: %s)",
                 lua_type(L, -2) == LUA_TSTRING ? name :
                 luaL_typename(L, -2), valid);
    lua_pop(L, 1);
  }
}

/* slsh.json.decode(text [, {max_depth=, max_size=}]) -> value | nil, err
 * (err.offset = byte offset, 0-based). */
static int json_decode(lua_State *L)
{
  struct slsh_json_opts o;
  struct slsh_box *b;
  struct slsh_err err;
  const char *text;
  size_t len, off = 0;

  luaL_checktype(L, 1, LUA_TSTRING);
  text = lua_tolstring(L, 1, &len);
  json_getopts(L, 2, &o, 0);
  lua_settop(L, 2);
  b = slsh_box_push(L);
  slsh_err_clear(&err);
  b->json = slsh_json_parse(text, len, &o, &err, &off);
  if(!b->json) {
    slsh_lua_fail(L, &err);
    lua_pushinteger(L, (lua_Integer)off);
    lua_setfield(L, -2, "offset");
    return 2;
  }
  slsh_lua_pushjson(L, b->json);
  slsh_box_free(b);
  return 1;
}

/* slsh.json.encode(value [, {pretty=, sort_keys=, max_depth=, max_size=}])
 * -> text | nil, err. A value that cannot be JSON raises an error object
 * naming its path in `field`; an output over max_size is nil, err. */
static int json_encode(lua_State *L)
{
  struct slsh_json_opts o;
  struct slsh_box *b;
  struct slsh_err err;

  luaL_checkany(L, 1);
  json_getopts(L, 2, &o, 1);
  lua_settop(L, 2);
  b = slsh_box_push(L);
  slsh_buf_init(&b->buf, o.max_size);
  slsh_err_clear(&err);
  b->json = json_tojson(L, 1, o.max_depth, &err);
  if(!b->json) {
    if(err.code == SLSH_E_NOMEM)
      return slsh_lua_fail(L, &err);
    slsh_lua_pusherr(L, &err);
    return lua_error(L);
  }
  if(slsh_json_dump(&b->buf, b->json, &o, &err)) {
    slsh_box_free(b);
    return slsh_lua_fail(L, &err);
  }
  lua_pushlstring(L, slsh_buf_str(&b->buf), b->buf.len);
  slsh_box_free(b);
  return 1;
}

/* A key of keys(), for sorting: numbers, then strings bytewise, then
 * anything else in traversal order. */
struct jk_key {
  int rank;                 /* 0 number, 1 string, 2 other */
  lua_Number num;           /* when a number */
  const char *s;            /* when a string (held by the table) */
  size_t len;
  lua_Integer pos;          /* index in the scratch list */
};

static int jk_cmp(const void *a, const void *b)
{
  const struct jk_key *x = a, *y = b;

  if(x->rank != y->rank)
    return x->rank - y->rank;
  if(x->rank == 0 && x->num != y->num)
    return x->num < y->num ? -1 : 1;
  if(x->rank == 1)
    return tj_keycmp(x->s, x->len, y->s, y->len);
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* slsh.json.keys(t) -> list of t's keys in the order encode writes them:
 * the remembered keys still present, then the others sorted. */
static int json_keys(lua_State *L)
{
  struct jk_key *k;
  lua_Integer i, n, len, nnew = 0;

  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  json_pushstate(L);                 /* 2 order, 3 array marker */
  lua_newtable(L);                   /* 4 result */
  lua_newtable(L);                   /* 5 set of keys already in 4 */
  lua_pushvalue(L, 1);
  lua_rawget(L, 2);                  /* 6 remembered list or nil */
  lua_newtable(L);                   /* 7 the other keys */
  n = 0;
  if(lua_istable(L, 6)) {
    len = (lua_Integer)lua_rawlen(L, 6);
    for(i = 1; i <= len; i++) {
      lua_rawgeti(L, 6, i);
      lua_pushvalue(L, -1);
      if(!lua_isnil(L, -1) && lua_rawget(L, 1) != LUA_TNIL) {
        lua_pushvalue(L, -2);
        if(lua_rawget(L, 5) == LUA_TNIL) {
          lua_pushvalue(L, -3);
          lua_rawseti(L, 4, ++n);
          lua_pushvalue(L, -3);
          lua_pushboolean(L, 1);
          lua_rawset(L, 5);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 2);
    }
  }
  lua_pushnil(L);
  while(lua_next(L, 1)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    if(lua_rawget(L, 5) == LUA_TNIL) {
      lua_pushvalue(L, -2);
      lua_rawseti(L, 7, ++nnew);
    }
    lua_pop(L, 1);
  }
  k = lua_newuserdatauv(L, (size_t)(nnew ? nnew : 1) * sizeof(*k), 0);
  for(i = 0; i < nnew; i++) {
    int t = lua_rawgeti(L, 7, i + 1);

    k[i].rank = t == LUA_TNUMBER ? 0 : t == LUA_TSTRING ? 1 : 2;
    k[i].num = t == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    k[i].s = t == LUA_TSTRING ? lua_tolstring(L, -1, &k[i].len) : NULL;
    k[i].pos = i + 1;
    lua_pop(L, 1);
  }
  qsort(k, (size_t)nnew, sizeof(*k), jk_cmp);
  for(i = 0; i < nnew; i++) {
    lua_rawgeti(L, 7, k[i].pos);
    lua_rawseti(L, 4, ++n);
  }
  lua_settop(L, 4);
  return 1;
}

static const luaL_Reg json_funcs[] = {
  {"decode", json_decode},
  {"encode", json_encode},
  {"keys", json_keys},
  {NULL, NULL}
};

int luaopen_slsh_json_core(lua_State *L)
{
  luaL_newlib(L, json_funcs);
  lua_pushlightuserdata(L, JSON_NULLP);
  lua_setfield(L, -2, "null");
  json_pushstate(L);
  lua_setfield(L, -3, "array_mt");
  lua_setfield(L, -2, "order");
  return 1;
}
