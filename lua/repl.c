/*
 * The interactive loop: libedit for line editing, history and completion;
 * everything about Lua (multi-line chunks, "=expr", help, :json, printing
 * values, completion candidates) lives in lua/slsh/repl.lua, which this
 * file drives one line at a time. A chunk typed over several lines goes
 * into the history as one entry, as lua.c does, so Up recalls all of it.
 */
#include "lslsh.h"
#include "host_internal.h"

#include <editline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPL_HISTORY_MAX 1000

static lua_State *repl_L;        /* for the completion callback */
static char **repl_matches;      /* candidates of the current completion */
static int repl_nmatches;
static int repl_end;             /* cursor offset of the completion */

/* ~/.slsh_history, or NULL without HOME (caller frees). */
static char *repl_histfile(void)
{
  const char *home = getenv("HOME");
  size_t n;
  char *p;

  if(!home || !*home)
    return NULL;
  n = strlen(home) + sizeof("/.slsh_history");
  p = malloc(n);
  if(p)
    snprintf(p, n, "%s/.slsh_history", home);
  return p;
}

static void repl_freematches(void)
{
  int i;

  for(i = 0; i < repl_nmatches; i++)
    free(repl_matches[i]);
  free(repl_matches);
  repl_matches = NULL;
  repl_nmatches = 0;
}

/* Ask slsh.repl.complete(word, line) for candidates, `line` being the
 * text before the cursor (an argument's completion depends on the call it
 * is in); keep them in repl_matches. Completing may fetch names from the
 * cloud, so it runs like a chunk: Ctrl-C stops it (no candidates) instead
 * of ending the REPL; libedit's own SIGINT handler is put back after. */
static void repl_collect(const char *word)
{
  lua_State *L = repl_L;
  int top = lua_gettop(L), i, n, status;
  struct sigaction editline_sigint;

  repl_freematches();
  slsh_push_modfn(L, "slsh.repl", "complete");
  lua_pushstring(L, word);
  lua_pushlstring(L, rl_line_buffer, (size_t)repl_end);
  sigaction(SIGINT, NULL, &editline_sigint);
  status = slsh_docall(L, 2, 1);
  sigaction(SIGINT, &editline_sigint, NULL);
  if(status != LUA_OK || !lua_istable(L, -1)) {
    lua_settop(L, top);
    return;
  }
  n = (int)luaL_len(L, -1);
  repl_matches = calloc((size_t)n + 1, sizeof(char *));
  for(i = 1; repl_matches && i <= n; i++) {
    if(lua_rawgeti(L, -1, i) == LUA_TSTRING)
      repl_matches[repl_nmatches++] = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_settop(L, top);
}

/* readline generator: return the candidates one by one (malloc'ed). */
static char *repl_generator(const char *text, int state)
{
  static int next;

  if(state == 0) {
    repl_collect(text);
    next = 0;
  }
  if(next < repl_nmatches)
    return strdup(repl_matches[next++]);
  return NULL;
}

static char **repl_complete(const char *text, int start, int end)
{
  (void)start;
  repl_end = rl_line_buffer && end >= 0 &&
             (size_t)end <= strlen(rl_line_buffer) ? end : 0;
  rl_attempted_completion_over = 1;
  return rl_completion_matches(text, repl_generator);
}

/* Add `line` to the history text of the chunk being typed (*chunk,
 * malloc'ed, may be NULL). A failed allocation leaves the line out of the
 * history entry only: the chunk that runs is kept by slsh.repl. */
static void repl_append(char **chunk, const char *line)
{
  size_t old = *chunk ? strlen(*chunk) : 0, n = strlen(line);
  char *p = realloc(*chunk, old + n + 2);

  if(!p)
    return;
  if(old)
    p[old++] = '\n';
  memcpy(p + old, line, n + 1);
  *chunk = p;
}

int slsh_repl(lua_State *L)
{
  char *hist = repl_histfile();
  char *line, *chunk = NULL;
  int more = 0;

  repl_L = L;
  rl_readline_name = "slsh";
  rl_attempted_completion_function = repl_complete;
  rl_basic_word_break_characters = " \t\n\"\\'><=;+-*/%^~#{}()[],&|";
  rl_completion_append_character = '\0';
  using_history();
  stifle_history(REPL_HISTORY_MAX);
  if(hist)
    read_history(hist);
  slsh_push_modfn(L, "slsh.repl", "start");
  if(slsh_docall(L, 0, 0) != LUA_OK) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  printf("slsh %s -- Lua for Alibaba Cloud log encryption. "
         "'help' for help, Ctrl-D to quit.\n", LUA_RELEASE);
  fflush(stdout);
  while((line = readline(more ? ">> " : "> ")) != NULL) {
    if(more || *line)
      repl_append(&chunk, line);
    slsh_push_modfn(L, "slsh.repl", "feed");
    lua_pushstring(L, line);
    free(line);
    if(slsh_docall(L, 1, 1) != LUA_OK) {
      fprintf(stderr, "%s\n", lua_tostring(L, -1));
      more = 0;
    }
    else
      more = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if(!more && chunk) {
      add_history(chunk);
      free(chunk);
      chunk = NULL;
    }
    fflush(stdout);
  }
  free(chunk);
  putchar('\n');
  if(hist) {
    write_history(hist);
    free(hist);
  }
  repl_freematches();
  repl_L = NULL;
  return 0;
}
