/*
 * The shared encodings of core/text.c: hex against printf as an oracle,
 * the UTF-8 check on each class of bad sequence, and the calendar: dates
 * formatted across leap days, centuries and the limits of years 1..9999,
 * the parser refusing days that do not exist, and neither changed by a
 * process locale with other month names (de_DE, built into the build tree
 * by tests.cmake; skipped without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "slsh/text.h"

static void hex_matches_printf(void **state)
{
  unsigned char all[256];
  char got[513], want[513];
  int i;

  (void)state;
  for(i = 0; i < 256; i++)
    all[i] = (unsigned char)i;
  slsh_hex(got, all, sizeof(all), 0);
  got[512] = '\0';
  for(i = 0; i < 256; i++)
    snprintf(want + 2 * i, 3, "%02x", i);
  assert_string_equal(got, want);
  slsh_hex(got, all, sizeof(all), 1);
  for(i = 0; i < 256; i++)
    snprintf(want + 2 * i, 3, "%02X", i);
  assert_string_equal(got, want);
  got[0] = 'x';
  slsh_hex(got, all, 0, 0);
  assert_int_equal(got[0], 'x');
}

static void utf8_classes(void **state)
{
  static const struct {
    const char *s;
    size_t len, want;
  } t[] = {
    {"plain", 5, 5},
    {"a\0b", 3, 3},                       /* NUL is valid UTF-8 */
    {"\xc3\xa9t\xc3\xa9", 5, 5},          /* 2-byte */
    {"\xe2\x82\xac", 3, 3},               /* 3-byte */
    {"\xf0\x9f\x94\x91", 4, 4},           /* 4-byte */
    {"ab\xc0\xaf", 4, 2},                 /* overlong '/' */
    {"\xe0\x80\xaf", 3, 0},               /* overlong, 3 bytes */
    {"\xed\xa0\x80", 3, 0},               /* surrogate U+D800 */
    {"\xf4\x90\x80\x80", 4, 0},           /* above U+10FFFF */
    {"x\xe2\x82", 3, 1},                  /* truncated */
    {"\x80", 1, 0},                       /* lone continuation */
    {"\xff", 1, 0},
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if(slsh_utf8_valid(t[i].s, t[i].len) != t[i].want)
      fail_msg("case %zu: %zu, want %zu", i,
               slsh_utf8_valid(t[i].s, t[i].len), t[i].want);
}

static const struct {
  int64_t epoch;
  const char *http, *basic, *iso;
} dates[] = {
  {0, "Thu, 01 Jan 1970 00:00:00 GMT", "19700101T000000Z",
   "1970-01-01T00:00:00Z"},
  {951782400, "Tue, 29 Feb 2000 00:00:00 GMT", "20000229T000000Z",
   "2000-02-29T00:00:00Z"},
  {1641198827, "Mon, 03 Jan 2022 08:33:47 GMT", "20220103T083347Z",
   "2022-01-03T08:33:47Z"},
  {-1, "Wed, 31 Dec 1969 23:59:59 GMT", "19691231T235959Z",
   "1969-12-31T23:59:59Z"},
  {INT64_C(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT",
   "00010101T000000Z", "0001-01-01T00:00:00Z"},
  {INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT",
   "99991231T235959Z", "9999-12-31T23:59:59Z"},
};

static void check_dates(void)
{
  char http[SLSH_TIME_HTTP_SIZE], basic[SLSH_TIME_BASIC_SIZE];
  char iso[SLSH_TIME_ISO8601_SIZE];
  int64_t back;
  size_t i;

  for(i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
    assert_int_equal(slsh_time_http(dates[i].epoch, http), 0);
    assert_int_equal(slsh_time_basic(dates[i].epoch, basic), 0);
    assert_int_equal(slsh_time_iso8601(dates[i].epoch, iso), 0);
    assert_string_equal(http, dates[i].http);
    assert_string_equal(basic, dates[i].basic);
    assert_string_equal(iso, dates[i].iso);
    assert_int_equal(slsh_time_parse_iso8601(iso, &back), 0);
    assert_true(back == dates[i].epoch);
  }
  assert_int_equal(slsh_time_http(INT64_C(253402300800), http), -1);
  assert_int_equal(slsh_time_iso8601(INT64_C(-62135596801), iso), -1);
  assert_int_equal(slsh_time_basic(INT64_MAX, basic), -1);
  assert_int_equal(slsh_time_basic(INT64_MIN, basic), -1);
}

static void calendar(void **state)
{
  (void)state;
  check_dates();
}

static void parse_refuses_days_that_do_not_exist(void **state)
{
  static const char *const bad[] = {
    "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
    "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-01-00T00:00:00Z",
    "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z",
    "2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "2024-1-01T00:00:00Z",
  };
  int64_t t;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    if(!slsh_time_parse_iso8601(bad[i], &t))
      fail_msg("accepted '%s'", bad[i]);
  assert_int_equal(slsh_time_parse_iso8601("2024-02-29T12:00:00Z", &t), 0);
  assert_true(t == 1709208000);
  /* a leap second is the second after :59, even at the end of a year */
  assert_int_equal(slsh_time_parse_iso8601("2016-12-31T23:59:60Z", &t), 0);
  assert_true(t == 1483228800);
  assert_int_equal(slsh_time_parse_iso8601("2015-04-09T11:52:19.123Z", &t),
                   0);
  assert_true(t == 1428580339);
}

static void dates_ignore_the_locale(void **state)
{
  (void)state;
  if(!setlocale(LC_ALL, "de_DE.UTF-8"))
    skip();
  check_dates();
  setlocale(LC_ALL, "C");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(hex_matches_printf),
    cmocka_unit_test(utf8_classes),
    cmocka_unit_test(calendar),
    cmocka_unit_test(parse_refuses_days_that_do_not_exist),
    cmocka_unit_test(dates_ignore_the_locale),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
