import { main } from '../lib/main.ts'
import { buildEntry, buildSteps } from './steps/build-commands.ts'

await main(buildSteps, buildEntry)
