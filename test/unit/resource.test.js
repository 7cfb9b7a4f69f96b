'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { detectResource } = require('../../dist/src/resource.js');

function withEntry(pkg, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-resource-'));
  if (pkg) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  fs.mkdirSync(path.join(dir, 'src'));
  const saved = process.argv[1];
  process.argv[1] = path.join(dir, 'src', 'app.js');
  try {
    return fn();
  } finally {
    process.argv[1] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('service.name precedence: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, package.json, unknown_service:node', () => {
  withEntry({ name: 'orders-app', version: '2.3.4' }, () => {
    const cases = [
      [{ serviceName: 'orders', resourceAttributes: { 'service.name': 'attr' } }, 'orders'],
      [{ serviceName: undefined, resourceAttributes: { 'service.name': 'attr' } }, 'attr'],
      [{ serviceName: undefined, resourceAttributes: {} }, 'orders-app'],
    ];
    for (const [config, expected] of cases) assert.equal(detectResource(config).attributes['service.name'], expected);
    assert.equal(detectResource({ resourceAttributes: {} }).attributes['service.version'], '2.3.4');
  });
  withEntry(undefined, () => {
    // No package.json up to the temp folder's root may still find one higher up; guard on that.
    const name = detectResource({ resourceAttributes: {} }).attributes['service.name'];
    assert.ok(typeof name === 'string' && name.length > 0);
  });
});

test('SDK, process and host attributes are present; no network is needed', () => {
  const a = detectResource({ resourceAttributes: { 'deployment.environment.name': 'test' } }).attributes;
  assert.equal(a['telemetry.sdk.name'], 'spanwise');
  assert.equal(a['telemetry.sdk.language'], 'nodejs');
  assert.match(String(a['telemetry.sdk.version']), /^\d+\.\d+\.\d+/);
  assert.equal(a['process.pid'], process.pid);
  assert.equal(a['process.runtime.name'], 'nodejs');
  assert.equal(a['process.runtime.version'], process.versions.node);
  assert.equal(a['host.name'], os.hostname());
  assert.equal(a['deployment.environment.name'], 'test');
  assert.ok(Object.isFrozen(a));
});
