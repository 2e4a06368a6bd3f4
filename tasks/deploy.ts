import { main } from '../lib/main.ts'
import { deploySteps } from './steps/recipes.ts'

await main(deploySteps, { command: 'deploy' })
