/* Clocks, sleeping and randomness (see util.h). */
#include "slsh/util.h"

#include <errno.h>
#include <openssl/rand.h>
#include <time.h>

double slsh_monotime(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double slsh_walltime(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int slsh_random(void *buf, size_t n)
{
  if(n > (size_t)0x7fffffff)
    return -1;
  return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

void slsh_sleep(double seconds)
{
  struct timespec ts;

  if(!(seconds > 0))
    return;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  while(nanosleep(&ts, &ts) == -1 && errno == EINTR)
    ;
}
