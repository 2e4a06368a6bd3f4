# What a prune removes, chosen from docker's listings (one listing each, read once): shared by
# prune-containers.sh, prune-images.sh and prune-all.sh.
#
# The including program sets `service`, and for `stale` also `destination` and `keep`, for `unused`
# also `latest` and `repository`.
# shellcheck disable=SC2154 # variables set by the including program

# stale: reads "<id> <service label> <destination label>" lines of stopped containers, newest first,
# and prints the ids to remove: the service's beyond the newest `keep` (with a destination, only
# its containers count), and every stopped leftover of Kamal <= 1.5's healthcheck step. An id
# written `-<id>` (a container still being stopped) counts among the newest but is never printed.
stale() {
  awk -v s="$service" -v d="$destination" -v keep="$keep" '
    $2 == s && (d == "" || $3 == d) { if (++n > keep && $1 !~ /^-/) print $1; next }
    $2 == "healthcheck-" s && $1 !~ /^-/ { print $1 }'
}

# unused USED: reads "<id> <repository>:<tag>" lines of the service's images and prints the tags
# to remove: all but the latest tag, `<repository>:<none>` and the images in USED ("<image>\|" each,
# those containers use), as Kamal's `grep -v -w`; dangling images are left to `docker image prune`.
unused() {
  grep -v -w "$1$latest\|$repository:<none>" | awk '$2 != "<none>:<none>" { print $2 }'
}
