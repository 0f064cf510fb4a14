/*
 * logstore: what a complete SLS logstore is, and the merges that build a
 * complete UpdateLogStore body from one.
 *
 * UpdateLogStore replaces the whole logstore: a field left out of the body
 * may be reset for good. So a write is GET -> check -> merge -> PUT, and
 * nothing is merged from a GetLogStore answer that was not checked in
 * full first: a missing field, a mistyped one, a 200 whose body is an
 * error object or names another logstore would otherwise go back to the
 * service as the new truth.
 *
 * Everything here is pure, like encconf.h: jansson trees in, new
 * references out, no state. Errors set err->code, err->field (the dotted
 * path, "ttl", "encrypt_conf.enable") and err->message (what was wrong
 * and what was expected).
 */
#ifndef SLSH_LOGSTORE_H
#define SLSH_LOGSTORE_H

#include <jansson.h>

#include "slsh/err.h"

/* Flags of slsh_logstore_merge_changes: what a caller explicitly allows. */
#define SLSH_LOGSTORE_ALLOW_SHORTER_RETENTION 0x1u /* lower ttl, hot_ttl,
                                                      infrequentAccessTTL */
#define SLSH_LOGSTORE_ALLOW_MODE_CHANGE 0x2u       /* change `mode` */
#define SLSH_LOGSTORE_ALLOW_TELEMETRY_CHANGE 0x4u  /* change telemetryType */

/* Check a GetLogStore answer before anything is built from it: an object
 * (not null, not an error object) with logstoreName (equal to `name`
 * unless `name` is NULL), ttl (integer days 1-3650) and shardCount
 * (integer >= 1); every other known field, when present, of its type and
 * range (booleans, strings, objects, integers such as hot_ttl 0-3650);
 * encrypt_conf absent, null, or an object whose enable is a boolean,
 * encrypt_type a string and user_cmk_info an object with string members.
 * Unknown fields are the service's business and pass as they are.
 * Returns 0, or -1 with err->code bad_response. */
int slsh_logstore_check(const json_t *logstore, const char *name,
                        struct slsh_err *err);

/* Check a CreateLogStore body before it is sent, as slsh_logstore_check
 * checks an answer (logstoreName, ttl and shardCount present; every known
 * field of its type and range: ttl "7" or 0 is refused, not sent), but
 * with err->code invalid_logstore: the body is the caller's. */
int slsh_logstore_check_body(const json_t *body, struct slsh_err *err);

/* The full UpdateLogStore body that sets `conf` on `logstore` (a
 * GetLogStore answer, checked as by slsh_logstore_check, else
 * invalid_logstore): every key kept in its order, unknown keys included,
 * read-only keys (createTime, lastModifyTime, productType,
 * resourceQuota.storage.used) dropped, encrypt_conf replaced in place (or
 * appended) after the transition check of encconf.h. Returns 0 with a new
 * reference in *body, or -1 with *body NULL. */
int slsh_logstore_merge_encconf(const json_t *logstore, const json_t *conf,
                                json_t **body, struct slsh_err *err);

/* The read-only fields of a logstore, as paths (NULL-terminated): set by
 * the service, dropped from every body built here. The one list, also
 * shown by slsh.sls.creatable's documentation. */
extern const char *const slsh_logstore_readonly[];

/* The CreateLogStore body that recreates `logstore` (checked as above):
 * every field in its order, unknown ones included, minus the read-only
 * fields. Returns 0 with a new reference in *body, or -1. */
int slsh_logstore_creatable(const json_t *logstore, json_t **body,
                            struct slsh_err *err);

/* The full UpdateLogStore body that applies `changes` (an object of
 * top-level keys, each replacing the current value) to `logstore`
 * (checked as above). Guards, unless `flags` allow: ttl, hot_ttl and
 * infrequentAccessTTL never go down (retention_shortened); `mode` and
 * `telemetryType` never change (field_locked). Always refused: changing
 * logstoreName, shardCount (only SplitShard/MergeShards can) or a
 * read-only key, a null value, and a key neither known nor in the current
 * logstore (a typo would be sent and silently do nothing). encrypt_conf
 * goes through the transition check. Known fields are type- and
 * range-checked (invalid_logstore). */
int slsh_logstore_merge_changes(const json_t *logstore, const json_t *changes,
                                unsigned flags, json_t **body,
                                struct slsh_err *err);

#endif
