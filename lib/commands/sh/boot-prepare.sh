# Everything a host needs before `docker run` of a new app container, in one round trip (Kamal's
# Boot#run up to start_new_version, plus `env push`): create the run directory, write the role's env
# file from stdin (mode 600), optionally tie a cord, rename a container that already has this
# version's name (redeploy, rollback), then find the role's current container and the running ones
# the boot will stop once the new one serves.
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
#   running=<container name>      one line per running (or restarting) container of the role, newest
#                                 first, after the rename
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
# One listing of the role's containers (every state, newest first) tells whether a container
# already has this version's name, which ones are running (the boot stops them once the new one
# serves) and, when at most one is, which one is current: no docker call to wait for after it, here
# or when the old containers are stopped.
listing=$(docker container ls --all --format "{{.Names}} {{.State}}" "$@") || exit 1
same='' running='' count=0
while read -r cname cstate; do
  [ "$cname" = "$name" ] && same=1
  case $cstate in
    running | restarting)
      running="$running$cname
"
      count=$((count + 1))
      ;;
  esac
done <<EOF_LISTING
$listing
EOF_LISTING
# Two running at once (a half-failed deploy left a newer one behind): the current one is the newest
# of the latest image. With one, both rules name it; with none, there is none.
cur=''
if [ "$count" -gt 1 ]; then
  cur=$(latest_container names "$ref" "$@")
fi
if [ -n "$same" ]; then
  docker rename "$name" "$renamed" >/dev/null || exit 1
  printf "renamed=%s\n" "$renamed"
fi
# The names as they are now: the container renamed aside answers to its new name.
as_now() {
  if [ -n "$same" ] && [ "$1" = "$name" ]; then printf "%s\n" "$renamed"; else printf "%s\n" "$1"; fi
}
first=''
while IFS= read -r cname; do
  [ -n "$cname" ] || continue
  cname=$(as_now "$cname")
  first=${first:-$cname}
  printf "running=%s\n" "$cname"
done <<EOF_RUNNING
$running
EOF_RUNNING
if [ -n "$cur" ]; then cur=$(as_now "$cur"); else cur=$first; fi
printf "current=%s\n" "$cur"
if [ -n "$cur" ]; then
  printf "current_version=%s\n" "${cur#"$prefix-"}"
else
  echo current_version=
fi
