import { main } from '../lib/main.ts'
import { app } from '../cli/app.ts'

await main(app)
