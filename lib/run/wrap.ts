/**
 * `text` fitted to a terminal `columns` wide: each line longer than that is broken at its last space
 * before the edge (at the edge when a word is longer than a line), continuation lines indented by two.
 * The terminal would otherwise break words wherever the edge falls.
 */
export function wrapToWidth(text: string, columns: number | undefined): string {
  if (!columns || columns < 20) return text
  return text
    .split('\n')
    .map((line) => wrapLine(line, columns))
    .join('\n')
}

function wrapLine(line: string, columns: number): string {
  const out: string[] = []
  let rest = line
  let width = columns
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width)
    const cut = space > width / 2 ? space : width
    out.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
    width = columns - 2
  }
  out.push(rest)
  return out.map((part, i) => (i === 0 ? part : `  ${part}`)).join('\n')
}
