# Everything a host needs before an accessory's uploads, in one round trip: write its env file from
# stdin (mode 600), create its `directories:`, then report home and the state of an existing container.
#
# Parameters:
#   name     the accessory's container
#   envfile  its env file, written from stdin
#   "$@"     directories to create (relative ones under home, where ssh commands start)
#
# Output, one `key=value` line each:
#   home=<pwd>        the ssh user's home, for absolute `--volume` paths
#   state=<status>    an existing container's state (`running`, `exited`…; empty: none)
name=$1 envfile=$2
shift 2

(umask 077 && mkdir -p "$(dirname "$envfile")" && cat >"$envfile" && chmod 600 "$envfile") || exit 1
if [ "$#" -gt 0 ]; then mkdir -p -- "$@" || exit 1; fi
printf "home=%s\n" "$(pwd)"
printf "state=%s\n" "$(docker container inspect --format "{{.State.Status}}" "$name" 2>/dev/null)"
