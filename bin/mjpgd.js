#!/usr/bin/env node
'use strict';
if (process.argv[2] === 'install-service') {
  // `mjpgd install-service [...]`: the systemd unit, config, user and group (scripts/install-service.sh).
  const path = require('node:path');
  const script = path.join(__dirname, '..', 'scripts', 'install-service.sh');
  const r = require('node:child_process').spawnSync('bash', [script, ...process.argv.slice(3)], { stdio: 'inherit' });
  process.exit(r.status === null ? 1 : r.status);
}
require('../dist/cli.js').main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`mjpgd: ${e?.stack ? e.stack : e}\n`);
  process.exit(1);
});
