import { main } from '../lib/main.ts'
import { redeploy } from '../cli/redeploy.ts'

await main(redeploy)
