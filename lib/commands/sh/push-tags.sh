# Pushes the built image under both its tags at once (a local program, or the remote builder's). The
# daemon uploads each new layer once and the other push waits for that upload, so the second tag
# adds a manifest, not a second pass over the layers; one after the other (Kamal's way), the second
# push's own round trips to the registry come on top of the first's.
#
# Parameters:
#   versioned  `<repository>:<version>`
#   latest     `<repository>:latest[-<destination>]`
#
# Output: docker push's progress lines, the two pushes' interleaved.
# Exit: the failing push's status when one failed (the versioned one's when both did), else 0.
versioned=$1 latest=$2
docker push "$versioned" &
first=$!
status=0
docker push "$latest" || status=$?
wait "$first" || status=$?
exit "$status"
