# Removes the service's images that no container uses: tags other than the latest tag,
# `<repository>:<none>` and those any container of the service runs (Kamal's `docker image ls … |
# grep -v -w "<in use>\|<latest>\|<repository>:<none>"`), in one `docker rmi`; then, only when there
# are any, dangling ones through `docker image prune`, which leaves those a container still uses.
#
# Parameters:
#   service     the service label
#   latest      the latest tag (`<repository>:latest[-<destination>]`)
#   repository  the image repository
service=$1 latest=$2 repository=$3
. ./include/prune-select.sh

# The two listings run side by side: one docker call less to wait for on every deploy's way to its unlock.
images=${TMPDIR:-/tmp}/slipway-images.$$
trap 'rm -f "$images"' EXIT
docker image ls --filter "label=service=$service" --format "{{.ID}} {{.Repository}}:{{.Tag}}" >"$images" &
listing=$!
used=$(docker container ls -a --format '{{.Image}}\|' --filter "label=service=$service" | tr -d "\n") || exit 1
wait "$listing" || exit 1
list=$(cat "$images")
tags=$(printf "%s\n" "$list" | unused "$used")
if [ -n "$tags" ]; then
  # shellcheck disable=SC2086 # one argument per tag
  docker rmi $tags >/dev/null || exit 1
fi
case $list in *"<none>:<none>"*) docker image prune --force --filter "label=service=$service" >/dev/null ;; esac
