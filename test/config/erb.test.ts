import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { renderErb } from '../../lib/config/erb.ts'
import { findRuby, renderWithRuby } from '../../lib/config/erb/ruby.ts'
import { parseConfig } from '../../lib/config/load.ts'
import { ConfigError } from '../../lib/errors.ts'

// The ERB real deploy.yml files use, evaluated without Ruby (docs/compatibility.md lists it).

const root = mkdtempSync(join(tmpdir(), 'slipway-erb-'))
// No ruby on this PATH: what slipway does on a machine without Ruby, whatever this one has.
const NO_RUBY = mkdtempSync(join(tmpdir(), 'slipway-no-ruby-'))
const env = {
  A: 'alpha',
  EMPTY: '',
  PADDED: '  secret\n',
  PORT: '8080',
  HOSTS: 'a.example, b.example',
  PATH: '/usr/bin:/bin',
}
const render = (source: string, e: Record<string, string | undefined> = env): string =>
  renderErb(source, { file: 'deploy.yml', env: e, root }).text

describe('expressions', () => {
  test.each([
    ['<%= ENV["A"] %>', 'alpha'],
    ["<%= ENV['A'] %>", 'alpha'],
    ['<%=ENV[ "A" ]%>', 'alpha'],
    ['<%= ENV["MISSING"] %>', ''],
    ['<%= ENV.fetch("A") %>', 'alpha'],
    ['<%= ENV.fetch("MISSING", "dflt") %>', 'dflt'],
    ['<%= ENV.fetch("MISSING") { "from block" } %>', 'from block'],
    ['<%= ENV.fetch("A") { "from block" } %>', 'alpha'],
    ['<%= ENV.fetch("EMPTY", "dflt") %>', ''],
    ['<%= ENV["MISSING"] || "fallback" %>', 'fallback'],
    ['<%= ENV["EMPTY"] || "fallback" %>', ''],
    ['<%= ENV["EMPTY"].presence || "fallback" %>', 'fallback'],
    ['<%= ENV["PADDED"].strip %>', 'secret'],
    ['<%= ENV["PADDED"].chomp %>', '  secret'],
    ['<%= ENV["PORT"].to_i + 1 %>', '8081'],
    ['<%= ENV["MISSING"].to_i %>', '0'],
    ['<%= ENV["MISSING"]&.strip %>', ''],
    ['<%= "my-user" %>', 'my-user'],
    ["<%= 'single #{not interpolated}' %>", 'single #{not interpolated}'],
    ['<%= "#{ENV["A"]}-#{ENV.fetch("PORT")}" %>', 'alpha-8080'],
    ['<%= ENV.key?("A") ? "set" : "unset" %>', 'set'],
    ['<%= ENV["A"] == "alpha" %>', 'true'],
    ['<%= ENV["HOSTS"].split(",").map(&:strip).join(" ") %>', 'a.example b.example'],
    ['<%= "x" if ENV["A"] %><%= "y" unless ENV["A"] %>', 'x'],
    ['<%# a comment %>kept', 'kept'],
    ['<%% literal %>', '<% literal %>'],
  ])('%s → %s', (source, expected) => {
    expect(render(source)).toBe(expected)
  })

  test('%x() and backticks run in the project dir with ENV (and .env) as their environment', () => {
    expect(render('<%= %x(printf "%s" "$A") %>|<%= `pwd`.strip %>|<%= %x{echo hi}.chomp %>')).toBe(`alpha|${root}|hi`)
    expect(render('password: <%= `printf "tok\\n"` %>')).toBe('password: tok\n')
  })

  test('tags inside YAML comments are left alone; a # inside quotes starts no comment', () => {
    const src = 'a: 1\n# <%= `whoami` %>\nb: <%= ENV["A"] %> # <%= nope %>\nc: 3'
    expect(render(src)).toBe('a: 1\n# <%= `whoami` %>\nb: alpha # <%= nope %>\nc: 3')
    expect(render(`t: "Team # <%= ENV["A"] %>"\nu: 'it''s # <%= ENV["A"] %>'\nv: a#<%= ENV["A"] %>`)).toBe(
      `t: "Team # alpha"\nu: 'it''s # alpha'\nv: a#alpha`,
    )
  })
})

describe('blocks and trim mode', () => {
  test('if / elsif / else / end, unless, and each over a list', () => {
    const src = [
      '<% if ENV["CI"] %>',
      'ci: true',
      '<% elsif ENV["A"] == "alpha" %>',
      'alpha: true',
      '<% else %>',
      'none: true',
      '<% end %>',
      '<% unless ENV["CI"] %>local: true<% end %>',
      'hosts:',
      '<% ENV["HOSTS"].split(",").each do |host| %>',
      '  - <%= host.strip %>',
      '<% end %>',
    ].join('\n')
    expect(render(src)).toBe('\nalpha: true\n\nlocal: true\nhosts:\n\n  - a.example\n\n  - b.example\n')
    expect(render(src, { ...env, CI: '' })).toContain('ci: true')
  })

  test('-%> drops the newline after the tag, <%- the indentation before it', () => {
    const src = 'servers:\n  <%- if ENV["A"] -%>\n  - 1.1.1.1\n  <%- end -%>\n  - 1.1.1.2\n'
    expect(render(src)).toBe('servers:\n  - 1.1.1.1\n  - 1.1.1.2\n')
  })

  test('assignments are visible to later tags', () => {
    expect(render('<% host = ENV.fetch("A") %>a: <%= host %>\nb: <%= host.upcase %>')).toBe('a: alpha\nb: ALPHA')
  })
})

describe('errors name the line and the expression', () => {
  const errorOf = (source: string, e: Record<string, string | undefined> = env): string => {
    try {
      render(source, e)
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      return (error as Error).message
    }
    return expect.unreachable()
  }

  test('what Ruby would fail on too: nil methods, ENV.fetch without default, failed commands (all at once)', () => {
    expect(
      errorOf('a: 1\nb: <%= ENV["NOPE"].strip %>\nc: <%= ENV.fetch("NOPE") %>\nd: <%= `echo broken >&2; exit 3` %>'),
    ).toBe(
      [
        `deploy.yml:2:8 <%= ENV["NOPE"].strip %>: undefined method 'strip' for nil: ENV["NOPE"] is nil`,
        'deploy.yml:3:8 <%= ENV.fetch("NOPE") %>: NOPE is not set (environment or .env) and ENV.fetch has no default',
        'deploy.yml:4:8 <%= `echo broken >&2; exit 3` %>: `echo broken >&2; exit 3` exited with 3: broken',
      ].join('\n'),
    )
  })

  test('blocks that do not close', () => {
    expect(errorOf('a: 1\n<% if ENV["A"] %>\nb: 2\n')).toBe('deploy.yml:2:1 <% if ENV["A"] %>: this if has no end')
    expect(errorOf('a: 1\n<% end %>\n')).toBe('deploy.yml:2:4 <% end %>: end without an if, unless or each before it')
    expect(errorOf('<% else %>')).toBe('deploy.yml:1:4 <% else %>: else without an if before it')
  })

  test('Ruby outside the subset, with no ruby on PATH: the line, the expression and what to do', () => {
    expect(errorOf('a: 1\nb: <%= "abc".reverse %>\n', { PATH: NO_RUBY })).toBe(
      'deploy.yml:2:8 <%= "abc".reverse %>: String#reverse is outside the ERB slipway evaluates, and there is no ruby on PATH to render it (see docs/compatibility.md)',
    )
    expect(errorOf('<%= Rails.env %>', { PATH: NO_RUBY })).toContain(
      'deploy.yml:1:5 <%= Rails.env %>: the constant Rails is outside the ERB slipway evaluates',
    )
  })

  test('YAML errors after trimmed ERB still name the line as written', () => {
    const yml = [
      'service: app',
      'image: app',
      '<%- if ENV["A"] -%>',
      'servers: [1.1.1.1]',
      '<%- end -%>',
      'registry:',
      '  username: <%= "u" %>',
      '  password: p',
      '  oops: 1',
    ].join('\n')
    expect(() => parseConfig(yml, { env })).toThrow('deploy.yml:9:9 registry.oops: unknown key')
  })
})

// Where Ruby is installed, a file using more Ruby is rendered by Ruby's own ERB, and the
// subset must give what Ruby gives. These tests need ruby (Debian: apt-get install ruby).
describe('with Ruby', () => {
  const ruby = findRuby(process.env)
  const needRuby = (): string => {
    if (!ruby) throw new Error('this test needs ruby on PATH (Debian: apt-get install ruby); slipway itself does not')
    return ruby
  }

  test('a tag outside the subset is rendered by Ruby, and the load says so', () => {
    needRuby()
    const warnings: string[] = []
    const config = parseConfig(
      'service: app\nimage: <%= "ppa".reverse %>\nservers: [<%= [1, 1, 1, 1].join(".") %>]\nregistry:\n  username: u\n  password: p\n',
      { env: { PATH: process.env['PATH'] }, warn: (w) => warnings.push(w) },
    )
    expect([config.image, config.roles[0]!.hosts]).toEqual(['app', ['1.1.1.1']])
    expect(warnings).toEqual([
      `deploy.yml:2: rendered by Ruby's ERB (${ruby}): String#reverse is outside the ERB slipway evaluates`,
    ])
  })

  test("Ruby's own error names the line", () => {
    const r = needRuby()
    expect(() => renderWithRuby(r, 'a: 1\nb: <%= nil.reverse %>\n', { file: 'deploy.yml', env: {}, root })).toThrow(
      /^deploy\.yml:2:\? \(ERB\): Ruby's ERB failed: undefined method `reverse' for nil/,
    )
  })

  test.each([
    ['<%= ENV.fetch("MISSING") { "d" } %>-<%= ENV["A"] || "x" %>-<%= ENV["PADDED"].strip %>-<%= "7".to_i + 1 %>'],
    ['<% if ENV["A"] -%>\n  a: 1\n<% else -%>\n  b: 2\n<% end -%>\nc: <%= %x(printf "%s" "$A").upcase %>\n'],
    ['<%- ENV["HOSTS"].split(",").each_with_index do |h, i| -%>\n  - <%= i %>: <%= h.strip %>\n<%- end -%>\n'],
    ['<%= "#{ENV["A"]}:#{ENV["PORT"]}" %> <%= ENV.key?("NOPE") ? 1 : 2 %> <%= ENV["EMPTY"].blank? %> <%% x %>'],
    [
      '<% if ENV["CI"] %>\nci: true\n<% elsif ENV["A"] == "alpha" %>\nalpha: true\n<% else %>\nno\n<% end %>\nx: <%= [1, "a", nil].inspect %>',
    ],
  ])('renders %s exactly as Ruby', (source) => {
    const r = needRuby()
    expect(render(source)).toBe(renderWithRuby(r, source, { file: 'deploy.yml', env, root }))
  })
})
