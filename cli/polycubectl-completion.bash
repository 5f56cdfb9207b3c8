# bash completion for polycubectl.
#
# polycubectl finds the candidates itself: `polycubectl --complete <words> <current word>`
# asks the daemon (OPTIONS <path>?help=<CMD>&completion, and GET on lists for the names of
# their entries) and prints one candidate a line. Installed as
# share/bash-completion/completions/polycubectl; or source it from ~/.bashrc.

_polycubectl() {
  local line=${COMP_LINE:0:COMP_POINT}
  local -a words
  # Split on blanks only, so that key=value and cube:port stay whole words.
  read -ra words <<<"$line"
  local cur=""
  if [[ $line != *[[:blank:]] ]]; then
    cur=${words[-1]}
    unset 'words[-1]'
  fi
  ((${#words[@]} > 0)) || return 0

  local -a candidates
  mapfile -t candidates < <(command "${words[0]}" --complete "${words[@]:1}" "$cur" 2>/dev/null)

  # bash has split the current word at COMP_WORDBREAKS ('=' and ':' among them); a reply
  # replaces only the part after the split, so the part before it comes off each candidate.
  local typed=${COMP_WORDS[COMP_CWORD]}
  local prefix=${cur%"$typed"}
  local c
  COMPREPLY=()
  for c in "${candidates[@]}"; do
    [[ $c == "$cur"* ]] && COMPREPLY+=("${c#"$prefix"}")
  done
  # key= and cube: want their value right after them.
  if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[=:] ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}

complete -F _polycubectl polycubectl
