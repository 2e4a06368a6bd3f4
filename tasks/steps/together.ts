import type { DeployTask } from '../../lib/context.ts'
import { fanOut } from './fan-out.ts'

/** One lane of {@link together}: a title and steps that run in order. */
export interface Lane {
  readonly title: string
  readonly steps: readonly DeployTask[]
}

/**
 * Runs lanes side by side, each lane's steps in order: a deploy connects to the servers and logs
 * them in to the registry while the image builds, because neither waits for the other. Every lane
 * runs to its end even when another failed (a build is never cut off mid-push), then the failures
 * are reported together, as for hosts.
 */
export const together = (title: string, lanes: readonly Lane[]): DeployTask => ({
  title,
  task: (_, task) =>
    fanOut(
      task,
      lanes.map((lane) => ({
        title: lane.title,
        run: (_c, t) => t.newListr([...lane.steps], { concurrent: false, exitOnError: true }),
      })),
      { where: (failures) => `in ${failures} lanes` },
    ),
})
