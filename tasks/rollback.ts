import { main } from '../lib/main.ts'
import { rollbackEntry, rollbackSteps } from './steps/rollback.ts'

await main(rollbackSteps, rollbackEntry)
