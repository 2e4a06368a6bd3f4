import { main } from '../lib/main.ts'
import { build } from '../cli/build.ts'

await main(build)
