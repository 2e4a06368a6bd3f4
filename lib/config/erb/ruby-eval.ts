import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { RubyError, Unsupported } from './errors.ts'
import type { Expr } from './ruby-parse.ts'
import { callMethod, inspect, type Value } from './ruby-methods.ts'

/** What expressions can see: ENV (process env + .env), the project dir, and local variables. */
export interface Scope {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly root: string
  readonly vars: Map<string, Value>
  /** The file's text, to quote an expression in a message. */
  readonly source: string
}

const ENV: Value = { kind: 'ENV' }
const FILE: Value = { kind: 'File' }

/** Ruby's truthiness: only nil and false are false. */
export const truthy = (v: Value): boolean => v !== null && v !== false

/** Ruby's `to_s`, as `<%= %>` inserts a value. */
export function toS(v: Value): string {
  if (v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return inspect(v)
}

/** The value of an expression; RubyError where Ruby fails too, Unsupported outside the subset. */
export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.k) {
    case 'lit':
      return Array.isArray(e.value) ? [...(e.value as string[])] : (e.value as Value)
    case 'str':
      return e.pieces.map((p) => (typeof p === 'string' ? p : toS(evaluate(p, scope)))).join('')
    case 'cmd':
      return run(e.pieces.map((p) => (typeof p === 'string' ? p : toS(evaluate(p, scope)))).join(''), e, scope)
    case 'const':
      if (e.name === 'ENV') return ENV
      if (e.name === 'File') return FILE
      throw new Unsupported(`the constant ${e.name}`, e.start)
    case 'var':
      if (scope.vars.has(e.name)) return scope.vars.get(e.name)!
      throw new Unsupported(`the name "${e.name}"`, e.start)
    case 'array':
      return e.items.map((i) => evaluate(i, scope))
    case 'not':
      return !truthy(evaluate(e.e, scope))
    case 'and': {
      const l = evaluate(e.l, scope)
      return truthy(l) ? evaluate(e.r, scope) : l
    }
    case 'or': {
      const l = evaluate(e.l, scope)
      return truthy(l) ? l : evaluate(e.r, scope)
    }
    case 'eq':
    case 'ne': {
      const same = equal(evaluate(e.l, scope), evaluate(e.r, scope))
      return e.k === 'eq' ? same : !same
    }
    case 'plus':
      return plus(evaluate(e.l, scope), evaluate(e.r, scope), e, scope)
    case 'if':
      if (truthy(evaluate(e.cond, scope))) return evaluate(e.then, scope)
      return e.else ? evaluate(e.else, scope) : null
    case 'index':
      return index(evaluate(e.recv, scope), e.args, e, scope)
    case 'call':
      return call(e, scope)
  }
}

function call(e: Extract<Expr, { k: 'call' }>, scope: Scope): Value {
  if (!e.recv) throw new Unsupported(`the method ${e.name}()`, e.start)
  const recv = evaluate(e.recv, scope)
  if (recv === null && e.safe) return null
  const args = e.args.map((a) => evaluate(a, scope))
  const quoted = quote(e.recv, scope)
  if (recv === ENV) return envMethod(e, args, scope)
  if (recv === FILE) return fileMethod(e, args, scope)
  if (e.block) throw new Unsupported(`a block after .${e.name}`, e.start)
  return callMethod(recv, e.name, args, { blockSym: e.blockSym, at: e.start, receiver: quoted })
}

function envMethod(e: Extract<Expr, { k: 'call' }>, args: Value[], scope: Scope): Value {
  const name = args[0]
  if (typeof name !== 'string') throw new Unsupported(`ENV.${e.name} without a name`, e.start)
  const value = scope.env[name]
  switch (e.name) {
    case 'fetch':
      if (value !== undefined) return value
      if (e.block) return evaluate(e.block, scope)
      if (args.length > 1) return args[1]!
      throw new RubyError(`${name} is not set (environment or .env) and ENV.fetch has no default`, e.start)
    case 'key?':
    case 'has_key?':
    case 'include?':
    case 'member?':
      return value !== undefined
    case '[]':
      return value ?? null
  }
  throw new Unsupported(`ENV.${e.name}`, e.start)
}

function fileMethod(e: Extract<Expr, { k: 'call' }>, args: Value[], scope: Scope): Value {
  const path = args[0]
  if (typeof path !== 'string') throw new Unsupported(`File.${e.name} without a path`, e.start)
  const full = resolve(scope.root, path)
  switch (e.name) {
    case 'read':
      if (!existsSync(full)) throw new RubyError(`File.read: no such file ${path}`, e.start)
      return readFileSync(full, 'utf8')
    case 'exist?':
    case 'exists?':
    case 'file?':
      return existsSync(full)
  }
  throw new Unsupported(`File.${e.name}`, e.start)
}

function index(recv: Value, argExprs: readonly Expr[], e: Expr, scope: Scope): Value {
  const args = argExprs.map((a) => evaluate(a, scope))
  if (recv === ENV) {
    if (typeof args[0] !== 'string') throw new Unsupported('ENV[...] with a name that is not a string', e.start)
    return scope.env[args[0]] ?? null
  }
  return callMethod(recv, '[]', args, { blockSym: undefined, at: e.start, receiver: quote(e, scope) })
}

function plus(l: Value, r: Value, e: Expr, scope: Scope): Value {
  if (typeof l === 'string' && typeof r === 'string') return l + r
  if (typeof l === 'number' && typeof r === 'number') return l + r
  if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r]
  if (l === null) throw new RubyError(`undefined method '+' for nil (${quote(e, scope)})`, e.start)
  throw new RubyError(`cannot add ${inspect(r)} to ${inspect(l)} (${quote(e, scope)})`, e.start)
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!))
  return a === b
}

// `cmd` / %x(cmd): the command's standard output; unlike Ruby, a failure stops the load with
// its message instead of inserting empty text where a password was expected.
function run(command: string, e: Expr, scope: Scope): string {
  const env = Object.fromEntries(Object.entries(scope.env).filter((kv): kv is [string, string] => kv[1] !== undefined))
  const result = spawnSync('/bin/sh', ['-c', command], { cwd: scope.root, env, encoding: 'utf8' })
  if (result.error) throw new RubyError(`\`${command}\` could not run: ${result.error.message}`, e.start)
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')
    const how = result.status === null ? `was killed by ${result.signal}` : `exited with ${result.status}`
    throw new RubyError(`\`${command}\` ${how}${detail ? `: ${detail}` : ''}`, e.start)
  }
  return result.stdout
}

/** The expression as written, for messages. */
export const quote = (e: Expr, scope: Scope): string => scope.source.slice(e.start, e.end)
