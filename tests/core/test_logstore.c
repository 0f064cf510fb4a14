/*
 * The check of a GetLogStore answer (core/logstore.c): every way an answer
 * can fail to be a complete, well-typed logstore is refused with
 * bad_response, the path of the offending field and the words that say
 * what was wrong and what was expected; answers the service really gives
 * (unknown fields, the old encrypt_conf shape, null encrypt_conf) pass.
 * The merges built on it are tested in test_encconf.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slsh/logstore.h"

#define HEAD "{\"logstoreName\":\"app\",\"ttl\":30,\"shardCount\":2"
#define LS(rest) HEAD rest "}"

struct check_case {
  const char *name;
  const char *doc;       /* JSON text; NULL = no document */
  const char *asked;     /* the logstore asked for, or NULL */
  const char *field;     /* NULL = accepted */
  const char *m1, *m2;
};

static const struct check_case cases[] = {
  {"a complete answer", LS(""), "app", NULL, NULL, NULL},
  {"every known field, unknown ones kept",
   LS(",\"enable_tracking\":false,\"autoSplit\":true,\"maxSplitShard\":64,"
      "\"appendMeta\":true,\"telemetryType\":\"None\",\"hot_ttl\":7,"
      "\"infrequentAccessTTL\":0,\"mode\":\"standard\",\"productType\":\"\","
      "\"createTime\":1700000000,\"lastModifyTime\":1700000001,"
      "\"resourceQuota\":{\"storage\":{\"preserved\":-1,\"used\":1}},"
      "\"processorId\":\"\",\"shardingPolicy\":{},\"resourceGroupId\":\"rg\","
      "\"future\":[1,\"x\",null]"), "app", NULL, NULL, NULL},
  {"encrypt_conf null", LS(",\"encrypt_conf\":null"), "app", NULL, NULL,
   NULL},
  {"encrypt_conf of the old shape",
   LS(",\"encrypt_conf\":{\"encrypt_type\":\"default\","
      "\"user_cmk_info\":{}}"), "app", NULL, NULL, NULL},
  {"no name asked: any name", LS(""), NULL, NULL, NULL, NULL},
  {"null", "null", "app", "logstore", "must be an object", "got null"},
  {"a list", "[]", "app", "logstore", "must be an object",
   "got an array"},
  {"a string", "\"app\"", "app", "logstore", "got the string 'app'", NULL},
  {"an error object with a 200",
   "{\"errorCode\":\"LogStoreNotExist\",\"errorMessage\":\"gone\"}", "app",
   "errorCode", "an error object (errorCode 'LogStoreNotExist': 'gone')",
   "not a logstore"},
  {"logstoreName missing", "{\"ttl\":30,\"shardCount\":2}", "app",
   "logstoreName", "has no logstoreName", NULL},
  {"ttl missing", "{\"logstoreName\":\"app\",\"shardCount\":2}", "app",
   "ttl", "has no ttl", "1-3650"},
  {"shardCount missing", "{\"logstoreName\":\"app\",\"ttl\":30}", "app",
   "shardCount", "has no shardCount", "at least 1"},
  {"ttl a string", "{\"logstoreName\":\"app\",\"ttl\":\"30\","
   "\"shardCount\":2}", "app", "ttl", "ttl must be an integer",
   "got the string '30'"},
  {"ttl negative", "{\"logstoreName\":\"app\",\"ttl\":-1,\"shardCount\":2}",
   "app", "ttl", "ttl is -1, out of range", "1-3650"},
  {"ttl zero", "{\"logstoreName\":\"app\",\"ttl\":0,\"shardCount\":2}",
   "app", "ttl", "out of range", NULL},
  {"ttl a real", "{\"logstoreName\":\"app\",\"ttl\":30.5,\"shardCount\":2}",
   "app", "ttl", "must be an integer", "the number 30.5"},
  {"shardCount zero", "{\"logstoreName\":\"app\",\"ttl\":30,"
   "\"shardCount\":0}", "app", "shardCount", "out of range", NULL},
  {"another logstore", "{\"logstoreName\":\"other\",\"ttl\":30,"
   "\"shardCount\":2}", "app", "logstoreName", "names the logstore "
   "'other', but 'app' was asked for", NULL},
  {"logstoreName not a string", "{\"logstoreName\":1,\"ttl\":30,"
   "\"shardCount\":2}", "app", "logstoreName", "must be a string", NULL},
  {"hot_ttl negative", LS(",\"hot_ttl\":-7"), "app", "hot_ttl",
   "out of range", NULL},
  {"appendMeta a string", LS(",\"appendMeta\":\"true\""), "app",
   "appendMeta", "must be a boolean", "got the string 'true'"},
  {"a known field null", LS(",\"mode\":null"), "app", "mode",
   "must be a string", "got null"},
  {"resourceQuota a list", LS(",\"resourceQuota\":[]"), "app",
   "resourceQuota", "must be an object", NULL},
  {"encrypt_conf a list", LS(",\"encrypt_conf\":[]"), "app", "encrypt_conf",
   "must be an object", "got an array"},
  {"encrypt_conf a string", LS(",\"encrypt_conf\":\"default\""), "app",
   "encrypt_conf", "must be an object", "got the string 'default'"},
  {"enable a string",
   LS(",\"encrypt_conf\":{\"enable\":\"true\",\"encrypt_type\":\"default\"}"),
   "app", "encrypt_conf.enable", "must be a boolean",
   "got the string 'true'"},
  {"encrypt_type a number",
   LS(",\"encrypt_conf\":{\"enable\":true,\"encrypt_type\":1}"), "app",
   "encrypt_conf.encrypt_type", "must be a string", "the integer 1"},
  {"user_cmk_info a list",
   LS(",\"encrypt_conf\":{\"enable\":true,\"encrypt_type\":\"default\","
      "\"user_cmk_info\":[]}"), "app", "encrypt_conf.user_cmk_info",
   "must be an object", "got an array"},
  {"a cmk member not a string",
   LS(",\"encrypt_conf\":{\"enable\":true,\"encrypt_type\":\"default\","
      "\"user_cmk_info\":{\"cmk_key_id\":7}}"), "app",
   "encrypt_conf.user_cmk_info.cmk_key_id", "must be a string", NULL},
};

static void test_check(void **state)
{
  struct slsh_err e;
  json_error_t je;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct check_case *c = &cases[i];
    json_t *doc = json_loads(c->doc, JSON_DECODE_ANY, &je);
    int rc;

    if(!doc)
      fail_msg("%s: test JSON does not parse: %s", c->name, je.text);
    rc = slsh_logstore_check(doc, c->asked, &e);
    json_decref(doc);
    if(!c->field) {
      if(rc)
        fail_msg("%s: refused: %s", c->name, e.message);
      continue;
    }
    if(!rc)
      fail_msg("%s: accepted", c->name);
    if(e.code != SLSH_E_BAD_RESPONSE)
      fail_msg("%s: code %s, want bad_response", c->name,
               slsh_err_code(e.code));
    if(strcmp(e.field, c->field))
      fail_msg("%s: field '%s', want '%s' (%s)", c->name, e.field, c->field,
               e.message);
    if(c->m1 && !strstr(e.message, c->m1))
      fail_msg("%s: message lacks '%s': %s", c->name, c->m1, e.message);
    if(c->m2 && !strstr(e.message, c->m2))
      fail_msg("%s: message lacks '%s': %s", c->name, c->m2, e.message);
  }
  assert_int_equal(slsh_logstore_check(NULL, "app", &e), -1);
  assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
}

/* A hostile name in an answer is quoted, never printed raw. */
static void test_hostile_name(void **state)
{
  struct slsh_err e;
  json_t *doc = json_pack("{s:s,s:i,s:i}", "logstoreName", "x\n\x1b[2J",
                          "ttl", 30, "shardCount", 1);

  (void)state;
  assert_int_equal(slsh_logstore_check(doc, "app", &e), -1);
  assert_null(strchr(e.message, '\n'));
  assert_null(strchr(e.message, '\x1b'));
  assert_non_null(strstr(e.message, "'x\\x0A\\x1B[2J'"));
  json_decref(doc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_check),
    cmocka_unit_test(test_hostile_name),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
