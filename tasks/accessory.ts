import { main } from '../lib/main.ts'
import { accessoryEntry, accessorySteps } from './steps/accessory-commands.ts'

await main(accessorySteps, accessoryEntry)
