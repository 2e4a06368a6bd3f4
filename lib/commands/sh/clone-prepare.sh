# Brings a project's clean clone (what `docker build` is given) to one commit, in one process on
# this machine: Kamal's clone steps, each its own git command, without one process start and one
# wait per step. `reset` points origin at the repository, fetches, hard-resets to the commit,
# removes everything git does not track and updates the submodules (only when the commit has any);
# `clone` clones into the clone dir; `reclone` deletes the clone dir first. Then it reports what
# the caller checks: the clone's HEAD and its `git status --porcelain`.
#
# Parameters:
#   mode       reset, clone or reclone
#   clone_dir  the project's clone dir (<tmp>/slipway-clones/<service>-<digest>)
#   top        the clone's work tree (clone_dir/<the repository's basename>)
#   build_dir  where the build runs: top, or the project's subdirectory of it (a monorepo)
#   root       the local repository
#   sha        the commit (reset only)
#
# Output: `head=<the clone's HEAD>`, then the status lines (none when the clone is clean). git runs
# quietly, so stderr holds only what went wrong. Exit 1 when a step failed.
mode=$1 clone_dir=$2 top=$3 build_dir=$4 root=$5 sha=$6

case $mode in
  reset)
    git -C "$build_dir" remote set-url origin "$root" || exit 1
    git -C "$build_dir" fetch -q origin || exit 1
    git -C "$build_dir" reset -q --hard "$sha" || exit 1
    git -C "$build_dir" clean -q -fdx || exit 1
    if [ -f "$top/.gitmodules" ]; then
      git -C "$build_dir" submodule -q update --init || exit 1
    fi
    ;;
  clone | reclone)
    if [ "$mode" = reclone ]; then
      rm -rf "$clone_dir" || exit 1
    fi
    mkdir -p "$clone_dir" || exit 1
    git -C "$clone_dir" clone -q "$root" --recurse-submodules || exit 1
    ;;
  *)
    echo "unknown mode: $mode" >&2
    exit 1
    ;;
esac
head=$(git -C "$build_dir" rev-parse HEAD) || exit 1
echo "head=$head"
git -C "$build_dir" status --porcelain
