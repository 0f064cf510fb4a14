/*
 * The parsers of credential answers (IMDS, credentials URI, STS
 * AssumeRole) and of their times take what the network sends: none may
 * crash, leak or read out of bounds, whatever the bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slsh/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct slsh_cred *c = NULL;
  struct slsh_err e;
  char text[64];
  long long t;

  slsh_cred_parse_imds((const char *)data, size, &c, &e);
  slsh_cred_free(c);
  slsh_cred_parse_uri_response((const char *)data, size, &c, &e);
  slsh_cred_free(c);
  slsh_cred_parse_assume_role((const char *)data, size, &c, &e);
  slsh_cred_free(c);
  if(size < sizeof(text)) {
    memcpy(text, data, size);
    text[size] = '\0';
    if(!slsh_cred_parse_time(text, &t)) {
      char buf[SLSH_CRED_TIMELEN];

      slsh_cred_format_time(t, buf);
    }
  }
  return 0;
}
