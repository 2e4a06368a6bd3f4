// How Ruby's YAML parser (Psych, YAML 1.1) types an unquoted scalar, which is how Kamal reads
// deploy.yml: `10_000` and `1,000` are integers, `0755` is octal, `1:30` is base 60, `yes`/`On`
// are booleans while `y`/`n` stay strings, `1e3` is a string but `1.0e+3` a float, `:name` a
// symbol. Floats and symbols become the text Ruby's `to_s` gives them, because every place
// Kamal accepts them turns them into that text (`3.0` stays "3.0", not "3").

const STRINGY = /^[^\d.:-]?[\p{Alphabetic}_\s!@#$%^&*(){}<>|/\\~;=]+/u
const FLOAT = /^[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?$/
const INTEGER =
  /^(?:[-+]?0b[_,]*[0-1][0-1_,]*|[-+]?0[_,]*[0-7][0-7_,]*|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[_,]*[0-9a-fA-F][0-9a-fA-F_,]*)$/
const SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$/
const SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$/

/** The Ruby value of a plain (unquoted, untagged) scalar: null, boolean, integer or string. */
export function psychScalar(text: string): string | number | boolean | null {
  if (text === '') return null
  if (STRINGY.test(text)) {
    if (text.length > 5 || /^[^ytonf~]/i.test(text)) return text
    if (text === '~' || /^null$/i.test(text)) return null
    if (/^(?:yes|true|on)$/i.test(text)) return true
    if (/^(?:no|false|off)$/i.test(text)) return false
    return text
  }
  if (/^\+?\.inf$/i.test(text)) return 'Infinity'
  if (/^-\.inf$/i.test(text)) return '-Infinity'
  if (/^\.nan$/i.test(text)) return 'NaN'
  if (/^:./.test(text)) return /^:(["'])(.*)\1/.exec(text)?.[2]?.replace(/^:/, '') ?? text.slice(1)
  if (SEXAGESIMAL_INT.test(text)) return base60(text, rubyToI)
  if (SEXAGESIMAL_FLOAT.test(text)) return rubyFloatToS(base60(text, (s) => Number(s.replaceAll('_', ''))))
  if (FLOAT.test(text)) {
    if (/^[-+]?\.$/.test(text)) return text
    return rubyFloatToS(Number(text.replace(/[,_]/g, '').replace(/\.([Ee]|$)/, '$1')))
  }
  if (INTEGER.test(text)) return rubyInteger(text.replace(/[,_]/g, ''))
  return text
}

// Psych reads `a:b[:c]` as a*3600 + b*60 [+ c]: each part weighted by 60^|index - 2|.
function base60(text: string, toNumber: (part: string) => number): number {
  return text.split(':').reduce((sum, part, i) => sum + toNumber(part) * 60 ** Math.abs(i - 2), 0)
}

const rubyToI = (s: string): number => {
  const m = /^[-+]?\d[\d_]*/.exec(s)
  return m ? Number(m[0].replaceAll('_', '')) : 0
}

// Ruby's Integer(): 0b binary, leading 0 octal, 0x hex, else decimal.
function rubyInteger(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1
  const digits = text.replace(/^[-+]/, '')
  if (/^0b/i.test(digits)) return sign * parseInt(digits.slice(2), 2)
  if (/^0x/i.test(digits)) return sign * parseInt(digits.slice(2), 16)
  if (/^0\d/.test(digits)) return sign * parseInt(digits.slice(1), 8)
  return sign * Number(digits)
}

/** Ruby's Float#to_s: `3.0`, `0.1`, `1.0e+16`, `1.0e-05`. */
export function rubyFloatToS(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
  const abs = Math.abs(value)
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
    const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`
    const e = Number(exponent)
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  }
  const text = String(value)
  return text.includes('.') ? text : `${text}.0`
}
