// The command line: help, version, and bad flags refused with exit code 2 and a clear message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readStream } from './helpers/multipart.mjs';
import { runMjpgd, startMjpgd } from './helpers/server.mjs';

test('--help lists every flag', async () => {
  const r = await runMjpgd(['--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--source', '--width', '--height', '--fps', '--quality', '--buffers', '--host', '--port', '--max-clients', '--log-level', '--version']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
});

test('--version prints the version', async () => {
  const r = await runMjpgd(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), '0.1.0');
});

const BAD = [
  [['--bogus'], /Unknown argument: bogus/],
  [['--fps', 'fast'], /--fps must be a number from 0\.1 to 240/],
  [['--fps', '0'], /--fps must be a number/],
  [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
  [['--port', '-1'], /--port must be a whole number from 0 to 65535/],
  [['--width', '641.5'], /--width must be a whole number/],
  [['--quality', '101'], /--quality must be a whole number from 1 to 100/],
  [['--source', 'webcam'], /--source must be one of testpattern/],
  [['--log-level', 'loud'], /--log-level must be one of debug, info, warn, error/],
  [['extra'], /Unknown argument: extra/],
];

for (const [args, message] of BAD) {
  test(`mjpgd ${args.join(' ')} → exit 2 naming the flag`, async () => {
    const r = await runMjpgd([...args, '--port', args[0] === '--port' ? args[1] : '0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing started');
  });
}

test('SIGINT stops a streaming server within a second, exit 0', async () => {
  const server = await startMjpgd(['--fps', '15']);
  const reading = readStream(`${server.url}/stream`, { ms: 5000 });
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  server.child.kill('SIGINT');
  const { code } = await server.exited;
  const took = Date.now() - t0;
  assert.equal(code, 0);
  assert.ok(took < 1000, `stopped in ${took} ms`);
  const { parts } = await reading;
  assert.ok(parts.length > 0, 'the viewer got frames before the stop');
});

test('a port already in use is a clear start-up error', async () => {
  const first = await startMjpgd([]);
  try {
    const r = await runMjpgd(['--host', '127.0.0.1', '--port', String(first.port)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
  } finally {
    await first.stop();
  }
});
