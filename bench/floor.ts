import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from 'zx'
import type { Executor } from '../lib/exec/executor.ts'
import { script } from '../lib/shell/command.ts'

/**
 * What the same work costs bare on the same machine and servers, in milliseconds, per phase of a
 * deploy. The remote parts are timed from here around one command on each server's SSH connection
 * (the round trip a deploy cannot do without is part of the floor), on every server a deploy uses
 * at once (on one machine the servers share its CPUs, so doing one at a time would be a floor no
 * deploy can reach).
 */
export interface FloorSample {
  /** `docker build` (BuildKit) of one new commit + `docker push` of it, on this machine. */
  readonly buildPush: number
  /** `docker pull` of that image on every server at once (logged in, connections open), the slowest. */
  readonly pull: number
  /** `docker run` + the first passing health command (`docker exec` in a tight loop), on both web servers at once: the first. */
  readonly webStage: number
  /** The same for a worker container and its check, on the workers' server. */
  readonly workerStage: number
  /** `docker stop` of a running worker + `docker tag` on the workers' server, `docker tag` on the others, at once: the slowest. */
  readonly retire: number
  /**
   * `retire` with the prune a deploy does once `retain_containers` is reached (Kamal's deploy prunes
   * every time): on every server at once, besides the tag (and the stop), `docker rm` of one stopped
   * container and `docker rmi` of one unused image with a layer of its own: the slowest.
   */
  readonly retirePrune: number
}

/** The floor of a whole deploy: every phase's, with the retire phase with its prune (`prune`) or without. */
export const floorTotal = (f: FloorSample, { prune }: { prune: boolean }): number =>
  f.buildPush + f.pull + f.webStage + f.workerStage + (prune ? f.retirePrune : f.retire)

/** What the floor needs: the app repo, its image, and executors on the web servers and the workers' server. */
export interface FloorTarget {
  readonly dir: string
  readonly env: Record<string, string>
  /** The local docker client (the sandbox's). */
  readonly docker: string
  readonly repository: string
  /** The web role's servers: a deploy boots them at once. */
  readonly webs: readonly Executor[]
  readonly worker: Executor
  readonly webCheck: string
  readonly workerCmd: string
  readonly workerCheck: string
}

// One role stage: `docker run` of $2 named $1 with the rest of the arguments as its command, then
// `docker exec` of the check ($3, via sh -c) until it passes, without a pause.
const STAGE = `name=$1 image=$2 check=$3; shift 3
docker run --detach --name "$name" "$image" "$@" >/dev/null || exit 1
until docker exec "$name" sh -c "$check" >/dev/null 2>&1; do :; done`
const START = `docker run --detach --name "$1" "$2" "$3" "$4" "$5" >/dev/null`
const RETIRE = `docker stop "$1" >/dev/null && docker tag "$2" "$2-floor-latest"`
const TAG = `docker tag "$1" "$1-floor-latest"`
const PULL = `docker pull -q "$1" >/dev/null`
const CLEAN = `docker rm --force "$1" >/dev/null 2>&1; docker rmi "$2-floor-latest" >/dev/null 2>&1; true`
// What a prune finds once retain_containers is reached, made untimed: a stopped container ($1-old)
// and an image no container uses with a layer of its own ($2-old, committed from a container).
const PRUNABLE = `docker create --name "$1-old" "$2" true >/dev/null &&
docker run --name "$1-mk" "$2" sh -c 'date > /floor-layer' >/dev/null &&
docker commit "$1-mk" "$2-old" >/dev/null && docker rm "$1-mk" >/dev/null`
// The retire phase with its prune, done bare and overlapped as a deploy may: the stop (given a
// container, $3) beside the tag, then the removals of what PRUNABLE made.
const RETIRE_PRUNE = `[ -z "$3" ] || { docker stop "$3" >/dev/null & }
docker tag "$2" "$2-floor-latest" && docker rm "$1-old" >/dev/null && docker rmi "$2-old" >/dev/null || exit 1
wait`
const CLEAN_PRUNABLE = `docker rm --force "$1-old" "$1-mk" >/dev/null 2>&1; docker rmi "$2-old" >/dev/null 2>&1; true`

/** Wall time of one command on `executor`, its round trip included. */
async function timed(executor: Executor, text: string, ...args: string[]): Promise<number> {
  const started = performance.now()
  await executor.run(script(text, ...args))
  return performance.now() - started
}

/**
 * Measures every floor once, for a new image built from `tag` with a changed file (as a deploy's new
 * commit; the next commit overwrites it). Leaves nothing behind on the servers but the pulled image, which the bench's cleanup removes.
 */
export async function measureFloor(target: FloorTarget, tag: string): Promise<FloorSample> {
  const { dir, env, docker, repository, webs, worker } = target
  const image = `${repository}:${tag}`
  const all = [...webs, worker]
  const name = `floor-${tag}`
  // The daemon's built-in BuildKit, as the deploy's build uses with this client (the legacy builder is slower).
  const local = $({ cwd: dir, env: { ...env, DOCKER_BUILDKIT: '1' }, quiet: true })
  // New content, as a deploy's new commit has: built from the tree as the last run left it, every
  // layer would already be in the registry and on the servers, and the build, push and pull nearly free.
  writeFileSync(join(dir, 'demo/www/bench.txt'), `${tag} ${Date.now()}\n`)
  const started = performance.now()
  await local`${docker} build --quiet -f demo/Dockerfile -t ${image} .`
  await local`${docker} push --quiet ${image}`
  const buildPush = performance.now() - started
  const clean = () => Promise.all(all.map((s) => s.run(script(`${CLEAN}\n${CLEAN_PRUNABLE}`, name, image))))
  try {
    const pull = Math.max(...(await Promise.all(all.map((s) => timed(s, PULL, image)))))
    const webStage = Math.min(...(await Promise.all(webs.map((s) => timed(s, STAGE, name, image, target.webCheck)))))
    const workerCmd = ['sh', '-c', target.workerCmd]
    const workerStage = await timed(worker, STAGE, `${name}-w`, image, target.workerCheck, ...workerCmd)
    await worker.run(script(START, name, image, ...workerCmd))
    const retire = Math.max(
      ...(await Promise.all([timed(worker, RETIRE, name, image), ...webs.map((s) => timed(s, TAG, image))])),
    )
    // The same again with the prune: a running worker to stop, the tag moved back, something to prune.
    await worker.run(script(`docker rm "$1" >/dev/null && ${START}`, name, image, ...workerCmd))
    await Promise.all(
      all.map((s) => s.run(script(`docker rmi "$2-floor-latest" >/dev/null; ${PRUNABLE}`, name, image))),
    )
    const retirePrune = Math.max(
      ...(await Promise.all([
        timed(worker, RETIRE_PRUNE, name, image, name),
        ...webs.map((s) => timed(s, RETIRE_PRUNE, name, image, '')),
      ])),
    )
    return { buildPush, pull, webStage, workerStage, retire, retirePrune }
  } finally {
    await clean()
    await worker.run(script(CLEAN, `${name}-w`, image))
    await local`${docker} rmi ${image}`.nothrow()
  }
}
