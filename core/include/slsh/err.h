/*
 * slsh error values shared by every core module.
 *
 * A core function that can fail takes a `struct slsh_err *` (which may be
 * NULL) and fills it in; it never prints and never aborts. The Lua bindings
 * turn one into an error object (docs/design.md, the error model).
 */
#ifndef SLSH_ERR_H
#define SLSH_ERR_H

#include <stddef.h>

enum slsh_errcode {
#define SLSH_ERR(name, code, text) SLSH_E_##name,
#include "slsh/err_list.h"
#undef SLSH_ERR
  SLSH_E__COUNT
};

struct slsh_err {
  enum slsh_errcode code;     /* SLSH_E_OK when nothing went wrong */
  char field[128];            /* offending field or option, "" if none */
  char message[512];          /* one human line, never a secret */
};

/* Reset `e` to "no error". */
void slsh_err_clear(struct slsh_err *e);

/* Record an error; `field` may be NULL. Returns -1 so callers can write
 * `return slsh_err_set(...)`. A NULL `e` is allowed and ignored. */
int slsh_err_set(struct slsh_err *e, enum slsh_errcode code,
                 const char *field, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 4, 5)))
#endif
  ;

/* Stable code string of an enum value ("timeout"), or "internal". */
const char *slsh_err_code(enum slsh_errcode code);

/* Short description of an enum value. */
const char *slsh_err_text(enum slsh_errcode code);

#endif
