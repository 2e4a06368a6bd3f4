import { main } from '../lib/main.ts'
import { redeploySteps } from './steps/recipes.ts'

await main(redeploySteps, { command: 'redeploy' })
