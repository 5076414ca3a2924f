#!/usr/bin/env node
// The `shopfusion` command: the compiled CLI (built by `npm run build`, which `npm install` runs).
import '../dist/cli/bin.js';
