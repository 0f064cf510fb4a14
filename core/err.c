/* Error values: the table behind err_list.h and the setters. */
#include "slsh/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *code;
  const char *text;
} err_table[] = {
#define SLSH_ERR(name, code, text) {code, text},
#include "slsh/err_list.h"
#undef SLSH_ERR
};

void slsh_err_clear(struct slsh_err *e)
{
  if(!e)
    return;
  e->code = SLSH_E_OK;
  e->field[0] = '\0';
  e->message[0] = '\0';
}

int slsh_err_set(struct slsh_err *e, enum slsh_errcode code,
                 const char *field, const char *fmt, ...)
{
  va_list ap;

  if(!e)
    return -1;
  e->code = code;
  snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof(e->message), fmt, ap);
  va_end(ap);
  return -1;
}

const char *slsh_err_code(enum slsh_errcode code)
{
  if((unsigned)code >= SLSH_E__COUNT)
    return "internal";
  return err_table[code].code;
}

const char *slsh_err_text(enum slsh_errcode code)
{
  if((unsigned)code >= SLSH_E__COUNT)
    return "internal error";
  return err_table[code].text;
}
