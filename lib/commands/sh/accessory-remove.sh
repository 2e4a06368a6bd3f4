# `accessory remove` on one host: stop the container, remove it, its image and its service dir. Each
# step runs even if an earlier one failed because the thing was already gone.
#
# Parameters:
#   name   the accessory's container (and its `service` label)
#   image  its image
#   dir    its service dir (files and relative directories)
name=$1 image=$2 dir=$3

docker container stop "$name" >/dev/null 2>&1
docker container prune --force --filter "label=service=$name" &&
  { docker image rm --force "$image" >/dev/null 2>&1 || true; } &&
  rm -rf "$dir"
