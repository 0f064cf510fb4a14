/*
 * The HTTP engine: one libcurl multi handle shared by every client
 * attached to it, driven by the caller with one wait. Nothing here blocks
 * longer than asked, calls back into the caller, prints, or keeps global
 * state other than libcurl itself: loaded (dlopen) when the first engine
 * is made, then curl_global_init.
 *
 *   struct slsh_http_engine *e = slsh_http_engine_new(0, &err);
 *   opts.engine = e;        (NULL: the client gets an engine of its own)
 *   struct slsh_http *c = slsh_http_new(&opts, &err);
 *   struct slsh_http_xfer *x = slsh_http_submit(c, &req, &err);
 *   while(!slsh_http_xfer_done(x))
 *     slsh_http_engine_step(e, 1000);
 *   if(!slsh_http_xfer_result(x, &res, &err)) ... res->status, res->body
 *   slsh_http_xfer_free(x);
 *   slsh_http_free(c);
 *   slsh_http_engine_free(e);
 *
 * Connections (keep-alive, TLS sessions, HTTP/2 streams) are shared by all
 * the transfers of one engine, whichever client submitted them; the
 * client only holds per-transfer settings (connect_to, CA, timeouts, body
 * cap). The connection cache grows with the work: up to transfers in
 * flight x hosts in use, within a cap. A request is never sent twice by
 * curl on its own (a reused connection that died under it fails the
 * transfer instead: the caller decides, with a freshly signed request). Plain HTTP is refused unless it goes to a
 * loopback address; TLS peers are always verified. An HTTP status is data:
 * a 404 or a 500 is a successful transfer.
 *
 * A request is copied at submit, so the caller may resubmit (a retry, a
 * re-signed attempt) from a fresh request at any time; transfers are
 * independent of each other.
 */
#ifndef SLSH_HTTP_H
#define SLSH_HTTP_H

#include <stddef.h>

#include "slsh/err.h"

#define SLSH_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define SLSH_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L

struct slsh_http_engine;
struct slsh_http;
struct slsh_http_xfer;

struct slsh_http_header {
  const char *name;             /* as sent or as received */
  const char *value;            /* without surrounding blanks */
};

/* Concurrency is the caller's to choose (slsh.task.map's concurrency):
 * every submitted transfer starts at once. A transfer held back by
 * max_connections waits inside curl, and that wait counts against its
 * timeout, so the limit is a guard rail, not a queue. */
struct slsh_http_opts {
  long timeout_ms;              /* whole transfer; 0 = 30 s */
  long connect_timeout_ms;      /* TCP + TLS setup; 0 = 10 s */
  size_t max_body;              /* response body cap; 0 = 64 MiB */
  const char *ca_file;          /* PEM bundle to trust; NULL = system */
  const char *connect_to;       /* "http[s]://host:port" or NULL */
  long max_connections;         /* per host, only for a client with an
                                   engine of its own; 0 = no limit */
  const char *user_agent;       /* NULL = "slsh/<version>" */
  struct slsh_http_engine *engine; /* NULL = an engine of its own */
};

/* What an engine has seen (tests, benchmarks). */
struct slsh_http_engine_stats {
  long pending;                 /* transfers in flight now */
  long peak;                    /* most ever in flight at once */
  long hosts;                   /* distinct host names requested */
  long max_cached;              /* CURLMOPT_MAXCONNECTS now */
  long cache_cap;               /* the most it may grow to */
  long opened;                  /* connections opened by finished ones */
};

struct slsh_http_req {
  const char *method;           /* "GET", "POST", "PUT", "DELETE", ... */
  const char *url;              /* absolute http:// or https:// URL */
  const struct slsh_http_header *headers;
  size_t nheaders;
  const void *body;             /* NULL = no body; copied */
  size_t body_len;
  long timeout_ms;              /* 0 = the client's */
};

struct slsh_http_result {
  long status;                  /* HTTP status, 0 if none was received */
  int http_version;             /* 10, 11, 20 or 0 */
  const struct slsh_http_header *headers;   /* every one, in order */
  size_t nheaders;
  const char *body;             /* NUL-terminated, never NULL */
  size_t body_len;
  double t_dns;                 /* seconds from start: name resolved */
  double t_connect;             /* TCP connected */
  double t_tls;                 /* TLS handshake done (0 for plain) */
  double t_first_byte;          /* first response byte */
  double t_total;               /* transfer complete */
  double submitted;             /* slsh_monotime() at submit */
  double finished;              /* slsh_monotime() at completion */
  char ip[64];                  /* address connected to, "" if none */
  long port;                    /* its port, 0 if none */
  int new_connection;           /* 1 when this transfer opened one */
  int curl_code;                /* CURLcode, 0 on success */
};

/* A new engine holding one reference, or NULL with `err` set.
 * max_host_connections caps connections per host (0 = no cap); a
 * transfer held back by it waits inside curl. */
struct slsh_http_engine *slsh_http_engine_new(long max_host_connections,
                                              struct slsh_err *err);

/* Drop a reference (each client holds one). The last one ends every
 * unfinished transfer with "closed" and frees the engine. NULL is
 * allowed. */
void slsh_http_engine_free(struct slsh_http_engine *e);

/* Move every transfer of the engine forward, waiting at most
 * `timeout_ms` for one of them to finish. Returns the number that
 * finished during this call. */
int slsh_http_engine_step(struct slsh_http_engine *e, int timeout_ms);

/* Transfers of any client of the engine not finished yet. */
int slsh_http_engine_pending(const struct slsh_http_engine *e);

void slsh_http_engine_stats(const struct slsh_http_engine *e,
                            struct slsh_http_engine_stats *s);

/* A new client, or NULL with `err` set (bad option, out of memory). It
 * holds a reference on its engine. */
struct slsh_http *slsh_http_new(const struct slsh_http_opts *o,
                                struct slsh_err *err);

/* Close the client: its unfinished transfers stop and finish with the
 * error "closed"; they stay valid until slsh_http_xfer_free. NULL is
 * allowed. */
void slsh_http_free(struct slsh_http *c);

/* The engine the client is attached to. */
struct slsh_http_engine *slsh_http_engine_of(const struct slsh_http *c);

/* Start a transfer (no I/O happens until slsh_http_step). Returns NULL
 * with `err` set for a malformed request or plain HTTP to a non-loopback
 * target (insecure_transport). */
struct slsh_http_xfer *slsh_http_submit(struct slsh_http *c,
                                        const struct slsh_http_req *req,
                                        struct slsh_err *err);

/* slsh_http_engine_step of the client's engine (every client of it
 * moves). Returns the number that finished during this call. */
int slsh_http_step(struct slsh_http *c, int timeout_ms);

/* Transfers of this client submitted and not finished yet. */
int slsh_http_pending(const struct slsh_http *c);

/* 1 when the transfer has finished (successfully or not). */
int slsh_http_xfer_done(const struct slsh_http_xfer *x);

/* The outcome of a finished transfer: 0, or -1 with `err` set (network,
 * timeout, tls, too_large, closed). In both cases `*res` describes what
 * happened (timing, address); it is NULL only before the end. The result
 * lives as long as the transfer. */
int slsh_http_xfer_result(const struct slsh_http_xfer *x,
                          const struct slsh_http_result **res,
                          struct slsh_err *err);

/* Stop the transfer if it still runs and free it; request headers and
 * body are zeroed first. NULL is allowed. */
void slsh_http_xfer_free(struct slsh_http_xfer *x);

#endif
