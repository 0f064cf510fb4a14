/*
 * What cred.c (the chain, sources, answers) and cred_profile.c (config.json
 * and INI profiles) share. Not installed: the interface is slsh/cred.h.
 */
#ifndef SLSH_CRED_INT_H
#define SLSH_CRED_INT_H

#include <jansson.h>

#include "slsh/buf.h"
#include "slsh/cred.h"
#include "slsh/err.h"

#if defined(__GNUC__)
#define CRED_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CRED_PRINTF(f, a)
#endif

/* One resolution of the chain. */
struct cred_ctx {
  const struct slsh_cred_opts *o;
  struct slsh_err *e;
  struct slsh_buf looked;     /* one line per place without result */
  const char *home;
  long long now;
};

/* ALIBABA_CLOUD_CREDENTIALS_URI and its other name. */
extern const char *const cred_env_uri[];

/* Wipe and free a string we own (NULL is fine). */
void cred_wfree(char *s);

/* strdup that keeps NULL and records out-of-memory in `e`; 0 or -1. */
int cred_dup(char **dst, const char *s, struct slsh_err *e);

/* A malloc'ed printf; NULL when out of memory. */
char *cred_aprintf(const char *fmt, ...) CRED_PRINTF(1, 2);

/* A new source of `kind` whose origin is printf'ed; NULL on no memory. */
struct slsh_cred_source *cred_src_new(struct cred_ctx *c,
                                      enum slsh_cred_kind kind,
                                      const char *fmt, ...) CRED_PRINTF(3, 4);

/* Static credentials found in a profile or the environment. */
struct slsh_cred_source *cred_make_static(struct cred_ctx *c,
                                          const char *origin, const char *id,
                                          const char *secret,
                                          const char *token);

/* ECS metadata; `role` may be NULL (the metadata service names it). */
struct slsh_cred_source *cred_make_ecs(struct cred_ctx *c, const char *origin,
                                       const char *role);

/* A JSON object parsed by json.c, its failure reported under `what` with
 * `code`; free it with cred_json_free, which wipes its strings first. */
json_t *cred_json_parse(const char *what, const char *data, size_t len,
                        enum slsh_errcode code, struct slsh_err *e);
void cred_json_free(json_t *j);

/* Name of a JSON value's type for messages. */
const char *cred_json_typename(const json_t *j);

/* The first set variable of `names` (*which gets its name), or NULL. */
const char *cred_env_first(const struct cred_ctx *c,
                           const char *const *names, const char **which);

/* The name of the first of `names` set to "true" (any case) or "1". */
const char *cred_env_true(const struct cred_ctx *c, const char *const *names);

/* Append one line to the list of places that gave nothing. */
void cred_note(struct cred_ctx *c, const char *fmt, ...) CRED_PRINTF(2, 3);

/* Read `path` whole into `b`. 0 read, 1 does not exist, -1 error. */
int cred_file_read(const char *path, struct slsh_buf *b, struct slsh_err *e);

/* The config.json and INI steps of the chain, for profile `named` (NULL:
 * the file's own choice). 1 found (*out set), 0 nothing (noted), -1 error. */
int cred_cli_step(struct cred_ctx *c, const char *named,
                  struct slsh_cred_source **out);
int cred_ini_step(struct cred_ctx *c, const char *named,
                  struct slsh_cred_source **out);

#endif
