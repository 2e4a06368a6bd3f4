# Ties a cord under the working directory (the ssh user's home), then runs a `docker create`, whose
# one `<cord>:<path>` volume argument becomes `$(pwd)/<cord>:<path>`; every other argument passes as
# it is. So a create that shares a round trip with boot-prepare.sh need not know home.
#
# Parameters:
#   cord  the cord dir, relative to home
#   "$@"  the docker create argv
cord=$1
shift 1

for a do
  shift
  case $a in "$cord:"*) a="$(pwd)/$a" ;; esac
  set -- "$@" "$a"
done
mkdir -p "$cord" && touch "$cord/cord" && exec "$@"
