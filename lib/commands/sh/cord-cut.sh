# Cuts a container's cord: finds the host dir mounted at the cord path (docker inspect of the mounts,
# as Kamal) and removes it, so the container's health check fails from now on.
#
# Parameters:
#   name  the container
#   path  the cord path inside it (healthcheck.cord)
#
# Output: the removed dir; nothing when the container has no cord or no longer exists (both are
# fine: there is nothing to drain through the cord).
name=$1 path=$2

dir=$(docker inspect -f '{{ range .Mounts }}{{printf "%s %s\n" .Source .Destination}}{{ end }}' "$name" 2>/dev/null |
  p="$path" awk '$2 == ENVIRON["p"] { print $1 }')
if [ -n "$dir" ]; then rm -r "$dir" && printf "%s\n" "$dir"; fi
