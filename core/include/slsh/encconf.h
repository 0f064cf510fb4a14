/*
 * encrypt_conf: the encryption rules of an SLS logstore.
 *
 * The first encryption choice on a logstore is permanent: the mechanism
 * (SLS service key vs BYOK), the algorithm (`encrypt_type`) and the CMK
 * never change afterwards; only `enable` toggles. UpdateLogStore replaces
 * the whole logstore, so every write is GET -> merge -> PUT with the
 * complete config and the complete encrypt_conf. This module holds those
 * rules so that every caller (Lua facade, workflows, C embedders) refuses
 * an illegal change before it is sent, and says why. The logstore around
 * the conf (the merges that build an UpdateLogStore body, the check of a
 * GetLogStore answer) is slsh/logstore.h.
 *
 * Everything here is pure: no I/O, no clock, no global state. Documents
 * are jansson trees; functions never keep a reference to their inputs.
 * A function returning json_t * hands a new reference to the caller.
 *
 * Errors: rule violations set err->code (invalid_encrypt_conf,
 * mechanism_locked, encrypt_type_locked, cmk_locked), err->field to the
 * dotted path ("encrypt_conf.user_cmk_info.arn") and err->message to one
 * line that states the rule and the valid values. A NULL input where a
 * document is required is invalid_argument.
 *
 * "Carried" values. The service is the authority on what exists: an
 * encrypt_type or a key it reports that this module does not know (the
 * published lists of algorithms disagree) is accepted in a wanted
 * conf when it is unchanged from the current one, so that a toggle never
 * fails because of something the service itself returned. New values are
 * always checked strictly.
 */
#ifndef SLSH_ENCCONF_H
#define SLSH_ENCCONF_H

#include <jansson.h>

#include "slsh/err.h"

/* Longest accepted value of each string, in bytes. */
#define SLSH_ENCCONF_TYPE_MAX 32
#define SLSH_ENCCONF_KEY_ID_MAX 128
#define SLSH_ENCCONF_ARN_MAX 160
#define SLSH_ENCCONF_REGION_MAX 64
#define SLSH_ENCCONF_ROLE_MAX 64   /* RAM role name */

/* What a wanted encrypt_conf does to the current one. */
enum slsh_encconf_kind {
  SLSH_ENCCONF_CREATE,    /* no config yet: this is the permanent choice */
  SLSH_ENCCONF_TOGGLE,    /* only `enable` changes */
  SLSH_ENCCONF_NOOP       /* nothing changes */
};

/* An encrypt_conf as read, tolerant of what the service really returns. */
struct slsh_encconf {
  int present;       /* 0: no encryption config: absent, null, or a shell
                        that names no algorithm and no key (such a shell
                        never made the permanent choice) */
  int enable;        /* 1 when enabled; 0 when disabled or unknown */
  int enable_known;  /* 0 when the service omitted `enable` */
  int byok;          /* 1: user_cmk_info names a CMK; 0: service key */
  char encrypt_type[SLSH_ENCCONF_TYPE_MAX * 2 + 1];  /* "" when absent */
  char cmk_key_id[SLSH_ENCCONF_KEY_ID_MAX + 1];      /* "" unless byok */
  char arn[SLSH_ENCCONF_ARN_MAX + 1];                /* "" unless byok */
  char region_id[SLSH_ENCCONF_REGION_MAX + 1];       /* "" unless byok */
};

/* The accepted encrypt_type values, NULL-terminated ("default" first). */
extern const char *const slsh_encconf_types[];

/* "create", "toggle" or "noop". */
const char *slsh_encconf_kind_name(enum slsh_encconf_kind kind);

/* Check a conf meant to be written: an object with boolean `enable`;
 * `encrypt_type` (required when enabled) one of slsh_encconf_types;
 * `user_cmk_info` either {} (service key) or all of `cmk_key_id`, `arn`
 * (acs:ram::<uid>:role/<name>) and `region_id`; no other key; strings
 * valid UTF-8 without NUL and of bounded length. Returns 0 or -1. */
int slsh_encconf_validate(const json_t *conf, struct slsh_err *err);

/* Read a conf as the service returns it (NULL or json null = none).
 * Tolerates a missing `enable`, an empty or null `user_cmk_info`, a
 * missing `encrypt_type` and keys or algorithms unknown here; refuses only
 * what cannot be read (wrong types, over-long strings). Returns 0 or -1. */
int slsh_encconf_parse(const json_t *conf_or_null, struct slsh_encconf *out,
                       struct slsh_err *err);

/* Decide whether `wanted` (complete, validated here) may replace
 * `current_or_null` (as read from the service) and what it does. The
 * refusals name what is set now, what was asked, and that the first
 * choice is permanent. Returns 0 with *kind set, or -1. */
int slsh_encconf_check_transition(const json_t *current_or_null,
                                  const json_t *wanted,
                                  enum slsh_encconf_kind *kind,
                                  struct slsh_err *err);

/* The complete current conf with only `enable` changed: the one legal way
 * to toggle. A null `user_cmk_info`, or one with nothing in it, is left
 * out (it means service key); null members are left out. NULL + err when
 * there is no config to toggle. */
json_t *slsh_encconf_with_enable(const json_t *current, int enable,
                                 struct slsh_err *err);

/* New validated confs with enable=true. `encrypt_type` NULL = "default".
 * NULL + err when an argument breaks a rule. */
json_t *slsh_encconf_byok(const char *cmk_key_id, const char *arn,
                          const char *region_id, const char *encrypt_type,
                          struct slsh_err *err);
json_t *slsh_encconf_service_key(const char *encrypt_type,
                                 struct slsh_err *err);

/* The body of PUT /logstores/{ls}/encryption (UpdateLogStoreEncryption),
 * camelCase: {enable, encryptType, userCmkInfo{keyId, roleArn, regionId}}.
 * `conf` is validated first. */
json_t *slsh_encconf_to_api(const json_t *conf, struct slsh_err *err);

/* The reverse: the snake_case encrypt_conf of a camelCase one; unknown
 * keys refused, the result validated. */
json_t *slsh_encconf_from_api(const json_t *api, struct slsh_err *err);

#endif
