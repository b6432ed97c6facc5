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

// CompleteMultipartUpload: s3rver reads every part back through an MD5 of the whole object, stores that MD5 as the
// object's ETag, and checks neither the parts' ETags nor their sizes (lib/stores/filesystem.js, putObjectMultipart).
// S3 does otherwise (docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html): a part whose ETag
// does not match what was uploaded is InvalidPart, parts out of order are InvalidPartOrder, a part other than the last
// under 5 MiB is EntityTooSmall, and the object's ETag is not an MD5 of its content (AWS, "Checking object integrity",
// multipart uploads) but the MD5 of the parts' binary MD5s, a dash and the number of parts, as MinIO computes it
// (minio/minio, cmd/object-api-utils.go, getCompleteMultipartMD5) and moto models it (getmoto/moto, moto/s3/models.py,
// FakeMultipart.complete). So a client that relied on s3rver's leniency fails here as it would on S3.
// The parts are concatenated by cat, which copies in the kernel (coreutils 9.1 uses copy_file_range), into a file of
// the upload that is then renamed into place, so a reader never sees half an object. s3rver's own completion copied
// the object through the node process and hashed it a second time: for a 1 GiB context that was about 40 % of the
// server's CPU, on the cores the client under test shares with it.
const S3Error = require('s3rver/lib/models/error');
const crypto = require('crypto');
const path = require('path');
const { spawn } = require('child_process');
const MinimumPartSize = 5 * 1024 * 1024;
FilesystemStore.prototype.putObjectMultipart = async function putObjectMultipart(bucket, uploadId, parts) {
  const uploadDir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  let key, metadata;
  try {
    [key, metadata] = await Promise.all([
      fs.readFile(path.join(uploadDir, 'key')).then(data => data.toString()),
      fs.readFile(path.join(uploadDir, 'metadata')).then(JSON.parse),
    ]);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
  }
  for (let i = 1; i < parts.length; i++) {
    if (!(parts[i].number > parts[i - 1].number)) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
  }
  const stored = await Promise.all(parts.map(async part => {
    const partPath = path.join(uploadDir, String(part.number));
    const invalid = () => new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.', { PartNumber: part.number, ETag: part.etag });
    const [md5, stat] = await Promise.all([fs.readFile(`${partPath}.md5`, 'utf8'), fs.stat(partPath)]).catch(err => {
      if (err.code === 'ENOENT') throw invalid();
      throw err;
    });
    if (md5 !== part.etag) throw invalid();
    return { partPath, md5, size: stat.size, number: part.number };
  }));
  for (const part of stored.slice(0, -1)) {
    if (part.size < MinimumPartSize) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', { PartNumber: part.number, ProposedSize: part.size, MinSizeAllowed: MinimumPartSize });
    }
  }

  const assembled = path.join(uploadDir, 'object');
  const out = await fs.promises.open(assembled, 'w');
  try {
    await new Promise((resolve, reject) => {
      const cat = spawn('cat', stored.map(part => part.partPath), { stdio: ['ignore', out.fd, 'inherit'] });
      cat.on('error', reject);
      cat.on('exit', code => code === 0 ? resolve() : reject(new Error(`cat exited with ${code}`)));
    });
  } finally {
    await out.close();
  }
  const size = stored.reduce((sum, part) => sum + part.size, 0);

  const etag = crypto.createHash('md5').update(Buffer.concat(stored.map(part => Buffer.from(part.md5, 'hex')))).digest('hex') + `-${stored.length}`;
  const objectPath = this.getResourcePath(bucket, key, 'object');
  await fs.mkdirp(path.dirname(objectPath));
  await fs.rename(assembled, objectPath);
  await this.putMetadata(bucket, key, metadata, etag);
  await fs.remove(uploadDir);
  return { size, md5: etag };
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
