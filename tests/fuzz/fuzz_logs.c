/*
 * libFuzzer target for core/logs.c: whatever the bytes, decoding a log
 * group list or a log group and decompressing lz4 never crash; what
 * decodes re-encodes, and that encoding decodes to the same groups and
 * re-encodes to the same bytes (a fixed point).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/logs.h"

static void fuzz_fail(const char *what)
{
  fprintf(stderr, "fuzz_logs: %s\n", what);
  abort();
}

static void fuzz_fixed_point(const uint8_t *data, size_t size, int as_list)
{
  struct slsh_log_list a, b;
  struct slsh_buf e1, e2;
  struct slsh_err err;

  if(slsh_logs_decode(data, size, as_list, &a, &err))
    return;
  slsh_buf_init(&e1, 0);
  slsh_buf_init(&e2, 0);
  if(slsh_logs_encode(a.groups, a.ngroups, as_list, &e1, &err))
    fuzz_fail(err.message);
  if(slsh_logs_decode(e1.data, e1.len, as_list, &b, &err))
    fuzz_fail("our own encoding does not decode");
  if(b.ngroups != a.ngroups)
    fuzz_fail("the group count changed");
  if(slsh_logs_encode(b.groups, b.ngroups, as_list, &e2, &err))
    fuzz_fail(err.message);
  if(e1.len != e2.len || (e1.len && memcmp(e1.data, e2.data, e1.len)))
    fuzz_fail("encoding is not a fixed point");
  slsh_logs_free(&a);
  slsh_logs_free(&b);
  slsh_buf_free(&e1);
  slsh_buf_free(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct slsh_buf out;
  struct slsh_err err;
  size_t raw;

  fuzz_fixed_point(data, size, 1);
  fuzz_fixed_point(data, size, 0);
  if(size >= 2) {
    /* the first two bytes pick a raw size, the rest is the lz4 block */
    raw = ((size_t)data[0] << 8 | data[1]) * 4;
    slsh_buf_init(&out, 0);
    if(!slsh_lz4_decompress(data + 2, size - 2, raw, &out, &err) &&
       out.len != raw)
      fuzz_fail("decompress returned the wrong size");
    slsh_buf_free(&out);
  }
  return 0;
}
