/*
 * The credential chain without the network (core/cred.c): environment
 * names, precedence, config.json modes, INI types, profile selection,
 * disable switches, the parsers of IMDS / URI / AssumeRole answers and the
 * refresh rule. Every case runs in a fresh temporary HOME with a cleaned
 * environment. Every secret in the fixtures contains "s3cr3t" or "t0k3n",
 * and no message, origin or looked line may contain either.
 */
#define _XOPEN_SOURCE 700   /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slsh/buf.h"
#include "slsh/cred.h"

/* Every variable the resolver reads, cleared before each case. */
static const char *const all_vars[] = {
  "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_Id",
  "ALIBABACLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY_ID",
  "ALICLOUD_ACCESS_KEY", "ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABACLOUD_ACCESS_KEY_SECRET", "ALICLOUD_ACCESS_KEY_SECRET",
  "ALICLOUD_SECRET_KEY", "ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
  "ALIBABACLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN", "SECURITY_TOKEN",
  "ALIBABA_CLOUD_PROFILE", "ALIBABACLOUD_PROFILE", "ALICLOUD_PROFILE",
  "ALIBABA_CLOUD_CONFIG_FILE", "ALICLOUD_SHARED_CREDENTIALS_FILE",
  "ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_IGNORE_PROFILE",
  "ALIBABACLOUD_IGNORE_PROFILE", "ALIBABA_CLOUD_CREDENTIALS_FILE",
  "ALIBABA_CLOUD_ECS_METADATA", "ALICLOUD_ECS_ROLE_NAME",
  "ALIBABA_CLOUD_ECS_METADATA_DISABLED", "ALIBABA_CLOUD_IMDSV1_DISABLED",
  "ALIBABA_CLOUD_CREDENTIALS_URI", "ALICLOUD_CREDENTIALS_URI",
  "ALIBABA_CLOUD_STS_REGION", "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
  "ALIBABA_CLOUD_ROLE_SESSION_NAME", "ALIBABA_CLOUD_ROLE_ARN",
  "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", NULL
};

static char home[256];

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* A fresh HOME with ~/.aliyun and ~/.alibabacloud; a clean environment. */
static int setup(void **state)
{
  int i;

  (void)state;
  for(i = 0; all_vars[i]; i++)
    unsetenv(all_vars[i]);
  snprintf(home, sizeof(home), "/tmp/slsh-cred-XXXXXX");
  if(!mkdtemp(home))
    return -1;
  setenv("HOME", home, 1);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

/* Write `text` to $HOME/`rel`, creating its directory. */
static void put(const char *rel, const char *text)
{
  char path[512], dir[512];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", home, rel);
  snprintf(dir, sizeof(dir), "%s", path);
  *strrchr(dir, '/') = '\0';
  mkdir(dir, 0700);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* "K=V" into the process environment. */
static void putenv_kv(const char *kv)
{
  char name[128];
  const char *eq = strchr(kv, '=');

  assert_non_null(eq);
  snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
  setenv(name, eq + 1, 1);
}

static void assert_no_secret(const char *s)
{
  if(!s)
    return;
  if(strstr(s, "s3cr3t") || strstr(s, "t0k3n"))
    fail_msg("secret leaked into: %s", s);
}

/* Assert no secret anywhere in the printable parts of a source tree. */
static void assert_tree_clean(const struct slsh_cred_source *s)
{
  for(; s; s = s->fallback) {
    assert_no_secret(s->origin);
    if(s->source)
      assert_tree_clean(s->source);
  }
}

/* One resolver case. */
struct rcase {
  const char *name;
  const char *config;         /* ~/.aliyun/config.json */
  const char *ini;            /* ~/.alibabacloud/credentials.ini */
  const char *env[8];         /* "K=V" */
  const char *profile;        /* opts.profile */
  const char *kind;           /* expected kind, NULL = expect an error */
  const char *id;             /* expected static id (or the source's) */
  const char *origin;         /* substring of the origin */
  const char *code;           /* expected error code */
  const char *field;          /* expected error field */
  const char *msg;            /* substring of the message / of looked */
};

/* Resolve with the case's files and environment, check, free. */
static void run_case(const struct rcase *t)
{
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s = NULL;
  const struct slsh_cred_source *st;
  struct slsh_buf looked;
  struct slsh_err e;
  int i, rc;

  setup(NULL);
  if(t->config)
    put(".aliyun/config.json", t->config);
  if(t->ini)
    put(".alibabacloud/credentials.ini", t->ini);
  for(i = 0; t->env[i]; i++)
    putenv_kv(t->env[i]);
  o.profile = t->profile;
  slsh_buf_init(&looked, 0);
  slsh_err_clear(&e);
  rc = slsh_cred_resolve(&o, &s, &looked, &e);
  assert_no_secret(e.message);
  assert_no_secret(slsh_buf_str(&looked));
  if(t->kind) {
    if(rc)
      fail_msg("%s: unexpected error %s: %s", t->name,
               slsh_err_code(e.code), e.message);
    assert_non_null(s);
    assert_tree_clean(s);
    assert_string_equal(slsh_cred_kind_name(s->kind), t->kind);
    if(t->origin && !strstr(s->origin, t->origin))
      fail_msg("%s: origin '%s' lacks '%s'", t->name, s->origin,
               t->origin);
    if(t->id) {
      st = s->kind == SLSH_CRED_RAM_ROLE_ARN ? s->source : s;
      assert_non_null(st->cred);
      assert_string_equal(st->cred->access_key_id, t->id);
    }
    if(t->msg && !strstr(slsh_buf_str(&looked), t->msg))
      fail_msg("%s: looked '%s' lacks '%s'", t->name,
               slsh_buf_str(&looked), t->msg);
  }
  else {
    if(!rc)
      fail_msg("%s: expected an error, got %s", t->name, s->origin);
    assert_null(s);
    assert_string_equal(slsh_err_code(e.code), t->code);
    if(t->field)
      assert_string_equal(e.field, t->field);
    if(t->msg && !strstr(e.message, t->msg))
      fail_msg("%s: message '%s' lacks '%s'", t->name, e.message, t->msg);
  }
  slsh_cred_source_free(s);
  slsh_buf_free(&looked);
  teardown(NULL);
}

static void run_cases(const struct rcase *t, size_t n)
{
  size_t i;

  for(i = 0; i < n; i++)
    run_case(&t[i]);
}

#define NOECS "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"
#define AKS(p, id) "{\"current\":\"" p "\",\"profiles\":[{\"name\":\"" p \
  "\",\"mode\":\"AK\",\"access_key_id\":\"" id "\"," \
  "\"access_key_secret\":\"s3cr3t-" id "\"}]}"

/* Every environment name and legacy name (the SDKs', the CLI's, Terraform's). */
static void env_names(void **state)
{
  static const struct rcase t[] = {
    {"sdk names", NULL, NULL, {"ALIBABA_CLOUD_ACCESS_KEY_ID=A1",
     "ALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "A1",
     "env", NULL, NULL, NULL},
    {"go legacy Id", NULL, NULL, {"ALIBABA_CLOUD_ACCESS_KEY_Id=A2",
     "ALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "A2",
     "env ALIBABA_CLOUD_ACCESS_KEY_Id", NULL, NULL, NULL},
    {"cli ALIBABACLOUD_", NULL, NULL, {"ALIBABACLOUD_ACCESS_KEY_ID=A3",
     "ALIBABACLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "A3",
     "env ALIBABACLOUD_ACCESS_KEY_ID", NULL, NULL, NULL},
    {"cli ALICLOUD_", NULL, NULL, {"ALICLOUD_ACCESS_KEY_ID=A4",
     "ALICLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "A4",
     "env ALICLOUD_ACCESS_KEY_ID", NULL, NULL, NULL},
    {"terraform", NULL, NULL, {"ALICLOUD_ACCESS_KEY=A5",
     "ALICLOUD_SECRET_KEY=s3cr3t", NULL}, NULL, "static", "A5",
     "env ALICLOUD_ACCESS_KEY", NULL, NULL, NULL},
    {"generic", NULL, NULL, {"ACCESS_KEY_ID=A6", "ACCESS_KEY_SECRET=s3cr3t",
     NULL}, NULL, "static", "A6", "env ACCESS_KEY_ID", NULL, NULL, NULL},
    {"first non-empty id wins", NULL, NULL, {"ALIBABA_CLOUD_ACCESS_KEY_ID=",
     "ALIBABACLOUD_ACCESS_KEY_ID=B1", "ACCESS_KEY_ID=B2",
     "ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "B1", NULL, NULL,
     NULL, NULL},
    {"sdk name beats legacy", NULL, NULL, {"ALICLOUD_ACCESS_KEY_ID=C2",
     "ALIBABA_CLOUD_ACCESS_KEY_ID=C1", "ALICLOUD_SECRET_KEY=s3cr3t", NULL},
     NULL, "static", "C1", "env", NULL, NULL, NULL},
    {"env beats config.json", AKS("default", "P1"), NULL,
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=E1",
      "ALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "E1",
     "env", NULL, NULL, NULL},
    {"half pair is an error", NULL, NULL,
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=X", NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
     "ALIBABA_CLOUD_ACCESS_KEY_ID is set but none of"},
    {"half pair (secret only)", NULL, NULL,
     {"ALICLOUD_SECRET_KEY=s3cr3t", NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", "ALIBABA_CLOUD_ACCESS_KEY_ID",
     "ALICLOUD_SECRET_KEY is set"},
    {"generic half pair is ignored", AKS("default", "P2"), NULL,
     {"ACCESS_KEY_ID=G", NULL}, NULL, "static", "P2", "profile default",
     NULL, NULL, "ACCESS_KEY_ID set without its pair"},
    {"empty values are unset", NULL, NULL,
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=",
      NOECS, NULL}, NULL, NULL, NULL, NULL, "credentials_missing", NULL,
     "env: ALIBABA_CLOUD_ACCESS_KEY_ID not set"},
    {"oidc is refused, not skipped", AKS("default", "P3"), NULL,
     {"ALIBABA_CLOUD_ROLE_ARN=acs:ram::1:role/r",
      "ALIBABA_CLOUD_OIDC_PROVIDER_ARN=acs:ram::1:oidc-provider/p",
      "ALIBABA_CLOUD_OIDC_TOKEN_FILE=/var/run/token", NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
     "does not support them"},
  };

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* The token names; STS credentials from the environment. */
static void env_tokens(void **state)
{
  static const char *const names[] = {
    "ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABACLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECURITY_TOKEN", "SECURITY_TOKEN", NULL
  };
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s;
  struct slsh_err e;
  int i;

  (void)state;
  for(i = 0; names[i]; i++) {
    setup(NULL);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.id", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t", 1);
    setenv(names[i], "t0k3n-x", 1);
    assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
    assert_int_equal(s->kind, SLSH_CRED_STATIC);
    assert_string_equal(s->cred->access_key_secret, "s3cr3t");
    assert_string_equal(s->cred->security_token, "t0k3n-x");
    assert_int_equal(s->cred->expiration, 0);
    slsh_cred_source_free(s);
    teardown(NULL);
  }
}

/* Explicit keys win over everything, and are checked. */
static void explicit_keys(void **state)
{
  struct slsh_cred_opts o = {NULL, "EX", "s3cr3t", "t0k3n", NULL};
  struct slsh_cred_source *s;
  struct slsh_err e;

  (void)state;
  setup(NULL);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "ENV", 1);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t-env", 1);
  put(".aliyun/config.json", AKS("default", "P"));
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_string_equal(s->origin, "explicit");
  assert_string_equal(s->cred->access_key_id, "EX");
  assert_string_equal(s->cred->security_token, "t0k3n");
  slsh_cred_source_free(s);

  o.access_key_secret = NULL;
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
  assert_string_equal(e.field, "access_key_secret");
  o.access_key_secret = "s3cr3t";
  o.access_key_id = "";
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_string_equal(e.field, "access_key_id");
  o.access_key_id = "EX";
  o.profile = "p";
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_string_equal(e.field, "profile");
  assert_no_secret(e.message);
  o.profile = "";
  o.access_key_id = o.access_key_secret = o.security_token = NULL;
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_int_equal(e.code, SLSH_E_INVALID_ARGUMENT);
  teardown(NULL);
}

#define CFG(profiles) "{\"current\":\"p\",\"profiles\":[" profiles "]}"
#define P(fields) "{\"name\":\"p\"," fields "}"
#define KEYS "\"access_key_id\":\"K\",\"access_key_secret\":\"s3cr3t\""
#define ROLE "\"ram_role_arn\":\"acs:ram::123:role/r\""

/* Every config.json mode, well-formed and not. */
static void cli_modes(void **state)
{
  static const struct rcase t[] = {
    {"AK", CFG(P("\"mode\":\"AK\"," KEYS)), NULL, {NULL}, NULL, "static",
     "K", "profile p (AK) in ", NULL, NULL, NULL},
    {"mode ignores case", CFG(P("\"mode\":\"ak\"," KEYS)), NULL, {NULL},
     NULL, "static", "K", "profile p (AK)", NULL, NULL, NULL},
    {"AK ignores sts_token and unknown fields",
     CFG(P("\"mode\":\"AK\"," KEYS ",\"sts_token\":\"t0k3n\","
           "\"whatever\":[1,{}],\"region_id\":\"cn-hangzhou\"")), NULL,
     {NULL}, NULL, "static", "K", NULL, NULL, NULL, NULL},
    {"old CLI empty fields", CFG(P("\"mode\":\"AK\"," KEYS ",\"sts_token\":"
     "\"\",\"ram_role_arn\":\"\",\"expired_seconds\":0,"
     "\"retry_timeout\":0")), NULL, {NULL}, NULL, "static", "K", NULL, NULL,
     NULL, NULL},
    {"AK missing secret", CFG(P("\"mode\":\"AK\",\"access_key_id\":\"K\"")),
     NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "access_key_secret",
     ".aliyun/config.json: profile 'p' (mode AK): field "
     "'access_key_secret' is missing"},
    {"AK empty id", CFG(P("\"mode\":\"AK\",\"access_key_id\":\"\","
     "\"access_key_secret\":\"s3cr3t\"")), NULL, {NULL}, NULL, NULL, NULL,
     NULL, "credentials_invalid", "access_key_id", "is missing"},
    {"AK wrong type", CFG(P("\"mode\":\"AK\",\"access_key_id\":12,"
     "\"access_key_secret\":\"s3cr3t\"")), NULL, {NULL}, NULL, NULL, NULL,
     NULL, "credentials_invalid", "access_key_id",
     "field 'access_key_id' must be a string, got integer"},
    {"StsToken", CFG(P("\"mode\":\"StsToken\"," KEYS ",\"sts_token\":"
     "\"t0k3n\"")), NULL, {NULL}, NULL, "static", "K",
     "profile p (StsToken)", NULL, NULL, NULL},
    {"StsToken missing token", CFG(P("\"mode\":\"StsToken\"," KEYS)), NULL,
     {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid", "sts_token",
     "profile 'p' (mode StsToken): field 'sts_token' is missing"},
    {"RamRoleArn", CFG(P("\"mode\":\"RamRoleArn\"," KEYS "," ROLE)), NULL,
     {NULL}, NULL, "ram_role_arn", "K", "profile p (RamRoleArn)", NULL,
     NULL, NULL},
    {"RamRoleArn missing arn", CFG(P("\"mode\":\"RamRoleArn\"," KEYS)),
     NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "ram_role_arn",
     "profile 'p' (mode RamRoleArn): field 'ram_role_arn' is missing"},
    {"RamRoleArn missing keys", CFG(P("\"mode\":\"RamRoleArn\"," ROLE)),
     NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "access_key_id", NULL},
    {"RamRoleArn duration type", CFG(P("\"mode\":\"RamRoleArn\"," KEYS ","
     ROLE ",\"expired_seconds\":\"3600\"")), NULL, {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "expired_seconds",
     "must be an integer, got string"},
    {"RamRoleArn duration too short", CFG(P("\"mode\":\"RamRoleArn\","
     KEYS "," ROLE ",\"expired_seconds\":899")), NULL, {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "expired_seconds",
     "between 900 and 43200"},
    {"RamRoleArn enable_vpc type", CFG(P("\"mode\":\"RamRoleArn\"," KEYS
     "," ROLE ",\"enable_vpc\":\"yes\"")), NULL, {NULL}, NULL, NULL, NULL,
     NULL, "credentials_invalid", "enable_vpc", "must be true or false"},
    {"EcsRamRole", CFG(P("\"mode\":\"EcsRamRole\",\"ram_role_name\":"
     "\"r\"")), NULL, {NULL}, NULL, "ecs_ram_role", NULL,
     "profile p (EcsRamRole)", NULL, NULL, NULL},
    {"EcsRamRole without a name", CFG(P("\"mode\":\"EcsRamRole\"")), NULL,
     {NULL}, NULL, "ecs_ram_role", NULL, NULL, NULL, NULL, NULL},
    {"CredentialsURI", CFG(P("\"mode\":\"CredentialsURI\","
     "\"credentials_uri\":\"http://127.0.0.1:8080/c\"")), NULL, {NULL},
     NULL, "credentials_uri", NULL, "profile p (CredentialsURI)", NULL,
     NULL, NULL},
    {"CredentialsURI from env", CFG(P("\"mode\":\"CredentialsURI\"")),
     NULL, {"ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1/c", NULL}, NULL,
     "credentials_uri", NULL, NULL, NULL, NULL, NULL},
    {"CredentialsURI missing", CFG(P("\"mode\":\"CredentialsURI\"")), NULL,
     {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "credentials_uri", "field 'credentials_uri' is missing"},
    {"RamRoleArnWithRoleName", CFG(P("\"mode\":\"RamRoleArnWithRoleName\","
     "\"ram_role_name\":\"ecs\"," ROLE)), NULL, {NULL}, NULL,
     "ram_role_arn", NULL, NULL, NULL, NULL, NULL},
    {"unknown mode", CFG(P("\"mode\":\"Magic\"," KEYS)), NULL, {NULL}, NULL,
     NULL, NULL, NULL, "credentials_invalid", "mode",
     "'Magic' is unknown (supported: AK, StsToken, RamRoleArn, "
     "ChainableRamRoleArn, EcsRamRole, CredentialsURI"},
    {"unsupported mode", CFG(P("\"mode\":\"oidc\"")), NULL, {NULL}, NULL,
     NULL, NULL, NULL, "credentials_invalid", "mode",
     "'OIDC' is not supported by slsh (supported: AK"},
    {"missing mode", CFG(P(KEYS)), NULL, {NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", "mode", "field 'mode' is missing (supported:"},
    {"mode wrong type", CFG(P("\"mode\":1," KEYS)), NULL, {NULL}, NULL,
     NULL, NULL, NULL, "credentials_invalid", "mode",
     "must be a string, got integer"},
    {"bad JSON gives the byte", "{\"current\":\"p\",\n\"profiles\":[,]}",
     NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid", NULL,
     ".aliyun/config.json: invalid JSON at byte 28 (line 2, column 13): "
     "expected a value"},
    {"bad JSON never quotes the text",
     "{\"profiles\":[{\"access_key_secret\":\"s3cr3t\n\"}]}", NULL, {NULL},
     NULL, NULL, NULL, NULL, "credentials_invalid", NULL, "invalid JSON"},
    {"top level not an object", "[1]", NULL, {NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", NULL, "the JSON is not an object"},
    {"profiles not an array", "{\"profiles\":{}}", NULL, {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "profiles",
     "field 'profiles' must be an array, got object"},
    {"profile without a name", "{\"profiles\":[{\"mode\":\"AK\"}]}", NULL,
     {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid", "name",
     "profiles[0] has no string field 'name'"},
    {"current wrong type", "{\"current\":3,\"profiles\":[]}", NULL, {NULL},
     NULL, NULL, NULL, NULL, "credentials_invalid", "current",
     "field 'current' must be a string"},
    {"empty file", "", NULL, {NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", NULL, "invalid JSON at byte 0"},
  };

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));
}

#define CH(name, src) "{\"name\":\"" name "\",\"mode\":" \
  "\"ChainableRamRoleArn\",\"source_profile\":\"" src "\"," ROLE "}"
#define AKP(name) "{\"name\":\"" name "\",\"mode\":\"AK\"," KEYS "}"

/* ChainableRamRoleArn: sources resolved recursively, loops refused. */
static void cli_chainable(void **state)
{
  static const struct rcase t[] = {
    {"chain to AK", "{\"current\":\"c\",\"profiles\":[" CH("c", "base") ","
     AKP("base") "]}", NULL, {NULL}, NULL, "ram_role_arn", "K",
     "profile c (ChainableRamRoleArn)", NULL, NULL, NULL},
    {"self loop", "{\"current\":\"c\",\"profiles\":[" CH("c", "c") "]}",
     NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "source_profile", "profile 'c' (mode ChainableRamRoleArn): field "
     "'source_profile' makes a loop: c -> c"},
    {"long loop", "{\"current\":\"a\",\"profiles\":[" CH("a", "b") ","
     CH("b", "d") "," CH("d", "b") "]}", NULL, {NULL}, NULL, NULL, NULL,
     NULL, "credentials_invalid", "source_profile",
     "profile 'd' (mode ChainableRamRoleArn): field 'source_profile' "
     "makes a loop: b -> d -> b"},
    {"missing source", "{\"current\":\"c\",\"profiles\":[" CH("c", "nope")
     "]}", NULL, {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "source_profile", "names profile 'nope', which does not exist"},
    {"source_profile missing", "{\"current\":\"c\",\"profiles\":[{\"name\":"
     "\"c\",\"mode\":\"ChainableRamRoleArn\"," ROLE "}]}", NULL, {NULL},
     NULL, NULL, NULL, NULL, "credentials_invalid", "source_profile",
     "field 'source_profile' is missing"},
    {"malformed source names the source", "{\"current\":\"c\",\"profiles\":["
     CH("c", "base") ",{\"name\":\"base\",\"mode\":\"AK\"}]}", NULL,
     {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     "access_key_id", "profile 'base' (mode AK): field 'access_key_id'"},
  };
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s;
  struct slsh_err e;
  char cfg[8192];
  int i, n;

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));

  /* role over role over EcsRamRole, and a chain too long */
  setup(NULL);
  put(".aliyun/config.json", "{\"current\":\"a\",\"profiles\":["
      CH("a", "b") "," CH("b", "e") ",{\"name\":\"e\",\"mode\":"
      "\"EcsRamRole\"}]}");
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_int_equal(s->kind, SLSH_CRED_RAM_ROLE_ARN);
  assert_int_equal(s->source->kind, SLSH_CRED_RAM_ROLE_ARN);
  assert_int_equal(s->source->source->kind, SLSH_CRED_ECS_RAM_ROLE);
  assert_non_null(strstr(s->source->origin, "profile b"));
  slsh_cred_source_free(s);
  n = snprintf(cfg, sizeof(cfg), "{\"current\":\"p0\",\"profiles\":[");
  for(i = 0; i < 20; i++)
    n += snprintf(cfg + n, sizeof(cfg) - (size_t)n, "%s{\"name\":\"p%d\","
                  "\"mode\":\"ChainableRamRoleArn\",\"source_profile\":"
                  "\"p%d\"," ROLE "}", i ? "," : "", i, i + 1);
  snprintf(cfg + n, sizeof(cfg) - (size_t)n, ",%s]}", AKP("p20"));
  put(".aliyun/config.json", cfg);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_string_equal(e.field, "source_profile");
  assert_non_null(strstr(e.message, "more than 16 profiles"));
  teardown(NULL);
}

/* The AssumeRole parameters: defaults, the STS endpoint rule. */
static void role_params(void **state)
{
  static const struct {
    const char *fields;
    const char *env[3];
    const char *endpoint, *region, *session;
    long long duration;
  } t[] = {
    {"", {NULL}, "sts.aliyuncs.com", NULL, NULL, 3600},
    {",\"sts_region\":\"cn-shanghai\"", {NULL},
     "sts.cn-shanghai.aliyuncs.com", "cn-shanghai", NULL, 3600},
    {",\"sts_region\":\"cn-shanghai\",\"enable_vpc\":true", {NULL},
     "sts-vpc.cn-shanghai.aliyuncs.com", "cn-shanghai", NULL, 3600},
    {"", {"ALIBABA_CLOUD_STS_REGION=eu-central-1",
          "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true", NULL},
     "sts-vpc.eu-central-1.aliyuncs.com", "eu-central-1", NULL, 3600},
    {",\"enable_vpc\":true", {NULL}, "sts.aliyuncs.com", NULL, NULL, 3600},
    {",\"sts_endpoint\":\"sts.example.test\",\"sts_region\":\"x\"", {NULL},
     "sts.example.test", "x", NULL, 3600},
    {",\"ram_session_name\":\"ops\",\"expired_seconds\":900", {NULL},
     "sts.aliyuncs.com", NULL, "ops", 900},
    {",\"expired_seconds\":0", {"ALIBABA_CLOUD_ROLE_SESSION_NAME=envs",
     NULL}, "sts.aliyuncs.com", NULL, "envs", 3600},
  };
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s;
  struct slsh_err e;
  char cfg[1024];
  size_t i;
  int j;

  (void)state;
  for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    setup(NULL);
    snprintf(cfg, sizeof(cfg), CFG(P("\"mode\":\"RamRoleArn\"," KEYS ","
             ROLE ",\"external_id\":\"ext\",\"policy\":\"{}\"%s")),
             t[i].fields);
    put(".aliyun/config.json", cfg);
    for(j = 0; t[i].env[j]; j++)
      putenv_kv(t[i].env[j]);
    assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
    assert_string_equal(s->role_arn, "acs:ram::123:role/r");
    assert_string_equal(s->sts_endpoint, t[i].endpoint);
    if(t[i].region)
      assert_string_equal(s->sts_region, t[i].region);
    else
      assert_null(s->sts_region);
    if(t[i].session)
      assert_string_equal(s->session_name, t[i].session);
    else
      assert_int_equal(strncmp(s->session_name, "slsh-", 5), 0);
    assert_int_equal(s->duration, t[i].duration);
    assert_string_equal(s->external_id, "ext");
    assert_string_equal(s->policy, "{}");
    assert_int_equal(s->source->kind, SLSH_CRED_STATIC);
    assert_null(s->source->cred->security_token);
    slsh_cred_source_free(s);
    teardown(NULL);
  }
  /* a RamRoleArn profile may sign with STS credentials */
  setup(NULL);
  put(".aliyun/config.json", CFG(P("\"mode\":\"RamRoleArn\"," KEYS ","
      ROLE ",\"sts_token\":\"t0k3n\"")));
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_string_equal(s->source->cred->security_token, "t0k3n");
  slsh_cred_source_free(s);
  teardown(NULL);
}

#define INI_AK "[default]\ntype = access_key\naccess_key_id = I\n" \
  "access_key_secret = s3cr3t\n"

/* The INI file: types, comments, errors. */
static void ini_types(void **state)
{
  static const struct rcase t[] = {
    {"access_key", NULL, INI_AK, {NULL}, NULL, "static", "I",
     "ini default (access_key) in ", NULL, NULL, NULL},
    {"comments and blanks",  NULL, "# top\n; also\n\n[default]  \n"
     "type = access_key   # the simple kind\naccess_key_id = I # id\n"
     "access_key_secret = s3cr3t#x\n\n[other]\ntype = nonsense\n", {NULL},
     NULL, "static", "I", NULL, NULL, NULL, NULL},
    {"keys ignore case", NULL, "[default]\nType = access_key\n"
     "Access_Key_Id = I\nACCESS_KEY_SECRET = s3cr3t\r\n", {NULL}, NULL,
     "static", "I", NULL, NULL, NULL, NULL},
    {"sts", NULL, "[default]\ntype = sts\naccess_key_id = I\n"
     "access_key_secret = s3cr3t\nsecurity_token = t0k3n\n", {NULL}, NULL,
     "static", "I", "ini default (sts)", NULL, NULL, NULL},
    {"sts missing token", NULL, "[default]\ntype = sts\n"
     "access_key_id = I\naccess_key_secret = s3cr3t\n", {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "security_token",
     "credentials.ini: profile 'default' (type sts): field "
     "'security_token' is missing"},
    {"ram_role_arn", NULL, "[default]\ntype = ram_role_arn\n"
     "access_key_id = I\naccess_key_secret = s3cr3t\n"
     "role_arn = acs:ram::1:role/r\nrole_session_name = s\n"
     "role_session_expiration = 1200\n", {NULL}, NULL, "ram_role_arn", "I",
     "ini default (ram_role_arn)", NULL, NULL, NULL},
    {"ram_role_arn missing role_arn", NULL, "[default]\n"
     "type = ram_role_arn\naccess_key_id = I\naccess_key_secret = s3cr3t\n",
     {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid", "role_arn",
     "field 'role_arn' is missing"},
    {"ram_role_arn bad expiration", NULL, "[default]\ntype = ram_role_arn\n"
     "access_key_id = I\naccess_key_secret = s3cr3t\nrole_arn = r\n"
     "role_session_expiration = soon\n", {NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", "role_session_expiration",
     "must be an integer"},
    {"ecs_ram_role", NULL, "[default]\ntype = ecs_ram_role\n"
     "role_name = r # comment\n", {NULL}, NULL, "ecs_ram_role", NULL,
     "ini default (ecs_ram_role)", NULL, NULL, NULL},
    {"missing type", NULL, "[default]\naccess_key_id = I\n", {NULL}, NULL,
     NULL, NULL, NULL, "credentials_invalid", "type",
     "profile 'default': field 'type' is missing (supported: access_key, "
     "sts, ram_role_arn, ecs_ram_role)"},
    {"unknown type", NULL, "[default]\ntype = magic\n", {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "type",
     "'magic' is unknown (supported: access_key"},
    {"unsupported type", NULL, "[default]\ntype = oidc_role_arn\n", {NULL},
     NULL, NULL, NULL, NULL, "credentials_invalid", "type",
     "'oidc_role_arn' is not supported by slsh"},
    {"garbage line, not quoted", NULL, "[default]\ntype = access_key\n"
     "s3cr3t\n", {NULL}, NULL, NULL, NULL, NULL, "credentials_invalid",
     NULL, "credentials.ini line 3: expected 'key = value'"},
    {"bad section header", NULL, "[default\n", {NULL}, NULL, NULL, NULL,
     NULL, "credentials_invalid", NULL, "line 1: a section header"},
    {"section named by ALIBABA_CLOUD_PROFILE", NULL, INI_AK "[prod]\n"
     "type = access_key\naccess_key_id = PROD\naccess_key_secret = s3cr3t\n",
     {"ALIBABA_CLOUD_PROFILE=prod", NULL}, NULL, "static", "PROD",
     "ini prod", NULL, NULL, NULL},
    {"config.json beats INI", AKS("default", "CLI"), INI_AK, {NULL}, NULL,
     "static", "CLI", NULL, NULL, NULL, NULL},
    {"INI when config.json lacks the profile", AKS("other", "CLI"), INI_AK,
     {NULL}, "default", "static", "I", NULL, NULL, NULL, NULL},
  };
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s;
  struct slsh_err e;
  char path[512];

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));

  /* ~/.alibabacloud/credentials (Go's name) and the override variable */
  setup(NULL);
  put(".alibabacloud/credentials", INI_AK);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_non_null(strstr(s->origin, ".alibabacloud/credentials"));
  slsh_cred_source_free(s);
  put("elsewhere.ini", "[default]\ntype = access_key\naccess_key_id = EW\n"
      "access_key_secret = s3cr3t\n");
  snprintf(path, sizeof(path), "%s/elsewhere.ini", home);
  setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", path, 1);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_string_equal(s->cred->access_key_id, "EW");
  slsh_cred_source_free(s);
  setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent/x.ini", 1);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_string_equal(e.field, "ALIBABA_CLOUD_CREDENTIALS_FILE");
  assert_non_null(strstr(e.message, "/nonexistent/x.ini, which does not"));
  teardown(NULL);
}

#define TWO "{\"current\":\"cur\",\"profiles\":[" \
  "{\"name\":\"cur\",\"mode\":\"AK\",\"access_key_id\":\"CUR\"," \
  "\"access_key_secret\":\"s3cr3t\"}," \
  "{\"name\":\"a\",\"mode\":\"AK\",\"access_key_id\":\"A\"," \
  "\"access_key_secret\":\"s3cr3t\"}," \
  "{\"name\":\"b\",\"mode\":\"AK\",\"access_key_id\":\"B\"," \
  "\"access_key_secret\":\"s3cr3t\"}," \
  "{\"name\":\"c\",\"mode\":\"AK\",\"access_key_id\":\"C\"," \
  "\"access_key_secret\":\"s3cr3t\"}," \
  "{\"name\":\"default\",\"mode\":\"AK\",\"access_key_id\":\"DEF\"," \
  "\"access_key_secret\":\"s3cr3t\"}]}"

/* Which profile: explicit, then the profile variables, then current. */
static void profile_selection(void **state)
{
  static const struct rcase t[] = {
    {"current", TWO, NULL, {NULL}, NULL, "static", "CUR", NULL, NULL, NULL,
     NULL},
    {"explicit", TWO, NULL, {"ALIBABA_CLOUD_PROFILE=a", NULL}, "b",
     "static", "B", "profile b (AK)", NULL, NULL, NULL},
    {"explicit skips env keys", TWO, NULL,
     {"ALIBABA_CLOUD_ACCESS_KEY_ID=E", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=s",
      NULL}, "b", "static", "B", NULL, NULL, NULL, NULL},
    {"ALIBABA_CLOUD_PROFILE", TWO, NULL, {"ALIBABA_CLOUD_PROFILE=a",
     "ALIBABACLOUD_PROFILE=b", "ALICLOUD_PROFILE=c", NULL}, NULL, "static",
     "A", NULL, NULL, NULL, NULL},
    {"ALIBABACLOUD_PROFILE", TWO, NULL, {"ALIBABACLOUD_PROFILE=b",
     "ALICLOUD_PROFILE=c", NULL}, NULL, "static", "B", NULL, NULL, NULL,
     NULL},
    {"ALICLOUD_PROFILE", TWO, NULL, {"ALICLOUD_PROFILE=c", NULL}, NULL,
     "static", "C", NULL, NULL, NULL, NULL},
    {"env keys beat ALIBABA_CLOUD_PROFILE", TWO, NULL,
     {"ALIBABA_CLOUD_PROFILE=a", "ALIBABA_CLOUD_ACCESS_KEY_ID=E",
      "ALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t", NULL}, NULL, "static", "E",
     NULL, NULL, NULL, NULL},
    {"no current: default", "{\"profiles\":[" AKP("x") ",{\"name\":"
     "\"default\",\"mode\":\"AK\",\"access_key_id\":\"DEF\","
     "\"access_key_secret\":\"s3cr3t\"}]}", NULL, {NULL}, NULL, "static",
     "DEF", NULL, NULL, NULL, NULL},
    {"explicit profile missing everywhere", TWO, INI_AK, {NULL}, "zz", NULL,
     NULL, NULL, "credentials_missing", "profile",
     "profile 'zz' not found (looked at: "},
    {"explicit missing lists profiles", TWO, NULL, {NULL}, "zz", NULL, NULL,
     NULL, "credentials_missing", "profile",
     "no profile 'zz' (profiles: cur, a, b, c, default)"},
    {"env profile missing is an error", TWO, NULL,
     {"ALIBABA_CLOUD_PROFILE=zz", NULL}, NULL, NULL, NULL, NULL,
     "credentials_missing", "profile",
     "profile 'zz' (from ALIBABA_CLOUD_PROFILE) not found"},
    /* issue 7: a `current` naming no profile used to fall through to the
     * INI file or the ECS instance role, i.e. run as another identity */
    {"current missing is an error, not the INI file",
     "{\"current\":\"gone\",\"profiles\":[" AKP("x") "]}", INI_AK, {NULL},
     NULL, NULL, NULL, NULL, "credentials_invalid", "current",
     ".aliyun/config.json: 'current' names profile 'gone', which is not in "
     "the file (profiles: x)"},
    {"current missing is an error, not the instance role",
     "{\"current\":\"gone\",\"profiles\":[]}", NULL, {NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "current",
     "'current' names profile 'gone', which is not in the file (profiles: "
     "none)"},
    {"empty current means default", "{\"current\":\"\",\"profiles\":["
     AKP("x") "]}", INI_AK, {NULL}, NULL, "static", "I", NULL, NULL, NULL,
     "no profile 'default' (profiles: x)"},
    {"explicit profile beats a dangling current",
     "{\"current\":\"gone\",\"profiles\":[" AKP("x") "]}", NULL, {NULL},
     "x", "static", NULL, "profile x (AK)", NULL, NULL, NULL},
  };

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));
}

/* The switches and path variables. */
static void switches(void **state)
{
  static const struct rcase t[] = {
    {"CLI profile disabled", AKS("default", "CLI"), INI_AK,
     {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true", NULL}, NULL, "static", "I",
     NULL, NULL, NULL,
     "skipped (ALIBABA_CLOUD_CLI_PROFILE_DISABLED)"},
    {"CLI profile disabled, any case", AKS("default", "CLI"), INI_AK,
     {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=TRUE", NULL}, NULL, "static", "I",
     NULL, NULL, NULL, NULL},
    {"CLI disable needs true", AKS("default", "CLI"), INI_AK,
     {"ALIBABA_CLOUD_CLI_PROFILE_DISABLED=no", NULL}, NULL, "static", "CLI",
     NULL, NULL, NULL, NULL},
    {"ignore profile (CLI's switch)", AKS("default", "CLI"), INI_AK,
     {"ALIBABA_CLOUD_IGNORE_PROFILE=TRUE", NULL}, NULL, "static", "I", NULL,
     NULL, NULL, NULL},
    {"ECS by default", NULL, NULL, {NULL}, NULL, "ecs_ram_role", NULL,
     "ECS instance metadata", NULL, NULL,
     "credentials URI: ALIBABA_CLOUD_CREDENTIALS_URI not set"},
    {"ECS disabled, nothing else", NULL, NULL, {NOECS, NULL}, NULL, NULL,
     NULL, NULL, "credentials_missing", NULL,
     "ECS metadata: disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED)"},
    {"ECS disabled, URI", NULL, NULL, {NOECS,
     "ALIBABA_CLOUD_CREDENTIALS_URI=http://127.0.0.1:9/c", NULL}, NULL,
     "credentials_uri", NULL, "env ALIBABA_CLOUD_CREDENTIALS_URI", NULL,
     NULL, NULL},
    {"terraform URI name", NULL, NULL, {NOECS,
     "ALICLOUD_CREDENTIALS_URI=http://127.0.0.1:9/c", NULL}, NULL,
     "credentials_uri", NULL, "env ALICLOUD_CREDENTIALS_URI", NULL, NULL,
     NULL},
    {"config file variable missing", NULL, NULL,
     {"ALIBABA_CLOUD_CONFIG_FILE=/nonexistent/c.json", NULL}, NULL, NULL,
     NULL, NULL, "credentials_invalid", "ALIBABA_CLOUD_CONFIG_FILE",
     "ALIBABA_CLOUD_CONFIG_FILE names /nonexistent/c.json, which does not "
     "exist"},
    {"config file is a directory", NULL, NULL,
     {"ALIBABA_CLOUD_CONFIG_FILE=/tmp", NULL}, NULL, NULL, NULL, NULL,
     "credentials_invalid", NULL, "/tmp: cannot read: it is a directory"},
    {"nothing anywhere lists every place", NULL, NULL, {NOECS, NULL}, NULL,
     NULL, NULL, NULL, "credentials_missing", NULL,
     "no credentials found (looked at: env: ALIBABA_CLOUD_ACCESS_KEY_ID "
     "not set; "},
  };
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, NULL};
  struct slsh_cred_source *s;
  struct slsh_buf looked;
  struct slsh_err e;
  char path[512];

  (void)state;
  run_cases(t, sizeof(t) / sizeof(t[0]));

  /* ECS then URI, with the role name and IMDSv1 switch */
  setup(NULL);
  setenv("ALIBABA_CLOUD_ECS_METADATA", "myrole", 1);
  setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", "true", 1);
  setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/c", 1);
  slsh_buf_init(&looked, 0);
  assert_int_equal(slsh_cred_resolve(&o, &s, &looked, &e), 0);
  assert_int_equal(s->kind, SLSH_CRED_ECS_RAM_ROLE);
  assert_true(s->implicit);
  assert_string_equal(s->role_name, "myrole");
  assert_true(s->imdsv1_disabled);
  assert_non_null(s->fallback);
  assert_int_equal(s->fallback->kind, SLSH_CRED_URI);
  assert_true(s->fallback->implicit);
  assert_string_equal(s->fallback->uri, "http://127.0.0.1:9/c");
  assert_non_null(strstr(slsh_buf_str(&looked), "config.json: not found\n"));
  slsh_cred_source_free(s);
  slsh_buf_free(&looked);

  /* the config file variable; HOME unset */
  put("c.json", AKS("default", "VIA"));
  snprintf(path, sizeof(path), "%s/c.json", home);
  setenv("ALICLOUD_SHARED_CREDENTIALS_FILE", path, 1);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_string_equal(s->cred->access_key_id, "VIA");
  slsh_cred_source_free(s);
  unsetenv("ALICLOUD_SHARED_CREDENTIALS_FILE");
  unsetenv("HOME");
  setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "1", 1);
  unsetenv("ALIBABA_CLOUD_CREDENTIALS_URI");
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
  assert_int_equal(e.code, SLSH_E_CREDENTIALS_MISSING);
  assert_non_null(strstr(e.message, "HOME is not set"));

  /* an unreadable config.json is an error, not a skip */
  setenv("HOME", home, 1);
  put(".aliyun/config.json", AKS("default", "X"));
  snprintf(path, sizeof(path), "%s/.aliyun/config.json", home);
  chmod(path, 0);
  if(access(path, R_OK) != 0) {       /* root reads anyway */
    assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), -1);
    assert_non_null(strstr(e.message, "cannot read: Permission denied"));
  }
  teardown(NULL);
}

/* An environment list instead of the process environment. */
static void env_list(void **state)
{
  char homevar[300];
  const char *env[] = {homevar, "ALIBABA_CLOUD_PROFILE=a",
                       "ALIBABA_CLOUD_ACCESS_KEY_IDX=nope", NULL};
  struct slsh_cred_opts o = {NULL, NULL, NULL, NULL, env};
  struct slsh_cred_source *s;
  struct slsh_err e;

  (void)state;
  setup(NULL);
  put(".aliyun/config.json", TWO);
  snprintf(homevar, sizeof(homevar), "HOME=%s", home);
  setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "PROCESS", 1);     /* not read */
  setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cr3t", 1);
  assert_int_equal(slsh_cred_resolve(&o, &s, NULL, &e), 0);
  assert_string_equal(s->cred->access_key_id, "A");
  slsh_cred_source_free(s);
  teardown(NULL);
}

/* One answer-parser case. */
struct pcase {
  int which;                  /* 0 IMDS, 1 URI, 2 AssumeRole */
  const char *body;
  const char *id;             /* expected id; NULL = expect an error */
  long long exp;
  const char *field;
  const char *msg;
};

#define GOOD4 "\"AccessKeyId\":\"STS.id\",\"AccessKeySecret\":\"s3cr3t\"," \
  "\"SecurityToken\":\"t0k3n\",\"Expiration\":\"2024-10-26T03:46:38Z\""

/* IMDS, credentials URI and AssumeRole answers. */
static void parsers(void **state)
{
  static const struct pcase t[] = {
    {0, "{\"Code\":\"Success\"," GOOD4 ",\"LastUpdated\":"
     "\"2024-10-26T03:46:38Z\"}", "STS.id", 1729914398, NULL, NULL},
    {0, "{" GOOD4 "}", NULL, 0, "Code", "ECS metadata: field 'Code' is "
     "missing"},
    {0, "{\"Code\":\"Failed\",\"Message\":\"no role\"," GOOD4 "}", NULL, 0,
     "Code", "ECS metadata answered Code 'Failed': no role"},
    {0, "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":"
     "\"s3cr3t\",\"Expiration\":\"2024-10-26T03:46:38Z\"}", NULL, 0,
     "SecurityToken", "field 'SecurityToken' is missing"},
    {0, "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":"
     "\"s3cr3t\",\"SecurityToken\":\"t0k3n\",\"Expiration\":\"tomorrow\"}",
     NULL, 0, "Expiration", "field 'Expiration' is not a UTC time"},
    {0, "{\"Code\":\"Success\",\"AccessKeyId\":7,\"AccessKeySecret\":"
     "\"s3cr3t\",\"SecurityToken\":\"t0k3n\",\"Expiration\":"
     "\"2024-10-26T03:46:38Z\"}", NULL, 0, "AccessKeyId",
     "must be a string, got integer"},
    {0, "{\"Code\":\"Success\",\"AccessKeyId\":\"\",\"AccessKeySecret\":"
     "\"s3cr3t\",\"SecurityToken\":\"t0k3n\",\"Expiration\":"
     "\"2024-10-26T03:46:38Z\"}", NULL, 0, "AccessKeyId", "is empty"},
    {0, "{\"AccessKeySecret\":\"s3cr3t", NULL, 0, NULL,
     "ECS metadata: invalid JSON at byte"},
    {0, "\"s3cr3t\"", NULL, 0, NULL, "the JSON is not an object"},
    {0, "{\"AccessKeyId\":\"a\",\"AccessKeyId\":\"b\"}", NULL, 0, NULL,
     "invalid JSON at byte 19 (line 1, column 20): duplicate key"},
    {0, "{\"AccessKeySecret\":\"s3cr3t\\q\"}", NULL, 0, NULL,
     "invalid escape in a string"},
    {0, "[]", NULL, 0, NULL, "the JSON is not an object"},
    {1, "{\"Code\":\"Success\"," GOOD4 "}", "STS.id", 1729914398, NULL,
     NULL},
    {1, "{" GOOD4 "}", "STS.id", 1729914398, NULL, NULL},
    {1, "{\"Code\":\"Error\"," GOOD4 "}", NULL, 0, "Code",
     "credentials URI answered Code 'Error'"},
    {1, "{\"Code\":200," GOOD4 "}", NULL, 0, "Code",
     "field 'Code' must be a string"},
    {1, "{\"Code\":\"Success\",\"AccessKeyId\":\"a\",\"AccessKeySecret\":"
     "\"s3cr3t\",\"SecurityToken\":\"t0k3n\"}", NULL, 0, "Expiration",
     "credentials URI: field 'Expiration' is missing"},
    {2, "{\"RequestId\":\"r\",\"AssumedRoleUser\":{\"Arn\":\"x\"},"
     "\"Credentials\":{" GOOD4 "}}", "STS.id", 1729914398, NULL, NULL},
    {2, "{\"Credentials\":{\"AccessKeyId\":\"STS.x\",\"AccessKeySecret\":"
     "\"s3cr3t\",\"SecurityToken\":\"t0k3n\",\"Expiration\":"
     "\"2015-04-09T11:52:19.123Z\"}}", "STS.x", 1428580339, NULL, NULL},
    {2, "{\"RequestId\":\"r\",\"Code\":\"NoPermission\",\"Message\":"
     "\"You are not authorized\"}", NULL, 0, "Code",
     "STS AssumeRole answered Code 'NoPermission': You are not authorized"},
    {2, "{\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"... server "
     "string to sign is:GET&%2F&SecurityToken%3Dt0k3n\"}", NULL, 0, "Code",
     "answered Code 'SignatureDoesNotMatch'"},
    {2, "{\"RequestId\":\"r\"}", NULL, 0, "Credentials",
     "field 'Credentials' is missing"},
    {2, "{\"Credentials\":[]}", NULL, 0, "Credentials",
     "must be an object, got array"},
    {2, "{\"Credentials\":{\"AccessKeyId\":\"a\",\"SecurityToken\":"
     "\"t0k3n\",\"Expiration\":\"2015-04-09T11:52:19Z\"}}", NULL, 0,
     "Credentials.AccessKeySecret",
     "field 'Credentials.AccessKeySecret' is missing"},
  };
  int (*fn[])(const char *, size_t, struct slsh_cred **,
              struct slsh_err *) = {slsh_cred_parse_imds,
                                    slsh_cred_parse_uri_response,
                                    slsh_cred_parse_assume_role};
  struct slsh_cred *c;
  struct slsh_err e;
  size_t i;
  int rc;

  (void)state;
  for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    slsh_err_clear(&e);
    c = (struct slsh_cred *)1;
    rc = fn[t[i].which](t[i].body, strlen(t[i].body), &c, &e);
    if(t[i].id) {
      if(rc)
        fail_msg("case %zu: %s", i, e.message);
      assert_string_equal(c->access_key_id, t[i].id);
      assert_string_equal(c->access_key_secret, "s3cr3t");
      assert_string_equal(c->security_token, "t0k3n");
      assert_int_equal(c->expiration, t[i].exp);
      slsh_cred_free(c);
    }
    else {
      if(!rc)
        fail_msg("case %zu: expected an error", i);
      assert_null(c);
      assert_string_equal(slsh_err_code(e.code), "bad_response");
      if(t[i].field)
        assert_string_equal(e.field, t[i].field);
      if(!strstr(e.message, t[i].msg))
        fail_msg("case %zu: '%s' lacks '%s'", i, e.message, t[i].msg);
      assert_no_secret(e.message);
    }
  }
}

/* Times: the format the services use, and nothing else. */
static void times(void **state)
{
  static const struct {
    const char *s;
    long long t;              /* -1 = refused */
  } t[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2024-10-26T03:46:38Z", 1729914398},
    {"2024-02-29T12:00:00Z", 1709208000},
    {"2000-03-01T00:00:00.5Z", 951868800},
    {"2100-12-31T23:59:59Z", 4133980799LL},
    {"2023-02-29T00:00:00Z", -1},
    {"2024-13-01T00:00:00Z", -1},
    {"2024-01-01T24:00:00Z", -1},
    {"2024-01-01 00:00:00Z", -1},
    {"2024-01-01T00:00:00", -1},
    {"2024-01-01T00:00:00+08:00", -1},
    {"2024-01-01T00:00:00Zjunk", -1},
    {"2024-01-01T00:00:00.Z", -1},
    {"", -1},
  };
  char buf[SLSH_CRED_TIMELEN];
  long long v;
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    if(t[i].t < 0) {
      if(!slsh_cred_parse_time(t[i].s, &v))
        fail_msg("accepted '%s'", t[i].s);
      continue;
    }
    assert_int_equal(slsh_cred_parse_time(t[i].s, &v), 0);
    assert_int_equal(v, t[i].t);
    slsh_cred_format_time(v, buf);
    if(!strchr(t[i].s, '.'))
      assert_string_equal(buf, t[i].s);
  }
}

/* Refresh: stale once fewer than `margin` seconds remain. */
static void refresh(void **state)
{
  static const struct {
    long long exp, now, margin;
    int want;
  } t[] = {
    {0, 1000, 900, 0},                /* never expires */
    {10000, 9000, 900, 0},            /* 1000 s left, margin 900 */
    {10000, 9100, 900, 1},            /* exactly the margin */
    {10000, 9101, 900, 1},
    {10000, 10000, 0, 1},             /* expired */
    {10000, 9999, 0, 0},
    {10000, 20000, 180, 1},
    {10000, 9819, 180, 0},
    {10000, 9820, 180, 1},
    {10000, 9999, -5, 0},             /* negative margin counts as 0 */
  };
  size_t i;

  (void)state;
  for(i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    assert_int_equal(slsh_cred_needs_refresh(t[i].exp, t[i].now,
                                             t[i].margin), t[i].want);
}

/* slsh_cred_new copies, refuses empty keys; free wipes and allows NULL. */
static void cred_new_free(void **state)
{
  struct slsh_err e;
  struct slsh_cred *c;

  (void)state;
  c = slsh_cred_new("id", "s3cr3t", "", 5, &e);
  assert_non_null(c);
  assert_null(c->security_token);
  assert_int_equal(c->expiration, 5);
  slsh_cred_free(c);
  assert_null(slsh_cred_new("", "s3cr3t", NULL, 0, &e));
  assert_string_equal(e.field, "access_key_id");
  assert_null(slsh_cred_new("id", NULL, NULL, 0, &e));
  assert_string_equal(e.field, "access_key_secret");
  /* what cannot go into a header is refused, and never quoted */
  assert_null(slsh_cred_new("LTAI 5t", "s3cr3t", NULL, 0, &e));
  assert_string_equal(e.field, "access_key_id");
  assert_null(slsh_cred_new("id", "s3cr\n3t", NULL, 0, &e));
  assert_string_equal(e.field, "access_key_secret");
  assert_null(strstr(e.message, "s3cr"));
  assert_null(slsh_cred_new("id", "s3cr3t", "tok\xc3\xa9n", 0, &e));
  assert_string_equal(e.field, "security_token");
  slsh_cred_free(NULL);
  slsh_cred_source_free(NULL);
  assert_string_equal(slsh_cred_kind_name(SLSH_CRED_URI),
                      "credentials_uri");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(env_names),
    cmocka_unit_test(env_tokens),
    cmocka_unit_test(explicit_keys),
    cmocka_unit_test(cli_modes),
    cmocka_unit_test(cli_chainable),
    cmocka_unit_test(role_params),
    cmocka_unit_test(ini_types),
    cmocka_unit_test(profile_selection),
    cmocka_unit_test(switches),
    cmocka_unit_test(env_list),
    cmocka_unit_test(parsers),
    cmocka_unit_test(times),
    cmocka_unit_test(refresh),
    cmocka_unit_test(cred_new_free),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
