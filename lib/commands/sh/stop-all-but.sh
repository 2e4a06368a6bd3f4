# Stops every running container of a role but one (the container just booted and routed), in one
# `docker stop`: the old container, a same-version one renamed aside (`_replaced_`), and any that a
# run which lost this host started and never routed.
#
# Parameters:
#   keep       the container to leave running
#   stop_wait  seconds for `docker stop -t` (empty: docker's default)
#   "$@"       the `docker ps` filters of the role
#
# Output: none. Exit status: that of `docker stop` (0 when nothing else runs).
keep=$1 stop_wait=$2
shift 2

names=$(docker ps --format "{{.Names}}" "$@" | grep -vxF -- "$keep")
[ -n "$names" ] || exit 0
# One name a line, none with blanks (docker names are [a-zA-Z0-9_.-]): split on newlines only.
IFS='
'
# shellcheck disable=SC2086
if [ -n "$stop_wait" ]; then
  docker stop -t "$stop_wait" $names >/dev/null
else
  docker stop $names >/dev/null
fi
