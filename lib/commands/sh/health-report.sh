# What to show when a new container failed: its last log lines (stdout and stderr), then, as the
# LAST line, its health log as JSON (`null` without a health check). Never fails.
#
# Parameters:
#   name   the container
#   lines  how many log lines
name=$1 lines=$2

docker logs --tail "$lines" "$name" 2>&1
docker inspect --format "{{json .State.Health}}" "$name" 2>/dev/null || echo null
