# Removes what a service keeps in the run directory on a host (`slipway remove`): the env file, the
# cord dirs, the asset dirs (asset bridging) and the caddy route files of each of its container
# prefixes, so a proxy booted again for another service does not route to it. The audit log and the
# lock dir are not touched (the lock is released by the run that holds it).
#
# Parameters:
#   run   the run directory (relative to home, or absolute)
#   "$@"  the container prefixes (`<service>-<role>[-<dest>]`)
#
# Output: none; exit 0 unless rm fails.
run=$1
shift 1

for prefix do
  rm -rf "$run/env/roles/$prefix.env" "$run/cords/$prefix"-* \
    "$run/assets/extracted/$prefix"-* "$run/assets/volumes/$prefix"-* \
    "$run/proxy/routes/0-$prefix.json" "$run/proxy/routes/1-$prefix.json" || exit 1
done
