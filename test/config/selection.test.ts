import { describe, expect, test } from 'vitest'
import { globToRegExp } from '../../lib/config/glob.ts'
import { select } from '../../lib/config/selection.ts'
import { DeployError } from '../../lib/errors.ts'
import { makeConfig } from '../support/config.ts'

// Mirrors Kamal's test/commander_test.rb (deploy_with_roles and primary-role fixtures).
const REG = 'registry:\n  username: u\n  password: p\n'
const withRoles = makeConfig(
  `service: app\nimage: app\n${REG}servers:\n  web: [1.1.1.1, 1.1.1.2]\n  workers: [1.1.1.3, 1.1.1.4]\n`,
)
const tokyo = makeConfig(
  `service: app\nimage: app\n${REG}primary_role: web_tokyo\nservers:\n  web_chicago: [1.1.1.1, 1.1.1.2]\n  web_tokyo: [1.1.1.3, 1.1.1.4]\n  workers: [1.1.1.1, 1.1.1.3]\n`,
)
const names = (roles: readonly { name: string }[]): string[] => roles.map((r) => r.name)

describe('select', () => {
  test('everything by default, primary role first', () => {
    const s = select(withRoles)
    expect(s.hosts).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'])
    expect(names(s.roles)).toEqual(['web', 'workers'])
    expect([s.primaryHost, s.primaryRole.name]).toEqual(['1.1.1.1', 'web'])
  })

  test('filtering hosts, with wildcards', () => {
    expect(select(withRoles, { hosts: ['1.1.1.1', '1.1.1.2'] }).hosts).toEqual(['1.1.1.1', '1.1.1.2'])
    expect(select(withRoles, { hosts: ['1.1.1.[12]'] }).hosts).toEqual(['1.1.1.1', '1.1.1.2'])
    expect(select(withRoles, { hosts: ['*'] }).hosts).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'])
    expect(select(withRoles, { hosts: ['1.1.1.{2,3}'] }).hosts).toEqual(['1.1.1.2', '1.1.1.3'])
  })

  test('the first specific host is the primary host', () => {
    const s = select(withRoles, { hosts: ['1.1.1.3', '1.1.1.1'] })
    expect(s.primaryHost).toBe('1.1.1.3')
    expect(s.primaryRole.name).toBe('workers')
    expect(names(s.roles)).toEqual(['workers', 'web'])
    expect(s.hosts).toEqual(['1.1.1.3', '1.1.1.1'])
  })

  test('filtering roles, with wildcards', () => {
    const s = select(withRoles, { roles: ['workers'] })
    expect(names(s.roles)).toEqual(['workers'])
    expect(s.hosts).toEqual(['1.1.1.3', '1.1.1.4'])
    expect([s.primaryHost, s.primaryRole.name]).toEqual(['1.1.1.3', 'workers'])
    expect(names(select(withRoles, { roles: ['w*'] }).roles)).toEqual(['web', 'workers'])
  })

  test('hosts and roles together', () => {
    const s = select(withRoles, { hosts: ['1.1.1.1', '1.1.1.3'], roles: ['workers'] })
    expect([s.hosts, names(s.roles)]).toEqual([['1.1.1.3'], ['workers']])
  })

  test('no match is an error naming the filter', () => {
    expect(() => select(withRoles, { hosts: ['9.9.9.*'] })).toThrow(new DeployError('no --hosts match for 9.9.9.*'))
    expect(() => select(withRoles, { roles: ['db', 'cache'] })).toThrow(
      new DeployError('no --roles match for db,cache'),
    )
  })

  test('--primary selects the configured primary host', () => {
    const s = select(withRoles, { primary: true })
    expect([s.hosts, s.primaryHost, names(s.roles)]).toEqual([['1.1.1.1'], '1.1.1.1', ['web']])
  })

  test('try to match the primary role from a list of specific roles', () => {
    const s = select(tokyo, { roles: ['web_*'] })
    expect(names(s.roles)).toEqual(['web_tokyo', 'web_chicago'])
    expect(s.primaryHost).toBe('1.1.1.3')
    expect(s.hosts).toEqual(['1.1.1.3', '1.1.1.4', '1.1.1.1', '1.1.1.2'])
  })

  test('primary role and hosts running it come first', () => {
    const s = select(tokyo)
    expect(names(s.roles)).toEqual(['web_tokyo', 'web_chicago', 'workers'])
    expect(s.hosts).toEqual(['1.1.1.3', '1.1.1.4', '1.1.1.1', '1.1.1.2'])
    expect(s.primaryHost).toBe('1.1.1.3')
  })

  test('roles_on: the primary role comes first', () => {
    const s = select(tokyo)
    expect(names(s.rolesOn('1.1.1.3'))).toEqual(['web_tokyo', 'workers'])
    expect(names(s.rolesOn('1.1.1.1'))).toEqual(['web_chicago', 'workers'])
    expect(s.hostsOf(s.roles[2]!)).toEqual(['1.1.1.3', '1.1.1.1'])
  })

  test('a filtered role list keeps the configured primary when present', () => {
    const s = select(tokyo, { hosts: ['1.1.1.1'] })
    expect([s.primaryHost, s.primaryRole.name, names(s.roles)]).toEqual([
      '1.1.1.1',
      'web_chicago',
      ['web_chicago', 'workers'],
    ])
  })
})

describe('globToRegExp', () => {
  test.each([
    ['*', 'anything.at.all', true],
    ['web-?', 'web-1', true],
    ['web-?', 'web-12', false],
    ['1.1.1.[!1]', '1.1.1.1', false],
    ['1.1.1.[!1]', '1.1.1.2', true],
    ['{web,jobs}-*', 'jobs-eu', true],
    ['{web,jobs}-*', 'db-eu', false],
    ['1.1.1.1', '1x1.1.1', false],
    ['a+b(c)', 'a+b(c)', true],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(globToRegExp(pattern).test(value)).toBe(expected)
  })
})
