/*
 * The HTTP engine (see http.h): one curl multi handle shared by the
 * clients attached to it, the perform / poll / info_read loop, and
 * nothing that waits longer than the caller allows. Each transfer owns
 * its easy handle from submit until it finishes; then the easy handle is
 * gone and only the result remains, so a finished transfer costs its
 * response bytes and nothing else.
 *
 * Every unfinished transfer is on its engine's list, so that closing a
 * client or the engine can end it; a finished one is unhooked from both,
 * so handles can be freed in any order (a garbage collector does not
 * promise one). The engine is reference counted: each client holds one
 * reference, its creator another.
 */
#include "slsh/http.h"
#include "slsh/buf.h"
#include "slsh/util.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* curl's type-checking wrappers are macros named like the functions,
 * which would stand in the way of calling through the table below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

/* libcurl is loaded on first use, not at start-up: with its 30-odd
 * dependencies (some with load-time constructors) it made up about half
 * of the start-up of `slsh -e ''`, which most scripts pay without ever
 * making a request. Its soname has been libcurl.so.4 since 2006. */
#ifndef SLSH_CURL_SONAME
#define SLSH_CURL_SONAME "libcurl.so.4"
#endif

#define HTTP_CURL_FUNCS(X)                                              \
  X(curl_global_init) X(curl_global_cleanup) X(curl_free)               \
  X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt)            \
  X(curl_easy_getinfo) X(curl_easy_strerror)                            \
  X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_setopt)         \
  X(curl_multi_add_handle) X(curl_multi_remove_handle)                  \
  X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_info_read)      \
  X(curl_share_init) X(curl_share_cleanup) X(curl_share_setopt)         \
  X(curl_slist_append) X(curl_slist_free_all)                           \
  X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set)

static struct {
#define X(f) __typeof__(f) *f;
  HTTP_CURL_FUNCS(X)
#undef X
} http_curl;
static void *http_curl_lib;     /* loaded once, never unloaded */

/* Load libcurl and look up what we call, the first time; 0 or -1 with
 * `err` set (not installed, or too old to have a function we need). */
static int http_curl_load(struct slsh_err *err)
{
  const char *missing = NULL;
  void *lib;

  if(http_curl_lib)
    return 0;
  lib = dlopen(SLSH_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
  if(!lib)
    return slsh_err_set(err, SLSH_E_INTERNAL, NULL,
                        "cannot load libcurl (%s): %s", SLSH_CURL_SONAME,
                        dlerror());
#define X(f)                                                            \
  if(!missing && !(*(void **)&http_curl.f = dlsym(lib, #f)))            \
    missing = #f;
  HTTP_CURL_FUNCS(X)
#undef X
  if(missing) {
    dlclose(lib);
    return slsh_err_set(err, SLSH_E_INTERNAL, NULL, "%s has no %s: libcurl "
                        "7.80 or later is needed", SLSH_CURL_SONAME, missing);
  }
  http_curl_lib = lib;
  return 0;
}

/* From here on every curl call goes through the table (curl.h wraps
 * these four in argument-counting macros of the same name). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt
#define curl_global_init http_curl.curl_global_init
#define curl_global_cleanup http_curl.curl_global_cleanup
#define curl_free http_curl.curl_free
#define curl_easy_init http_curl.curl_easy_init
#define curl_easy_cleanup http_curl.curl_easy_cleanup
#define curl_easy_setopt http_curl.curl_easy_setopt
#define curl_easy_getinfo http_curl.curl_easy_getinfo
#define curl_easy_strerror http_curl.curl_easy_strerror
#define curl_multi_init http_curl.curl_multi_init
#define curl_multi_cleanup http_curl.curl_multi_cleanup
#define curl_multi_setopt http_curl.curl_multi_setopt
#define curl_multi_add_handle http_curl.curl_multi_add_handle
#define curl_multi_remove_handle http_curl.curl_multi_remove_handle
#define curl_multi_perform http_curl.curl_multi_perform
#define curl_multi_poll http_curl.curl_multi_poll
#define curl_multi_info_read http_curl.curl_multi_info_read
#define curl_share_init http_curl.curl_share_init
#define curl_share_cleanup http_curl.curl_share_cleanup
#define curl_share_setopt http_curl.curl_share_setopt
#define curl_slist_append http_curl.curl_slist_append
#define curl_slist_free_all http_curl.curl_slist_free_all
#define curl_url http_curl.curl_url
#define curl_url_cleanup http_curl.curl_url_cleanup
#define curl_url_get http_curl.curl_url_get
#define curl_url_set http_curl.curl_url_set

#ifndef SLSH_VERSION
#define SLSH_VERSION "0.0.0"
#endif

/* Response headers larger than this are an attack or a bug. */
#define HTTP_MAX_HEAD ((size_t)1024 * 1024)
/* Connections kept for reuse, across all hosts: at least this many, and
 * more as the work grows (transfers in flight x hosts in use), up to the
 * cap, which also stays under half the process's file descriptors. */
#define HTTP_MIN_CACHED 64L
#define HTTP_MAX_CACHED 1024L
/* Distinct host names counted for sizing the cache; beyond this the cache
 * is at its cap anyway. */
#define HTTP_MAX_HOSTS 1024

struct slsh_http_engine {
  CURLM *multi;                 /* the one multi handle: connection cache */
  CURLSH *share;                /* TLS session cache shared by transfers */
  int refs;                     /* creator + attached clients */
  struct slsh_http_xfer *xfers; /* every unfinished transfer */
  int pending;                  /* their number */
  int peak;                     /* most transfers ever in flight at once */
  char **hosts;                 /* host names seen (open addressing) */
  size_t nhosts;                /* entries used in `hosts` */
  long cache;                   /* CURLMOPT_MAXCONNECTS now */
  long cache_cap;               /* the most it may grow to */
  long opened;                  /* connections opened so far */
};

struct slsh_http {
  struct slsh_http_engine *engine; /* holds a reference */
  long timeout_ms;              /* default per-transfer timeout */
  long connect_timeout_ms;      /* TCP + TLS setup */
  size_t max_body;              /* response body cap */
  char *ca_file;                /* owned; NULL = system store */
  char *user_agent;             /* owned */
  char *ct_host;                /* connect_to host (brackets for IPv6) */
  int ct_tls;                   /* connect_to scheme is https */
  struct curl_slist *ct_list;   /* "::host:port" for CURLOPT_CONNECT_TO */
  char *ct_port;                /* connect_to port */
  char *ct_addr;                /* its address when literal, else NULL */
  int pending;                  /* transfers not finished */
};

struct slsh_http_xfer {
  struct slsh_http *client;     /* NULL once finished */
  struct slsh_http_engine *engine; /* NULL once finished */
  struct slsh_http_xfer *prev;  /* engine's list of unfinished ones */
  struct slsh_http_xfer *next;
  CURL *easy;                   /* NULL once finished */
  struct curl_slist *req_head;  /* request headers; wiped on release */
  char *req_body;               /* copy of the request body, or NULL */
  size_t req_body_len;
  char *url;                    /* rewritten URL (connect_to), or NULL */
  struct curl_slist *resolve;   /* "host:port:addr" (connect_to), or NULL */
  char *host_hdr;               /* Host to send (connect_to), or NULL */
  struct slsh_buf head;         /* response headers: name\0value\0... */
  size_t nhead;                 /* pairs in `head` */
  struct slsh_buf body;         /* response body, capped */
  struct slsh_http_header *hdrs;  /* parsed view of `head` */
  int done;                     /* finished, successfully or not */
  int sends;                    /* times curl was about to send it */
  struct slsh_err err;          /* why it failed, if it did */
  struct slsh_http_result res;  /* what happened */
  char errbuf[CURL_ERROR_SIZE]; /* curl's detail message */
};

/* Duplicate a string; NULL stays NULL. */
static char *http_strdup(const char *s)
{
  size_t n;
  char *p;

  if(!s)
    return NULL;
  n = strlen(s) + 1;
  p = malloc(n);
  if(p)
    memcpy(p, s, n);
  return p;
}

/* Free a header list whose strings may hold tokens, zeroing them first. */
static void http_slist_wipe(struct curl_slist *l)
{
  struct curl_slist *i;

  for(i = l; i; i = i->next)
    slsh_wipe(i->data, strlen(i->data));
  curl_slist_free_all(l);
}

/* The address of a literal host (as curl's URL parser gives it, IPv6 in
 * brackets) into `a`: 4 or 6, or 0 when `host` is a name. */
static int http_addr(const char *host, unsigned char a[16])
{
  char tmp[64];
  size_t n = strlen(host);

  if(n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(tmp)) {
    memcpy(tmp, host + 1, n - 2);
    tmp[n - 2] = '\0';
    return inet_pton(AF_INET6, tmp, a) == 1 ? 6 : 0;
  }
  return inet_pton(AF_INET, host, a) == 1 ? 4 : 0;
}

/* Whether `host` is a loopback address. Only literal addresses and
 * "localhost" count: curl resolves "localhost" itself, never through
 * DNS. */
static int http_loopback(const char *host)
{
  unsigned char a[16];

  if(!strcasecmp(host, "localhost"))
    return 1;
  switch(http_addr(host, a)) {
  case 4:
    return a[0] == 127;
  case 6:
    /* ::1, or ::ffff:127.x.y.z (IPv4 loopback in IPv6 form) */
    return !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) ||
      (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && a[12] == 127);
  default:
    return 0;
  }
}

/* Whether plain HTTP may go to `host`: loopback, and the ECS instance
 * metadata service (100.100.100.200), which speaks only plain HTTP, is
 * reachable only from inside the instance, and is where ECS RAM role
 * credentials come from. */
static int http_plain_allowed(const char *host)
{
  return http_loopback(host) || !strcmp(host, "100.100.100.200");
}

/* Whether `s` is an HTTP token (method names, header names). */
static int http_token(const char *s)
{
  static const char extra[] = "!#$%&'*+-.^_`|~";

  if(!*s)
    return 0;
  for(; *s; s++) {
    unsigned char ch = (unsigned char)*s;

    if(!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9') || (ch && strchr(extra, ch))))
      return 0;
  }
  return 1;
}

/* Parse the connect_to option into the client: the host to check for
 * loopback, the scheme to use and curl's "::host:port" rule. */
static int http_parse_connect_to(struct slsh_http *c, const char *spec,
                                 struct slsh_err *err)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
  char *query = NULL, *user = NULL;
  unsigned char addr[16];
  struct slsh_buf rule;
  int rc = -1;

  slsh_buf_init(&rule, 1024);
  if(!u) {
    slsh_err_set(err, SLSH_E_NOMEM, "connect_to", "out of memory");
    goto fail;
  }
  if(curl_url_set(u, CURLUPART_URL, spec, 0) ||
     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     curl_url_get(u, CURLUPART_HOST, &host, 0) ||
     curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
     curl_url_get(u, CURLUPART_PATH, &path, 0) ||
     (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
     strcmp(path, "/") ||
     curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_NO_QUERY ||
     curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "connect_to",
                 "connect_to must look like http://HOST:PORT or "
                 "https://HOST:PORT");
    goto fail;
  }
  c->ct_tls = !strcmp(scheme, "https");
  c->ct_host = http_strdup(host);
  c->ct_port = http_strdup(port);
  slsh_buf_printf(&rule, "::%s:%s", host, port);
  if(!c->ct_host || !c->ct_port || rule.failed)
    goto nomem;
  if(http_addr(host, addr) || !strcasecmp(host, "localhost")) {
    c->ct_addr = http_strdup(strcasecmp(host, "localhost") ?
                             host : "127.0.0.1");
    if(!c->ct_addr)
      goto nomem;
  }
  c->ct_list = curl_slist_append(NULL, slsh_buf_str(&rule));
  if(!c->ct_list)
    goto nomem;
  rc = 0;
  goto fail;
nomem:
  slsh_err_set(err, SLSH_E_NOMEM, "connect_to", "out of memory");
fail:
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(path);
  curl_free(query);
  curl_free(user);
  curl_url_cleanup(u);
  slsh_buf_free(&rule);
  return rc;
}

/* An engine: the multi handle (the connection cache) and the TLS session
 * share. It holds a reference on libcurl's global state, dropped when
 * the last reference to the engine goes. */
struct slsh_http_engine *slsh_http_engine_new(long max_host_connections,
                                              struct slsh_err *err)
{
  struct slsh_http_engine *e;
  struct rlimit rl;

  if(max_host_connections < 0) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "max_connections",
                 "max_connections must be positive");
    return NULL;
  }
  if(http_curl_load(err))
    return NULL;
  if(curl_global_init(CURL_GLOBAL_DEFAULT)) {
    slsh_err_set(err, SLSH_E_INTERNAL, NULL, "libcurl failed to start");
    return NULL;
  }
  e = calloc(1, sizeof(*e));
  if(!e) {
    curl_global_cleanup();
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  e->refs = 1;
  e->cache = HTTP_MIN_CACHED;
  e->cache_cap = HTTP_MAX_CACHED;
  /* Idle connections hold descriptors: leave half of them to the rest. */
  if(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
     (long)(rl.rlim_cur / 2) < e->cache_cap)
    e->cache_cap = (long)(rl.rlim_cur / 2) > HTTP_MIN_CACHED ?
      (long)(rl.rlim_cur / 2) : HTTP_MIN_CACHED;
  e->multi = curl_multi_init();
  e->share = curl_share_init();
  if(!e->multi || !e->share ||
     (max_host_connections &&
      curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                        max_host_connections)) ||
     curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, e->cache) ||
     curl_multi_setopt(e->multi, CURLMOPT_PIPELINING,
                       (long)CURLPIPE_MULTIPLEX) ||
     curl_share_setopt(e->share, CURLSHOPT_SHARE,
                       CURL_LOCK_DATA_SSL_SESSION)) {
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    slsh_http_engine_free(e);
    return NULL;
  }
  return e;
}

static void xfer_finish(struct slsh_http_xfer *x, CURLcode rc,
                        enum slsh_errcode why);

/* Drop a reference; the last one ends the unfinished transfers with
 * "closed" (they stay valid for their owners) and frees the engine. */
void slsh_http_engine_free(struct slsh_http_engine *e)
{
  size_t i;

  if(!e || --e->refs > 0)
    return;
  while(e->xfers)
    xfer_finish(e->xfers, CURLE_OK, SLSH_E_CLOSED);
  if(e->multi)
    curl_multi_cleanup(e->multi);
  if(e->share)
    curl_share_cleanup(e->share);
  if(e->hosts) {
    for(i = 0; i < HTTP_MAX_HOSTS * 2; i++)
      free(e->hosts[i]);
    free(e->hosts);
  }
  free(e);
  curl_global_cleanup();
}

/* Count `host` among the hosts in use (a set of at most HTTP_MAX_HOSTS
 * names, open addressing over twice as many slots); returns 1 when it
 * is new. Out of memory only means the cache grows less. */
static int engine_addhost(struct slsh_http_engine *e, const char *host)
{
  size_t slots = HTTP_MAX_HOSTS * 2, i;
  unsigned long h = 5381;
  const char *p;

  if(e->nhosts >= HTTP_MAX_HOSTS)
    return 0;
  if(!e->hosts && !(e->hosts = calloc(slots, sizeof(*e->hosts))))
    return 0;
  for(p = host; *p; p++)
    h = h * 33 + (unsigned char)*p;
  for(i = h % slots; e->hosts[i]; i = (i + 1) % slots)
    if(!strcmp(e->hosts[i], host))
      return 0;
  if(!(e->hosts[i] = http_strdup(host)))
    return 0;
  e->nhosts++;
  return 1;
}

/* Size the connection cache to the work: every transfer in flight may
 * want a connection of its own to each host in use, so keep up to
 * peak x hosts idle connections (between the floor and the cap). Too few
 * and curl closes a connection that the next request to that host would
 * have reused: a new TCP and TLS handshake each time. */
static void engine_resize(struct slsh_http_engine *e)
{
  long want = (long)e->peak * (long)(e->nhosts ? e->nhosts : 1);

  if(want < HTTP_MIN_CACHED)
    want = HTTP_MIN_CACHED;
  if(want > e->cache_cap)
    want = e->cache_cap;
  if(want > e->cache &&
     !curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, want))
    e->cache = want;
}

/* What the engine has seen, for tests and benchmarks. */
void slsh_http_engine_stats(const struct slsh_http_engine *e,
                            struct slsh_http_engine_stats *s)
{
  memset(s, 0, sizeof(*s));
  if(!e)
    return;
  s->pending = e->pending;
  s->peak = e->peak;
  s->hosts = (long)e->nhosts;
  s->max_cached = e->cache;
  s->cache_cap = e->cache_cap;
  s->opened = e->opened;
}

/* A client: the options every transfer gets, attached to an engine (its
 * own one when none is given). */
struct slsh_http *slsh_http_new(const struct slsh_http_opts *o,
                                struct slsh_err *err)
{
  static const struct slsh_http_opts none = {0};
  struct slsh_http *c;

  if(!o)
    o = &none;
  if(o->timeout_ms < 0 || o->connect_timeout_ms < 0) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT,
                 o->timeout_ms < 0 ? "timeout" : "connect_timeout",
                 "timeouts must be positive");
    return NULL;
  }
  if(o->max_connections < 0 || (o->engine && o->max_connections)) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "max_connections",
                 o->engine ? "max_connections is the engine's setting: "
                 "give it to the engine, not to a client of it" :
                 "max_connections must be positive");
    return NULL;
  }
  c = calloc(1, sizeof(*c));
  if(!c) {
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  if(o->engine) {
    c->engine = o->engine;
    c->engine->refs++;
  }
  else if(!(c->engine = slsh_http_engine_new(o->max_connections, err))) {
    free(c);
    return NULL;
  }
  c->timeout_ms = o->timeout_ms ? o->timeout_ms : SLSH_HTTP_DEFAULT_TIMEOUT_MS;
  c->connect_timeout_ms = o->connect_timeout_ms ?
    o->connect_timeout_ms : SLSH_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
  c->max_body = o->max_body ? o->max_body : SLSH_BUF_DEFAULT_MAX;
  c->user_agent = http_strdup(o->user_agent ?
                              o->user_agent : "slsh/" SLSH_VERSION);
  if(!c->user_agent ||
     (o->ca_file && !(c->ca_file = http_strdup(o->ca_file))))
    goto nomem;
  if(o->connect_to && http_parse_connect_to(c, o->connect_to, err))
    goto fail;
  return c;
nomem:
  slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
fail:
  slsh_http_free(c);
  return NULL;
}

/* The engine a client is attached to. */
struct slsh_http_engine *slsh_http_engine_of(const struct slsh_http *c)
{
  return c ? c->engine : NULL;
}

/* Release what only an unfinished transfer needs: the easy handle, its
 * place on the engine's list and the request (headers and body may carry
 * tokens, so they are wiped). */
static void xfer_release(struct slsh_http_xfer *x)
{
  struct slsh_http_engine *e = x->engine;

  if(x->easy) {
    if(e)
      curl_multi_remove_handle(e->multi, x->easy);
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
  }
  if(e) {
    if(x->prev)
      x->prev->next = x->next;
    else
      e->xfers = x->next;
    if(x->next)
      x->next->prev = x->prev;
    x->prev = x->next = NULL;
    e->pending--;
    x->client->pending--;
    x->engine = NULL;
    x->client = NULL;
  }
  http_slist_wipe(x->req_head);
  x->req_head = NULL;
  if(x->req_body) {
    slsh_wipe(x->req_body, x->req_body_len);
    free(x->req_body);
    x->req_body = NULL;
  }
  if(x->url) {
    slsh_wipe(x->url, strlen(x->url));
    free(x->url);
    x->url = NULL;
  }
  curl_slist_free_all(x->resolve);
  x->resolve = NULL;
  free(x->host_hdr);
  x->host_hdr = NULL;
}

/* Read curl's account of the transfer into the result (also for failed
 * transfers: their timing and address are what a trace shows). */
static void xfer_info(struct slsh_http_xfer *x)
{
  struct slsh_http_result *r = &x->res;
  CURL *e = x->easy;
  curl_off_t t;
  long l;
  char *ip = NULL;

  if(!curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &l))
    r->status = l;
  if(!curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &l))
    r->http_version = l == CURL_HTTP_VERSION_1_0 ? 10 :
      l == CURL_HTTP_VERSION_1_1 ? 11 : l == CURL_HTTP_VERSION_2_0 ? 20 :
      l == CURL_HTTP_VERSION_3 ? 30 : 0;
  if(!curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &t))
    r->t_dns = (double)t / 1e6;
  if(!curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t))
    r->t_connect = (double)t / 1e6;
  if(!curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &t))
    r->t_tls = (double)t / 1e6;
  if(!curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t))
    r->t_first_byte = (double)t / 1e6;
  if(!curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t))
    r->t_total = (double)t / 1e6;
  if(!curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) && ip)
    snprintf(r->ip, sizeof(r->ip), "%s", ip);
  if(!curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &l))
    r->port = l;
  if(!curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &l))
    r->new_connection = l > 0;
}

/* Turn curl's verdict into one of our error codes. */
static void xfer_seterr(struct slsh_http_xfer *x, CURLcode rc)
{
  const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
  enum slsh_errcode code;

  x->res.curl_code = (int)rc;
  if(rc == CURLE_OK)
    return;
  if(x->head.failed == SLSH_E_TOO_LARGE) {
    slsh_err_set(&x->err, SLSH_E_TOO_LARGE, NULL,
                 "response headers are larger than %zu bytes",
                 HTTP_MAX_HEAD);
    return;
  }
  if(x->body.failed == SLSH_E_TOO_LARGE || rc == CURLE_FILESIZE_EXCEEDED) {
    slsh_err_set(&x->err, SLSH_E_TOO_LARGE, NULL,
                 "response body is larger than %zu bytes", x->body.max);
    return;
  }
  if(rc == CURLE_ABORTED_BY_CALLBACK && x->sends > 1) {
    slsh_err_set(&x->err, SLSH_E_NETWORK, NULL, "the connection closed "
                 "before the answer came; the request may have been "
                 "carried out and was not sent again");
    return;
  }
  switch(rc) {
  case CURLE_OUT_OF_MEMORY:
    code = SLSH_E_NOMEM;
    break;
  case CURLE_OPERATION_TIMEDOUT:
    code = SLSH_E_TIMEOUT;
    break;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CLIENTCERT:
  case CURLE_USE_SSL_FAILED:
    code = SLSH_E_TLS;
    break;
  default:
    code = (x->body.failed == SLSH_E_NOMEM || x->head.failed == SLSH_E_NOMEM)
      ? SLSH_E_NOMEM : SLSH_E_NETWORK;
    break;
  }
  slsh_err_set(&x->err, code, NULL, "%s", detail);
}

/* Build the header array over the name\0value\0 pairs in `head`. */
static int xfer_headers(struct slsh_http_xfer *x)
{
  const char *p = slsh_buf_str(&x->head);
  size_t i;

  if(!x->nhead)
    return 0;
  x->hdrs = calloc(x->nhead, sizeof(*x->hdrs));
  if(!x->hdrs)
    return -1;
  for(i = 0; i < x->nhead; i++) {
    x->hdrs[i].name = p;
    p += strlen(p) + 1;
    x->hdrs[i].value = p;
    p += strlen(p) + 1;
  }
  x->res.headers = x->hdrs;
  x->res.nheaders = x->nhead;
  return 0;
}

/* A transfer has ended (curl said so, or its client or engine is
 * closing): record what happened and drop everything but the result. */
static void xfer_finish(struct slsh_http_xfer *x, CURLcode rc,
                        enum slsh_errcode why)
{
  if(x->easy) {
    xfer_info(x);
    if(x->res.new_connection && x->engine)
      x->engine->opened++;
  }
  x->res.finished = slsh_monotime();
  if(why != SLSH_E_OK)
    slsh_err_set(&x->err, why, NULL, "%s", why == SLSH_E_CLOSED ?
                 "the HTTP client was closed" : slsh_err_text(why));
  else
    xfer_seterr(x, rc);
  if(x->err.code == SLSH_E_OK && xfer_headers(x))
    slsh_err_set(&x->err, SLSH_E_NOMEM, NULL, "out of memory");
  x->res.body = slsh_buf_str(&x->body);
  x->res.body_len = x->body.len;
  xfer_release(x);
  x->done = 1;
}

/* End the client's unfinished transfers with "closed" (they stay valid
 * for their owners), free the client and drop its engine reference. */
void slsh_http_free(struct slsh_http *c)
{
  struct slsh_http_xfer *x, *next;

  if(!c)
    return;
  if(c->engine) {
    for(x = c->engine->xfers; x && c->pending; x = next) {
      next = x->next;
      if(x->client == c)
        xfer_finish(x, CURLE_OK, SLSH_E_CLOSED);
    }
    slsh_http_engine_free(c->engine);
  }
  curl_slist_free_all(c->ct_list);
  free(c->ct_host);
  free(c->ct_port);
  free(c->ct_addr);
  free(c->ca_file);
  free(c->user_agent);
  free(c);
}

/* curl hands over one header line at a time. Keep name\0value\0 pairs;
 * a status line starts a new response (after 100 Continue, say), so the
 * headers of the previous one are forgotten. */
static size_t xfer_onheader(char *p, size_t size, size_t n, void *ud)
{
  struct slsh_http_xfer *x = ud;
  size_t len = size * n, all = len;
  const char *colon, *v, *end;

  if(x->head.failed)
    return 0;
  while(len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
    len--;
  end = p + len;
  if(len >= 5 && !memcmp(p, "HTTP/", 5)) {
    slsh_buf_reset(&x->head);
    x->nhead = 0;
    return all;
  }
  if(!len)
    return all;
  if(*p == ' ' || *p == '\t') {
    /* obsolete line folding: continue the previous value */
    while(p < end && (*p == ' ' || *p == '\t'))
      p++;
    if(!x->nhead || p == end)
      return all;
    x->head.len--;              /* drop the value's terminator */
    slsh_buf_addc(&x->head, ' ');
    slsh_buf_add(&x->head, p, (size_t)(end - p));
    slsh_buf_addc(&x->head, '\0');
    return x->head.failed ? 0 : all;
  }
  colon = memchr(p, ':', len);
  if(!colon || colon == p)
    return all;
  v = colon + 1;
  while(v < end && (*v == ' ' || *v == '\t'))
    v++;
  while(end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  slsh_buf_add(&x->head, p, (size_t)(colon - p));
  slsh_buf_addc(&x->head, '\0');
  slsh_buf_add(&x->head, v, (size_t)(end - v));
  slsh_buf_addc(&x->head, '\0');
  x->nhead++;
  return x->head.failed ? 0 : all;
}

/* Response body bytes; refusing them (the cap) ends the transfer. */
static size_t xfer_onbody(char *p, size_t size, size_t n, void *ud)
{
  struct slsh_http_xfer *x = ud;

  return slsh_buf_add(&x->body, p, size * n) ? 0 : size * n;
}

/* connect_to a literal address: send to URL host at the connect_to port,
 * with that name resolved to the connect_to address and the Host header
 * the original URL would have had. Unlike CURLOPT_CONNECT_TO, this keeps
 * curl's connections filed by host name: CONNECT_TO files every
 * connection under the one connect_to address, and curl checks each one
 * of a file for liveness whenever it looks for one to reuse, so with
 * hundreds of cached connections every request polled hundreds of
 * sockets. The path and query are kept byte for byte (they were signed). */
static int xfer_url_resolve(struct slsh_http_xfer *x,
                            const struct slsh_http *c, CURLU *u,
                            const char *url, const char *host,
                            const char *scheme, int tls)
{
  struct slsh_buf b;
  char *port = NULL;
  const char *rest = strstr(url, "://");
  long def = strcmp(scheme, "https") ? 80 : 443;
  struct curl_slist *l;

  rest = rest ? rest + 3 : url;
  rest += strcspn(rest, "/?#");
  slsh_buf_init(&b, 0);
  slsh_buf_printf(&b, "%s://%s:%s%s", tls ? "https" : "http", host,
                  c->ct_port, rest);
  x->url = b.failed ? NULL : http_strdup(slsh_buf_str(&b));
  slsh_buf_reset(&b);
  slsh_buf_printf(&b, "%s:%s:%s", host, c->ct_port, c->ct_addr);
  l = b.failed ? NULL : curl_slist_append(NULL, slsh_buf_str(&b));
  x->resolve = l;
  slsh_buf_reset(&b);
  if(!curl_url_get(u, CURLUPART_PORT, &port, 0) && port &&
     strtol(port, NULL, 10) != def)
    slsh_buf_printf(&b, "%s:%s", host, port);
  else
    slsh_buf_printf(&b, "%s", host);
  x->host_hdr = b.failed ? NULL : http_strdup(slsh_buf_str(&b));
  curl_free(port);
  slsh_buf_free(&b);
  return x->url && x->resolve && x->host_hdr ? 0 : -1;
}

/* Check the request and work out the URL to give curl: with an http://
 * connect_to an https:// URL is sent as plain HTTP (and the other way
 * round), since the scheme of connect_to says how to talk to it. Plain
 * HTTP must go to loopback. */
static int xfer_url(struct slsh_http_xfer *x, const struct slsh_http *c,
                    const char *url, int *tls, struct slsh_err *err)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL;
  const char *target, *rest;
  int rc = -1;

  if(!u) {
    slsh_err_set(err, SLSH_E_NOMEM, "url", "out of memory");
    goto fail;
  }
  if(curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) ||
     curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
     curl_url_get(u, CURLUPART_HOST, &host, 0) ||
     (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "url",
                 "url must be an absolute http:// or https:// URL");
    goto fail;
  }
  *tls = c->ct_list ? c->ct_tls : !strcmp(scheme, "https");
  target = c->ct_list ? c->ct_host : host;
  /* curl keeps connections by the URL's host even with connect_to */
  if(engine_addhost(c->engine, host))
    engine_resize(c->engine);
  if(!*tls && !http_plain_allowed(target)) {
    slsh_err_set(err, SLSH_E_INSECURE, "url",
                 "refusing plain HTTP to %s: only loopback addresses and "
                 "the ECS metadata service may be reached without TLS",
                 target);
    goto fail;
  }
  if(c->ct_addr) {
    if(xfer_url_resolve(x, c, u, url, host, scheme, *tls))
      goto nomem;
  }
  else if(*tls != !strcmp(scheme, "https")) {
    /* Same URL, other scheme; the rest is kept byte for byte since it is
     * what the request was signed over. */
    rest = url + strlen(scheme);
    if(strncasecmp(url, scheme, strlen(scheme)) || *rest != ':') {
      slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "url",
                   "url must start with http:// or https://");
      goto fail;
    }
    x->url = malloc(strlen(rest) + 6);
    if(!x->url) {
      slsh_err_set(err, SLSH_E_NOMEM, "url", "out of memory");
      goto fail;
    }
    strcpy(x->url, *tls ? "https" : "http");
    strcat(x->url, rest);
  }
  rc = 0;
  goto fail;
nomem:
  slsh_err_set(err, SLSH_E_NOMEM, "url", "out of memory");
fail:
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return rc;
}

/* Turn the caller's headers into curl's list. curl adds some headers of
 * its own unless told otherwise; those that a signature would not cover
 * (Content-Type for a body, Expect) are suppressed. */
static int xfer_reqheaders(struct slsh_http_xfer *x,
                           const struct slsh_http_req *req, int has_body,
                           struct slsh_err *err)
{
  struct slsh_buf line;
  struct curl_slist *l;
  int have_ctype = 0, have_expect = 0, have_host = 0, rc = -1;
  size_t i;

  slsh_buf_init(&line, 0);
  for(i = 0; i < req->nheaders; i++) {
    const char *name = req->headers[i].name;
    const char *value = req->headers[i].value;

    if(!name || !value || !http_token(name) || strpbrk(value, "\r\n")) {
      slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "headers",
                   "header %zu: a name must be an HTTP token and a value "
                   "may not contain line breaks", i + 1);
      goto fail;
    }
    have_ctype |= !strcasecmp(name, "Content-Type");
    have_expect |= !strcasecmp(name, "Expect");
    have_host |= !strcasecmp(name, "Host");
    slsh_buf_reset(&line);
    /* "Name;" is how curl is told to send an empty header */
    slsh_buf_printf(&line, *value ? "%s: %s" : "%s;", name, value);
    if(line.failed)
      goto nomem;
    l = curl_slist_append(x->req_head, slsh_buf_str(&line));
    if(!l)
      goto nomem;
    x->req_head = l;
  }
  if(x->host_hdr && !have_host) {
    slsh_buf_reset(&line);
    slsh_buf_printf(&line, "Host: %s", x->host_hdr);
    if(line.failed || !(l = curl_slist_append(x->req_head,
                                               slsh_buf_str(&line))))
      goto nomem;
    x->req_head = l;
  }
  if(!have_expect) {
    if(!(l = curl_slist_append(x->req_head, "Expect:")))
      goto nomem;
    x->req_head = l;
  }
  if(has_body && !have_ctype) {
    if(!(l = curl_slist_append(x->req_head, "Content-Type:")))
      goto nomem;
    x->req_head = l;
  }
  rc = 0;
  goto fail;
nomem:
  slsh_err_set(err, SLSH_E_NOMEM, "headers", "out of memory");
fail:
  slsh_buf_free(&line);
  return rc;
}

/* curl calls this each time it is about to send the request. A second
 * time means a reused connection died under the first send and curl
 * wants to send the same bytes again on a new one. But the server may
 * have carried the first one out (a create, say), and it refuses a
 * signature nonce it has seen: stop here and let the caller decide,
 * with a freshly signed request. */
static int xfer_onprereq(void *ud, char *ip, char *local_ip, int port,
                         int local_port)
{
  struct slsh_http_xfer *x = ud;

  (void)ip;
  (void)local_ip;
  (void)port;
  (void)local_port;
  return x->sends++ ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

/* Set up the easy handle for the transfer: all the policy is here. */
static int xfer_setup(struct slsh_http_xfer *x, struct slsh_http *c,
                      const struct slsh_http_req *req, int tls,
                      int has_body)
{
  CURL *e = x->easy;
  const char *m = req->method;
  long timeout = req->timeout_ms ? req->timeout_ms : c->timeout_ms;
  CURLcode rc = CURLE_OK;

#define SET(opt, val) \
  do { if(!rc) rc = curl_easy_setopt(e, opt, val); } while(0)
  SET(CURLOPT_URL, x->url ? x->url : req->url);
  SET(CURLOPT_PATH_AS_IS, 1L);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_PRIVATE, (void *)x);
  SET(CURLOPT_ERRORBUFFER, x->errbuf);
  SET(CURLOPT_HEADERFUNCTION, xfer_onheader);
  SET(CURLOPT_HEADERDATA, (void *)x);
  SET(CURLOPT_WRITEFUNCTION, xfer_onbody);
  SET(CURLOPT_WRITEDATA, (void *)x);
  SET(CURLOPT_PREREQFUNCTION, xfer_onprereq);
  SET(CURLOPT_PREREQDATA, (void *)x);
  SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  SET(CURLOPT_TIMEOUT_MS, timeout);
  SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
  SET(CURLOPT_SSL_VERIFYPEER, 1L);
  SET(CURLOPT_SSL_VERIFYHOST, 2L);
  SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
  if(c->ca_file)
    SET(CURLOPT_CAINFO, c->ca_file);
  SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  /* Over TLS, wait for the first connection's ALPN answer rather than
   * open more: with HTTP/2 they all share it. Plain HTTP is HTTP/1.1 and
   * curl 7.88 would queue requests behind a busy connection instead. */
  SET(CURLOPT_PIPEWAIT, tls ? 1L : 0L);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_USERAGENT, c->user_agent);
  SET(CURLOPT_SHARE, c->engine->share);
  SET(CURLOPT_HTTPHEADER, x->req_head);
  /* connect_to and loopback mean "this address, directly": a proxy from
   * the environment would be wrong for both. */
  if(x->resolve)
    SET(CURLOPT_RESOLVE, x->resolve);
  else if(c->ct_list)
    SET(CURLOPT_CONNECT_TO, c->ct_list);
  if(c->ct_list || !tls)
    SET(CURLOPT_PROXY, "");
  if(!strcmp(m, "HEAD"))
    SET(CURLOPT_NOBODY, 1L);
  else if(has_body) {
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req_body_len);
    SET(CURLOPT_POSTFIELDS, x->req_body ? x->req_body : "");
    if(strcmp(m, "POST"))
      SET(CURLOPT_CUSTOMREQUEST, m);
  }
  else if(strcmp(m, "GET"))
    SET(CURLOPT_CUSTOMREQUEST, m);
#undef SET
  return rc ? -1 : 0;
}

/* Check and copy the request, set up its easy handle and add it to the
 * engine's multi handle; the first I/O happens in the next step. */
struct slsh_http_xfer *slsh_http_submit(struct slsh_http *c,
                                        const struct slsh_http_req *req,
                                        struct slsh_err *err)
{
  struct slsh_http_engine *e;
  struct slsh_http_xfer *x;
  int tls, has_body;

  if(!c || !req || !req->method || !req->url) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, req && req->method ? "url" :
                 "method", "a request needs a method and a url");
    return NULL;
  }
  if(!http_token(req->method) || strlen(req->method) > 32) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "method",
                 "method must be an HTTP method name such as GET or PUT");
    return NULL;
  }
  if(req->timeout_ms < 0) {
    slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "timeout",
                 "timeout must be positive");
    return NULL;
  }
  x = calloc(1, sizeof(*x));
  if(!x) {
    slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
    return NULL;
  }
  e = c->engine;
  slsh_buf_init(&x->head, HTTP_MAX_HEAD);
  slsh_buf_init(&x->body, c->max_body);
  /* POST, PUT and PATCH always carry a body (maybe empty), so that a
   * Content-Length is sent as servers expect. */
  has_body = req->body || !strcmp(req->method, "POST") ||
    !strcmp(req->method, "PUT") || !strcmp(req->method, "PATCH");
  if(xfer_url(x, c, req->url, &tls, err) ||
     xfer_reqheaders(x, req, has_body, err))
    goto fail;
  if(req->body && req->body_len) {
    x->req_body = malloc(req->body_len);
    if(!x->req_body)
      goto nomem;
    memcpy(x->req_body, req->body, req->body_len);
    x->req_body_len = req->body_len;
  }
  x->easy = curl_easy_init();
  if(!x->easy || xfer_setup(x, c, req, tls, has_body))
    goto nomem;
  x->res.submitted = slsh_monotime();
  if(curl_multi_add_handle(e->multi, x->easy))
    goto nomem;
  x->client = c;
  x->engine = e;
  c->pending++;
  e->pending++;
  x->next = e->xfers;
  if(e->xfers)
    e->xfers->prev = x;
  e->xfers = x;
  if(e->pending > e->peak) {
    e->peak = e->pending;
    engine_resize(e);
  }
  return x;
nomem:
  slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
fail:
  slsh_http_xfer_free(x);
  return NULL;
}

/* Collect the transfers curl says are finished; returns how many. */
static int http_collect(struct slsh_http_engine *e)
{
  struct slsh_http_xfer *x;
  CURLMsg *msg;
  char *priv;
  int left, n = 0;

  while((msg = curl_multi_info_read(e->multi, &left))) {
    if(msg->msg != CURLMSG_DONE)
      continue;
    priv = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    x = (struct slsh_http_xfer *)priv;
    if(x && !x->done) {
      xfer_finish(x, msg->data.result, SLSH_E_OK);
      n++;
    }
  }
  return n;
}

/* The multi handle itself failed (out of memory): nothing in flight can
 * be trusted to finish, so end every transfer with that error. */
static int http_fail_all(struct slsh_http_engine *e, CURLMcode mc)
{
  int n = 0;

  while(e->xfers) {
    xfer_finish(e->xfers, CURLE_OK, mc == CURLM_OUT_OF_MEMORY ?
                SLSH_E_NOMEM : SLSH_E_INTERNAL);
    n++;
  }
  return n;
}

/* curl's perform / poll / info_read loop, until something finishes or
 * the time is up. curl_multi_poll wakes on socket activity of any
 * transfer of the engine and for curl's own timers, so one wait serves
 * every client and timeouts inside curl fire on time. */
int slsh_http_engine_step(struct slsh_http_engine *e, int timeout_ms)
{
  double deadline = slsh_monotime() + (timeout_ms > 0 ? timeout_ms : 0) / 1e3;
  CURLMcode mc;
  int running, n = 0, wait;

  if(!e)
    return 0;
  for(;;) {
    mc = curl_multi_perform(e->multi, &running);
    if(mc)
      return n + http_fail_all(e, mc);
    n += http_collect(e);
    if(n || !e->pending)
      return n;
    wait = (int)((deadline - slsh_monotime()) * 1e3);
    if(wait <= 0)
      return n;
    mc = curl_multi_poll(e->multi, NULL, 0, wait, NULL);
    if(mc)
      return n + http_fail_all(e, mc);
  }
}

/* Transfers of the engine not finished yet, whatever their client. */
int slsh_http_engine_pending(const struct slsh_http_engine *e)
{
  return e ? e->pending : 0;
}

/* Step the client's engine: every client of it moves forward. */
int slsh_http_step(struct slsh_http *c, int timeout_ms)
{
  return c ? slsh_http_engine_step(c->engine, timeout_ms) : 0;
}

/* How many transfers of this client still run. */
int slsh_http_pending(const struct slsh_http *c)
{
  return c ? c->pending : 0;
}

/* Whether the transfer has finished, successfully or not. */
int slsh_http_xfer_done(const struct slsh_http_xfer *x)
{
  return x && x->done;
}

/* The result of a finished transfer, and its error if it failed. */
int slsh_http_xfer_result(const struct slsh_http_xfer *x,
                          const struct slsh_http_result **res,
                          struct slsh_err *err)
{
  if(!x || !x->done) {
    if(res)
      *res = NULL;
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "the transfer has not finished");
  }
  if(res)
    *res = &x->res;
  if(x->err.code == SLSH_E_OK)
    return 0;
  if(err)
    *err = x->err;
  return -1;
}

/* Stop the transfer if it runs, unhook it, wipe and free everything. */
void slsh_http_xfer_free(struct slsh_http_xfer *x)
{
  if(!x)
    return;
  xfer_release(x);
  slsh_buf_free(&x->head);
  slsh_buf_free(&x->body);
  free(x->hdrs);
  free(x);
}
