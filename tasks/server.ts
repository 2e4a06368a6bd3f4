import { main } from '../lib/main.ts'
import { server } from '../cli/server.ts'

await main(server)
