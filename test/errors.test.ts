import { expect, test } from 'vitest'
import { HostsError, SshError } from '../lib/errors.ts'

const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3']
const denied = (h: string) =>
  new SshError(`cannot connect to root@${h}:22: All configured authentication methods failed`)

test('a failure that reads the same on every host but for its name is reported once, with the hosts', () => {
  const error = new HostsError(hosts.map(denied), undefined, hosts)
  expect(error.message).toBe(
    'the same failure on 3 hosts (10.0.0.1, 10.0.0.2, 10.0.0.3):\n' +
      'cannot connect to root@<host>:22: All configured authentication methods failed',
  )
  expect(error.errors).toHaveLength(3)
})

test('a leading "host: " is the same failure too; different failures keep their own lines', () => {
  const errors = [
    new Error('10.0.0.1: `docker pull x` exited with 1:\nunauthorized'),
    new Error('10.0.0.2: `docker pull x` exited with 1:\nunauthorized'),
    new Error('10.0.0.3: lost connection to root@10.0.0.3:22 (no answer to 3 keepalives in 15 s)'),
  ]
  expect(new HostsError(errors, undefined, hosts).message).toBe(
    'failures on 3 hosts:\n' +
      '- 10.0.0.1, 10.0.0.2: `docker pull x` exited with 1:\n  unauthorized\n' +
      '- 10.0.0.3: lost connection to root@10.0.0.3:22 (no answer to 3 keepalives in 15 s)',
  )
})

test('without hosts (lanes), every failure is listed', () => {
  const error = new HostsError([new Error('same'), new Error('same')], 'in 2 lanes')
  expect(error.message).toBe('failures in 2 lanes:\n- same\n- same')
})

test('a fleet failing the same way names ten hosts and counts the rest, on one line', () => {
  const fleet = Array.from({ length: 200 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i + 1}`)
  const error = new HostsError(fleet.map(denied), undefined, fleet)
  expect(error.message.split('\n')[0]).toBe(
    `the same failure on 200 hosts (${fleet.slice(0, 10).join(', ')} and 190 more):`,
  )
})
