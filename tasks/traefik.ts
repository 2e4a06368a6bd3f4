import { main } from '../lib/main.ts'
import { traefik } from '../cli/proxy.ts'

await main(traefik)
