#!/usr/bin/env node
// `npx agentkeys-drift --format json`: the drift checker, with flags that reach it without `--`.
import '../scripts/drift/launch.mjs';
