# Kamal's `prune all` (prune-containers.sh, then prune-images.sh), optionally after moving the
# latest tag, with every docker call that does not wait for another at once: the tag and the two
# listings first, then one `docker rm`, then one `docker rmi` (the images of the containers just
# removed are unused by then), then `docker image prune` only when there are dangling images.
# 2 docker calls one after another when there is nothing to remove, where the two programs and a
# tag take 4.
#
# Parameters:
#   service      the service label
#   destination  only this destination's containers count (empty: all of the service's)
#   keep         how many stopped containers to keep
#   latest       the latest tag (`<repository>:latest[-<destination>]`)
#   repository   the image repository
#   image        tag this image as `latest` first (empty: no tag)
#   "$@"         containers being stopped beside this prune (the boot's old ones): counted as the
#                stopped containers they are about to be, so the same ones are kept as after the
#                stop, but never removed by this run (the next prune removes them if they are beyond keep)
#
# Output: `tagged` once the tag succeeded (with `image`). Exit 1 when any docker call failed;
# nothing is removed when the tag or a listing failed.
service=$1 destination=$2 keep=$3 latest=$4 repository=$5 image=$6
shift 6
. ./include/prune-select.sh

dir=$(mktemp -d "${TMPDIR:-/tmp}/slipway-prune.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
printf '%s\n' "$@" >"$dir/stopping"
tag=''
if [ -n "$image" ]; then
  docker tag "$image" "$latest" &
  tag=$!
fi
# Every container (their images are the ones in use), '|'-separated since labels may be empty.
docker ps -a --format '{{.ID}}|{{.State}}|{{.Label "service"}}|{{.Label "destination"}}|{{.Image}}|{{.Names}}' >"$dir/containers" &
containers=$!
docker image ls --filter "label=service=$service" --format "{{.ID}} {{.Repository}}:{{.Tag}}" >"$dir/images" &
images=$!
failed=''
if [ -n "$tag" ]; then
  if wait "$tag"; then echo tagged; else failed=1; fi
fi
wait "$containers" || failed=1
wait "$images" || failed=1
[ -z "$failed" ] || exit 1

# Stopped containers, newest first, and those being stopped where they stand (`-<id>`: counted, not removed).
ids=$(awk -F'|' 'NR == FNR { if ($0 != "") stopping[$0] = 1; next }
  $2 == "created" || $2 == "exited" || $2 == "dead" { print $1, $3, $4; next }
  ($2 == "running" || $2 == "restarting") && ($6 in stopping) { print "-" $1, $3, $4 }' "$dir/stopping" "$dir/containers" | stale)
if [ -n "$ids" ]; then
  # shellcheck disable=SC2086 # one argument per id
  docker rm $ids >/dev/null || exit 1
fi
# The images the service's containers use, but for those just removed.
used=$(printf "%s\n" "$ids" | awk -F'|' -v s="$service" '
  NR == FNR { if ($0 != "") gone[$0] = 1; next }
  $3 == s && !($1 in gone) { printf "%s\\|", $5 }' - "$dir/containers")
tags=$(unused "$used" <"$dir/images")
if [ -n "$tags" ]; then
  # shellcheck disable=SC2086 # one argument per tag
  docker rmi $tags >/dev/null || exit 1
fi
case $(cat "$dir/images") in *"<none>:<none>"*) docker image prune --force --filter "label=service=$service" >/dev/null ;; esac
