'use strict';
// The same express suite against the lowest supported versions: express 4.17.0,
// and express 5.0.0 with router 2.0.0 (devDependency aliases), each installed
// under its real package name in a temporary project.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after } = require('node:test');

const ROOT = path.resolve(__dirname, '..', '..');
const modules = path.join(ROOT, 'node_modules');
const express5 = fs.mkdtempSync(path.join(os.tmpdir(), 'spanwise-express5-lowest-'));
fs.cpSync(path.join(modules, 'express5-lowest'), path.join(express5, 'express'), { recursive: true });
fs.cpSync(path.join(modules, 'router2-lowest'), path.join(express5, 'router'), { recursive: true });
after(() => fs.rmSync(express5, { recursive: true, force: true }));

process.env.SPANWISE_TEST_EXPRESS4_DIR = path.join(modules, 'express4-lowest');
process.env.SPANWISE_TEST_EXPRESS5_NODE_MODULES = express5;
require('./express.test.js');
