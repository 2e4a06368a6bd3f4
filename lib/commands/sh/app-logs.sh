# The logs of a role's current container (see include/current-container.sh), found in the same
# round trip: `docker logs [--since S] [--tail N] [--timestamps] [--follow] <id> 2>&1`.
#
# Parameters:
#   ref         the latest image (`<repository>:latest[-<destination>]`)
#   since       --since (empty: none)
#   tail        --tail (empty: none)
#   timestamps  non-empty: --timestamps
#   follow      non-empty: --follow
#   "$@"        the `docker ps` filters of the role
#
# Exit 1 with "no running container" on stderr when the role has none.
ref=$1 since=$2 tail=$3 timestamps=$4 follow=$5
shift 5
. ./include/current-container.sh

id=$(current_container ids "$ref" "$@")
[ -n "$id" ] || {
  echo "no running container" >&2
  exit 1
}
set --
[ -z "$since" ] || set -- "$@" --since "$since"
[ -z "$tail" ] || set -- "$@" --tail "$tail"
[ -z "$timestamps" ] || set -- "$@" --timestamps
[ -z "$follow" ] || set -- "$@" --follow
docker logs "$@" "$id" 2>&1
