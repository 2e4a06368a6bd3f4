# Asset bridging (Kamal's `asset_path`), before a role's boot: the new version's assets are copied
# out of its image, then merged with the current version's, so that the new container and the one
# it replaces each serve both versions' assets while pages of either version are still being loaded.
#
# Parameters:
#   run    the run directory (relative to home or absolute)
#   name   the new container's name: its dirs are <run>/assets/extracted/<name> and
#          <run>/assets/volumes/<name> (mounted at asset_path)
#   image  the new version's image
#   path   asset_path, inside the image
#   ref    the latest image, to find the current container
#   "$@"   the role's `docker ps` filters
#
# Output: `home=<pwd>`, `current=<the current container's dirs name>` (empty: none), and a line
# `unmerged=<dir>` for each merge with the current version that failed (the deploy goes on, as
# Kamal's does: only in-flight pages of one version may miss an asset of the other).
# Exit 1 when the new version's assets could not be extracted or copied to its volume.
run=$1 name=$2 image=$3 path=$4 ref=$5
shift 5
. ./include/current-container.sh

printf "home=%s\n" "$(pwd)"
extracted=$run/assets/extracted
volumes=$run/assets/volumes
mkdir -p "$extracted" "$volumes" || exit 1

# merge SRC DST: copies into DST what SRC has and DST lacks, never replacing what DST has (a running
# container may be serving it); a DST that does not exist becomes a copy of SRC. Not `cp -n`, whose
# exit status and warnings differ between coreutils releases.
merge() {
  [ -d "$1" ] || return 0
  if [ ! -e "$2" ]; then
    cp -R "$1" "$2"
    return
  fi
  (cd "$1" && find . ! -name .) | while IFS= read -r f; do
    if [ -d "$1/$f" ] && [ ! -L "$1/$f" ]; then
      [ -d "$2/$f" ] || mkdir "$2/$f" || exit 1
    elif [ ! -e "$2/$f" ] && [ ! -L "$2/$f" ]; then
      cp -P "$1/$f" "$2/$f" || exit 1
    fi
  done
}

# The image's assets, through a container that is created, never started: the image needs no
# `sleep`, and nothing of it runs. A box left by an interrupted run is removed first.
box=$name-assets
create() { docker create --name "$box" --entrypoint true "$image" >/dev/null; }
if ! failure=$(create 2>&1); then
  case $failure in
    *"already in use"*) { docker rm -f "$box" >/dev/null && create; } || exit 1 ;;
    *)
      printf "%s\n" "$failure" >&2
      exit 1
      ;;
  esac
fi
copied=1
if rm -rf "${extracted:?}/$name" && mkdir "$extracted/$name"; then
  if failure=$(docker cp -L "$box:$path/." "$extracted/$name" 2>&1 >/dev/null); then
    copied=0
  else
    printf "asset_path %s: could not copy it out of %s: %s\n" "$path" "$image" "$failure" >&2
  fi
fi
# The box goes while the merges run; a box that stays is removed by the next run.
docker rm "$box" >/dev/null &
removing=$!
fail() {
  wait "$removing"
  exit 1
}
if [ "$copied" -ne 0 ]; then
  rm -rf "${extracted:?}/$name"
  fail
fi

# The current container's version may have been renamed aside (`<name>_replaced_<hex>`); its dirs
# keep the name it was booted with.
current=$(current_container names "$ref" "$@") || fail
current=${current%%_replaced_*}
printf "current=%s\n" "$current"
merge "$extracted/$name" "$volumes/$name" || fail
if [ -n "$current" ] && [ "$current" != "$name" ]; then
  if [ -d "$volumes/$current" ]; then
    merge "$extracted/$name" "$volumes/$current" || printf "unmerged=%s\n" "$volumes/$current"
  fi
  merge "$extracted/$current" "$volumes/$name" || printf "unmerged=%s\n" "$volumes/$name"
fi
wait "$removing" || true
