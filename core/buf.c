/* Growable, capped byte buffers (see buf.h). */
#include "slsh/buf.h"
#include "slsh/err.h"
#include "slsh/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* explicit_bzero (glibc, BSD) is as fast as memset and is never removed
 * by the optimiser; the signer profile showed a byte loop at 4%. */
void slsh_wipe(void *p, size_t n)
{
  if(p && n)
    explicit_bzero(p, n);
}

void slsh_buf_init(struct slsh_buf *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max ? max : SLSH_BUF_DEFAULT_MAX;
  b->failed = 0;
}

/* Make room for `n` more bytes plus the terminator. */
static int buf_grow(struct slsh_buf *b, size_t n)
{
  size_t need, cap;
  char *p;

  if(b->failed)
    return -1;
  if(n > b->max - b->len) {
    b->failed = SLSH_E_TOO_LARGE;
    return -1;
  }
  need = b->len + n + 1;
  if(need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 128;
  while(cap < need)
    cap *= 2;
  /* Never realloc: the old block may hold secrets that must be wiped. */
  p = malloc(cap);
  if(!p) {
    b->failed = SLSH_E_NOMEM;
    return -1;
  }
  if(b->data) {
    memcpy(p, b->data, b->len + 1);
    slsh_wipe(b->data, b->cap);
    free(b->data);
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

int slsh_buf_add(struct slsh_buf *b, const void *p, size_t n)
{
  if(buf_grow(b, n))
    return -1;
  if(n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int slsh_buf_adds(struct slsh_buf *b, const char *s)
{
  return slsh_buf_add(b, s, strlen(s));
}

int slsh_buf_addc(struct slsh_buf *b, char c)
{
  return slsh_buf_add(b, &c, 1);
}

int slsh_buf_vprintf(struct slsh_buf *b, const char *fmt, va_list ap)
{
  va_list aq;
  int n;

  va_copy(aq, ap);
  n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if(n < 0) {
    b->failed = SLSH_E_INTERNAL;
    return -1;
  }
  if(buf_grow(b, (size_t)n))
    return -1;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int slsh_buf_printf(struct slsh_buf *b, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = slsh_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int slsh_buf_addhex(struct slsh_buf *b, const unsigned char *p, size_t n,
                    int upper)
{
  if(n > (b->max / 2) || buf_grow(b, n * 2))
    return b->failed ? -1 : (b->failed = SLSH_E_TOO_LARGE, -1);
  slsh_hex(b->data + b->len, p, n, upper);
  b->len += n * 2;
  b->data[b->len] = '\0';
  return 0;
}

void slsh_buf_reset(struct slsh_buf *b)
{
  if(b->data) {
    slsh_wipe(b->data, b->len);
    b->data[0] = '\0';
  }
  b->len = 0;
  b->failed = 0;
}

const char *slsh_buf_str(const struct slsh_buf *b)
{
  return b->data ? b->data : "";
}

void slsh_buf_free(struct slsh_buf *b)
{
  if(b->data) {
    slsh_wipe(b->data, b->cap);
    free(b->data);
  }
  slsh_buf_init(b, b->max);
}

char *slsh_buf_take(struct slsh_buf *b, size_t *len)
{
  char *p;

  if(b->failed) {
    slsh_buf_free(b);
    return NULL;
  }
  if(!b->data && buf_grow(b, 0))
    return NULL;
  p = b->data;
  if(len)
    *len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}
