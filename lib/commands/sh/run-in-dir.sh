# Runs a command in a directory, with every argument that starts with a placeholder made absolute:
# `<here>/x` becomes `$PWD/x`. So a `docker run --volume <here>:/etc/slipway` needs no round trip to
# learn the dir's absolute path first.
#
# Parameters:
#   dir   the directory (relative to home or absolute)
#   here  the placeholder
#   "$@"  the command
dir=$1 here=$2
shift 2

cd "$dir" || exit 1
for a do
  shift
  case $a in "$here"*) a="$PWD${a#"$here"}" ;; esac
  set -- "$@" "$a"
done
"$@"
