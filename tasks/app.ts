import { main } from '../lib/main.ts'
import { appEntry, appSteps } from './steps/app-commands.ts'

await main(appSteps, appEntry)
