# bash completion for slsh.
#
# Nothing is listed here: the global options come from `slsh --help`, the
# workflows from `slsh run` and each workflow's options (and the values of
# an option written `--state on|off`) from `slsh run NAME --help`, so the
# completion follows the slsh it completes, user workflows included.
# zsh uses this file too, through bashcompinit (see _slsh).

# The options of a help text: "--name" or "--name METAVAR" per line.
_slsh_help_options()
{
  sed -n -e 's/^  \(-[a-zA-Z]\), \(--[a-z0-9-]*\).*/\1\n\2/p' \
         -e 's/^  \(--*[a-zA-Z0-9][a-z0-9-]*\) \([^ ]\{1,\}\).*/\1 \2/p' \
         -e 's/^  \(--*[a-zA-Z0-9][a-z0-9-]*\)\( .*\)\{0,1\}$/\1/p'
}

_slsh_bash()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local slsh=${COMP_WORDS[0]} i run=0 help line name meta
  local -a pre=()

  # Find `run`, keeping the global options before it (--connect-to or
  # SLSH_PATH can change what `slsh run` lists).
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      run) run=$i; break ;;
      --profile|--region|--connect-to)
        pre+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}"); ((i++)) ;;
      -e) return 0 ;;           # the rest belongs to the chunk
      -*) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;  # a script's ARGS
    esac
  done

  if ((run == 0)); then
    case $prev in
      --profile|--region|--connect-to) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
      help=$("$slsh" --help 2>/dev/null | _slsh_help_options | cut -d' ' -f1)
      COMPREPLY=($(compgen -W "$help" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "run" -- "$cur") $(compgen -f -- "$cur"))
    fi
    return 0
  fi

  if ((COMP_CWORD == run + 1)); then
    help=$("$slsh" "${pre[@]}" run 2>/dev/null |
           sed -n 's/^  \([a-zA-Z0-9][a-zA-Z0-9_.-]*\)  .*/\1/p')
    COMPREPLY=($(compgen -W "$help" -- "$cur"))
    return 0
  fi

  name=${COMP_WORDS[run+1]}
  help=$("$slsh" "${pre[@]}" run "$name" --help 2>/dev/null |
         _slsh_help_options)
  # The value of the option before the cursor: its choices when the help
  # spells them (on|off), a file name for FILE, else nothing to offer.
  while read -r line meta; do
    [[ $line == "$prev" && -n $meta ]] || continue
    case $meta in
      *\|*) COMPREPLY=($(compgen -W "${meta//|/ }" -- "$cur")) ;;
      FILE|*_FILE|PATH) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
    return 0
  done <<<"$help"
  COMPREPLY=($(compgen -W "$(cut -d' ' -f1 <<<"$help")" -- "$cur"))
  return 0
}

complete -o filenames -F _slsh_bash slsh
