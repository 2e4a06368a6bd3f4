import type { Config } from '../../lib/config/types.ts'
import { newRunState, type DeployContext, type Flags } from '../../lib/context.ts'
import { select } from '../../lib/config/selection.ts'
import { recorder } from '../../lib/exec/recorder.ts'
import type { Result } from '../../lib/exec/executor.ts'

/** Flags as an entry script would parse them with no arguments. */
export const defaultFlags: Flags = {
  configFile: undefined,
  destination: undefined,
  version: undefined,
  hosts: undefined,
  roles: undefined,
  primary: false,
  skipHooks: false,
  skipPush: false,
  verbose: false,
  quiet: false,
  confirmed: false,
  dryRun: false,
  lockWait: undefined,
}

/** A reply to one recorded line (`"<host>: <redacted shell text>"`): may be async, to model slow hosts. */
export type Reply = (line: string) => Partial<Result> | undefined | Promise<Partial<Result> | undefined>

/** A DeployContext whose executors record redacted shell text instead of running it. */
export function recordingContext({
  config,
  reply,
  flags = {},
}: {
  config: Config
  reply?: Reply
  flags?: Partial<Flags>
}) {
  const rec = recorder({ reply })
  const allFlags = { ...defaultFlags, ...flags }
  const controller = new AbortController()
  const ctx: DeployContext = {
    config,
    version: 'v2',
    command: 'deploy',
    subcommand: undefined,
    flags: allFlags,
    selection: select(config, { hosts: allFlags.hosts, roles: allFlags.roles, primary: allFlags.primary }),
    local: rec.executor('localhost'),
    remote: rec.executor,
    signal: controller.signal,
    startedAt: Date.now(),
    performer: 'Tester',
    ...newRunState(),
  }
  return { ctx, log: rec.log, abort: () => controller.abort() }
}
