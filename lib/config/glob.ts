// File.fnmatch(pattern, name, File::FNM_EXTGLOB) as Kamal uses it for --hosts/--roles:
// `*` and `?` (which also match "." and "/" here: host names are not paths), `[...]`
// classes (`[!...]` / `[^...]` negated) and `{a,b}` alternation. Everything else is literal.

/** A glob pattern as an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  let out = ''
  let depth = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) out += escape(pattern[++i]!)
    else if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) out += '\\['
      else {
        let body = pattern.slice(i + 1, end)
        const negate = body[0] === '!' || body[0] === '^'
        if (negate) body = body.slice(1)
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`
        i = end
      }
    } else if (c === '{') {
      depth++
      out += '(?:'
    } else if (c === '}' && depth > 0) {
      depth--
      out += ')'
    } else if (c === ',' && depth > 0) out += '|'
    else out += escape(c)
  }
  return new RegExp(`^${out}${')'.repeat(depth)}$`)
}

const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
