import { $ } from 'zx'
import type { Executor } from '../lib/exec/executor.ts'
import { script } from '../lib/shell/command.ts'

/** What the same work costs bare on the same machine and servers, in milliseconds, per phase of a deploy. */
export interface FloorSample {
  /** `docker build` (BuildKit) of one new commit + `docker push` of it, on this machine. */
  readonly buildPush: number
  /** `docker pull` of that image on every server at once (logged in, connections open), the slowest. */
  readonly pull: number
  /** `docker run` + the first passing health command (`docker exec` in a tight loop), on a web server. */
  readonly webStage: number
  /** The same for a worker container and its check, on the workers' server. */
  readonly workerStage: number
  /** `docker stop` of a running worker + `docker tag`, on the workers' server. */
  readonly retire: number
}

/** What the floor needs: the app repo, its image, and executors on a web server and the workers' server. */
export interface FloorTarget {
  readonly dir: string
  readonly env: Record<string, string>
  /** The local docker client (the sandbox's). */
  readonly docker: string
  readonly repository: string
  readonly web: Executor
  readonly worker: Executor
  /** Every server, for the pull. */
  readonly all: readonly Executor[]
  readonly webCheck: string
  readonly workerCmd: string
  readonly workerCheck: string
}

// Times one remote stage on the server itself (date +%s%N around the work, no SSH in the figure):
// `docker run` of $1 with the rest of the arguments as its command, then `docker exec` of the check
// ($2, via sh -c) until it passes, without a pause; prints milliseconds; removes the container.
const STAGE = `name=floor-$$; image=$1; check=$2; shift 2
s=$(date +%s%N)
docker run --detach --name "$name" "$image" "$@" >/dev/null || exit 1
until docker exec "$name" sh -c "$check" >/dev/null 2>&1; do :; done
e=$(date +%s%N)
docker rm --force "$name" >/dev/null
echo $(((e - s) / 1000000))`

const RETIRE = `name=floor-$$; image=$1; shift
docker run --detach --name "$name" "$image" "$@" >/dev/null || exit 1
s=$(date +%s%N)
docker stop "$name" >/dev/null && docker tag "$image" "$image-floor-latest"
e=$(date +%s%N)
docker rm --force "$name" >/dev/null; docker rmi "$image-floor-latest" >/dev/null
echo $(((e - s) / 1000000))`

const PULL = `s=$(date +%s%N); docker pull -q "$1" >/dev/null || exit 1; e=$(date +%s%N); echo $(((e - s) / 1000000))`

const ms = async (executor: Executor, text: string, ...args: string[]): Promise<number> =>
  Number((await executor.run(script(text, ...args))).stdout.trim())

/**
 * Measures every floor once, for a new image built from `tag` (a changed file, as a deploy's new
 * commit). Leaves nothing behind on the servers but the pulled image, which the bench's cleanup removes.
 */
export async function measureFloor(target: FloorTarget, tag: string): Promise<FloorSample> {
  const { dir, env, docker, repository, web, worker } = target
  const image = `${repository}:${tag}`
  // The daemon's built-in BuildKit, as the deploy's build uses with this client (the legacy builder is slower).
  const local = $({ cwd: dir, env: { ...env, DOCKER_BUILDKIT: '1' }, quiet: true })
  const started = performance.now()
  await local`${docker} build --quiet -f demo/Dockerfile -t ${image} .`
  await local`${docker} push --quiet ${image}`
  const buildPush = performance.now() - started
  const pull = Math.max(...(await Promise.all(target.all.map((server) => ms(server, PULL, image)))))
  const webStage = await ms(web, STAGE, image, target.webCheck)
  const workerStage = await ms(worker, STAGE, image, target.workerCheck, 'sh', '-c', target.workerCmd)
  const retire = await ms(worker, RETIRE, image, 'sh', '-c', target.workerCmd)
  await local`${docker} rmi ${image}`.nothrow()
  return { buildPush, pull, webStage, workerStage, retire }
}
