import { main } from '../lib/main.ts'
import { deploy } from '../cli/deploy.ts'

await main(deploy)
