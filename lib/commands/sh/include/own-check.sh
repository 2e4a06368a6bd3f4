# Runs a container's own health command (its HEALTHCHECK test, as Docker runs it) through
# `docker exec`, for an engine that cannot run its first check sooner than one `interval` after
# the start (no --health-start-interval before Engine 25). The check runs in the background while
# the including program follows the container's events: every `check_every` seconds until it
# passes; then it stops `docker events` with SIGKILL, so the reader sees the end of its events and
# `passed` tells that end from the others. `hush` kills and reaps it on every exit path.
#
# The including program sets `id` (after `look`), `pid` (docker events, after `listen`),
# `check_every`, and `check_cmd`: the container's health command when the caller knows it (it set
# --health-cmd), which saves reading it from the container.
# shellcheck disable=SC2034,SC2154 # variables shared with the including program

cpid=''

# check_start: the background check, from now until `hush`.
check_start() {
  (
    trap - EXIT INT HUP
    # A TERM (from hush) ends the loop after the current child is killed and reaped, wherever it
    # lands: also between a fork and `c=$!`, which an exit from the trap would leave running.
    c='' stop=''
    trap 'stop=1; [ -z "$c" ] || kill "$c" 2>/dev/null' TERM
    # The command as given to `docker run --health-cmd` (CMD-SHELL), else read from the container:
    # one word a line, CMD-SHELL then the command (its own lines too), or CMD then its argv.
    if [ -n "$check_cmd" ]; then
      test="CMD-SHELL
$check_cmd"
    else
      test=$(docker inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' "$id" 2>/dev/null) || exit 1
    fi
    IFS='
'
    # shellcheck disable=SC2086 # split into lines (globbing is off)
    set -- $test
    kind=${1:-}
    [ $# -eq 0 ] || shift
    shell_cmd="$*"
    IFS=' 	
'
    case $kind in
      CMD-SHELL) set -- /bin/sh -c "$shell_cmd" ;;
      CMD) [ $# -gt 0 ] || exit 1 ;;
      *) exit 1 ;;
    esac
    while [ -z "$stop" ]; do
      docker exec "$id" "$@" >/dev/null 2>&1 </dev/null &
      c=$!
      [ -z "$stop" ] || kill "$c"
      if wait "$c" && [ -z "$stop" ]; then
        kill -KILL "$pid"
        exit 0
      fi
      c=''
      [ -z "$stop" ] || break
      sleep "$check_every" &
      c=$!
      [ -z "$stop" ] || kill "$c"
      wait "$c"
      c=''
    done
    # Reap what the TERM killed (a wait it interrupted returned before its child was gone).
    wait
    exit 1
    # Nothing of it is worth showing: the check's own output goes nowhere, as Docker's would, and
    # a shell may report on stderr what a kill interrupted.
  ) 2>/dev/null &
  cpid=$!
}

# passed: after the events ended, whether it was the check that ended them (docker events killed).
passed() {
  [ -n "$cpid" ] && [ -n "$pid" ] || return 1
  # Braced, here and wherever a wait may see a job killed by a signal: dash and busybox report it on
  # stderr unless the stderr of the whole `wait` is redirected.
  { wait "$pid"; } 2>/dev/null
  [ $? -eq 137 ]
}
