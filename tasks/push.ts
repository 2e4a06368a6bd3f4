import { main } from '../lib/main.ts'
import { pushSteps } from './steps/recipes.ts'

await main(pushSteps, { command: 'push' })
