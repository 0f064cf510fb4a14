/* Hex, UTF-8 and UTC dates (see text.h). */
#include "slsh/text.h"

#include <string.h>
#include <time.h>

void slsh_hex(char *out, const unsigned char *p, size_t n, int upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  size_t i;

  for(i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
}

size_t slsh_utf8_seq(const unsigned char *s, size_t n)
{
  unsigned c = s[0];

  if(c < 0x80)
    return 1;
  if(c < 0xC2)
    return 0;
  if(c < 0xE0)
    return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
  if(c < 0xF0) {
    if(n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
      return 0;
    if((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
      return 0;
    return 3;
  }
  if(c < 0xF5) {
    if(n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
       (s[3] & 0xC0) != 0x80)
      return 0;
    if((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
      return 0;
    return 4;
  }
  return 0;
}

size_t slsh_utf8_valid(const char *s, size_t len)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, k;

  while(i < len) {
    if(u[i] < 0x80) {
      i++;
      continue;
    }
    k = slsh_utf8_seq(u + i, len - i);
    if(!k)
      return i;
    i += k;
  }
  return len;
}

/* Broken-down UTC time of `epoch`, years 1..9999 only (the formats below
 * have four-digit years). */
static int text_gmtime(int64_t epoch, struct tm *tm)
{
  time_t t = (time_t)epoch;

  if(epoch < INT64_C(-62135596800) || epoch > INT64_C(253402300799) ||
     (int64_t)t != epoch || !gmtime_r(&t, tm))
    return -1;
  return 0;
}

/* Write `v` as exactly `width` decimal digits (v is in range by
 * construction: the fields of a struct tm for years 1..9999). */
static char *text_num(char *p, int v, int width)
{
  int i;

  for(i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

int slsh_time_http(int64_t epoch, char out[SLSH_TIME_HTTP_SIZE])
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                  "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                     "Nov", "Dec"};
  struct tm tm;
  char *p = out;

  if(text_gmtime(epoch, &tm))
    return -1;
  memcpy(p, days[tm.tm_wday], 3);
  p += 3;
  *p++ = ',';
  *p++ = ' ';
  p = text_num(p, tm.tm_mday, 2);
  *p++ = ' ';
  memcpy(p, months[tm.tm_mon], 3);
  p += 3;
  *p++ = ' ';
  p = text_num(p, tm.tm_year + 1900, 4);
  *p++ = ' ';
  p = text_num(p, tm.tm_hour, 2);
  *p++ = ':';
  p = text_num(p, tm.tm_min, 2);
  *p++ = ':';
  p = text_num(p, tm.tm_sec, 2);
  memcpy(p, " GMT", 5);
  return 0;
}

/* "yyyyMMddTHHmmssZ" (sep = 0) or "yyyy-MM-ddTHH:mm:ssZ" (sep = 1). */
static int text_compact(int64_t epoch, char *out, int sep)
{
  struct tm tm;
  char *p = out;

  if(text_gmtime(epoch, &tm))
    return -1;
  p = text_num(p, tm.tm_year + 1900, 4);
  if(sep)
    *p++ = '-';
  p = text_num(p, tm.tm_mon + 1, 2);
  if(sep)
    *p++ = '-';
  p = text_num(p, tm.tm_mday, 2);
  *p++ = 'T';
  p = text_num(p, tm.tm_hour, 2);
  if(sep)
    *p++ = ':';
  p = text_num(p, tm.tm_min, 2);
  if(sep)
    *p++ = ':';
  p = text_num(p, tm.tm_sec, 2);
  *p++ = 'Z';
  *p = '\0';
  return 0;
}

int slsh_time_basic(int64_t epoch, char out[SLSH_TIME_BASIC_SIZE])
{
  return text_compact(epoch, out, 0);
}

int slsh_time_iso8601(int64_t epoch, char out[SLSH_TIME_ISO8601_SIZE])
{
  return text_compact(epoch, out, 1);
}

/* Read exactly `n` decimal digits. */
static int text_digits(const char *s, int n, int *v)
{
  int i;

  *v = 0;
  for(i = 0; i < n; i++) {
    if(s[i] < '0' || s[i] > '9')
      return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return 0;
}

int slsh_time_parse_iso8601(const char *s, int64_t *out)
{
  struct tm tm;
  int y, mo, d, h, mi, se;
  time_t t;

  if(!s || strlen(s) < 20 || text_digits(s, 4, &y) || s[4] != '-' ||
     text_digits(s + 5, 2, &mo) || s[7] != '-' ||
     text_digits(s + 8, 2, &d) || s[10] != 'T' ||
     text_digits(s + 11, 2, &h) || s[13] != ':' ||
     text_digits(s + 14, 2, &mi) || s[16] != ':' ||
     text_digits(s + 17, 2, &se))
    return -1;
  s += 19;
  if(*s == '.') {
    s++;
    if(*s < '0' || *s > '9')
      return -1;
    while(*s >= '0' && *s <= '9')
      s++;
  }
  if(s[0] != 'Z' || s[1] || mo < 1 || mo > 12 || d < 1 || h > 23 ||
     mi > 59 || se > 60)
    return -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se == 60 ? 59 : se;   /* a leap second is the next one */
  t = timegm(&tm);
  /* timegm normalises 31 April to 1 May: a day that does not exist comes
   * back with another day of the month. */
  if(tm.tm_mday != d || tm.tm_mon != mo - 1)
    return -1;
  *out = (int64_t)t + (se == 60);
  return 0;
}
