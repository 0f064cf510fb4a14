/*
 * Log groups on the wire (see logs.h). libprotobuf-c does the encoding
 * over the code protoc-c generates from core/proto/sls_logs.proto at
 * build time; this file only maps its structures to slsh's own, which
 * point into the unpacked message rather than copying every value.
 */
#include "slsh/logs.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "sls_logs.pb-c.h"

/* What a decoded list owns besides the unpacked message. */
struct logs_impl {
  ProtobufCMessage *msg;        /* from protobuf_c_message_unpack */
  struct slsh_log_entry *entries; /* every group's logs, one array */
  struct slsh_log_kv *kvs;      /* every contents and tags pair */
};

static void logs_kv(struct slsh_log_kv *kv, const ProtobufCBinaryData *k,
                    const ProtobufCBinaryData *v)
{
  kv->key = (const char *)k->data;
  kv->key_len = k->len;
  kv->value = (const char *)v->data;
  kv->value_len = v->len;
}

/* Point our structures at the unpacked groups. */
static int logs_map(SlsLogGroup **pg, size_t ng, struct slsh_log_list *out,
                    struct logs_impl *impl, struct slsh_err *err)
{
  size_t i, j, k, nlogs = 0, nkv = 0, e = 0, p = 0;

  for(i = 0; i < ng; i++) {
    nlogs += pg[i]->n_logs;
    nkv += pg[i]->n_logtags;
    for(j = 0; j < pg[i]->n_logs; j++)
      nkv += pg[i]->logs[j]->n_contents;
  }
  out->groups = calloc(ng ? ng : 1, sizeof(*out->groups));
  impl->entries = calloc(nlogs ? nlogs : 1, sizeof(*impl->entries));
  impl->kvs = calloc(nkv ? nkv : 1, sizeof(*impl->kvs));
  if(!out->groups || !impl->entries || !impl->kvs)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  for(i = 0; i < ng; i++) {
    struct slsh_log_group *g = &out->groups[i];

    g->logs = impl->entries + e;
    g->nlogs = pg[i]->n_logs;
    if(pg[i]->has_topic) {
      g->topic = (const char *)pg[i]->topic.data;
      g->topic_len = pg[i]->topic.len;
      if(!g->topic)
        g->topic = "";
    }
    if(pg[i]->has_source) {
      g->source = (const char *)pg[i]->source.data;
      g->source_len = pg[i]->source.len;
      if(!g->source)
        g->source = "";
    }
    for(j = 0; j < pg[i]->n_logs; j++) {
      SlsLog *l = pg[i]->logs[j];
      struct slsh_log_entry *en = &impl->entries[e++];

      en->time = l->time;
      en->has_time_ns = l->has_time_ns;
      en->time_ns = l->time_ns;
      en->contents = impl->kvs + p;
      en->ncontents = l->n_contents;
      for(k = 0; k < l->n_contents; k++)
        logs_kv(&impl->kvs[p++], &l->contents[k]->key,
                &l->contents[k]->value);
    }
    g->tags = impl->kvs + p;
    g->ntags = pg[i]->n_logtags;
    for(k = 0; k < pg[i]->n_logtags; k++)
      logs_kv(&impl->kvs[p++], &pg[i]->logtags[k]->key,
              &pg[i]->logtags[k]->value);
  }
  out->ngroups = ng;
  return 0;
}

int slsh_logs_decode(const void *data, size_t len, int as_list,
                     struct slsh_log_list *out, struct slsh_err *err)
{
  const ProtobufCMessageDescriptor *d =
    as_list ? &sls_log_group_list__descriptor : &sls_log_group__descriptor;
  struct logs_impl *impl;
  SlsLogGroup **pg, *one;
  size_t ng;

  slsh_err_clear(err);
  memset(out, 0, sizeof(*out));
  if(len > SLSH_LOGS_MAX_RAW)
    return slsh_err_set(err, SLSH_E_TOO_LARGE, NULL,
                        "a log body of %zu bytes is over the limit", len);
  impl = calloc(1, sizeof(*impl));
  if(!impl)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  out->impl = impl;
  impl->msg = protobuf_c_message_unpack(d, NULL, len, data);
  if(!impl->msg) {
    slsh_logs_free(out);
    return slsh_err_set(err, SLSH_E_BAD_RESPONSE, NULL,
                        "the body is not a valid %s",
                        as_list ? "LogGroupList" : "LogGroup");
  }
  if(as_list) {
    SlsLogGroupList *l = (SlsLogGroupList *)impl->msg;

    pg = l->loggrouplist;
    ng = l->n_loggrouplist;
  }
  else {
    one = (SlsLogGroup *)impl->msg;
    pg = &one;
    ng = 1;
  }
  if(logs_map(pg, ng, out, impl, err)) {
    slsh_logs_free(out);
    return -1;
  }
  return 0;
}

void slsh_logs_free(struct slsh_log_list *list)
{
  struct logs_impl *impl = list->impl;

  if(impl) {
    if(impl->msg)
      protobuf_c_message_free_unpacked(impl->msg, NULL);
    free(impl->entries);
    free(impl->kvs);
    free(impl);
  }
  free(list->groups);
  memset(list, 0, sizeof(*list));
}

/* The protobuf-c structures of groups to encode, pointing at the
 * caller's bytes: one flat array per message type. */
struct logs_build {
  SlsLogGroup *groups, **pgroups;
  SlsLog *logs, **plogs;
  SlsLogContent *contents, **pcontents;
  SlsLogTag *tags, **ptags;
};

static void logs_build_free(struct logs_build *b)
{
  free(b->groups);
  free(b->pgroups);
  free(b->logs);
  free(b->plogs);
  free(b->contents);
  free(b->pcontents);
  free(b->tags);
  free(b->ptags);
}

static ProtobufCBinaryData logs_bin(const char *p, size_t n)
{
  ProtobufCBinaryData b;

  /* protobuf-c only reads the bytes when packing */
  b.data = (uint8_t *)(uintptr_t)(p ? p : "");
  b.len = n;
  return b;
}

static int logs_build(const struct slsh_log_group *in, size_t n,
                      struct logs_build *b, struct slsh_err *err)
{
  static const SlsLogGroup g0 = SLS_LOG_GROUP__INIT;
  static const SlsLog l0 = SLS_LOG__INIT;
  static const SlsLogContent c0 = SLS_LOG_CONTENT__INIT;
  static const SlsLogTag t0 = SLS_LOG_TAG__INIT;
  size_t i, j, k, nl = 0, nc = 0, nt = 0, l = 0, c = 0, t = 0;

  memset(b, 0, sizeof(*b));
  for(i = 0; i < n; i++) {
    nl += in[i].nlogs;
    nt += in[i].ntags;
    for(j = 0; j < in[i].nlogs; j++)
      nc += in[i].logs[j].ncontents;
  }
  b->groups = calloc(n ? n : 1, sizeof(*b->groups));
  b->pgroups = calloc(n ? n : 1, sizeof(*b->pgroups));
  b->logs = calloc(nl ? nl : 1, sizeof(*b->logs));
  b->plogs = calloc(nl ? nl : 1, sizeof(*b->plogs));
  b->contents = calloc(nc ? nc : 1, sizeof(*b->contents));
  b->pcontents = calloc(nc ? nc : 1, sizeof(*b->pcontents));
  b->tags = calloc(nt ? nt : 1, sizeof(*b->tags));
  b->ptags = calloc(nt ? nt : 1, sizeof(*b->ptags));
  if(!b->groups || !b->pgroups || !b->logs || !b->plogs || !b->contents ||
     !b->pcontents || !b->tags || !b->ptags)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  for(i = 0; i < n; i++) {
    SlsLogGroup *g = &b->groups[i];

    *g = g0;
    b->pgroups[i] = g;
    g->n_logs = in[i].nlogs;
    g->logs = b->plogs + l;
    for(j = 0; j < in[i].nlogs; j++) {
      const struct slsh_log_entry *e = &in[i].logs[j];
      SlsLog *lg = &b->logs[l];

      *lg = l0;
      b->plogs[l++] = lg;
      lg->time = e->time;
      lg->has_time_ns = e->has_time_ns != 0;
      lg->time_ns = e->time_ns;
      lg->n_contents = e->ncontents;
      lg->contents = b->pcontents + c;
      for(k = 0; k < e->ncontents; k++) {
        SlsLogContent *ct = &b->contents[c];

        *ct = c0;
        b->pcontents[c++] = ct;
        ct->key = logs_bin(e->contents[k].key, e->contents[k].key_len);
        ct->value = logs_bin(e->contents[k].value, e->contents[k].value_len);
      }
    }
    if(in[i].topic) {
      g->has_topic = 1;
      g->topic = logs_bin(in[i].topic, in[i].topic_len);
    }
    if(in[i].source) {
      g->has_source = 1;
      g->source = logs_bin(in[i].source, in[i].source_len);
    }
    g->n_logtags = in[i].ntags;
    g->logtags = b->ptags + t;
    for(k = 0; k < in[i].ntags; k++) {
      SlsLogTag *tg = &b->tags[t];

      *tg = t0;
      b->ptags[t++] = tg;
      tg->key = logs_bin(in[i].tags[k].key, in[i].tags[k].key_len);
      tg->value = logs_bin(in[i].tags[k].value, in[i].tags[k].value_len);
    }
  }
  return 0;
}

/* A ProtobufCBuffer that appends to an slsh_buf. */
struct logs_sink {
  ProtobufCBuffer base;
  struct slsh_buf *out;
};

static void logs_append(ProtobufCBuffer *pb, size_t len, const uint8_t *data)
{
  struct logs_sink *s = (struct logs_sink *)pb;

  slsh_buf_add(s->out, data, len);
}

int slsh_logs_encode(const struct slsh_log_group *groups, size_t n,
                     int as_list, struct slsh_buf *out, struct slsh_err *err)
{
  SlsLogGroupList list = SLS_LOG_GROUP_LIST__INIT;
  struct logs_sink sink;
  struct logs_build b;
  const ProtobufCMessage *msg;
  int rc = -1;

  slsh_err_clear(err);
  if(!as_list && n != 1)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, NULL,
                        "a LogGroup body holds exactly one group, not %zu", n);
  if(logs_build(groups, n, &b, err))
    goto fail;
  list.n_loggrouplist = n;
  list.loggrouplist = b.pgroups;
  msg = as_list ? &list.base : &b.groups[0].base;
  sink.base.append = logs_append;
  sink.out = out;
  protobuf_c_message_pack_to_buffer(msg, &sink.base);
  if(out->failed) {
    slsh_err_set(err, out->failed, NULL, "the encoded log groups do not fit");
    goto fail;
  }
  rc = 0;
fail:
  logs_build_free(&b);
  return rc;
}

int slsh_lz4_compress(const void *data, size_t len, struct slsh_buf *out,
                      struct slsh_err *err)
{
  char *dst;
  int bound, n;

  slsh_err_clear(err);
  if(len > (size_t)LZ4_MAX_INPUT_SIZE || len > SLSH_LOGS_MAX_RAW)
    return slsh_err_set(err, SLSH_E_TOO_LARGE, NULL,
                        "%zu bytes are too many to compress", len);
  bound = LZ4_compressBound((int)len);
  dst = malloc((size_t)bound + 1);
  if(!dst)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  n = LZ4_compress_default(data, dst, (int)len, bound);
  if(n <= 0 && len > 0) {
    free(dst);
    return slsh_err_set(err, SLSH_E_INTERNAL, NULL, "lz4 compression failed");
  }
  slsh_buf_add(out, dst, (size_t)(n > 0 ? n : 0));
  free(dst);
  if(out->failed)
    return slsh_err_set(err, out->failed, NULL, "out of memory");
  return 0;
}

int slsh_lz4_decompress(const void *data, size_t len, size_t raw_size,
                        struct slsh_buf *out, struct slsh_err *err)
{
  char *dst;
  int n;

  slsh_err_clear(err);
  if(raw_size > SLSH_LOGS_MAX_RAW || len > (size_t)LZ4_MAX_INPUT_SIZE)
    return slsh_err_set(err, SLSH_E_TOO_LARGE, NULL,
                        "a raw size of %zu bytes is over the limit",
                        raw_size);
  dst = malloc(raw_size + 1);
  if(!dst)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  n = LZ4_decompress_safe(data, dst, (int)len, (int)raw_size);
  if(n < 0 || (size_t)n != raw_size) {
    free(dst);
    return slsh_err_set(err, SLSH_E_BAD_RESPONSE, NULL,
                        "the lz4 body does not decode to %zu bytes",
                        raw_size);
  }
  slsh_buf_add(out, dst, raw_size);
  free(dst);
  if(out->failed)
    return slsh_err_set(err, out->failed, NULL, "out of memory");
  return 0;
}
