/*
 * The HTTP engine: one libcurl multi handle per client, driven by the
 * caller. Nothing here blocks longer than asked, calls back into the
 * caller, prints, or keeps global state other than curl_global_init.
 *
 *   struct slsh_http *c = slsh_http_new(&opts, &err);
 *   struct slsh_http_xfer *x = slsh_http_submit(c, &req, &err);
 *   while(!slsh_http_xfer_done(x))
 *     slsh_http_step(c, 1000);
 *   if(!slsh_http_xfer_result(x, &res, &err)) ... res->status, res->body
 *   slsh_http_xfer_free(x);
 *   slsh_http_free(c);
 *
 * Connections (keep-alive, TLS sessions, HTTP/2 streams) are shared by all
 * the transfers of one client. Plain HTTP is refused unless it goes to a
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
  long max_connections;         /* per host; 0 = no limit (see below) */
  const char *user_agent;       /* NULL = "slsh/<version>" */
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

/* A new client, or NULL with `err` set (bad option, out of memory). */
struct slsh_http *slsh_http_new(const struct slsh_http_opts *o,
                                struct slsh_err *err);

/* Close the client: its unfinished transfers stop and finish with the
 * error "closed"; they stay valid until slsh_http_xfer_free. NULL is
 * allowed. */
void slsh_http_free(struct slsh_http *c);

/* Start a transfer (no I/O happens until slsh_http_step). Returns NULL
 * with `err` set for a malformed request or plain HTTP to a non-loopback
 * target (insecure_transport). */
struct slsh_http_xfer *slsh_http_submit(struct slsh_http *c,
                                        const struct slsh_http_req *req,
                                        struct slsh_err *err);

/* Move transfers forward, waiting at most `timeout_ms` for one of them to
 * finish. Returns the number that finished during this call. */
int slsh_http_step(struct slsh_http *c, int timeout_ms);

/* Transfers submitted and not finished yet. */
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
