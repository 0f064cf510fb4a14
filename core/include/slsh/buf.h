/*
 * Growable byte buffers with a hard size cap, in the manner of curl's
 * dynbuf. Appends never crash: on allocation failure or when the cap would
 * be exceeded the buffer is marked failed, further appends are ignored,
 * and the caller checks once at the end. The contents are always
 * NUL-terminated (the terminator is not counted in `len`).
 */
#ifndef SLSH_BUF_H
#define SLSH_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define SLSH_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

struct slsh_buf {
  char *data;     /* owned; NULL until the first append */
  size_t len;     /* bytes used, not counting the terminator */
  size_t cap;     /* bytes allocated */
  size_t max;     /* hard limit on len */
  int failed;     /* 0, or SLSH_E_NOMEM / SLSH_E_TOO_LARGE */
};

/* Start an empty buffer that may hold at most `max` bytes (0 = default). */
void slsh_buf_init(struct slsh_buf *b, size_t max);

/* Append bytes; return 0, or -1 when the buffer is (now) failed. */
int slsh_buf_add(struct slsh_buf *b, const void *p, size_t n);
int slsh_buf_adds(struct slsh_buf *b, const char *s);
int slsh_buf_addc(struct slsh_buf *b, char c);
int slsh_buf_printf(struct slsh_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
int slsh_buf_vprintf(struct slsh_buf *b, const char *fmt, va_list ap);

/* Append `n` bytes as lower- or upper-case hex. */
int slsh_buf_addhex(struct slsh_buf *b, const unsigned char *p, size_t n,
                    int upper);

/* Forget the contents but keep the allocation. */
void slsh_buf_reset(struct slsh_buf *b);

/* Contents as a C string ("" for an empty buffer, never NULL). */
const char *slsh_buf_str(const struct slsh_buf *b);

/* Free the memory; the bytes are zeroed first, since buffers carry string
 * to sign and key material. The buffer can be reused after init. */
void slsh_buf_free(struct slsh_buf *b);

/* Hand the allocation to the caller (who frees it with free()); the
 * buffer becomes empty. Returns NULL if the buffer failed. */
char *slsh_buf_take(struct slsh_buf *b, size_t *len);

/* Zero `n` bytes in a way the compiler cannot remove. */
void slsh_wipe(void *p, size_t n);

#endif
