import { and, cmd, script, type Command } from '../shell/command.ts'

// Kamal's cord (kamal.md §6.6): a proxied container's health check also requires a file on a
// host-mounted dir. Deleting the dir ("cutting the cord") makes the old container unhealthy, so
// a label-driven proxy such as traefik stops routing to it before it is stopped.

/** `mkdir -p DIR && touch DIR/cord` */
export const tieCord = (dir: string): Command => and(cmd('mkdir', '-p', dir), cmd('touch', `${dir}/cord`))

/**
 * Finds the host dir mounted at `cordPath` in `containerName` (docker inspect of the mounts + awk,
 * as Kamal) and removes it. Prints the removed dir; prints nothing when the container has no cord
 * or no longer exists (both are fine: there is nothing to drain through the cord).
 */
export const cutCord = (containerName: string, cordPath: string): Command =>
  script(
    'dir=$(docker inspect -f "{{ range .Mounts }}{{printf \\"%s %s\\n\\" .Source .Destination}}{{ end }}" "$1" 2>/dev/null | ' +
      'p="$2" awk \'$2 == ENVIRON["p"] {print $1}\'); ' +
      'if [ -n "$dir" ]; then rm -r "$dir" && printf "%s\\n" "$dir"; fi',
    containerName,
    cordPath,
  )
