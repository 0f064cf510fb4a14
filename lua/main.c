/*
 * The slsh command: global options, then a script file, a
 * chunk (-e), a bundled workflow (run NAME) or the REPL. main() only
 * protects pmain(), as lua.c does, so that every Lua error is caught.
 *
 * Exit status: 0 done, 1 failed, 2 usage; scripts use 3 themselves for
 * "finished with some items failed or refused".
 */
#include "lslsh.h"
#include "host_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SLSH_VERSION
#define SLSH_VERSION "0.0.0"
#endif

static const char usage_text[] =
  "usage: slsh [OPTIONS] [FILE [ARGS...] | -e CODE [ARGS...] | run [NAME "
  "[ARGS...]] | -]\n"
  "\n"
  "  FILE            run a Lua script; ARGS are in the global 'arg' and '...'\n"
  "  -e CODE         run a chunk of Lua\n"
  "  run NAME        run a workflow: a bundled one, else NAME.lua in a\n"
  "                  directory of $SLSH_PATH or ~/.config/slsh/workflows;\n"
  "                  'slsh run' lists them and 'slsh run NAME --help'\n"
  "                  explains one\n"
  "  -               read the script from standard input\n"
  "  (nothing)       interactive REPL when standard input is a terminal\n"
  "\n"
  "options:\n"
  "  --profile P     credentials profile (~/.aliyun/config.json or INI file)\n"
  "  --region R[,R]  default region(s): clients take the first, workflows\n"
  "                  all (also ALIBABA_CLOUD_REGION_ID, else the profile's\n"
  "                  region_id)\n"
  "  --connect-to URL  send every request to URL, http(s)://HOST[:PORT]\n"
  "                  (e.g. http://127.0.0.1:8080) keeping the real Host\n"
  "                  header and signature (also SLSH_CONNECT_TO)\n"
  "  --ca-file FILE  trust the CA certificates in FILE (PEM) for HTTPS\n"
  "                  (also SSL_CERT_FILE, CURL_CA_BUNDLE)\n"
  "  -v, --verbose   trace requests on stderr (secrets redacted); twice for more\n"
  "  -i              enter the REPL after running FILE or -e\n"
  "  --version       print the version\n"
  "  -h, --help      print this help\n"
  "\n"
  "exit status: 0 done, 1 failed, 2 usage, 3 finished with some items\n"
  "failed, refused or unverified, 130 (143) stopped by Ctrl-C (SIGTERM)\n";

struct opts {
  const char *profile, *region, *connect_to, *ca_file;
  int verbose;
  int interactive;
  const char *code;        /* -e */
  const char *script;      /* FILE, "-" or the workflow name */
  int run;                 /* script names a workflow (bundled or user's) */
  int list;                /* `slsh run` alone */
  int nargs;               /* arguments after the script */
  char **args;
};

/* Print a usage error; returns the usage exit status. */
static int main_usage(const char *fmt, const char *what)
{
  fprintf(stderr, "slsh: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n(try 'slsh --help')\n");
  return 2;
}

/* The value of option `name`: "--name=V" or "--name V". */
static const char *main_optval(int argc, char **argv, int *i,
                               const char *name)
{
  size_t n = strlen(name);

  if(!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if(!strcmp(argv[*i], name)) {
    if(*i + 1 >= argc)
      return NULL;
    return argv[++*i];
  }
  return NULL;
}

static int main_isopt(const char *arg, const char *name)
{
  size_t n = strlen(name);

  return !strncmp(arg, name, n) && (arg[n] == '\0' || arg[n] == '=');
}

/* A region id such as cn-hangzhou: lower-case letters, digits and inner
 * hyphens. */
static int main_region_ok(const char *s, size_t n)
{
  size_t i;

  if(n < 2 || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
    return 0;
  for(i = 0; i < n; i++)
    if(!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
         s[i] == '-'))
      return 0;
  return 1;
}

/* --region R[,R...]: every element a region id. */
static int main_regions_ok(const char *s)
{
  for(;;) {
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);

    if(!main_region_ok(s, n))
      return 0;
    if(!comma)
      return 1;
    s = comma + 1;
  }
}

/* --connect-to: http:// or https://, a host (name, IPv4 or [IPv6]) and an
 * optional port, nothing else (a path or a query would be dropped
 * silently, another scheme would not be HTTP at all). */
static int main_connect_ok(const char *url)
{
  const char *p, *host;
  long port;
  char *end;

  if(!strncmp(url, "http://", 7))
    p = url + 7;
  else if(!strncmp(url, "https://", 8))
    p = url + 8;
  else
    return 0;
  host = p;
  if(*p == '[') {
    p = strchr(p, ']');
    if(!p || p == host + 1)
      return 0;
    p++;
  }
  else {
    while(*p && *p != ':' && *p != '/') {
      if(!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
        return 0;
      p++;
    }
    if(p == host)
      return 0;
  }
  if(*p == ':') {
    if(p[1] < '0' || p[1] > '9')
      return 0;
    port = strtol(p + 1, &end, 10);
    if(port < 1 || port > 65535)
      return 0;
    p = end;
  }
  if(*p == '/')
    p++;
  return *p == '\0';
}

/* Check what the global options name before anything runs; returns -1 or
 * the usage exit status. */
static int main_check(struct opts *o)
{
  FILE *f;

  if(o->region && !main_regions_ok(o->region))
    return main_usage("--region takes region ids such as cn-hangzhou "
                      "(comma-separated), got '%s'", o->region);
  if(!o->connect_to) {
    o->connect_to = getenv("SLSH_CONNECT_TO");
    if(o->connect_to && !*o->connect_to)
      o->connect_to = NULL;
    if(o->connect_to && !main_connect_ok(o->connect_to))
      return main_usage("SLSH_CONNECT_TO must be http(s)://HOST[:PORT], "
                        "got '%s'", o->connect_to);
  }
  else if(!main_connect_ok(o->connect_to))
    return main_usage("--connect-to must be http(s)://HOST[:PORT], got '%s'",
                      o->connect_to);
  if(o->ca_file) {
    f = fopen(o->ca_file, "r");
    if(!f)
      return main_usage("--ca-file: cannot read '%s'", o->ca_file);
    fclose(f);
  }
  return -1;
}

/* Parse the global options. Returns -1 to go on, or an exit status. */
static int main_parse(int argc, char **argv, struct opts *o)
{
  int i;

  for(i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **dst = NULL;

    if(main_isopt(a, "--profile"))
      dst = &o->profile;
    else if(main_isopt(a, "--region"))
      dst = &o->region;
    else if(main_isopt(a, "--connect-to"))
      dst = &o->connect_to;
    else if(main_isopt(a, "--ca-file"))
      dst = &o->ca_file;
    if(dst) {
      const char *name = a[2] == 'p' ? "--profile" : a[2] == 'r' ? "--region"
                         : a[3] == 'o' ? "--connect-to" : "--ca-file";

      /* the last one winning would hide a typo in a long command line */
      if(*dst)
        return main_usage("%s given twice", name);
      *dst = main_optval(argc, argv, &i, name);
      if(!*dst || !**dst)
        return main_usage("option '%s' needs a value", name);
      continue;
    }
    if(!strcmp(a, "-v") || !strcmp(a, "--verbose"))
      o->verbose++;
    else if(!strcmp(a, "-vv"))
      o->verbose += 2;
    else if(!strcmp(a, "-i"))
      o->interactive = 1;
    else if(!strcmp(a, "--version")) {
      printf("slsh %s (%s)\n", SLSH_VERSION, LUA_RELEASE);
      return 0;
    }
    else if(!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      return 0;
    }
    else if(!strcmp(a, "-e")) {
      if(i + 1 >= argc)
        return main_usage("option '%s' needs a value", a);
      o->code = argv[++i];
      i++;
      break;
    }
    else if(!strcmp(a, "--")) {
      i++;
      if(i < argc)
        o->script = argv[i++];
      break;
    }
    else if(!strcmp(a, "run")) {
      o->run = 1;
      if(++i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
        o->list = 1;
      else
        o->script = argv[i];
      i++;
      break;
    }
    else if(a[0] == '-' && a[1] != '\0')
      return main_usage("unknown option '%s'", a);
    else {
      o->script = a;
      i++;
      break;
    }
  }
  o->nargs = i < argc ? argc - i : 0;
  o->args = argv + (i < argc ? i : argc);
  return -1;
}

/* Put the global options where the slsh module reads its defaults. */
static void main_config(lua_State *L, const struct opts *o)
{
  lua_getglobal(L, "slsh");
  lua_getfield(L, -1, "config");
  if(lua_istable(L, -1)) {
    if(o->profile) {
      lua_pushstring(L, o->profile);
      lua_setfield(L, -2, "profile");
    }
    if(o->region) {
      lua_pushstring(L, o->region);
      lua_setfield(L, -2, "region");
    }
    if(o->connect_to) {
      lua_pushstring(L, o->connect_to);
      lua_setfield(L, -2, "connect_to");
    }
    if(o->ca_file) {
      lua_pushstring(L, o->ca_file);
      lua_setfield(L, -2, "ca_file");
    }
    lua_pushinteger(L, o->verbose);
    lua_setfield(L, -2, "verbose");
  }
  lua_pop(L, 2);
  slsh_set_verbose(o->verbose);
}

/* Set the global `arg` ({[0]=script, ARGS...}) and push ARGS. */
static int main_pushargs(lua_State *L, const struct opts *o, const char *name)
{
  int i;

  lua_createtable(L, o->nargs, 1);
  lua_pushstring(L, name);
  lua_rawseti(L, -2, 0);
  for(i = 0; i < o->nargs; i++) {
    lua_pushstring(L, o->args[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "arg");
  luaL_checkstack(L, o->nargs + 3, "too many arguments");
  for(i = 0; i < o->nargs; i++)
    lua_pushstring(L, o->args[i]);
  return o->nargs;
}

/* Print the bundled workflows and the user's, one line each, sorted. */
static int main_listscripts(lua_State *L)
{
  /* slsh.scripts knows the search path ($SLSH_PATH, ~/.config/...) */
  slsh_push_modfn(L, "slsh.scripts", "print_list");
  slsh_list_scripts(L);
  lua_pushcfunction(L, slsh_script_dir);
  return slsh_docall(L, 2, 0);
}

/* Load workflow `name` as a chunk: the bundled one, else the first
 * NAME.lua on the search path. LUA_ERRFILE with a message if none. */
static int main_loadworkflow(lua_State *L, const char *name)
{
  const char *path;
  int status;

  slsh_push_modfn(L, "slsh.scripts", "find");
  lua_pushstring(L, name);
  slsh_list_scripts(L);
  lua_call(L, 2, 2);
  if(lua_toboolean(L, -2) && !lua_isstring(L, -2)) {
    lua_pop(L, 2);
    return slsh_load_script(L, name);
  }
  if(!lua_isstring(L, -2)) {
    lua_remove(L, -2);
    return LUA_ERRFILE;
  }
  path = lua_tostring(L, -2);
  status = luaL_loadfilex(L, path, "t");
  lua_insert(L, -3);
  lua_pop(L, 2);
  return status;
}

/* Report a failed chunk on stderr; returns exit status 1, or 128 + the
 * signal for a chunk stopped by Ctrl-C or SIGTERM. A bug in a bundled
 * workflow (not the world's error nor the user's) asks to be reported. */
static int main_report(lua_State *L, int bundled)
{
  const char *msg = lua_tostring(L, -1);
  int sig = slsh_interrupted();

  fprintf(stderr, "slsh: %s\n", msg ? msg : "(error)");
  if(bundled && !sig && slsh_last_error_was_bug())
    fprintf(stderr, "slsh: this is a bug in slsh, please report it "
            "with the lines above\n");
  fflush(stderr);
  lua_pop(L, 1);
  return sig ? 128 + sig : 1;
}

/* Everything that may raise runs here, under lua_pcall. */
static int main_pmain(lua_State *L)
{
  struct opts *o = lua_touserdata(L, 1);
  int n, status;

  main_config(L, o);
  if(o->list)
    status = main_listscripts(L);
  else if(o->code) {
    status = luaL_loadbuffer(L, o->code, strlen(o->code), "=(command line)");
    if(status == LUA_OK) {
      n = main_pushargs(L, o, "-e");
      status = slsh_docall(L, n, 0);
    }
  }
  else if(o->run) {
    status = main_loadworkflow(L, o->script);
    if(status == LUA_OK) {
      n = main_pushargs(L, o, o->script);
      status = slsh_docall(L, n, 0);
    }
    else if(status == LUA_ERRFILE) {
      main_report(L, 0);
      lua_pushinteger(L, 2);
      return 1;
    }
  }
  else if(o->script || !isatty(STDIN_FILENO)) {
    const char *path = o->script && strcmp(o->script, "-") ? o->script : NULL;

    status = luaL_loadfile(L, path);
    if(status == LUA_OK) {
      n = main_pushargs(L, o, path ? path : "-");
      status = slsh_docall(L, n, 0);
    }
  }
  else {
    lua_pushinteger(L, slsh_repl(L));
    return 1;
  }
  if(status != LUA_OK) {
    lua_pushinteger(L, main_report(L, o->run));
    return 1;
  }
  if(o->interactive && isatty(STDIN_FILENO)) {
    lua_pushinteger(L, slsh_repl(L));
    return 1;
  }
  lua_pushinteger(L, 0);
  return 1;
}

int main(int argc, char **argv)
{
  struct opts o;
  lua_State *L;
  int status;

  memset(&o, 0, sizeof(o));
  status = main_parse(argc, argv, &o);
  if(status >= 0)
    return status;
  status = main_check(&o);
  if(status >= 0)
    return status;
  L = slsh_newstate();
  if(!L) {
    fprintf(stderr, "slsh: cannot create the Lua state\n");
    return 1;
  }
  lua_pushcfunction(L, main_pmain);
  lua_pushlightuserdata(L, &o);
  if(lua_pcall(L, 1, 1, 0) != LUA_OK)
    status = main_report(L, 0);
  else
    status = (int)lua_tointeger(L, -1);
  lua_close(L);
  return status;
}
