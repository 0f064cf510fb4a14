/*
 * libFuzzer target for core/encconf.c: whatever JSON the service or a
 * user hands over, the rules never crash, and they agree with themselves:
 * a conf that validates is a legal first config (create) and a noop
 * against itself; a merged UpdateLogStore body keeps every key of the
 * logstore that is not read-only.
 *
 * The input is split at the first NUL byte: before it a logstore (or a
 * conf), after it a wanted conf.
 *   build-fuzz/tests/fuzz/fuzz_encconf -max_total_time=60 CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/encconf.h"
#include "slsh/logstore.h"
#include "slsh/json.h"

static void fuzz_fail(const char *what, const char *detail)
{
  fprintf(stderr, "fuzz_encconf: %s: %s\n", what, detail);
  abort();
}

static json_t *fuzz_parse(const char *p, size_t n)
{
  struct slsh_json_opts o = {0, 0, 0};
  struct slsh_err err;

  o.max_depth = 64;
  return slsh_json_parse(p, n, &o, &err, NULL);
}

/* The properties of a conf that validates. A conf naming no algorithm
 * (e.g. {"enable":false}) makes no choice, so from nothing it is a noop;
 * one that names it is the permanent first choice. */
static void fuzz_valid_conf(const json_t *want)
{
  enum slsh_encconf_kind kind, first;
  struct slsh_err err;
  json_t *toggled;

  first = json_object_get(want, "encrypt_type") ? SLSH_ENCCONF_CREATE
                                                : SLSH_ENCCONF_NOOP;
  if(slsh_encconf_check_transition(NULL, want, &kind, &err) ||
     kind != first)
    fuzz_fail("a valid conf is not a legal first config", err.message);
  if(slsh_encconf_check_transition(want, want, &kind, &err) ||
     kind != SLSH_ENCCONF_NOOP)
    fuzz_fail("a valid conf is not a noop against itself", err.message);
  toggled = slsh_encconf_with_enable(want, 0, &err);
  if(toggled) {
    if(slsh_encconf_check_transition(want, toggled, &kind, &err))
      fuzz_fail("with_enable(conf) is refused against conf", err.message);
    json_decref(toggled);
  }
}

/* The properties of a merge into a logstore. */
static void fuzz_merge(const json_t *logstore, const json_t *want)
{
  static const char *const readonly[] = {"createTime", "lastModifyTime",
                                         "productType", NULL};
  struct slsh_err err;
  json_t *body = NULL, *v;
  const char *key;
  int i, ro;

  if(slsh_logstore_merge_encconf(logstore, want, &body, &err) != 0) {
    if(body)
      fuzz_fail("a refused merge left a body", err.message);
    return;
  }
  json_object_foreach((json_t *)logstore, key, v) {
    for(ro = 0, i = 0; readonly[i]; i++)
      ro |= !strcmp(key, readonly[i]);
    if(!ro && strcmp(key, "encrypt_conf") && strcmp(key, "resourceQuota") &&
       !json_object_get(body, key))
      fuzz_fail("merge dropped a key", key);
  }
  (void)v;
  json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data;
  const char *nul = memchr(p, '\0', size);
  size_t n1 = nul ? (size_t)(nul - p) : size;
  json_t *a = fuzz_parse(p, n1);
  json_t *b = nul ? fuzz_parse(nul + 1, size - n1 - 1) : NULL;
  struct slsh_encconf parsed;
  struct slsh_err err;
  json_t *changes;
  enum slsh_encconf_kind kind;

  if(a) {
    /* A merge takes only what the read check takes. */
    if(slsh_logstore_check(a, NULL, &err) != 0 && json_is_object(a) &&
       slsh_logstore_merge_changes(a, a, 0, &changes, &err) == 0)
      fuzz_fail("a merge took a logstore the read check refuses", "");
    slsh_encconf_parse(a, &parsed, &err);
    if(slsh_encconf_validate(a, &err) == 0)
      fuzz_valid_conf(a);
  }
  if(b && slsh_encconf_validate(b, &err) == 0) {
    fuzz_valid_conf(b);
    if(a && json_is_object(a)) {
      slsh_encconf_check_transition(json_object_get(a, "encrypt_conf"), b,
                                    &kind, &err);
      fuzz_merge(a, b);
    }
  }
  if(a && b && json_is_object(a) && json_is_object(b) &&
     slsh_logstore_merge_changes(a, b, 0, &changes, &err) == 0)
    json_decref(changes);
  json_decref(a);
  json_decref(b);
  return 0;
}
