# Prints the versions of a role's containers, one a line: each name minus `<prefix>-`.
#
# Parameters:
#   prefix  the role's container name prefix (`<service>-<role>[-<destination>]`)
#   "$@"    `docker ps` options and filters (e.g. --all, --latest)
prefix=$1
shift 1
. ./include/current-container.sh

docker ps "$@" --format "{{.Names}}" | versions "$prefix"
