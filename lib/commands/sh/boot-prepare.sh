# Everything a host needs before `docker run` of a new app container, in one round trip (Kamal's
# Boot#run up to start_new_version, plus `env push`): create the run directory, write the role's env
# file from stdin (mode 600), optionally tie a cord, rename a container that already has this
# version's name (redeploy, rollback), then find the role's current container.
#
# Parameters:
#   run      the run directory (relative to home or absolute)
#   envfile  the role's env file, written from stdin
#   name     the new container's name
#   renamed  the name for a container that already has `name`
#   ref      the latest image (`<repository>:latest[-<destination>]`)
#   prefix   the role's container name prefix (`<service>-<role>[-<destination>]`)
#   cord     a cord dir to tie now (empty: none)
#   "$@"     the `docker ps` filters of the role
#
# Output, one `key=value` line each, in this order:
#   home=<pwd>                    the ssh user's home, for absolute `--volume` paths
#   renamed=<name>                only when a same-version container was renamed to this name
#   current=<container name>      the current container after the rename (empty: none)
#   current_version=<version>     its version (empty: none)
# Exit 1 when any step failed; `current=` is then missing.
run=$1 envfile=$2 name=$3 renamed=$4 ref=$5 prefix=$6 cord=$7
shift 7
. ./include/current-container.sh

mkdir -p "$run" || exit 1
(umask 077 && mkdir -p "$(dirname "$envfile")" && cat >"$envfile" && chmod 600 "$envfile") || exit 1
if [ -n "$cord" ]; then
  { mkdir -p "$cord" && touch "$cord/cord"; } || exit 1
fi
printf "home=%s\n" "$(pwd)"
# The same-name lookup runs alongside the current-container lookup (one docker call less to wait
# for on every boot); only when it finds a container, which is rare, is the current one looked up
# again after the rename.
same=${TMPDIR:-/tmp}/slipway-same.$$
trap 'rm -f "$same"' EXIT
docker container ls --all --filter "name=^$name\$" --quiet >"$same" &
lookup=$!
cur=$(current_container names "$ref" "$@")
wait "$lookup" || exit 1
ids=$(cat "$same")
if [ -n "$ids" ]; then
  docker rename "$name" "$renamed" >/dev/null || exit 1
  printf "renamed=%s\n" "$renamed"
  cur=$(current_container names "$ref" "$@")
fi
printf "current=%s\n" "$cur"
if [ -n "$cur" ]; then
  printf "current_version=%s\n" "${cur#"$prefix-"}"
else
  echo current_version=
fi
