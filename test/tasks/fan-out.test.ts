import { Listr } from 'listr2'
import { describe, expect, test } from 'vitest'
import { FOLD_ABOVE, fanOut, type HostJob } from '../../tasks/steps/fan-out.ts'
import { HostsError } from '../../lib/errors.ts'

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`)

/** Runs fanOut over `jobs` under one parent task; what ran, the error, and the tree's titles below the parent. */
async function fan(jobs: HostJob[]): Promise<{ error: unknown; titles: (string | undefined)[][] }> {
  const list = new Listr([{ title: 'Step', task: (_ctx, task) => fanOut(task, jobs) }], { renderer: 'silent' })
  const error = await list.run().then(
    () => undefined,
    (e: unknown) => e,
  )
  const below = list.tasks[0]!.subtasks
  return { error, titles: [below.map((t) => t.title), below.flatMap((t) => t.subtasks ?? []).map((t) => t.title)] }
}

const job = (host: string, ran: string[], fail = false): HostJob => ({
  title: host,
  host,
  run: async () => {
    await new Promise((r) => setTimeout(r, 5))
    ran.push(host)
    if (fail) throw new Error(`boom on ${host}`)
  },
})

describe('fanOut', () => {
  test(`up to ${FOLD_ABOVE} hosts: a subtask per host, right under the step`, async () => {
    const ran: string[] = []
    const { error, titles } = await fan(hosts(FOLD_ABOVE).map((h) => job(h, ran)))
    expect(error).toBeUndefined()
    expect(titles[0]).toEqual(hosts(FOLD_ABOVE))
    expect(ran.sort()).toEqual(hosts(FOLD_ABOVE).sort())
  })

  test('more hosts: one progress line, every host still a subtask under it, failures thrown together', async () => {
    const ran: string[] = []
    const all = hosts(FOLD_ABOVE + 5)
    const { error, titles } = await fan(all.map((h) => job(h, ran, h === '10.0.0.3' || h === '10.0.0.12')))
    expect(titles[0]).toEqual([`15 of 15 hosts done, 2 failed`])
    expect(titles[1]).toEqual(all)
    expect(ran.sort()).toEqual([...all].sort())
    expect(error).toBeInstanceOf(HostsError)
    expect((error as HostsError).errors.map((e) => e.message)).toEqual(['boom on 10.0.0.3', 'boom on 10.0.0.12'])
  })

  test('more hosts, all succeed: the line says how many', async () => {
    const { error, titles } = await fan(hosts(40).map((h) => job(h, [])))
    expect(error).toBeUndefined()
    expect(titles[0]).toEqual(['40 hosts'])
  })

  test('a job that throws at once still counts as done', async () => {
    const jobs = hosts(12).map((h) => ({
      title: h,
      host: h,
      run: () => {
        if (h === '10.0.0.1') throw new Error('at once')
        return Promise.resolve()
      },
    }))
    const { error, titles } = await fan(jobs)
    expect(titles[0]).toEqual(['12 of 12 hosts done, 1 failed'])
    expect(error).toBeInstanceOf(HostsError)
  })
})
