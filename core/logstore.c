/*
 * The logstore around an encrypt_conf (logstore.h): which fields a
 * logstore has and of what type, the check of a GetLogStore answer before
 * anything is built from it, and the merges that build a complete
 * UpdateLogStore body.
 *
 * The file reads top to bottom: the field table, the check of an answer,
 * the body builder and the encrypt_conf merge, then the guards of a
 * change and the change merge.
 */
#include "slsh/logstore.h"
#include "slsh/encconf.h"
#include "slsh/msg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The read-only fields (logstore.h): set by the service, never sent back.
 * The dotted path is dropped by quota_copy; as a key it matches nothing. */
const char *const slsh_logstore_readonly[] = {
  "createTime", "lastModifyTime", "productType", "resourceQuota.storage.used",
  NULL
};
#define readonly_keys slsh_logstore_readonly

/* Longest string accepted in a logstore field we check (mode, ...). */
#define LS_STRING_MAX 256
/* No upper bound (the read-only times). */
#define LS_NO_MAX INT64_MAX

/* What this module knows about a logstore field: the fields any source
 * shows the service returning or accepting. */
enum ls_type { LS_STRING, LS_BOOL, LS_INT, LS_OBJECT };

#define LS_READONLY 0x01u   /* set by the service, never sent */
#define LS_FIXED 0x02u      /* cannot change through UpdateLogStore */
#define LS_RETENTION 0x04u  /* never lowered unless allowed */
#define LS_MODE 0x08u       /* changes only with ALLOW_MODE_CHANGE */
#define LS_TELEMETRY 0x10u  /* changes only with ALLOW_TELEMETRY_CHANGE */
#define LS_ENCCONF 0x20u    /* goes through the transition check */

static const struct ls_field {
  const char *name;
  enum ls_type type;
  json_int_t min, max;      /* LS_INT only */
  unsigned flags;
  const char *rule;         /* what a valid value is, for messages */
  const char *locked;       /* why it cannot change (NULL: `rule`) */
} ls_fields[] = {
  {"logstoreName", LS_STRING, 0, 0, LS_FIXED, "the logstore's name",
   "a logstore cannot be renamed"},
  {"ttl", LS_INT, 1, 3650, LS_RETENTION,
   "an integer number of days, 1-3650 (3650 = permanent)", NULL},
  {"shardCount", LS_INT, 1, 1000000, LS_FIXED,
   "an integer number of shards, at least 1",
   "changed only by SplitShard and MergeShards, never by UpdateLogStore"},
  {"enable_tracking", LS_BOOL, 0, 0, 0, "true or false", NULL},
  {"autoSplit", LS_BOOL, 0, 0, 0, "true or false", NULL},
  {"maxSplitShard", LS_INT, 0, 256, 0,
   "an integer 0-256, at least 1 when autoSplit is true", NULL},
  {"appendMeta", LS_BOOL, 0, 0, 0, "true or false", NULL},
  {"telemetryType", LS_STRING, 0, 0, LS_TELEMETRY,
   "\"\" (logs) or \"Metrics\"; fixed when the logstore is created", NULL},
  {"hot_ttl", LS_INT, 0, 3650, LS_RETENTION,
   "an integer number of days in the hot tier, 0 = all hot, less than ttl",
   NULL},
  {"infrequentAccessTTL", LS_INT, 0, 3650, LS_RETENTION,
   "an integer number of days in the infrequent-access tier, 0-3650", NULL},
  {"mode", LS_STRING, 0, 0, LS_MODE, "\"standard\" or \"query\"", NULL},
  {"encrypt_conf", LS_OBJECT, 0, 0, LS_ENCCONF, "an encrypt_conf object",
   NULL},
  {"enableModify", LS_BOOL, 0, 0, 0, "true or false", NULL},
  {"productType", LS_STRING, 0, 0, LS_READONLY, "a string set by the service",
   NULL},
  {"createTime", LS_INT, 0, LS_NO_MAX, LS_READONLY,
   "unix seconds set by the service", NULL},
  {"lastModifyTime", LS_INT, 0, LS_NO_MAX, LS_READONLY,
   "unix seconds set by the service", NULL},
  {"resourceQuota", LS_OBJECT, 0, 0, 0,
   "an object {\"storage\":{\"preserved\":<int>}}", NULL},
  {"processorId", LS_STRING, 0, 0, 0, "a string", NULL},
  {"shardingPolicy", LS_OBJECT, 0, 0, 0, "an object", NULL},
  {"resourceGroupId", LS_STRING, 0, 0, 0, "a string", NULL},
  {NULL, LS_STRING, 0, 0, 0, NULL, NULL}
};

static const struct ls_field *ls_field(const char *name)
{
  int i;

  for(i = 0; ls_fields[i].name; i++)
    if(!strcmp(ls_fields[i].name, name))
      return &ls_fields[i];
  return NULL;
}

/* Refuse a logstore key unknown here and absent from the logstore. */
static int unknown_field(const char *key, struct slsh_err *err)
{
  const char *names[sizeof(ls_fields) / sizeof(ls_fields[0])];
  char q[SLSH_MSG_QUOTED], hint[64], path[128];
  int i;

  for(i = 0; ls_fields[i].name; i++)
    names[i] = ls_fields[i].name;
  names[i] = NULL;
  slsh_msg_show(q, sizeof(q), key, strlen(key));
  slsh_msg_suggest(hint, sizeof(hint), key, names);
  slsh_msg_path(path, sizeof(path), NULL, key);
  return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, path,
                      "unknown logstore field %s%s: it is neither a known "
                      "field nor in the current logstore, and would do "
                      "nothing; see the UpdateLogStore fields",
                      q, hint);
}

/* Check the type and range of a known field, refusing with `code`. */
static int check_field_type(const struct ls_field *f, const json_t *v,
                            enum slsh_errcode code, struct slsh_err *err)
{
  char got[SLSH_MSG_GOT];
  const char *what;

  switch(f->type) {
  case LS_STRING:
    return slsh_msg_string(v, f->name, LS_STRING_MAX, 1, f->rule, code,
                           err) ? 0 : -1;
  case LS_BOOL:
    if(json_is_boolean(v))
      return 0;
    what = "a boolean";
    break;
  case LS_INT:
    if(json_is_integer(v)) {
      json_int_t n = json_integer_value(v);

      if(n >= f->min && n <= f->max)
        return 0;
      return slsh_err_set(err, code, f->name,
                          "%s is %" JSON_INTEGER_FORMAT ", out of range; "
                          "expected %s", f->name, n, f->rule);
    }
    what = "an integer";
    break;
  case LS_OBJECT:
  default:
    if(json_is_object(v))
      return 0;
    what = "an object";
    break;
  }
  slsh_msg_describe(got, sizeof(got), v);
  return slsh_err_set(err, code, f->name, "%s must be %s (%s), got %s",
                      f->name, what, f->rule, got);
}

/* The fields every GetLogStore answer has: the service requires them on
 * CreateLogStore, and an UpdateLogStore body without them is refused or
 * resets them. */
static const char *const required_fields[] = {
  "logstoreName", "ttl", "shardCount", NULL
};

/* The whole document is not a logstore: null, a list, a string, or an
 * error object answered with a success status. */
static int not_a_logstore(const json_t *doc, enum slsh_errcode code,
                          struct slsh_err *err)
{
  char got[SLSH_MSG_GOT], c[SLSH_MSG_QUOTED], m[SLSH_MSG_QUOTED];
  const json_t *ec, *em;

  if(!doc)
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "logstore",
                        "the logstore (a GetLogStore answer) is required");
  if(!json_is_object(doc)) {
    slsh_msg_describe(got, sizeof(got), doc);
    return slsh_err_set(err, code, "logstore", "the logstore must be an "
                        "object with logstoreName, ttl and shardCount, got "
                        "%s", got);
  }
  ec = json_object_get(doc, "errorCode");
  if(json_is_string(ec) && !json_object_get(doc, "logstoreName")) {
    em = json_object_get(doc, "errorMessage");
    slsh_msg_show(c, sizeof(c), json_string_value(ec),
                  json_string_length(ec));
    if(json_is_string(em))
      slsh_msg_show(m, sizeof(m), json_string_value(em),
                    json_string_length(em));
    else
      snprintf(m, sizeof(m), "no message");
    return slsh_err_set(err, code, "errorCode", "the answer is an error "
                        "object (errorCode %s: %s), not a logstore", c, m);
  }
  return 0;
}

/* The check of slsh_logstore_check with the code of its refusals: a read
 * is bad_response, a logstore handed to a merge invalid_logstore. */
static int check_doc(const json_t *doc, const char *name,
                     enum slsh_errcode code, struct slsh_err *err)
{
  char a[SLSH_MSG_QUOTED], b[SLSH_MSG_QUOTED];
  const struct ls_field *f;
  const char *key, *s;
  struct slsh_encconf parsed;
  json_t *v;
  int i;

  if(not_a_logstore(doc, code, err))
    return -1;
  for(i = 0; required_fields[i]; i++) {
    f = ls_field(required_fields[i]);
    if(!json_object_get(doc, f->name))
      return slsh_err_set(err, code, f->name, "the logstore has no %s; "
                          "expected %s", f->name, f->rule);
  }
  json_object_foreach((json_t *)doc, key, v) {
    f = ls_field(key);
    if(!f)
      continue;
    if((f->flags & LS_ENCCONF)) {
      if(slsh_encconf_parse(v, &parsed, err)) {
        err->code = code;
        return -1;
      }
      continue;
    }
    if(check_field_type(f, v, code, err))
      return -1;
  }
  s = json_string_value(json_object_get(doc, "logstoreName"));
  if(name && strcmp(s, name)) {
    slsh_msg_show(a, sizeof(a), s, strlen(s));
    slsh_msg_show(b, sizeof(b), name, strlen(name));
    return slsh_err_set(err, code, "logstoreName", "the answer names the "
                        "logstore %s, but %s was asked for", a, b);
  }
  return 0;
}

int slsh_logstore_check(const json_t *logstore, const char *name,
                        struct slsh_err *err)
{
  slsh_err_clear(err);
  return check_doc(logstore, name, SLSH_E_BAD_RESPONSE, err);
}

int slsh_logstore_check_body(const json_t *body, struct slsh_err *err)
{
  slsh_err_clear(err);
  return check_doc(body, NULL, SLSH_E_LOGSTORE_INVALID, err);
}

/* A copy of a resourceQuota value without storage.used (read-only).
 * Sets *emptied when taking `used` out left storage, and then the whole
 * value, empty: such a value is left out of the body. */
static json_t *quota_copy(const json_t *v, int *emptied)
{
  json_t *c = json_deep_copy(v), *st;

  *emptied = 0;
  if(!c)
    return NULL;
  st = json_object_get(c, "storage");
  if(json_is_object(st) && json_object_get(st, "used")) {
    json_object_del(st, "used");
    if(!json_object_size(st)) {
      json_object_del(c, "storage");
      *emptied = !json_object_size(c);
    }
  }
  return c;
}

/* Put a copy of one logstore value into `body`, or leave it out (an
 * emptied resourceQuota); -1 on no memory. */
static int body_put(json_t *body, const char *key, json_t *v)
{
  int skip = 0;
  json_t *copy = !strcmp(key, "resourceQuota") ? quota_copy(v, &skip)
                                                : json_deep_copy(v);

  if(!copy)
    return -1;
  if(skip) {
    json_decref(copy);
    return 0;
  }
  return json_object_set_new(body, key, copy) ? -1 : 0;
}

/* The UpdateLogStore body: `logstore` minus read-only keys, with each key
 * of `over` (new values, owned by `over`) replacing the current value in
 * place or, when new, appended in the order of `over`. */
static json_t *build_body(const json_t *logstore, json_t *over,
                          struct slsh_err *err)
{
  json_t *body = json_object(), *v, *o;
  const char *key;

  if(!body)
    goto nomem;
  json_object_foreach((json_t *)logstore, key, v) {
    if(slsh_msg_in_list(key, readonly_keys))
      continue;
    o = json_object_get(over, key);
    if(body_put(body, key, o ? o : v))
      goto nomem;
  }
  json_object_foreach(over, key, v) {
    if(json_object_get(logstore, key) || slsh_msg_in_list(key, readonly_keys))
      continue;
    if(body_put(body, key, v))
      goto nomem;
  }
  return body;
nomem:
  json_decref(body);
  slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  return NULL;
}

int slsh_logstore_merge_encconf(const json_t *logstore, const json_t *conf,
                                json_t **body, struct slsh_err *err)
{
  json_t *over = NULL, *copy;

  slsh_err_clear(err);
  *body = NULL;
  if(check_doc(logstore, NULL, SLSH_E_LOGSTORE_INVALID, err) ||
     slsh_encconf_check_transition(json_object_get(logstore, "encrypt_conf"),
                                   conf, NULL, err))
    return -1;
  over = json_object();
  copy = json_deep_copy(conf);
  if(!over || !copy || json_object_set_new(over, "encrypt_conf", copy)) {
    json_decref(over);
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  }
  *body = build_body(logstore, over, err);
  json_decref(over);
  return *body ? 0 : -1;
}

int slsh_logstore_creatable(const json_t *logstore, json_t **body,
                            struct slsh_err *err)
{
  json_t *over;

  slsh_err_clear(err);
  *body = NULL;
  if(check_doc(logstore, NULL, SLSH_E_LOGSTORE_INVALID, err))
    return -1;
  over = json_object();
  if(!over)
    return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
  *body = build_body(logstore, over, err);
  json_decref(over);
  return *body ? 0 : -1;
}

/* True when the changed value `v` of `name` differs from `cur`. An absent
 * mode or telemetryType is the service default. */
static int differs(const char *name, const json_t *cur, const json_t *v)
{
  const char *s;

  if(cur)
    return !json_equal(cur, v);
  s = json_string_value(v);
  if(!s)
    return 1;
  return !((!strcmp(name, "mode") && !strcmp(s, "standard")) ||
           (!strcmp(name, "telemetryType") && !*s));
}

/* Refuse a changed field that cannot change. */
static int locked_field(const struct ls_field *f, const json_t *cur,
                        const json_t *v, const char *how,
                        struct slsh_err *err)
{
  char a[SLSH_MSG_GOT], b[SLSH_MSG_GOT];

  if(cur)
    slsh_msg_describe(a, sizeof(a), cur);
  else
    snprintf(a, sizeof(a), "absent");
  slsh_msg_describe(b, sizeof(b), v);
  return slsh_err_set(err, SLSH_E_FIELD_LOCKED, f->name,
                      "%s cannot change%s: it is %s now and %s was asked "
                      "(%s)", f->name, how, a, b,
                      f->locked ? f->locked : f->rule);
}

/* The integer of member `name` of the change or else of the logstore;
 * returns 1 when it is an integer, 0 when absent, -1 when something
 * else. */
static int int_of(const json_t *changes, const json_t *logstore,
                  const char *name, json_int_t *out)
{
  const json_t *v = json_object_get(changes, name);

  if(!v)
    v = json_object_get(logstore, name);
  if(!v)
    return 0;
  if(!json_is_integer(v))
    return -1;
  *out = json_integer_value(v);
  return 1;
}

/* Refuse a lower retention value `name` (old -> new). */
static int shortened(const char *name, json_int_t old, json_int_t new_,
                     const char *what, struct slsh_err *err)
{
  return slsh_err_set(err, SLSH_E_RETENTION, name,
                      "%s would go down from %" JSON_INTEGER_FORMAT " to %"
                      JSON_INTEGER_FORMAT " days, %s; refused unless "
                      "shorter retention is explicitly allowed", name, old,
                      new_, what);
}

/* The retention guards and the cross-field rules, after every changed
 * field passed its own checks. */
static int check_retention(const json_t *logstore, const json_t *changes,
                           unsigned flags, struct slsh_err *err)
{
  int allow = (flags & SLSH_LOGSTORE_ALLOW_SHORTER_RETENTION) != 0;
  json_int_t cur = 0, new_ = 0, ttl_old = 0, ttl_new = 0;
  json_int_t hot_old = 0, hot_new = 0;
  int has_ttl_old, has_ttl_new, split;
  const json_t *v;

  has_ttl_old = int_of(NULL, logstore, "ttl", &ttl_old);
  has_ttl_new = int_of(changes, logstore, "ttl", &ttl_new);
  if(json_object_get(changes, "ttl") && !allow) {
    if(has_ttl_old < 0)
      return slsh_err_set(err, SLSH_E_RETENTION, "ttl",
                          "the current ttl is not an integer, so it cannot "
                          "be checked that the change keeps retention; "
                          "refused unless shorter retention is explicitly "
                          "allowed");
    if(has_ttl_old > 0 && ttl_new < ttl_old)
      return shortened("ttl", ttl_old, ttl_new, "and data older than the "
                       "new ttl is deleted within about an hour", err);
  }
  /* hot_ttl 0 or absent keeps everything hot for the whole ttl. */
  if(json_object_get(changes, "hot_ttl") && !allow && has_ttl_old > 0) {
    int h = int_of(NULL, logstore, "hot_ttl", &hot_old);

    if(h < 0)
      return slsh_err_set(err, SLSH_E_RETENTION, "hot_ttl",
                          "the current hot_ttl is not an integer, so it "
                          "cannot be checked that the change keeps "
                          "retention; refused unless shorter retention is "
                          "explicitly allowed");
    int_of(changes, logstore, "hot_ttl", &hot_new);
    cur = (h == 0 || hot_old == 0) ? ttl_old : hot_old;
    new_ = hot_new == 0 ? (has_ttl_new > 0 ? ttl_new : ttl_old) : hot_new;
    if(new_ < cur)
      return shortened("hot_ttl", cur, new_, "and data leaves the hot tier "
                       "sooner (0 or absent counts as the whole ttl)", err);
  }
  if(json_object_get(changes, "infrequentAccessTTL") && !allow &&
     int_of(NULL, logstore, "infrequentAccessTTL", &cur) > 0) {
    int_of(changes, logstore, "infrequentAccessTTL", &new_);
    if(new_ < cur)
      return shortened("infrequentAccessTTL", cur, new_, "and data leaves "
                       "the infrequent-access tier sooner", err);
  }
  if((json_object_get(changes, "ttl") || json_object_get(changes, "hot_ttl"))
     && has_ttl_new > 0 && int_of(changes, logstore, "hot_ttl", &hot_new) > 0
     && hot_new > 0 && hot_new >= ttl_new)
    return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, "hot_ttl",
                        "hot_ttl (%" JSON_INTEGER_FORMAT ") must be less "
                        "than ttl (%" JSON_INTEGER_FORMAT "), or 0 to keep "
                        "all data hot", hot_new, ttl_new);
  if(json_object_get(changes, "autoSplit") ||
     json_object_get(changes, "maxSplitShard")) {
    v = json_object_get(changes, "autoSplit");
    split = json_is_true(v ? v : json_object_get(logstore, "autoSplit"));
    if(split && (int_of(changes, logstore, "maxSplitShard", &new_) <= 0 ||
                 new_ < 1))
      return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, "maxSplitShard",
                          "maxSplitShard must be an integer 1-256 when "
                          "autoSplit is true");
  }
  return 0;
}

int slsh_logstore_merge_changes(const json_t *logstore, const json_t *changes,
                                unsigned flags, json_t **body,
                                struct slsh_err *err)
{
  char got[SLSH_MSG_GOT], path[128];
  const struct ls_field *f;
  const json_t *cur;
  json_t *over = NULL, *v, *copy;
  const char *key;

  slsh_err_clear(err);
  *body = NULL;
  if(check_doc(logstore, NULL, SLSH_E_LOGSTORE_INVALID, err))
    return -1;
  if(!json_is_object(changes)) {
    if(changes)
      slsh_msg_describe(got, sizeof(got), changes);
    return slsh_err_set(err, SLSH_E_INVALID_ARGUMENT, "changes",
                        "the changes must be an object of logstore fields, "
                        "got %s", changes ? got : "nothing");
  }
  json_object_foreach((json_t *)changes, key, v) {
    cur = json_object_get(logstore, key);
    f = ls_field(key);
    if(json_is_null(v)) {
      slsh_msg_path(path, sizeof(path), NULL, key);
      return slsh_err_set(err, SLSH_E_LOGSTORE_INVALID, path,
                          "%s is null: a field cannot be removed, since "
                          "UpdateLogStore would reset it to its default",
                          path);
    }
    if(!f) {
      if(!cur)
        return unknown_field(key, err);
      continue;
    }
    if((f->flags & LS_READONLY)) {
      if(cur && json_equal(cur, v))
        continue;
      return locked_field(f, cur, v, " (it is read-only and never sent)",
                          err);
    }
    if((f->flags & LS_ENCCONF)) {
      if(slsh_encconf_check_transition(cur, v, NULL, err))
        return -1;
      continue;
    }
    if(!differs(key, cur, v))
      continue;
    if(check_field_type(f, v, SLSH_E_LOGSTORE_INVALID, err))
      return -1;
    if((f->flags & LS_FIXED))
      return locked_field(f, cur, v, "", err);
    if((f->flags & LS_MODE) && !(flags & SLSH_LOGSTORE_ALLOW_MODE_CHANGE))
      return locked_field(f, cur, v, " unless a mode change is explicitly "
                          "allowed", err);
    if((f->flags & LS_TELEMETRY) &&
       !(flags & SLSH_LOGSTORE_ALLOW_TELEMETRY_CHANGE))
      return locked_field(f, cur, v, " unless a telemetryType change is "
                          "explicitly allowed", err);
  }
  if(check_retention(logstore, changes, flags, err))
    return -1;
  over = json_object();
  if(!over)
    goto nomem;
  json_object_foreach((json_t *)changes, key, v) {
    if(slsh_msg_in_list(key, readonly_keys))
      continue;
    copy = json_deep_copy(v);
    if(!copy || json_object_set_new(over, key, copy))
      goto nomem;
  }
  *body = build_body(logstore, over, err);
  json_decref(over);
  return *body ? 0 : -1;
nomem:
  json_decref(over);
  return slsh_err_set(err, SLSH_E_NOMEM, NULL, "out of memory");
}
