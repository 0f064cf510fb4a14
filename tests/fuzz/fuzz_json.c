/*
 * libFuzzer target for core/json.c: whatever the input, parsing never
 * crashes, and what parses is a fixed point of the canonical form:
 * decode -> dump -> decode -> dump gives the same text twice. Pretty and
 * sorted output must read back to the same document too.
 *
 * Build and run (CONVENTIONS):
 *   cmake -S . -B build-fuzz -DSLSH_FUZZ=ON -DCMAKE_C_COMPILER=clang \
 *     -DSLSH_TESTS=OFF && make -C build-fuzz fuzz_json
 *   build-fuzz/tests/fuzz/fuzz_json -max_total_time=60 CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/json.h"

/* Stop the run with a message: the fuzzer reports it as a crash. */
static void fuzz_fail(const char *what, const char *a, size_t alen,
                      const char *b, size_t blen)
{
  fprintf(stderr, "fuzz_json: %s\n first:  %.*s\n second: %.*s\n", what,
          (int)alen, a ? a : "", (int)blen, b ? b : "");
  abort();
}

/* Dump `j` with `flags`; a tree that parsed must always dump. */
static char *fuzz_dump(const json_t *j, unsigned flags, size_t *len)
{
  struct slsh_json_opts o = {0, 0, 0};
  struct slsh_err err;
  char *s;

  o.flags = flags;
  s = slsh_json_dumps(j, &o, len, &err);
  if(!s)
    fuzz_fail(err.message, NULL, 0, NULL, 0);
  return s;
}

/* Parse text that we produced ourselves: it must be accepted. */
static json_t *fuzz_reparse(const char *s, size_t n)
{
  struct slsh_err err;
  json_t *j = slsh_json_parse(s, n, NULL, &err, NULL);

  if(!j)
    fuzz_fail(err.message, s, n, NULL, 0);
  return j;
}

static void fuzz_same(const char *what, const char *a, size_t alen,
                      const char *b, size_t blen)
{
  if(alen != blen || memcmp(a, b, alen))
    fuzz_fail(what, a, alen, b, blen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct slsh_err err;
  size_t off, n1, n2, np, n3;
  char *s1, *s2, *p, *s3;
  json_t *a, *b, *c;

  a = slsh_json_parse((const char *)data, size, NULL, &err, &off);
  if(!a) {
    if(off > size || err.code == SLSH_E_OK)
      fuzz_fail("bad error offset or code", err.message, strlen(err.message),
                NULL, 0);
    return 0;
  }
  s1 = fuzz_dump(a, 0, &n1);
  b = fuzz_reparse(s1, n1);
  s2 = fuzz_dump(b, 0, &n2);
  fuzz_same("compact dump is not stable", s1, n1, s2, n2);

  p = fuzz_dump(a, SLSH_JSON_PRETTY, &np);
  c = fuzz_reparse(p, np);
  s3 = fuzz_dump(c, 0, &n3);
  fuzz_same("pretty output reads back differently", s1, n1, s3, n3);
  free(p);
  free(s3);
  json_decref(c);

  p = fuzz_dump(a, SLSH_JSON_SORT_KEYS, &np);
  c = fuzz_reparse(p, np);
  s3 = fuzz_dump(c, SLSH_JSON_SORT_KEYS, &n3);
  fuzz_same("sorted output is not stable", p, np, s3, n3);
  free(p);
  free(s3);
  json_decref(c);

  free(s1);
  free(s2);
  json_decref(a);
  json_decref(b);
  return 0;
}
