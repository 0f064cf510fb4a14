/*
 * core/logs.c: log groups survive encode -> decode byte for byte (NULs and
 * non-UTF-8 values included), a single LogGroup and a LogGroupList are
 * both read back, known wire bytes decode as the published format says,
 * truncated or foreign bytes are refused, and lz4 round-trips and refuses
 * a wrong raw size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "slsh/logs.h"

static struct slsh_log_kv kv(const char *k, const char *v, size_t vlen)
{
  struct slsh_log_kv r;

  r.key = k;
  r.key_len = strlen(k);
  r.value = v;
  r.value_len = vlen;
  return r;
}

static void roundtrip_list(void **state)
{
  struct slsh_log_kv c1[2], c2[1], tags[1];
  struct slsh_log_entry logs[2];
  struct slsh_log_group g[2];
  struct slsh_log_list out;
  struct slsh_buf b;
  struct slsh_err err;

  (void)state;
  c1[0] = kv("msg", "a\0b\xff", 4);
  c1[1] = kv("msg", "again", 5);
  c2[0] = kv("k", "", 0);
  tags[0] = kv("__hostname__", "h1", 2);
  memset(logs, 0, sizeof(logs));
  logs[0].time = 1700000000;
  logs[0].time_ns = 123;
  logs[0].has_time_ns = 1;
  logs[0].contents = c1;
  logs[0].ncontents = 2;
  logs[1].time = 4294967295u;
  logs[1].contents = c2;
  logs[1].ncontents = 1;
  memset(g, 0, sizeof(g));
  g[0].logs = logs;
  g[0].nlogs = 2;
  g[0].topic = "top";
  g[0].topic_len = 3;
  g[0].tags = tags;
  g[0].ntags = 1;
  g[1].source = "";
  g[1].source_len = 0;
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_logs_encode(g, 2, 1, &b, &err), 0);
  assert_int_equal(slsh_logs_decode(b.data, b.len, 1, &out, &err), 0);
  assert_int_equal(out.ngroups, 2);
  assert_int_equal(out.groups[0].nlogs, 2);
  assert_memory_equal(out.groups[0].logs[0].contents[0].value, "a\0b\xff", 4);
  assert_int_equal(out.groups[0].logs[0].contents[0].value_len, 4);
  assert_int_equal(out.groups[0].logs[0].ncontents, 2);
  assert_int_equal(out.groups[0].logs[0].time_ns, 123);
  assert_true(out.groups[0].logs[0].has_time_ns);
  assert_false(out.groups[0].logs[1].has_time_ns);
  assert_int_equal(out.groups[0].logs[1].time, 4294967295u);
  assert_int_equal(out.groups[0].logs[1].contents[0].value_len, 0);
  assert_memory_equal(out.groups[0].topic, "top", 3);
  assert_null(out.groups[0].source);
  assert_int_equal(out.groups[0].ntags, 1);
  assert_memory_equal(out.groups[0].tags[0].value, "h1", 2);
  assert_non_null(out.groups[1].source);
  assert_int_equal(out.groups[1].source_len, 0);
  assert_int_equal(out.groups[1].nlogs, 0);
  slsh_logs_free(&out);
  slsh_buf_free(&b);
}

/* One log {Time=1, Contents=[{Key="a", Value="b"}]} in a LogGroup with
 * Topic "t", written out by hand from the published field numbers. */
static void known_bytes(void **state)
{
  static const unsigned char group[] = {
    0x0a, 0x0a,                   /* Logs (1), 10 bytes */
    0x08, 0x01,                   /*   Time (1) = 1 */
    0x12, 0x06,                   /*   Contents (2), 6 bytes */
    0x0a, 0x01, 'a', 0x12, 0x01, 'b',
    0x1a, 0x01, 't',              /* Topic (3) = "t" */
  };
  struct slsh_log_list out;
  struct slsh_err err;
  struct slsh_buf b;

  (void)state;
  assert_int_equal(slsh_logs_decode(group, sizeof(group), 0, &out, &err), 0);
  assert_int_equal(out.ngroups, 1);
  assert_int_equal(out.groups[0].nlogs, 1);
  assert_int_equal(out.groups[0].logs[0].time, 1);
  assert_memory_equal(out.groups[0].logs[0].contents[0].key, "a", 1);
  assert_memory_equal(out.groups[0].logs[0].contents[0].value, "b", 1);
  assert_memory_equal(out.groups[0].topic, "t", 1);
  /* and our encoder writes the same bytes back */
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_logs_encode(out.groups, 1, 0, &b, &err), 0);
  assert_int_equal(b.len, sizeof(group));
  assert_memory_equal(b.data, group, sizeof(group));
  slsh_buf_free(&b);
  slsh_logs_free(&out);
}

static void refuses_bad_bytes(void **state)
{
  static const unsigned char truncated[] = {0x0a, 0x08, 0x08, 0x01};
  static const unsigned char no_time[] = {0x0a, 0x00};  /* Time is required */
  struct slsh_log_list out;
  struct slsh_err err;
  struct slsh_buf b;

  (void)state;
  assert_int_equal(slsh_logs_decode(truncated, sizeof(truncated), 1, &out,
                                    &err), -1);
  assert_int_equal(err.code, SLSH_E_BAD_RESPONSE);
  assert_null(out.groups);
  assert_int_equal(slsh_logs_decode(no_time, sizeof(no_time), 0, &out, &err),
                   -1);
  assert_int_equal(err.code, SLSH_E_BAD_RESPONSE);
  assert_int_equal(slsh_logs_decode("", 0, 1, &out, &err), 0);
  assert_int_equal(out.ngroups, 0);
  slsh_logs_free(&out);
  slsh_buf_init(&b, 0);
  assert_int_equal(slsh_logs_encode(NULL, 0, 0, &b, &err), -1);
  assert_int_equal(err.code, SLSH_E_INVALID_ARGUMENT);
  slsh_buf_free(&b);
}

static void lz4_roundtrip(void **state)
{
  char raw[10000];
  struct slsh_buf z, back;
  struct slsh_err err;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(raw); i++)
    raw[i] = (char)(i % 7 == 0 ? i : 'x');
  slsh_buf_init(&z, 0);
  slsh_buf_init(&back, 0);
  assert_int_equal(slsh_lz4_compress(raw, sizeof(raw), &z, &err), 0);
  assert_true(z.len < sizeof(raw));
  assert_int_equal(slsh_lz4_decompress(z.data, z.len, sizeof(raw), &back,
                                       &err), 0);
  assert_int_equal(back.len, sizeof(raw));
  assert_memory_equal(back.data, raw, sizeof(raw));
  slsh_buf_reset(&back);
  assert_int_equal(slsh_lz4_decompress(z.data, z.len, sizeof(raw) - 1, &back,
                                       &err), -1);
  assert_int_equal(err.code, SLSH_E_BAD_RESPONSE);
  assert_int_equal(slsh_lz4_decompress(z.data, z.len, SLSH_LOGS_MAX_RAW + 1,
                                       &back, &err), -1);
  assert_int_equal(err.code, SLSH_E_TOO_LARGE);
  assert_int_equal(slsh_lz4_decompress(z.data, z.len / 2, sizeof(raw), &back,
                                       &err), -1);
  slsh_buf_free(&z);
  slsh_buf_free(&back);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(roundtrip_list),
    cmocka_unit_test(known_bytes),
    cmocka_unit_test(refuses_bad_bytes),
    cmocka_unit_test(lz4_roundtrip),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
