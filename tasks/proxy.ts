import { main } from '../lib/main.ts'
import { proxyEntry } from '../lib/proxy/cli.ts'
import { proxySteps } from './steps/proxy.ts'

await main((flags) => proxySteps('proxy', flags), proxyEntry('proxy'))
