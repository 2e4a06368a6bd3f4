import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DeployError } from '../errors.ts'
import { renderErb } from './erb.ts'

// Kamal's `envify`: `.env.erb` (or `.env.<destination>.erb`) rendered with ERB against the process
// env, written to `.env` (or `.env.<destination>`) readable by its owner only.

/** Renders the template into the secrets file; returns the file written, relative to `cwd`. */
export function envify({
  cwd,
  destination,
  env,
}: {
  cwd: string
  destination: string | undefined
  env: Readonly<Record<string, string | undefined>>
}): string {
  const target = destination ? `.env.${destination}` : '.env'
  const template = `${target}.erb`
  const source = join(cwd, template)
  if (!existsSync(source)) throw new DeployError(`${template} not found in ${cwd}: envify renders it into ${target}`)
  const { text } = renderErb(readFileSync(source, 'utf8'), { file: template, env, root: cwd })
  const path = join(cwd, target)
  // The mode option applies only to a new file: an existing .env keeps its mode unless chmod'ed.
  writeFileSync(path, text, { mode: 0o600 })
  chmodSync(path, 0o600)
  return target
}
