# Stops every running container of a role but one (the container just booted and routed), in one
# `docker stop`: the old container, a same-version one renamed aside (`_replaced_`), and any that a
# run which lost this host started and never routed. The old container, when the caller knows it,
# is stopped while the others are looked for: one docker call less to wait for on every boot.
#
# Parameters:
#   keep       the container to leave running
#   stop_wait  seconds for `docker stop -t` (empty: docker's default)
#   old        the old container, stopped at once (empty: not known)
#   "$@"       the `docker ps` filters of the role
#
# Output: none. Exit status: that of a failed `docker stop` (0 when nothing else runs).
keep=$1 stop_wait=$2 old=$3
shift 3

stop() {
  if [ -n "$stop_wait" ]; then
    docker stop -t "$stop_wait" "$@" >/dev/null
  else
    docker stop "$@" >/dev/null
  fi
}

early=''
if [ -n "$old" ] && [ "$old" != "$keep" ]; then
  stop "$old" &
  early=$!
fi
# With -x an empty pattern matches only empty lines: an unknown old container excludes nothing.
names=$(docker ps --format "{{.Names}}" "$@" | grep -vxF -e "$keep" -e "$old")
status=0
if [ -n "$names" ]; then
  # One name a line, none with blanks (docker names are [a-zA-Z0-9_.-]): split on newlines only.
  IFS='
'
  # shellcheck disable=SC2086
  stop $names || status=$?
fi
if [ -n "$early" ]; then
  wait "$early" || status=$?
fi
exit "$status"
