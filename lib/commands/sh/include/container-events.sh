# Helpers for waiting on one container's Docker events instead of a timer: the wait ends within
# milliseconds of the container's state changing, with no fixed sleep and one `docker inspect` per
# change. Race-free: `since` is read BEFORE each inspect, and the daemon replays every event from
# `since` on, so a change between the inspect and the subscription is not lost.
#
# Clocks are integer nanoseconds (dash arithmetic is 64-bit); where `date` has no %N, whole seconds
# rounded down, which only replays more. `docker events` is bounded by --until and killed and reaped
# on every exit path, signals included, so nothing outlives the program; its fifo is unlinked as
# soon as both ends are open.
#
# The including program sets `name` (the container) and `interval` (seconds between two looks when
# `docker events` cannot be followed), and reads `id state health restarts since` after `look`.
# shellcheck disable=SC2034,SC2154 # variables shared with the including program

set -f
pid='' fifo=''

# now: the time in $t.
now() {
  t=$(date +%s%N 2>/dev/null)
  case $t in "" | *[!0-9]*) t=$(($(date +%s) * 1000000000)) ;; esac
}

# stamp NS: NS as docker's seconds.nanoseconds.
stamp() { printf "%d.%09d" $(($1 / 1000000000)) $(($1 % 1000000000)); }

# hush: stop following events (kill and reap a running own check (include/own-check.sh) and
# `docker events`, close fd 3, remove the fifo).
hush() {
  if [ -n "${cpid:-}" ]; then
    kill "$cpid" 2>/dev/null
    { wait "$cpid"; } 2>/dev/null
    cpid=
  fi
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exec 3<&-
    pid=
  fi
  [ -z "$fifo" ] || rm -f "$fifo"
  fifo=
}

# quit STATUS CODE: the last line of stdout is the final status.
quit() {
  echo "$1"
  exit "$2"
}

# Every exit, a signal's or a failed redirection's included, goes through the EXIT trap.
trap hush EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# look: `since` first, then the container's "<id> <state> <health or -> <restart count>" into
# $id $state $health $restarts (id=missing when there is no such container). `index .State "Health"`,
# not `.State.Health`: docker 23+ CLIs fail the template on a container without a health check.
look() {
  now
  since=$t
  s=$(docker inspect --format '{{.Id}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{else}}-{{end}} {{.RestartCount}}' "$name" 2>/dev/null) || s=missing
  # shellcheck disable=SC2086 # split into its four words (globbing is off)
  set -- $s
  id=$1 state=${2:-} health=${3:--} restarts=${4:-0}
}

# listen ID [--filter …]: the container's events from $since to $until, one `{{.Action}}` a line on fd 3.
listen() {
  fifo=${TMPDIR:-/tmp}/slipway-events.$$
  rm -f "$fifo"
  mkfifo -m 600 "$fifo" || {
    fifo=
    return 1
  }
  c=$1
  shift
  docker events --since "$(stamp "$since")" --until "$(stamp "$until")" --filter "container=$c" "$@" --format "{{.Action}}" >"$fifo" 2>/dev/null &
  pid=$!
  exec 3<"$fifo"
  rm -f "$fifo"
  fifo=
}

# ended: the subscription ended by itself. At $until, look again at once; before it (docker events
# failed), look again after `interval`, so a broken `docker events` degrades to polling, not a busy loop.
ended() {
  hush
  now
  [ "$t" -ge "$until" ] || sleep "$interval"
}
