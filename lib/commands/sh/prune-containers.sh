# Removes stopped containers: the service's beyond the newest `keep` (docker lists newest first),
# and every stopped leftover of Kamal <= 1.5's healthcheck step (label `service=healthcheck-S`).
# One `docker ps` of all stopped containers, then one `docker rm` when there is something to remove.
#
# Parameters:
#   service      the service label
#   destination  only this destination's containers count (empty: all of the service's)
#   keep         how many stopped containers to keep
service=$1 destination=$2 keep=$3
. ./include/prune-select.sh

stopped=$(docker ps -a --filter status=created --filter status=exited --filter status=dead \
  --format '{{.ID}} {{.Label "service"}} {{.Label "destination"}}') || exit 1
ids=$(printf "%s\n" "$stopped" | stale)
if [ -n "$ids" ]; then
  # shellcheck disable=SC2086 # one argument per id
  docker rm $ids >/dev/null || exit 1
fi
