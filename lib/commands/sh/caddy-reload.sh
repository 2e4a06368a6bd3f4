# Loads <dir>/caddy.json into the running caddy (include/caddy-admin.sh); exit 1 with caddy's error.
#
# Parameters:
#   dir                            the config dir
#   proxy config sock admin legacy see include/caddy-admin.sh
#   force                          `--force`: reload even when unchanged (empty: only when changed)
dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 force=$7
. ./include/caddy-admin.sh

cd "$dir" || exit 1
load "$force" || exit 1
