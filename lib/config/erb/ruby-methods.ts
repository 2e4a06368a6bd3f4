import { RubyError, Unsupported } from './errors.ts'

// The methods deploy.yml files call on strings, numbers, nil and arrays, with Ruby's (and
// ActiveSupport's, which Kamal loads) meaning. A method Ruby has but this table lacks is
// Unsupported; a method nil lacks is a RubyError, as in Ruby.

/** A Ruby value: String, Integer, true/false, nil, Array, or the ENV / File objects. */
export type Value = string | number | boolean | null | Value[] | { readonly kind: 'ENV' | 'File' }

interface CallSite {
  /** `&:name` given as the block. */
  readonly blockSym: string | undefined
  /** Where the call starts in the file. */
  readonly at: number
  /** The receiver as written, for messages. */
  readonly receiver: string
}

const SPACE = '\\t\\n\\v\\f\\r \\0'
const blank = (s: string): boolean => /^\s*$/u.test(s)

/** `recv.name(args)` */
export function callMethod(recv: Value, name: string, args: readonly Value[], site: CallSite): Value {
  if (recv === null) return nilMethod(name, site)
  if (typeof recv === 'string') return stringMethod(recv, name, args, site)
  if (typeof recv === 'number') return integerMethod(recv, name, site)
  if (typeof recv === 'boolean') return booleanMethod(recv, name, site)
  if (Array.isArray(recv)) return arrayMethod(recv, name, args, site)
  throw new Unsupported(`${site.receiver}.${name}`, site.at)
}

function nilMethod(name: string, site: CallSite): Value {
  const table: Record<string, Value> = {
    to_s: '',
    to_i: 0,
    to_a: [],
    'nil?': true,
    'present?': false,
    'blank?': true,
    presence: null,
    inspect: 'nil',
  }
  if (name in table) return table[name]!
  throw new RubyError(`undefined method '${name}' for nil: ${site.receiver} is nil`, site.at)
}

function stringMethod(s: string, name: string, args: readonly Value[], site: CallSite): Value {
  const str = (i: number): string => {
    const a = args[i]
    if (typeof a !== 'string') throw new Unsupported(`.${name} with an argument that is not a string`, site.at)
    return a
  }
  switch (name) {
    case 'to_s':
    case 'to_str':
    case 'to_sym':
      return s
    case 'strip':
      return s.replace(new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g'), '')
    case 'lstrip':
      return s.replace(new RegExp(`^[${SPACE}]+`), '')
    case 'rstrip':
      return s.replace(new RegExp(`[${SPACE}]+$`), '')
    case 'chomp':
      if (args.length === 0) return s.replace(/(?:\r\n|\n|\r)$/, '')
      return str(0) === '' ? s.replace(/(?:\r?\n)+$/, '') : s.endsWith(str(0)) ? s.slice(0, -str(0).length) : s
    case 'chop':
      return s.endsWith('\r\n') ? s.slice(0, -2) : s.slice(0, -1)
    case 'to_i': {
      const m = /^\s*([-+]?\d+(?:_\d+)*)/.exec(s)
      return m ? Number(m[1]!.replaceAll('_', '')) : 0
    }
    case 'downcase':
      return s.toLowerCase()
    case 'upcase':
      return s.toUpperCase()
    case 'capitalize':
      return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()
    case 'squish':
      return s.trim().replace(/\s+/g, ' ')
    case 'length':
    case 'size':
      return [...s].length
    case 'empty?':
      return s === ''
    case 'blank?':
      return blank(s)
    case 'present?':
      return !blank(s)
    case 'presence':
      return blank(s) ? null : s
    case 'nil?':
      return false
    case 'include?':
      return s.includes(str(0))
    case 'start_with?':
      return args.some((_, i) => s.startsWith(str(i)))
    case 'end_with?':
      return args.some((_, i) => s.endsWith(str(i)))
    case 'split':
      return split(s, args.length === 0 ? null : str(0))
    case 'lines':
      return s.match(/[^\n]*\n|[^\n]+$/g) ?? []
    case 'sub':
      return s.replace(str(0), () => str(1))
    case 'gsub':
      return s.split(str(0)).join(str(1))
    case 'delete_prefix':
      return s.startsWith(str(0)) ? s.slice(str(0).length) : s
    case 'delete_suffix':
      return s.endsWith(str(0)) ? s.slice(0, -str(0).length || undefined) : s
    case 'inspect':
      return inspect(s)
  }
  throw new Unsupported(`String#${name}`, site.at)
}

// String#split: no separator (or " ") splits on runs of whitespace ignoring leading ones;
// trailing empty fields are dropped either way.
function split(s: string, separator: string | null): string[] {
  const parts = separator === null || separator === ' ' ? s.trimStart().split(/\s+/) : s.split(separator)
  while (parts.length > 0 && parts.at(-1) === '') parts.pop()
  return parts
}

function integerMethod(n: number, name: string, site: CallSite): Value {
  switch (name) {
    case 'to_s':
    case 'inspect':
      return String(n)
    case 'to_i':
      return n
    case 'zero?':
      return n === 0
    case 'nil?':
      return false
    case 'present?':
      return true
    case 'blank?':
      return false
    case 'presence':
      return n
  }
  throw new Unsupported(`Integer#${name}`, site.at)
}

function booleanMethod(b: boolean, name: string, site: CallSite): Value {
  switch (name) {
    case 'to_s':
    case 'inspect':
      return String(b)
    case 'nil?':
      return false
    case 'present?':
      return b
    case 'blank?':
      return !b
    case 'presence':
      return b ? b : null
  }
  throw new Unsupported(`${b}.${name}`, site.at)
}

function arrayMethod(a: Value[], name: string, args: readonly Value[], site: CallSite): Value {
  switch (name) {
    case '[]': {
      const i = args[0]
      if (typeof i !== 'number') throw new Unsupported('[] with an index that is not a number', site.at)
      return a.at(i) ?? null
    }
    case 'first':
      return a[0] ?? null
    case 'last':
      return a.at(-1) ?? null
    case 'join': {
      const sep = args[0] ?? ''
      if (typeof sep !== 'string') throw new Unsupported('join with a separator that is not a string', site.at)
      return a.map((v) => (v === null ? '' : typeof v === 'string' ? v : inspect(v))).join(sep)
    }
    case 'length':
    case 'size':
    case 'count':
      return a.length
    case 'empty?':
      return a.length === 0
    case 'any?':
      return a.some((v) => v !== null && v !== false)
    case 'blank?':
      return a.length === 0
    case 'present?':
      return a.length > 0
    case 'include?':
      return a.some((v) => v === args[0])
    case 'compact':
      return a.filter((v) => v !== null)
    case 'uniq':
      return [...new Set(a)]
    case 'reverse':
      return [...a].reverse()
    case 'to_a':
      return a
    case 'inspect':
    case 'to_s':
      return inspect(a)
    case 'map':
    case 'collect':
      if (!site.blockSym) throw new Unsupported(`${name} with a block other than (&:method)`, site.at)
      return a.map((v) => callMethod(v, site.blockSym!, [], site))
  }
  throw new Unsupported(`Array#${name}`, site.at)
}

/** Ruby's `inspect`: strings quoted, arrays as `["a", "b"]`, nil as `nil`. */
export function inspect(v: Value): string {
  if (v === null) return 'nil'
  if (typeof v === 'string') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(inspect).join(', ')}]`
  if (typeof v === 'object') return v.kind
  return String(v)
}
