import { and, cmd, type Command } from '../shell/command.ts'
import { program } from './program.ts'

// Kamal's cord: a proxied container's health check also requires a file on a
// host-mounted dir. Deleting the dir ("cutting the cord") makes the old container unhealthy, so
// a label-driven proxy such as traefik stops routing to it before it is stopped.

/** `mkdir -p DIR && touch DIR/cord` */
export const tieCord = (dir: string): Command => and(cmd('mkdir', '-p', dir), cmd('touch', `${dir}/cord`))

const CUT = program<'name' | 'path'>('cord-cut.sh')

/** Removes the host dir mounted at `cordPath` in `containerName` (sh/cord-cut.sh); prints it, or nothing without a cord. */
export const cutCord = (containerName: string, cordPath: string): Command =>
  CUT({ name: containerName, path: cordPath })
