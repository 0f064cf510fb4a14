#!/usr/bin/env bash
# `cmake --install` into a temporary DESTDIR, then use the installed tree
# the way its users do: every header compiles on its own, a C program
# builds against the headers and libslsh.a through the installed
# pkg-config file and runs, the installed binary and module run, the
# manual page renders without warnings and documents every workflow and
# option that --help shows, and the bash and zsh completion complete
# `slsh run NAME` and each workflow's options.
#   tests/install/test_install.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_install.sh BUILD_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=/usr/local
root=$tmp/dest
p=$root$prefix
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

DESTDIR=$root cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"

# The tree.
for f in bin/slsh lib/libslsh.a lib/lua/5.4/slsh.so lib/pkgconfig/slsh.pc \
         include/slsh/err.h include/slsh/err_list.h include/slsh/host.h \
         include/slsh/sign.h include/slsh/json.h include/slsh/text.h \
         share/man/man1/slsh.1 share/bash-completion/completions/slsh \
         share/zsh/site-functions/_slsh; do
  [ -f "$p/$f" ] || fail "not installed: $prefix/$f"
done
workflows=$("$p/bin/slsh" run | sed -n 's/^  \([a-zA-Z0-9][a-zA-Z0-9_.-]*\)  .*/\1/p')
[ -n "$workflows" ] || fail "the installed slsh lists no workflow"
for w in $workflows; do
  [ -f "$p/share/slsh/workflows/$w.lua" ] || fail "workflow $w not installed"
done
ok "installed tree"

# Every header on its own, included twice (guards), strict C11.
# The installed pkg-config file, with its prefix moved under DESTDIR.
pc() { PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --define-variable=prefix="$p" "$@" slsh; }
cflags=$(pc --cflags)
case $cflags in *"-I$p/include"*) ;; *) fail "pkg-config slsh: no -I$p/include in: $cflags" ;; esac
for h in "$p"/include/slsh/*.h; do
  n=$(basename "$h")
  printf '#include <slsh/%s>\n#include <slsh/%s>\nint main(void) { return 0; }\n' \
    "$n" "$n" >"$tmp/h.c"
  cc -std=c11 -Wall -Wextra -Werror -pedantic $cflags -c "$tmp/h.c" \
    -o "$tmp/h.o" 2>"$tmp/cc.log" ||
    { head -20 "$tmp/cc.log"; fail "header $n does not compile on its own"; }
done
ok "headers compile on their own"

# A program against the installed headers and library.
cat >"$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>

#include <slsh/err.h>
#include <slsh/host.h>
#include <slsh/json.h>
#include <slsh/sign.h>
#include <slsh/text.h>

int main(void)
{
  char date[SLSH_SIGN_HTTP_DATE_SIZE], hex[7];
  const unsigned char raw[3] = {0xde, 0xad, 0x01};
  struct slsh_err err;
  struct slsh_host *h;
  json_t *j;
  char *text;

  if(slsh_sign_http_date(1641198827, date))
    return 1;
  printf("%s\n", date);
  slsh_hex(hex, raw, sizeof(raw), 0);
  hex[6] = '\0';
  printf("%s %s\n", hex, slsh_err_code(SLSH_E_IO));
  j = slsh_json_parse("{\"b\":1,\"a\":0.1}", 15, NULL, &err, NULL);
  text = j ? slsh_json_dumps(j, NULL, NULL, &err) : NULL;
  if(!text)
    return 1;
  printf("%s\n", text);
  free(text);
  json_decref(j);
  h = slsh_host_new();
  if(!h || slsh_host_dostring(h, "print('host ' .. type(slsh.version))", "=t"))
    return 1;
  slsh_host_close(h);
  return 0;
}
C
sed -i 's/#include <string.h>/#include <stdlib.h>\n#include <string.h>/' "$tmp/prog.c"
if cc -std=c11 -Wall -Wextra -Werror "$tmp/prog.c" -o "$tmp/prog" \
     $(pc --cflags --libs) 2>"$tmp/cc.log"; then
  want=$'Mon, 03 Jan 2022 08:33:47 GMT\ndead01 io\n{"b":1,"a":0.1}\nhost string'
  got=$("$tmp/prog" 2>&1) || true
  if [ "$got" = "$want" ]; then
    ok "a C program builds and runs against the installed tree"
  else
    fail "the program against the installed tree printed: $got"
  fi
else
  head -20 "$tmp/cc.log"
  fail "a program does not build against the installed headers and library"
fi

# The installed command and the module in a stock interpreter.
"$p/bin/slsh" --version | grep -q '^slsh ' || fail "installed slsh --version"
if command -v lua5.4 >/dev/null; then
  v=$(LUA_CPATH="$p/lib/lua/5.4/?.so" lua5.4 -e 'print(require("slsh").version)')
  [ -n "$v" ] || fail "lua5.4 cannot require the installed slsh.so"
fi
ok "installed binary and module run"

# The manual page: renders cleanly, and has every workflow and option.
man=$p/share/man/man1/slsh.1
warn=$(groff -man -Tutf8 -ww -z "$man" 2>&1) || fail "groff failed on slsh.1"
[ -z "$warn" ] || fail "groff warns about slsh.1: $warn"
page=$(groff -man -Tutf8 -P-cbou "$man" 2>/dev/null)
for opt in --profile --region --connect-to --verbose; do
  grep -q -- "$opt" <<<"$page" || fail "slsh.1 lacks the global option $opt"
done
for w in $workflows; do
  grep -q "^   $w\$" <<<"$page" || fail "slsh.1 has no section for workflow $w"
  for opt in $("$p/bin/slsh" run "$w" --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p'); do
    grep -q -- "$opt" <<<"$page" || fail "slsh.1 lacks $w's option $opt"
  done
done
ok "manual page"

# bash completion, run as bash would: COMP_WORDS in, COMPREPLY out.
cat >"$tmp/comp.bash" <<'B'
source "$1"
complete() { :; }
c() {
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
  _slsh_bash
  echo "${COMPREPLY[*]}"
}
echo "names: $(c slsh run '')"
echo "to: $(c slsh run to)"
echo "global: $(c slsh --pro)"
echo "after global: $(c slsh --region cn-hangzhou run tog)"
echo "opts: $(c slsh run toggle --st)"
echo "values: $(c slsh run toggle --state '')"
echo "via: $(c slsh run toggle --via e)"
echo "all: $(c slsh run toggle '')"
B
comp=$(PATH=$p/bin:$PATH bash "$tmp/comp.bash" "$p/share/bash-completion/completions/slsh")
expect() {
  grep -qxF -- "$1" <<<"$comp" || fail "bash completion: want '$1' in:
$comp"
}
expect "names: $(echo $workflows)"
expect "to: toggle"
expect "global: --profile"
expect "after global: toggle"
expect "opts: --state"
expect "values: on off"
expect "via: encryption_api"
for opt in $("$p/bin/slsh" run toggle --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p'); do
  grep -q -- "^all: .*$opt\\( \\|\$\\)" <<<"$comp" || fail "bash completion lacks toggle's $opt"
done
ok "bash completion"

# zsh: its _slsh runs the same function through bashcompinit.
if command -v zsh >/dev/null; then
  zsh -n "$p/share/zsh/site-functions/_slsh" || fail "_slsh: zsh syntax"
  grep -qF "$prefix/share/bash-completion/completions/slsh" \
    "$p/share/zsh/site-functions/_slsh" || fail "_slsh does not name the installed bash completion"
  cat >"$tmp/comp.zsh" <<'Z'
compdef() { :; }
autoload -U +X bashcompinit && bashcompinit
source "$1"
c() {
  local -a COMP_WORDS; local COMP_CWORD
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
  print -r -- ${(f)"$(compgen -F _slsh_bash -- "${@[-1]}")"}
}
print -r -- "names: $(c slsh run '')"
print -r -- "values: $(c slsh run toggle --state '')"
print -r -- "opts: $(c slsh run toggle '')"
Z
zcomp=$(PATH=$p/bin:$PATH zsh "$tmp/comp.zsh" "$p/share/bash-completion/completions/slsh")
grep -qxF "names: $(echo $workflows)" <<<"$zcomp" || fail "zsh completion of workflow names: $zcomp"
grep -qxF "values: on off" <<<"$zcomp" || fail "zsh completion of --state values: $zcomp"
grep -q "^opts: --state .*--apply" <<<"$zcomp" || fail "zsh completion of toggle options: $zcomp"
  ok "zsh completion"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "installed tree: all checks passed"
