#!/usr/bin/env bash
# The bash side of polycubectl's completion: candidates from `polycubectl --complete` (a fake
# here, so no daemon is needed) filtered by the word typed, and the part of that word before
# '=' or ':' (where bash splits words) taken off each reply.
# usage: cli_completion_test.sh <polycubectl-completion.bash>
set -u
script=$1
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/polycubectl" <<'FAKE'
#!/usr/bin/env bash
[[ $1 == --complete ]] || exit 1
shift
case "$*" in
  "hw0 set action="*) printf '%s\n' action=DROP action=SLOWPATH action=FORWARD ;;
  "hw0 set "*) printf '%s\n' type= loglevel= action= ;;
  "connect br1:"*) printf '%s\n' br1:port1 br1:port2 ;;
  *) printf '%s\n' show set ports action ;;
esac
FAKE
chmod +x "$fake/polycubectl"
PATH=$fake:$PATH
# shellcheck source=/dev/null
source "$script"
nospace=0
compopt() { [[ $* == "-o nospace" ]] && nospace=1; }

failures=0
# expect <line> <replies, space-separated> [nospace]
expect() {
  COMP_LINE=$1
  COMP_POINT=${#1}
  # bash's own split: blanks, and '=' and ':' as words of their own
  read -ra COMP_WORDS <<<"$(printf '%s' "$1" | sed -E 's/([=:])/ \1 /g')"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  nospace=0
  _polycubectl
  local got="${COMPREPLY[*]}"
  if [[ $got != "$2" || $nospace != "${3:-0}" ]]; then
    echo "FAIL: '$1' -> '$got' (nospace $nospace), expected '$2' (nospace ${3:-0})"
    failures=$((failures + 1))
  fi
}

expect "polycubectl hw0 " "show set ports action"
expect "polycubectl hw0 s" "show set"
expect "polycubectl hw0 set act" "action=" 1
expect "polycubectl hw0 set action=" "=DROP =SLOWPATH =FORWARD"
expect "polycubectl hw0 set action=F" "FORWARD"
expect "polycubectl connect br1:" ":port1 :port2"
expect "polycubectl connect br1:port2" "port2"
expect "polycubectl hw0 x" ""
((failures == 0)) && echo "completion: all passed"
exit $((failures != 0))
