import type { Role } from '../../lib/config/types.ts'
import type { DeployContext } from '../../lib/context.ts'
import { CancelledError } from '../../lib/errors.ts'
import type { Executor } from '../../lib/exec/executor.ts'
import * as assets from '../../lib/commands/assets.ts'

/** What the asset steps of one role's boot on one host use. */
interface AssetBoot {
  readonly ctx: DeployContext
  readonly host: string
  readonly role: Role
  readonly remote: Executor
  readonly say: (line: string) => void
}

/**
 * Asset bridging before the boot, for a role with `asset_path` behind the proxy: one round trip
 * extracts the new version's assets and merges them with the current version's. Returns the volume
 * the new container mounts at `asset_path`; undefined for any other role (no round trip).
 */
export async function prepareAssets({ ctx, host, role, remote, say }: AssetBoot): Promise<string | undefined> {
  if (!assets.bridgesAssets(role)) return undefined
  if (ctx.signal.aborted) throw new CancelledError(`${host}: cancelled before booting ${role.name}`)
  say(`Preparing the assets of ${role.assetPath}`)
  const { stdout } = await remote.run(assets.prepareAssets(ctx.config, role, ctx.version), { signal: ctx.signal })
  const prepared = assets.parseAssets(ctx.config, role, ctx.version, stdout)
  for (const dir of prepared.unmerged) say(`Could not merge the other version's assets into ${dir}`)
  return prepared.volume
}

/** After the old container stopped: the other versions' asset dirs of the role go (Kamal's clean_up_assets). */
export async function cleanUpAssets({ ctx, role, remote, say }: AssetBoot): Promise<void> {
  if (!assets.bridgesAssets(role)) return
  const cleaned = await remote
    .run(assets.cleanUpAssets(ctx.config, role, ctx.version), { allowFailure: true })
    .catch(() => undefined)
  if (cleaned?.exitCode !== 0) say(`Could not remove the earlier versions' assets of ${role.name}`)
}
