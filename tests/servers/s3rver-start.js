#!/usr/bin/env node
'use strict';

// Starts s3rver 3.7.1 for the Kaptain.Build tests and build/servers.sh.
//
// Why not s3rver's own bin: s3rver knows exactly one access key (S3RVER) and answers InvalidAccessKeyId to any
// other, while it never checks SigV4 signatures. The tests need both "any key works" (so a test or a person can use
// whatever AWS_ACCESS_KEY_ID they have) and "this key is rejected" (to test how a rejected credential is reported).
// So: without --access-key any key is accepted; with --access-key ID (repeatable) only those keys are.
// A wrong *secret* is never detected by s3rver (no SigV4 check), whatever this script does.
//
// Usage: node s3rver-start.js --directory <dir> [--address 127.0.0.1] [--port 0] [--access-key ID]...
// Prints "s3rver listening on <address>:<port>" once it accepts connections (port 0 picks a free port).

const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const bucketCtrl = require('s3rver/lib/controllers/bucket');
const fs = require('fs-extra');

// S3 has no directories; s3rver's file store keeps each key as files under directories named after its prefixes, and
// after a delete removes the directories left empty (lib/stores/filesystem.js, deleteObject). That races with any
// concurrent request under the same prefix: a put between its mkdirp and its open finds the directory gone and the
// unhandled stream error kills the whole server (ENOENT ... ._S3rver_object), and a concurrent delete's readdirSync of
// a directory another delete removed answers InternalError. Parallel tests share prefixes (contexts/tests/, models/),
// so both happened in test runs. Here a delete removes the object's files only; empty directories stay, which no
// response shows (listings are built from the object files).
FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(['object', 'object.md5', 'metadata.json'].map(resource =>
    fs.unlink(this.getResourcePath(bucket, key, resource)).catch(err => {
      if (err.code !== 'ENOENT') throw err;
    })));
};

const options = { address: '127.0.0.1', port: 0, directory: undefined, accessKeys: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const value = argv[i + 1];
  switch (argv[i]) {
    case '--directory': case '-d': options.directory = value; i++; break;
    case '--address': case '-a': options.address = value; i++; break;
    case '--port': case '-p': options.port = Number(value); i++; break;
    case '--access-key': options.accessKeys.push(value); i++; break;
    case '--silent': case '-s': break; // always silent
    default:
      console.error(`unknown argument: ${argv[i]}`);
      process.exit(2);
  }
}
if (!options.directory) {
  console.error('--directory is required');
  process.exit(2);
}

if (options.accessKeys.length === 0) {
  const known = AWSAccount.registry;
  AWSAccount.registry = new (class extends Map {
    get(key) { return known.get(key) ?? AWSAccount.DUMMY_ACCOUNT; }
  })(known);
} else {
  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  for (const key of options.accessKeys) {
    // The secret is irrelevant: s3rver does not verify SigV4 signatures.
    AWSAccount.DUMMY_ACCOUNT.createKeyPair(key, 'unused');
  }
}

// HeadBucket: s3rver routes no HEAD for a bucket, so koa-router answers it with the GET route, a whole ListObjects
// (a walk of the bucket's directory tree and a metadata read per key) whose body is then dropped. Real S3 answers
// HeadBucket without looking at the objects; SDKs send it before most requests (Minio's BucketExists), so a bucket
// with thousands of objects (a 1,000-trial tune's models) made every request slower. The bucketExists middleware
// has already answered 404 for a missing bucket when this runs.
const getBucket = bucketCtrl.getBucket;
bucketCtrl.getBucket = async function headOrGetBucket(ctx) {
  if (ctx.method === 'HEAD') {
    ctx.status = 200;
    return;
  }
  return getBucket.call(this, ctx);
};

const server = new S3rver({
  address: options.address,
  port: options.port,
  directory: options.directory,
  silent: true,
});

server.run().then(
  ({ address, port }) => console.log(`s3rver listening on ${address}:${port}`),
  err => { console.error(err); process.exit(1); });

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
