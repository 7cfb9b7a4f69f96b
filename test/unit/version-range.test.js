'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const semver = require('semver');
const { versionSatisfies } = require('../../dist/src/hooks/version-range.js');

test('plain ranges agree with semver; richer ones are handed to semver', () => {
  const ranges = ['>=8.0.3 <9', '>=3.0.0 <4', '>=4.17.0 <5', '>=2.0.0 <3', '>=4.0.0 <6', '^8.1.0', '~4.17.1', '>=1.2.3 <2 || >=3', '8.11.0', '>8 <=9.1'];
  const versions = ['8.0.2', '8.0.3', '8.23.1', '9.0.0', '3.14.0', '4.16.9', '4.17.0', '4.22.3', '5.0.0', '2.0.0', '8.11.0', '9.1.0', '9.1.1', '8.12.0-beta.1', '1.2.3', '3.0.0'];
  for (const range of ranges) {
    for (const version of versions) {
      assert.equal(versionSatisfies(version, range), semver.satisfies(version, range, { includePrerelease: true }), `${version} in ${range}`);
    }
  }
});
