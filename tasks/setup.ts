import { main } from '../lib/main.ts'
import { setupSteps } from './steps/recipes.ts'

await main(setupSteps, { command: 'setup' })
