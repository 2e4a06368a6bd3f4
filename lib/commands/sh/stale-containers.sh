# Versions of a role's running containers that are not the current one (Kamal's
# `app stale_containers`), one a line; with `stop`, each is also stopped and its version printed.
#
# Parameters:
#   ref        the latest image (`<repository>:latest[-<destination>]`)
#   prefix     the role's container name prefix
#   stop       non-empty: stop each stale container
#   stop_wait  seconds for `docker stop -t` (empty: docker's default)
#   "$@"       the `docker ps` filters of the role
ref=$1 prefix=$2 stop=$3 stop_wait=$4
shift 4
. ./include/current-container.sh

cur=$(current_container names "$ref" "$@")
docker ps --format "{{.Names}}" "$@" | while read -r line; do
  [ "$line" = "$cur" ] && continue
  printf "%s\n" "${line#"$prefix-"}"
  [ -n "$stop" ] || continue
  if [ -n "$stop_wait" ]; then
    docker stop -t "$stop_wait" "$line" >/dev/null
  else
    docker stop "$line" >/dev/null
  fi
done
