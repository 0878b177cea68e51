// Origin: the no-dependency ceiling prototype that issue 14's targets are set against (raw socket, 1 MiB reads,
// hash in place, positional writes, early fdatasync), copied unchanged below these four lines and kept out of the
// formatter. It is a measuring stick for the bench, not product code: toci's own code stays behind the Transport
// and Store contracts.
// ceiling-pull.mjs (was best.mjs) - pull HOST:PORT/REPO:TAG into an OCI layout. Node 20, no dependencies, plain HTTP only.
//   [C=4] node best.mjs 127.0.0.1:5055/big:v1 /tmp/out [--no-fsync]     (C: blobs in flight)
// Design: 4 blobs in flight, one keep-alive connection each; every socket read lands in one reused 1 MiB
// buffer (net onread), is hashed right there on the main thread and copied into reused 1 MiB write buffers
// (FileHandle.write, <= 4 in flight per blob, the socket pauses beyond that); fdatasync every 32 MiB while
// writing and once at the end, then verify, rename into blobs/sha256, write index.json atomically.
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const [ref, OUT, flag] = process.argv.slice(2);
const FSYNC = flag !== '--no-fsync';
const C = Number(process.env.C || 4), READ_BUF = 1 << 20, WRITE_BUF = 1 << 20, WRITES = 4, EARLY_SYNC = 32 << 20;
const [, HOST, PORT, REPO, TAG] = /^([^:/]+):(\d+)\/(.+):([^:]+)$/.exec(ref);
const ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

// One keep-alive HTTP/1.1 connection, one request at a time, Content-Length bodies only.
// onBody(view) gets a view into the reused read buffer: use it synchronously; return a Promise to pause reading.
class Conn {
  constructor() {
    this.buf = Buffer.allocUnsafe(READ_BUF);
    this.sock = net.connect({ host: HOST, port: +PORT, noDelay: true,
      onread: { buffer: this.buf, callback: (n) => this.onRead(n) } });
    this.sock.on('error', (e) => this.r?.reject(e));
    this.sock.on('close', () => this.r?.reject(new Error('connection closed')));
  }
  get(p, headers, onBody) {
    return new Promise((resolve, reject) => {
      this.r = { head: Buffer.alloc(0), left: -1, onBody, resolve, reject, other: [] };
      this.sock.write(`GET ${p} HTTP/1.1\r\nHost: ${HOST}:${PORT}\r\n${headers}\r\n`);
    });
  }
  onRead(n) {
    const r = this.r;
    let off = 0;
    if (r.left < 0) { // status line + headers (small: copied)
      r.head = Buffer.concat([r.head, this.buf.subarray(0, n)]);
      const end = r.head.indexOf('\r\n\r\n');
      if (end < 0) return true;
      const lines = r.head.toString('latin1', 0, end).split('\r\n');
      r.status = +lines[0].split(' ')[1];
      r.headers = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); r.headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
      if (!('content-length' in r.headers)) { this.sock.destroy(new Error('no Content-Length')); return false; }
      r.left = +r.headers['content-length'];
      off = end + 4 - (r.head.length - n);
    }
    const take = Math.min(n - off, r.left), v = this.buf.subarray(off, off + take);
    r.left -= take;
    if (off + take < n) { this.sock.destroy(new Error('unexpected bytes after the body')); return false; }
    const wait = r.status === 200 ? r.onBody(v) : void r.other.push(Buffer.from(v));
    if (r.left === 0) { this.r = null; r.resolve({ status: r.status, headers: r.headers, body: Buffer.concat(r.other) }); }
    if (!wait) return true;
    wait.then(() => this.sock.resume(), (e) => this.sock.destroy(e));
    return false; // pause reading until the writes caught up
  }
}

const pool = []; // reused write buffers
async function pullBlob(conn, d) {
  const hex = d.digest.slice(7), tmp = path.join(OUT, `.tmp-${hex}`);
  const fh = await fsp.open(tmp, 'w'), h = crypto.createHash('sha256');
  let wb = null, fill = 0, pos = 0, done = 0, synced = 0, syncing = null;
  const inflight = new Set();
  const flush = () => {
    const b = wb, n = fill, p = fh.write(b, 0, n, pos).then(() => {
      inflight.delete(p); pool.push(b); done += n;
      if (FSYNC && done - synced >= EARLY_SYNC && !syncing) { // start writeback early, off the critical path
        synced = done; syncing = fh.datasync().finally(() => { syncing = null; });
      }
    });
    wb = null; pos += n; inflight.add(p);
    if (inflight.size >= WRITES) return Promise.race(inflight);
  };
  const res = await conn.get(`/v2/${REPO}/blobs/${d.digest}`, '', (v) => {
    h.update(v); // hash while the bytes are hot in cache
    let wait;
    for (let off = 0; off < v.length;) {
      if (!wb) { wb = pool.pop() || Buffer.allocUnsafeSlow(WRITE_BUF); fill = 0; }
      const k = v.copy(wb, fill, off, Math.min(v.length, off + WRITE_BUF - fill));
      fill += k; off += k;
      if (fill === WRITE_BUF) wait = flush() || wait;
    }
    return wait;
  });
  if (res.status !== 200) throw new Error(`GET blob ${d.digest}: HTTP ${res.status}`);
  if (wb) flush();
  await Promise.all(inflight);
  await syncing;
  if (FSYNC) await fh.datasync();
  await fh.close();
  if (pos !== d.size || h.digest('hex') !== hex) throw new Error(`blob ${d.digest}: size or digest mismatch`);
  await fsp.rename(tmp, path.join(OUT, 'blobs/sha256', hex));
}

async function getManifest(conn, reference) {
  const parts = [];
  const r = await conn.get(`/v2/${REPO}/manifests/${reference}`, `Accept: ${ACCEPT.join(', ')}\r\n`, (v) => { parts.push(Buffer.from(v)); });
  if (r.status !== 200) throw new Error(`GET manifest ${reference}: HTTP ${r.status}`);
  const body = Buffer.concat(parts), digest = 'sha256:' + crypto.createHash('sha256').update(body).digest('hex');
  const want = reference.startsWith('sha256:') ? reference : r.headers['docker-content-digest'];
  if (want && want !== digest) throw new Error(`manifest ${reference}: digest mismatch`);
  await writeDurable(path.join(OUT, 'blobs/sha256', digest.slice(7)), body);
  const json = JSON.parse(body);
  return { json, digest, size: body.length, mediaType: json.mediaType || r.headers['content-type'] };
}

async function writeDurable(file, data) { // temp file, fdatasync, rename
  const fh = await fsp.open(file + '.tmp', 'w');
  await fh.writeFile(data);
  if (FSYNC) await fh.datasync();
  await fh.close();
  await fsp.rename(file + '.tmp', file);
}
async function syncDir(d) { if (FSYNC) { const fh = await fsp.open(d, 'r'); await fh.sync(); await fh.close(); } }

await fsp.mkdir(path.join(OUT, 'blobs/sha256'), { recursive: true });
await fsp.writeFile(path.join(OUT, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
const conns = Array.from({ length: C }, () => new Conn());
const top = await getManifest(conns[0], TAG);
const manifests = top.json.manifests ? [] : [top]; // an index: take every platform, like copy --all
for (const m of top.json.manifests ?? []) manifests.push(await getManifest(conns[0], m.digest));
const blobs = new Map();
for (const m of manifests) for (const d of [m.json.config, ...m.json.layers]) blobs.set(d.digest, d);
const queue = [...blobs.values()].sort((a, b) => b.size - a.size);
await Promise.all(conns.map(async (c) => { while (queue.length) await pullBlob(c, queue.shift()); c.sock.end(); }));
await syncDir(path.join(OUT, 'blobs/sha256'));
await writeDurable(path.join(OUT, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.size, annotations: { 'org.opencontainers.image.ref.name': TAG } }] }));
await syncDir(OUT);
