import { main } from '../lib/main.ts'
import { proxy } from '../cli/proxy.ts'

await main(proxy)
