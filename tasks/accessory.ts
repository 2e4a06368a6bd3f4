import { main } from '../lib/main.ts'
import { accessory } from '../cli/accessory.ts'

await main(accessory)
