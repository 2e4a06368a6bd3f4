# Prints the current container of a role (see include/current-container.sh), or nothing.
#
# Parameters:
#   ref     the latest image (`<repository>:latest[-<destination>]`)
#   prefix  the role's container name prefix (`<service>-<role>[-<destination>]`)
#   print   `id`, `name`, or `version` (the name minus `<prefix>-`)
#   "$@"    the `docker ps` filters of the role
ref=$1 prefix=$2 print=$3
shift 3
. ./include/current-container.sh

case $print in
  id) current_container ids "$ref" "$@" ;;
  name) current_container names "$ref" "$@" ;;
  *) current_container names "$ref" "$@" | versions "$prefix" ;;
esac
