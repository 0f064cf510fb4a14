/*
 * The SLS data plane's bodies: a log group list (PullLogs answers), a log
 * group (PutLogs bodies), and their lz4 block compression. The protobuf
 * work is done by Debian's libprotobuf-c over code generated from
 * core/proto/sls_logs.proto; the compression by liblz4.
 *
 * The structures below are slsh's own view of the format, so that this
 * header needs neither library. Strings are byte ranges (a log value may
 * hold a NUL or bytes that are not UTF-8), never NUL-terminated.
 */
#ifndef SLSH_LOGS_H
#define SLSH_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "slsh/buf.h"
#include "slsh/err.h"

/* The largest raw (uncompressed) body slsh decodes or decompresses; a
 * PutLogs body is at most 10 MB and a PullLogs answer of 1000 groups of
 * 5 MB could in theory be larger, but the service caps those too. */
#define SLSH_LOGS_MAX_RAW ((size_t)64 * 1024 * 1024)

struct slsh_log_kv {
  const char *key;              /* not NUL-terminated */
  size_t key_len;
  const char *value;            /* not NUL-terminated */
  size_t value_len;
};

struct slsh_log_entry {
  uint32_t time;                /* unix seconds */
  uint32_t time_ns;             /* nanoseconds part, when has_time_ns */
  int has_time_ns;
  struct slsh_log_kv *contents; /* in wire order; keys may repeat */
  size_t ncontents;
};

struct slsh_log_group {
  struct slsh_log_entry *logs;
  size_t nlogs;
  const char *topic;            /* NULL when absent */
  size_t topic_len;
  const char *source;           /* NULL when absent */
  size_t source_len;
  struct slsh_log_kv *tags;     /* in wire order */
  size_t ntags;
};

/* A decoded log group list: `groups` and everything they point at belong
 * to it until slsh_logs_free. */
struct slsh_log_list {
  struct slsh_log_group *groups;
  size_t ngroups;
  void *impl;                   /* the unpacked protobuf-c message */
};

/* Decode `len` bytes as a LogGroupList (`as_list`) or as one LogGroup
 * (then ngroups is 1). Returns 0, or -1 with SLSH_E_BAD_RESPONSE for
 * bytes that are not such a message, SLSH_E_NOMEM, SLSH_E_TOO_LARGE. */
int slsh_logs_decode(const void *data, size_t len, int as_list,
                     struct slsh_log_list *out, struct slsh_err *err);

/* Free what slsh_logs_decode filled in (a zeroed list is fine). */
void slsh_logs_free(struct slsh_log_list *list);

/* Encode `n` groups as a LogGroupList (`as_list`) or one group as a
 * LogGroup (n must be 1), appending to `out`. Returns 0 or -1
 * (SLSH_E_INVALID_ARGUMENT, SLSH_E_NOMEM, SLSH_E_TOO_LARGE). */
int slsh_logs_encode(const struct slsh_log_group *groups, size_t n,
                     int as_list, struct slsh_buf *out, struct slsh_err *err);

/* lz4 block (no frame), as x-log-compresstype: lz4 means: append the
 * compressed form of `len` bytes to `out`. Returns 0 or -1. */
int slsh_lz4_compress(const void *data, size_t len, struct slsh_buf *out,
                      struct slsh_err *err);

/* Append the `raw_size` bytes that `len` compressed bytes decode to; an
 * input that does not decode to exactly raw_size bytes is
 * SLSH_E_BAD_RESPONSE, a raw_size over SLSH_LOGS_MAX_RAW SLSH_E_TOO_LARGE. */
int slsh_lz4_decompress(const void *data, size_t len, size_t raw_size,
                        struct slsh_buf *out, struct slsh_err *err);

#endif
