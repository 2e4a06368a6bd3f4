import { showConfig } from '../lib/cli/show-config.ts'

process.exitCode = await showConfig()
