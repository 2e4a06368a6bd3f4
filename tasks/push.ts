import { main } from '../lib/main.ts'
import { push } from '../cli/push.ts'

await main(push)
