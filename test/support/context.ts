import type { Config } from '../../lib/config/types.ts'
import { newRunState, type DeployContext, type Flags } from '../../lib/context.ts'
import { select } from '../../lib/config/selection.ts'
import { recorder } from '../../lib/exec/recorder.ts'
import * as audit from '../../lib/commands/audit.ts'
import { render } from '../../lib/shell/command.ts'
import type { Result } from '../../lib/exec/executor.ts'

/** The time on every audit line a recording context writes. */
export const AUDIT_AT = '2024-06-01T12:00:00Z'

/** The redacted shell text of the audit line `line` as a recording context writes it. */
export const auditText = (config: Config, line: string, role?: string): string =>
  render(audit.record(config, line, { recordedAt: AUDIT_AT, performer: 'tester@example.com', role }), { redact: true })

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
    clock: () => new Date(AUDIT_AT),
    startedAt: Date.now(),
    performer: 'Tester',
    auditPerformer: 'tester@example.com',
    ...newRunState(),
  }
  return { ctx, log: rec.log, abort: () => controller.abort() }
}
