/*
 * The HTTP engine from C, against tests/support/echo_server.py on
 * loopback: the plain-HTTP rule, malformed requests, response parsing,
 * the body cap, and freeing clients and transfers in every order while
 * transfers run (the case valgrind and ASan are here for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/http.h"
#include "slsh/util.h"

static FILE *server;            /* the echo server's stdout */
static long server_pid;
static char base[128];          /* "http://127.0.0.1:PORT" */

/* Start the echo server and read where it listens. */
static int start_server(void **state)
{
  const char *src = getenv("SLSH_SOURCE_DIR");
  char cmd[1024], line[256];

  (void)state;
  snprintf(cmd, sizeof(cmd), "echo $$; exec python3 %s/tests/support/"
           "echo_server.py --listen 127.0.0.1:0", src ? src : ".");
  server = popen(cmd, "r");
  if(!server || !fgets(line, sizeof(line), server))
    return -1;
  server_pid = strtol(line, NULL, 10);
  if(!fgets(line, sizeof(line), server) ||
     sscanf(line, "listening %127s", base) != 1)
    return -1;
  return 0;
}

static int stop_server(void **state)
{
  (void)state;
  if(server_pid > 0)
    kill((pid_t)server_pid, SIGTERM);
  if(server)
    pclose(server);
  return 0;
}

/* Step until `x` is done (at most 10 s). */
static void finish(struct slsh_http *c, struct slsh_http_xfer *x)
{
  double t0 = slsh_monotime();

  while(!slsh_http_xfer_done(x) && slsh_monotime() - t0 < 10)
    slsh_http_step(c, 1000);
  assert_true(slsh_http_xfer_done(x));
}

static struct slsh_http_xfer *submit(struct slsh_http *c, const char *method,
                                     const char *path, const char *body,
                                     struct slsh_err *err)
{
  char url[256];
  struct slsh_http_req req;

  memset(&req, 0, sizeof(req));
  snprintf(url, sizeof(url), "%s%s", base, path);
  req.method = method;
  req.url = url;
  req.body = body;
  req.body_len = body ? strlen(body) : 0;
  return slsh_http_submit(c, &req, err);
}

static void test_plain_http_rule(void **state)
{
  static const struct {
    const char *connect_to;
    const char *url;
    enum slsh_errcode want;     /* SLSH_E_OK: accepted */
  } cases[] = {
    {NULL, "http://example.com/", SLSH_E_INSECURE},
    {NULL, "http://10.1.2.3:80/", SLSH_E_INSECURE},
    {NULL, "http://128.0.0.1/", SLSH_E_INSECURE},
    {NULL, "http://[::2]/", SLSH_E_INSECURE},
    {NULL, "http://localhost.evil.example/", SLSH_E_INSECURE},
    {NULL, "http://100.100.100.201/", SLSH_E_INSECURE},
    {NULL, "http://100.100.100.200/latest/meta-data/", SLSH_E_OK},
    {"http://192.0.2.7:80", "https://a.cn-hangzhou.log.aliyuncs.com/",
     SLSH_E_INSECURE},
    {NULL, "http://127.0.0.1:1/", SLSH_E_OK},
    {NULL, "http://127.255.0.9:1/", SLSH_E_OK},
    {NULL, "http://LOCALHOST:1/", SLSH_E_OK},
    {NULL, "http://[::1]:1/", SLSH_E_OK},
    {NULL, "http://[::ffff:127.0.0.1]:1/", SLSH_E_OK},
    {NULL, "https://example.com/", SLSH_E_OK},
    {"http://127.0.0.1:1", "https://a.cn-hangzhou.log.aliyuncs.com/",
     SLSH_E_OK},
    {"https://192.0.2.7:443", "http://a.cn-hangzhou.log.aliyuncs.com/",
     SLSH_E_OK},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct slsh_http_opts o = {0};
    struct slsh_http_req req = {0};
    struct slsh_err err;
    struct slsh_http *c;
    struct slsh_http_xfer *x;

    o.connect_to = cases[i].connect_to;
    c = slsh_http_new(&o, &err);
    assert_non_null(c);
    req.method = "GET";
    req.url = cases[i].url;
    slsh_err_clear(&err);
    x = slsh_http_submit(c, &req, &err);
    if(cases[i].want == SLSH_E_OK)
      assert_non_null(x);
    else {
      assert_null(x);
      assert_int_equal(cases[i].want, err.code);
      assert_int_equal(0, slsh_http_pending(c));
    }
    slsh_http_xfer_free(x);
    slsh_http_free(c);
  }
}

static void test_malformed(void **state)
{
  static const struct slsh_http_header crlf[] = {{"X-A", "1\r\nX-B: 2"}};
  static const struct slsh_http_header colon[] = {{"X:A", "1"}};
  static const struct {
    const char *method, *url;
    const struct slsh_http_header *h;
    const char *field;
  } cases[] = {
    {"GET", "/relative", NULL, "url"},
    {"GET", "ftp://127.0.0.1/", NULL, "url"},
    {"GET", "not a url", NULL, "url"},
    {"GE T", "http://127.0.0.1:1/", NULL, "method"},
    {"", "http://127.0.0.1:1/", NULL, "method"},
    {"GET", "http://127.0.0.1:1/", crlf, "headers"},
    {"GET", "http://127.0.0.1:1/", colon, "headers"},
  };
  struct slsh_err err;
  struct slsh_http *c = slsh_http_new(NULL, &err);
  size_t i;

  (void)state;
  assert_non_null(c);
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct slsh_http_req req = {0};

    req.method = cases[i].method;
    req.url = cases[i].url;
    req.headers = cases[i].h;
    req.nheaders = cases[i].h ? 1 : 0;
    slsh_err_clear(&err);
    assert_null(slsh_http_submit(c, &req, &err));
    assert_int_equal(SLSH_E_INVALID_ARGUMENT, err.code);
    assert_string_equal(cases[i].field, err.field);
  }
  slsh_http_free(c);
  {
    struct slsh_http_opts o = {0};

    o.connect_to = "127.0.0.1:8080";
    assert_null(slsh_http_new(&o, &err));
    assert_int_equal(SLSH_E_INVALID_ARGUMENT, err.code);
    assert_string_equal("connect_to", err.field);
  }
}

static void test_round_trip(void **state)
{
  static const struct slsh_http_header h[] = {
    {"X-Log-Test", "yes"}, {"Authorization", "LOG id:sig"}
  };
  struct slsh_http_req req = {0};
  const struct slsh_http_result *r;
  struct slsh_http_opts o = {0};
  struct slsh_err err;
  struct slsh_http *c;
  struct slsh_http_xfer *x, *y;
  char url[256];
  size_t i, repeats = 0;

  (void)state;
  o.connect_to = base;
  c = slsh_http_new(&o, &err);
  assert_non_null(c);
  snprintf(url, sizeof(url),
           "https://p.cn-hangzhou.log.aliyuncs.com/echo?a=%%2F");
  req.method = "PUT";
  req.url = url;
  req.headers = h;
  req.nheaders = 2;
  req.body = "{\"ttl\":30}";
  req.body_len = 10;
  x = slsh_http_submit(c, &req, &err);
  assert_non_null(x);
  y = submit(c, "GET", "/status?code=503", NULL, &err);
  assert_non_null(y);
  finish(c, x);
  finish(c, y);
  assert_int_equal(0, slsh_http_xfer_result(x, &r, &err));
  assert_int_equal(200, r->status);
  assert_int_equal(11, r->http_version);
  assert_non_null(strstr(r->body, "PUT /echo?a=%2F\n"));
  assert_non_null(strstr(r->body,
                         "Host: p.cn-hangzhou.log.aliyuncs.com\n"));
  assert_non_null(strstr(r->body, "Authorization: LOG id:sig\n"));
  assert_non_null(strstr(r->body, "\n\n{\"ttl\":30}"));
  assert_null(strstr(r->body, "Content-Type"));
  assert_string_equal("127.0.0.1", r->ip);
  assert_true(r->t_total > 0);
  assert_int_equal(0, slsh_http_xfer_result(y, &r, &err));
  assert_int_equal(503, r->status);
  for(i = 0; i < r->nheaders; i++) {
    if(!strcmp(r->headers[i].name, "X-Repeat"))
      assert_string_equal(repeats++ ? "b" : "a", r->headers[i].value);
    if(!strcmp(r->headers[i].name, "x-log-requestid"))
      assert_string_equal("5F1C0D2E3A4B", r->headers[i].value);
  }
  assert_int_equal(2, repeats);
  slsh_http_xfer_free(x);
  slsh_http_xfer_free(y);
  slsh_http_free(c);
}

static void test_body_cap(void **state)
{
  struct slsh_http_opts o = {0};
  const struct slsh_http_result *r;
  struct slsh_err err;
  struct slsh_http *c;
  struct slsh_http_xfer *x;

  (void)state;
  o.max_body = 100;
  c = slsh_http_new(&o, &err);
  x = submit(c, "GET", "/big?bytes=5000&chunked=1", NULL, &err);
  finish(c, x);
  assert_int_equal(-1, slsh_http_xfer_result(x, &r, &err));
  assert_int_equal(SLSH_E_TOO_LARGE, err.code);
  assert_non_null(r);
  slsh_http_xfer_free(x);
  x = submit(c, "GET", "/big?bytes=100", NULL, &err);
  finish(c, x);
  assert_int_equal(0, slsh_http_xfer_result(x, &r, &err));
  assert_int_equal(100, r->body_len);
  slsh_http_xfer_free(x);
  slsh_http_free(c);
}

/* Free things in every order while transfers run. */
static void test_lifetimes(void **state)
{
  const struct slsh_http_result *r;
  struct slsh_http_xfer *a, *b, *d;
  struct slsh_err err;
  struct slsh_http *c = slsh_http_new(NULL, &err);
  double t0;
  int n;

  (void)state;
  a = submit(c, "GET", "/sleep?ms=300", NULL, &err);
  b = submit(c, "POST", "/sleep?ms=300", "secret body", &err);
  d = submit(c, "GET", "/echo", NULL, &err);
  assert_int_equal(3, slsh_http_pending(c));
  t0 = slsh_monotime();
  slsh_http_step(c, 50);
  assert_true(slsh_monotime() - t0 < 0.3);
  n = slsh_http_pending(c);               /* `d` may be done already */
  slsh_http_xfer_free(b);                 /* mid-flight */
  assert_int_equal(n - 1, slsh_http_pending(c));
  finish(c, d);
  assert_int_equal(0, slsh_http_xfer_result(d, &r, &err));
  slsh_http_free(c);                      /* `a` still running */
  assert_true(slsh_http_xfer_done(a));
  assert_int_equal(-1, slsh_http_xfer_result(a, &r, &err));
  assert_int_equal(SLSH_E_CLOSED, err.code);
  assert_int_equal(200, ((void)slsh_http_xfer_result(d, &r, &err), r->status));
  slsh_http_xfer_free(a);                 /* after its client */
  slsh_http_xfer_free(d);
  slsh_http_xfer_free(NULL);
  slsh_http_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plain_http_rule),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_body_cap),
    cmocka_unit_test(test_lifetimes),
  };

  return cmocka_run_group_tests(tests, start_server, stop_server);
}
