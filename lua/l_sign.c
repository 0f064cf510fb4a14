/*
 * slsh.sign.core: the Lua binding of core/sign.c and core/crypto.c
 * (docs/design.md). Each signer takes one table of named fields and returns
 * two strings; misuse (a missing or mistyped field, an unknown field name,
 * input the signer refuses) raises an error naming the field. No message
 * ever quotes a value, so a secret cannot leak through one.
 *
 * Memory: the pair arrays are Lua userdata and converted numbers live in
 * an anchoring table, so raising never loses them; the result buffers are
 * a to-be-closed userdata, wiped and freed on return and on error alike.
 */
#include "lslsh.h"
#include "slsh/crypto.h"
#include "slsh/sign.h"
#include "slsh/text.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#define LSIGN_RESULT_MT "slsh.sign.result"

/* What the readers of one call share. */
struct lsign_args {
  const char *fn;     /* "slsh.sign.sls_v1", the prefix of every message */
  int t;              /* stack index of the argument table */
  int holder;         /* stack index of a table anchoring converted values */
  int nheld;          /* values in it */
};

/* __close and __gc of a result: wipe and free (idempotent). */
static int result__close(lua_State *L)
{
  slsh_sign_result_free(luaL_checkudata(L, 1, LSIGN_RESULT_MT));
  return 0;
}

/* Push a to-be-closed result: freed when the C function returns or
 * raises. */
static struct slsh_sign_result *lsign_newresult(lua_State *L)
{
  struct slsh_sign_result *r = lua_newuserdatauv(L, sizeof(*r), 0);

  slsh_sign_result_init(r);
  luaL_setmetatable(L, LSIGN_RESULT_MT);
  lua_toclose(L, -1);
  return r;
}

/* Push a to-be-closed scratch buffer (in a box, lslsh.h). */
static struct slsh_buf *lsign_newbuf(lua_State *L)
{
  struct slsh_box *b = slsh_box_push(L);

  lua_toclose(L, -1);
  return &b->buf;
}

/* Start reading the argument table of `fn`. */
static void lsign_begin(lua_State *L, struct lsign_args *a, const char *fn)
{
  if(lua_type(L, 1) != LUA_TTABLE)
    luaL_error(L, "%s: expects a table of named fields, got %s", fn,
               luaL_typename(L, 1));
  lua_settop(L, 1);
  a->fn = fn;
  a->t = 1;
  lua_newtable(L);
  a->holder = lua_gettop(L);
  a->nheld = 0;
}

/* Refuse a key of the argument table that is not in `valid` (a typo such
 * as `acess_key_secret` would otherwise sign with a missing field). */
static void lsign_check_fields(lua_State *L, struct lsign_args *a,
                               const char *const valid[])
{
  lua_pushnil(L);
  while(lua_next(L, a->t)) {
    const char *key;
    luaL_Buffer b;
    int i, known = 0;

    lua_pop(L, 1);
    if(lua_type(L, -1) == LUA_TSTRING) {
      key = lua_tostring(L, -1);
      for(i = 0; valid[i]; i++)
        if(!strcmp(key, valid[i]))
          known = 1;
      if(known)
        continue;
    }
    luaL_buffinit(L, &b);
    for(i = 0; valid[i]; i++) {
      if(i)
        luaL_addstring(&b, ", ");
      luaL_addstring(&b, valid[i]);
    }
    luaL_pushresult(&b);
    if(lua_type(L, -2) == LUA_TSTRING)
      luaL_error(L, "%s: unknown field '%s' (valid fields: %s)", a->fn,
                 lua_tostring(L, -2), lua_tostring(L, -1));
    luaL_error(L, "%s: unexpected %s key in the table (valid fields: %s)",
               a->fn, luaL_typename(L, -2), lua_tostring(L, -1));
  }
}

/* Read string field `name`; the value stays on the stack, so it lives as
 * long as the call. NULL when absent and optional. With `cstr` the value
 * must not hold NUL bytes (the core reads it as a C string). */
static const char *lsign_str(lua_State *L, struct lsign_args *a,
                             const char *name, int required, int cstr,
                             size_t *len)
{
  const char *s;
  size_t n;
  int t;

  luaL_checkstack(L, 2, NULL);
  t = lua_getfield(L, a->t, name);
  if(t == LUA_TNIL) {
    if(required)
      luaL_error(L, "%s: field '%s' is required (a string)", a->fn, name);
    if(len)
      *len = 0;
    return NULL;
  }
  if(t != LUA_TSTRING)
    luaL_error(L, "%s: field '%s' must be a string, got %s", a->fn, name,
               luaL_typename(L, -1));
  s = lua_tolstring(L, -1, &n);
  if(cstr && strlen(s) != n)
    luaL_error(L, "%s: field '%s' must not contain NUL bytes", a->fn, name);
  if(len)
    *len = n;
  return s;
}

/* A number as the string a query wants: integers (and integral floats)
 * without ".0", other floats in the shortest form that reads back the
 * same, always with '.' whatever the locale. */
static void lsign_pushnumber(lua_State *L, int idx, const char *fn,
                             const char *field, const char *key)
{
  lua_Number f;
  char text[64];
  int prec;

  if(lua_isinteger(L, idx)) {
    lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, idx));
    return;
  }
  f = lua_tonumber(L, idx);
  if(f != f || f - f != 0)
    luaL_error(L, "%s: %s '%s' is not a finite number", fn, field, key);
  if(f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
     f == (lua_Number)(lua_Integer)f) {
    lua_pushfstring(L, "%I", (LUAI_UACINT)(lua_Integer)f);
    return;
  }
  for(prec = 15; prec <= 17; prec++) {
    char point = localeconv()->decimal_point[0];
    char *p;

    snprintf(text, sizeof(text), "%.*g", prec, (double)f);
    if(point != '.' && (p = strchr(text, point)))
      *p = '.';
    if(lua_stringtonumber(L, text)) {
      int same = lua_tonumber(L, -1) == f;

      lua_pop(L, 1);
      if(same)
        break;
    }
  }
  lua_pushstring(L, text);
}

/* The value at `idx` as a string for a pair: strings as they are (they
 * live in their table), numbers converted and anchored in the holder.
 * Booleans and everything else are refused. */
static const char *lsign_scalar(lua_State *L, struct lsign_args *a, int idx,
                                const char *field, const char *key,
                                size_t *len)
{
  const char *s;

  /* Messages name one entry: "query 'x'", "header 'x'", "parameter 'x'". */
  field = !strcmp(field, "headers") ? "header" :
          !strcmp(field, "params") ? "parameter" : field;

  switch(lua_type(L, idx)) {
  case LUA_TSTRING:
    return lua_tolstring(L, idx, len);
  case LUA_TNUMBER:
    lsign_pushnumber(L, idx, a->fn, field, key);
    s = lua_tolstring(L, -1, len);
    lua_rawseti(L, a->holder, ++a->nheld);
    return s;
  case LUA_TBOOLEAN:
    luaL_error(L, "%s: %s '%s' is a boolean; pass the string \"true\" or "
               "\"false\"", a->fn, field, key);
    break;
  default:
    luaL_error(L, "%s: %s '%s' must be a string, a number or a list of "
               "them, got %s", a->fn, field, key, luaL_typename(L, idx));
  }
  return NULL;
}

/* Entries a value stands for: 1, or the length of a list (a sequence
 * 1..n of scalars, not empty). */
static size_t lsign_count(lua_State *L, struct lsign_args *a, int idx,
                          const char *field, const char *key)
{
  lua_Integer n, seen = 0;

  if(lua_type(L, idx) != LUA_TTABLE)
    return 1;
  n = (lua_Integer)lua_rawlen(L, idx);
  lua_pushnil(L);
  while(lua_next(L, idx)) {
    lua_pop(L, 1);
    seen++;
    if(!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
       lua_tointeger(L, -1) > n)
      luaL_error(L, "%s: %s '%s' is a table but not a list of values",
                 a->fn, field, key);
  }
  if(!n || seen != n)
    luaL_error(L, "%s: %s '%s' is %s", a->fn, field, key,
               n ? "a list with holes" : "an empty list");
  return (size_t)n;
}

/* Read the name -> value (or list of values) table at `tidx` into a new
 * array of pairs (a userdata left on the stack). Names must be strings. */
static struct slsh_sign_pair *lsign_pairs(lua_State *L, struct lsign_args *a,
                                          int tidx, const char *field,
                                          size_t *np)
{
  struct slsh_sign_pair *v;
  size_t n = 0, i = 0;

  tidx = lua_absindex(L, tidx);
  lua_pushnil(L);
  while(lua_next(L, tidx)) {
    if(lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "%s: the names in '%s' must be strings, got %s", a->fn,
                 field, luaL_typename(L, -2));
    n += lsign_count(L, a, lua_gettop(L), field, lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  v = lua_newuserdatauv(L, (n ? n : 1) * sizeof(*v), 0);
  lua_pushnil(L);
  while(lua_next(L, tidx)) {
    int vidx = lua_gettop(L);
    size_t nlen;
    const char *name = lua_tolstring(L, -2, &nlen);

    if(lua_type(L, vidx) == LUA_TTABLE) {
      lua_Integer k, len = (lua_Integer)lua_rawlen(L, vidx);

      for(k = 1; k <= len; k++) {
        lua_rawgeti(L, vidx, k);
        if(lua_type(L, -1) == LUA_TTABLE)
          luaL_error(L, "%s: %s '%s' is a list holding a table", a->fn,
                     field, name);
        v[i].name = name;
        v[i].name_len = nlen;
        v[i].value = lsign_scalar(L, a, lua_gettop(L), field, name,
                                  &v[i].value_len);
        i++;
        lua_pop(L, 1);
      }
    }
    else {
      v[i].name = name;
      v[i].name_len = nlen;
      v[i].value = lsign_scalar(L, a, vidx, field, name, &v[i].value_len);
      i++;
    }
    lua_pop(L, 1);
  }
  *np = i;
  return v;
}

/* Read optional table field `name` into pairs (none when absent). */
static struct slsh_sign_pair *lsign_pairfield(lua_State *L,
                                              struct lsign_args *a,
                                              const char *name, size_t *np)
{
  int t;

  luaL_checkstack(L, 8, NULL);
  t = lua_getfield(L, a->t, name);
  *np = 0;
  if(t == LUA_TNIL)
    return NULL;
  if(t != LUA_TTABLE)
    luaL_error(L, "%s: field '%s' must be a table, got %s", a->fn, name,
               luaL_typename(L, -1));
  return lsign_pairs(L, a, -1, name, np);
}

/* Raise the core's refusal with its field named. */
static int lsign_raise(lua_State *L, const char *fn, const struct slsh_err *e)
{
  if(e->field[0])
    return luaL_error(L, "%s: %s (field %s)", fn, e->message, e->field);
  return luaL_error(L, "%s: %s", fn, e->message);
}

/* Read the fields shared by the HTTP signers into `rq`. */
static void lsign_request(lua_State *L, struct lsign_args *a,
                          struct slsh_sign_request *rq)
{
  size_t len;

  memset(rq, 0, sizeof(*rq));
  rq->method = lsign_str(L, a, "method", 1, 1, NULL);
  rq->path = lsign_str(L, a, "path", 1, 1, NULL);
  rq->query = lsign_pairfield(L, a, "query", &rq->nquery);
  rq->headers = lsign_pairfield(L, a, "headers", &rq->nheaders);
  rq->body = lsign_str(L, a, "body", 0, 0, &len);
  rq->body_len = len;
  rq->access_key_id = lsign_str(L, a, "access_key_id", 1, 1, NULL);
  rq->access_key_secret = lsign_str(L, a, "access_key_secret", 1, 1, NULL);
}

/* Sign with `signer` and return authorization, canonical (the string to
 * sign for V1, the canonical request for V4 and ACS3). */
static int lsign_http(lua_State *L, struct lsign_args *a,
                      const struct slsh_sign_request *rq,
                      int (*signer)(const struct slsh_sign_request *,
                                    struct slsh_sign_result *,
                                    struct slsh_err *))
{
  struct slsh_sign_result *r = lsign_newresult(L);
  struct slsh_err e;

  slsh_err_clear(&e);
  if(signer(rq, r, &e))
    return lsign_raise(L, a->fn, &e);
  lua_pushlstring(L, r->authorization.data, r->authorization.len);
  lua_pushlstring(L, r->canonical.data, r->canonical.len);
  return 2;
}

/* sls_v1{method=, path=, query=, headers=, body=, access_key_id=,
 * access_key_secret=} -> authorization, string_to_sign */
static int sign_sls_v1(lua_State *L)
{
  static const char *const fields[] = {"method", "path", "query", "headers",
    "body", "access_key_id", "access_key_secret", NULL};
  struct lsign_args a;
  struct slsh_sign_request rq;

  lsign_begin(L, &a, "slsh.sign.sls_v1");
  lsign_check_fields(L, &a, fields);
  lsign_request(L, &a, &rq);
  return lsign_http(L, &a, &rq, slsh_sign_sls_v1);
}

/* sls_v4{... region=} -> authorization, canonical_request */
static int sign_sls_v4(lua_State *L)
{
  static const char *const fields[] = {"method", "path", "query", "headers",
    "body", "region", "access_key_id", "access_key_secret", NULL};
  struct lsign_args a;
  struct slsh_sign_request rq;

  lsign_begin(L, &a, "slsh.sign.sls_v4");
  lsign_check_fields(L, &a, fields);
  lsign_request(L, &a, &rq);
  rq.region = lsign_str(L, &a, "region", 1, 1, NULL);
  return lsign_http(L, &a, &rq, slsh_sign_sls_v4);
}

/* acs3{method=, path=, query=, headers=, body=?, payload_hash=?,
 * access_key_id=, access_key_secret=} -> authorization, canonical_request */
static int sign_acs3(lua_State *L)
{
  static const char *const fields[] = {"method", "path", "query", "headers",
    "body", "payload_hash", "access_key_id", "access_key_secret", NULL};
  struct lsign_args a;
  struct slsh_sign_request rq;

  lsign_begin(L, &a, "slsh.sign.acs3");
  lsign_check_fields(L, &a, fields);
  lsign_request(L, &a, &rq);
  rq.payload_hash = lsign_str(L, &a, "payload_hash", 0, 1, NULL);
  return lsign_http(L, &a, &rq, slsh_sign_acs3);
}

/* rpc_v1{method=, params=, access_key_secret=} -> signature,
 * string_to_sign */
static int sign_rpc_v1(lua_State *L)
{
  static const char *const fields[] = {"method", "params",
    "access_key_secret", NULL};
  struct lsign_args a;
  struct slsh_sign_pair *params;
  struct slsh_sign_result *r;
  struct slsh_err e;
  const char *method, *secret;
  size_t n;

  lsign_begin(L, &a, "slsh.sign.rpc_v1");
  lsign_check_fields(L, &a, fields);
  method = lsign_str(L, &a, "method", 1, 1, NULL);
  if(lua_getfield(L, a.t, "params") == LUA_TNIL)
    luaL_error(L, "%s: field 'params' is required (a table)", a.fn);
  lua_pop(L, 1);
  params = lsign_pairfield(L, &a, "params", &n);
  secret = lsign_str(L, &a, "access_key_secret", 1, 1, NULL);
  r = lsign_newresult(L);
  slsh_err_clear(&e);
  if(slsh_sign_rpc_v1(method, params, n, secret, r, &e))
    return lsign_raise(L, a.fn, &e);
  lua_pushlstring(L, r->authorization.data, r->authorization.len);
  lua_pushlstring(L, r->canonical.data, r->canonical.len);
  return 2;
}

/* rpc_query(params) -> the canonicalized query string (URL query or form
 * body, before &Signature=) */
static int sign_rpc_query(lua_State *L)
{
  struct lsign_args a;
  struct slsh_sign_pair *params;
  struct slsh_buf *b;
  struct slsh_err e;
  size_t n;

  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  a.fn = "slsh.sign.rpc_query";
  a.t = 1;
  lua_newtable(L);
  a.holder = lua_gettop(L);
  a.nheld = 0;
  params = lsign_pairs(L, &a, 1, "params", &n);
  b = lsign_newbuf(L);
  slsh_err_clear(&e);
  if(slsh_sign_rpc_query(params, n, b, &e))
    return lsign_raise(L, a.fn, &e);
  lua_pushlstring(L, slsh_buf_str(b), b->len);
  return 1;
}

/* percent_encode(s) -> RFC 3986 encoding (A-Za-z0-9-_.~ literal) */
static int sign_percent_encode(lua_State *L)
{
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  struct slsh_buf *b = lsign_newbuf(L);

  if(slsh_crypto_percent_encode(b, s, n))
    return luaL_error(L, "slsh.sign.percent_encode: out of memory");
  lua_pushlstring(L, slsh_buf_str(b), b->len);
  return 1;
}

/* base64(s) -> standard base64 with padding */
static int sign_base64(lua_State *L)
{
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  struct slsh_buf *b = lsign_newbuf(L);

  if(slsh_crypto_base64(b, s, n))
    return luaL_error(L, "slsh.sign.base64: out of memory");
  lua_pushlstring(L, slsh_buf_str(b), b->len);
  return 1;
}

/* Push `n` bytes as hex. */
static void lsign_pushhex(lua_State *L, const unsigned char *p, size_t n,
                          int upper)
{
  char hex[2 * SLSH_SHA256_LEN];

  slsh_hex(hex, p, n, upper);
  lua_pushlstring(L, hex, 2 * n);
}

/* md5_hex(s) -> upper-case hex MD5, as Content-MD5 wants */
static int sign_md5_hex(lua_State *L)
{
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  unsigned char md[SLSH_MD5_LEN];

  if(slsh_crypto_md5(s, n, md))
    return luaL_error(L, "slsh.sign.md5_hex: OpenSSL failed");
  lsign_pushhex(L, md, sizeof(md), 1);
  return 1;
}

/* sha256_hex(s) -> lower-case hex SHA-256 */
static int sign_sha256_hex(lua_State *L)
{
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  unsigned char md[SLSH_SHA256_LEN];

  if(slsh_crypto_sha256(s, n, md))
    return luaL_error(L, "slsh.sign.sha256_hex: OpenSSL failed");
  lsign_pushhex(L, md, sizeof(md), 0);
  return 1;
}

/* hmac(key, msg) -> raw digest, for both HMACs. */
static int lsign_hmac(lua_State *L, enum slsh_crypto_md md, const char *fn)
{
  size_t kn, mn;
  const char *key = luaL_checklstring(L, 1, &kn);
  const char *msg = luaL_checklstring(L, 2, &mn);
  unsigned char out[SLSH_SHA256_LEN];
  size_t len = md == SLSH_MD_SHA1 ? SLSH_SHA1_LEN : SLSH_SHA256_LEN;

  if(slsh_crypto_hmac(md, key, kn, msg, mn, out))
    return luaL_error(L, "%s: OpenSSL failed", fn);
  lua_pushlstring(L, (const char *)out, len);
  return 1;
}

static int sign_hmac_sha1(lua_State *L)
{
  return lsign_hmac(L, SLSH_MD_SHA1, "slsh.sign.hmac_sha1");
}

static int sign_hmac_sha256(lua_State *L)
{
  return lsign_hmac(L, SLSH_MD_SHA256, "slsh.sign.hmac_sha256");
}

/* A date helper over an integer epoch. */
static int lsign_date(lua_State *L, int (*fmt)(int64_t, char *))
{
  char out[SLSH_SIGN_HTTP_DATE_SIZE];
  lua_Integer t = luaL_checkinteger(L, 1);

  luaL_argcheck(L, !fmt((int64_t)t, out), 1,
                "epoch seconds out of range (years 1 to 9999)");
  lua_pushstring(L, out);
  return 1;
}

/* http_date(epoch) -> "Mon, 03 Jan 2022 08:33:47 GMT" */
static int sign_http_date(lua_State *L)
{
  return lsign_date(L, slsh_sign_http_date);
}

/* v4_date(epoch) -> "20220103T083347Z" */
static int sign_v4_date(lua_State *L)
{
  return lsign_date(L, slsh_sign_v4_date);
}

/* iso8601(epoch) -> "2022-01-03T08:33:47Z" */
static int sign_iso8601(lua_State *L)
{
  return lsign_date(L, slsh_sign_iso8601);
}

static const luaL_Reg sign_funcs[] = {
  {"sls_v1", sign_sls_v1},
  {"sls_v4", sign_sls_v4},
  {"rpc_v1", sign_rpc_v1},
  {"rpc_query", sign_rpc_query},
  {"acs3", sign_acs3},
  {"percent_encode", sign_percent_encode},
  {"md5_hex", sign_md5_hex},
  {"sha256_hex", sign_sha256_hex},
  {"hmac_sha1", sign_hmac_sha1},
  {"hmac_sha256", sign_hmac_sha256},
  {"base64", sign_base64},
  {"http_date", sign_http_date},
  {"v4_date", sign_v4_date},
  {"iso8601", sign_iso8601},
  {NULL, NULL}
};

int luaopen_slsh_sign_core(lua_State *L)
{
  if(luaL_newmetatable(L, LSIGN_RESULT_MT)) {
    lua_pushcfunction(L, result__close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, result__close);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, sign_funcs);
  return 1;
}
