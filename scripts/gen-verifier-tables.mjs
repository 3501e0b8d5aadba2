#!/usr/bin/env node
// Regenerates src/verifier/tables.gen.ts by asking the running kernel (root, bpf(2)) two questions
// for every program type tsbpf models:
//  1. which helpers a program of that type may call (the verifier answers "program of this type
//     cannot use helper ..." before looking at arguments), and
//  2. which context bytes are readable / writable with which access sizes (a one-load program per
//     offset, size and direction), and
//  3. which bytes of a socket (struct bpf_sock through a sock / sock_common pointer, struct
//     bpf_tcp_sock through a tcp_sock pointer) are readable with which sizes.
// Usage: npx tsc -p . && node scripts/gen-verifier-tables.mjs
import { writeFileSync } from 'node:fs';
import { kernelVerify } from '../dist/verifier/kernel-oracle.js';
import { BPF_PROG_TYPE, BPF_ATTACH_TYPE as A, BPF_FUNC, progTypeName, attachTypeName } from '../dist/uapi/index.js';
import { SK_BUFF, XDP_MD, PT_REGS, BPF_PERF_EVENT_DATA, BPF_SOCK, BPF_SOCK_ADDR, BPF_SOCK_OPS, BPF_TCP_SOCK } from '../dist/uapi/structs.gen.js';

const I = (op, dst = 0, src = 0, off = 0, imm = 0) => ({ op, dst, src, off, imm });
const EXIT0 = [I(0xb7, 0, 0, 0, 0), I(0x95)];
const MAX_BPF_FUNC_ARGS = 12;

/**
 * Program types with a byte-probed context: [type, expected attach type or undefined, context size].
 * Types whose rules depend on the attach type are probed per attach type (key `type:attach`).
 */
const T = BPF_PROG_TYPE;
const probed = [
  [T.SOCKET_FILTER, undefined, SK_BUFF.size],
  [T.SCHED_CLS, undefined, SK_BUFF.size],
  [T.SCHED_ACT, undefined, SK_BUFF.size],
  [T.CGROUP_SKB, undefined, SK_BUFF.size],
  [T.LWT_IN, undefined, SK_BUFF.size],
  [T.LWT_OUT, undefined, SK_BUFF.size],
  [T.LWT_XMIT, undefined, SK_BUFF.size],
  [T.XDP, undefined, XDP_MD.size],
  [T.KPROBE, undefined, PT_REGS.size],
  [T.PERF_EVENT, undefined, BPF_PERF_EVENT_DATA.size],
  [T.RAW_TRACEPOINT, undefined, 8 * MAX_BPF_FUNC_ARGS],
  [T.SOCK_OPS, undefined, BPF_SOCK_OPS.size],
  ...[A.CGROUP_INET_SOCK_CREATE, A.CGROUP_INET4_POST_BIND, A.CGROUP_INET6_POST_BIND, A.CGROUP_INET_SOCK_RELEASE]
    .map((a) => [T.CGROUP_SOCK, a, BPF_SOCK.size]),
  ...[A.CGROUP_INET4_BIND, A.CGROUP_INET6_BIND, A.CGROUP_INET4_CONNECT, A.CGROUP_INET6_CONNECT, A.CGROUP_UDP4_SENDMSG,
    A.CGROUP_UDP6_SENDMSG, A.CGROUP_UDP4_RECVMSG, A.CGROUP_UDP6_RECVMSG, A.CGROUP_INET4_GETPEERNAME, A.CGROUP_INET6_GETPEERNAME,
    A.CGROUP_INET4_GETSOCKNAME, A.CGROUP_INET6_GETSOCKNAME].map((a) => [T.CGROUP_SOCK_ADDR, a, BPF_SOCK_ADDR.size]),
];
const keyOf = (t, a) => (a === undefined ? `${t}` : `${t}:${a}`);
const nameOf = (t, a) => (a === undefined ? progTypeName(t) : `${progTypeName(t)} ${attachTypeName(a)}`);
const helperTypes = [...probed.map(([t, a]) => [t, a]), [T.TRACEPOINT, undefined]];

const load = (progType, attach, insns) => kernelVerify({ progType, expectedAttachType: attach, insns, maps: [] }, 1);

const helpers = {};
const maxId = Math.max(...Object.values(BPF_FUNC));
for (const [t, a] of helperTypes) {
  const ids = [];
  for (let id = 1; id <= maxId; id++) {
    const r = load(t, a, [I(0x85, 0, 0, 0, id), ...EXIT0]);
    if (!/cannot use helper|unknown func|invalid func/.test(r.log)) ids.push(id);
  }
  helpers[keyOf(t, a)] = ids;
  console.error(`${nameOf(t, a)}: ${ids.length} helpers`);
}

const SIZES = [[0x10, 1], [0x08, 2], [0x00, 4], [0x18, 8]];
const ctx = {};
// r0 = 1 is a valid return value for every probed type (some cgroup hooks require exactly 1).
const EXIT1 = [I(0xb7, 0, 0, 0, 1), I(0x95)];
for (const [t, a, size] of probed) {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off++) {
    SIZES.forEach(([sz, n], k) => {
      if (off % n) return;
      if (load(t, a, [I(0x61 | sz, 0, 1, off), ...EXIT1]).accepted) bytes[off] |= 1 << k;
      if (load(t, a, [I(0xb7, 2, 0, 0, 0), I(0x63 | sz, 1, 2, off), ...EXIT1]).accepted) bytes[off] |= 0x10 << k;
    });
  }
  ctx[keyOf(t, a)] = Buffer.from(bytes).toString('hex');
  console.error(`${nameOf(t, a)}: ctx probed`);
}

// Sockets: a sched_cls program looks a socket up, loads one field through the pointer under test
// and releases the socket. [name, lookup helper, cast helper applied to the socket or 0, size].
const sockets = [
  ['sock', BPF_FUNC.sk_lookup_tcp, 0, BPF_SOCK.size],
  ['sock_common', BPF_FUNC.skc_lookup_tcp, 0, BPF_SOCK.size],
  ['tcp_sock', BPF_FUNC.sk_lookup_tcp, BPF_FUNC.tcp_sock, BPF_TCP_SOCK.size],
];
const sockProbe = (lookup, cast, ldx) => {
  const tail = cast
    ? [I(0xbf, 7, 0), I(0xbf, 1, 0), I(0x85, 0, 0, 0, cast), I(0x15, 0, 0, 1, 0), ldx, I(0xbf, 0, 7)]
    : [ldx];
  return [
    I(0xbf, 6, 1), I(0xb7, 1, 0, 0, 0),
    ...[-8, -16, -24, -32, -40].map((o) => I(0x7b, 10, 1, o)),
    I(0xbf, 2, 10), I(0x07, 2, 0, 0, -40), I(0xbf, 1, 6), I(0xb7, 3, 0, 0, 12), I(0xb7, 4, 0, 0, -1), I(0xb7, 5, 0, 0, 0),
    I(0x85, 0, 0, 0, lookup), I(0x15, 0, 0, tail.length + 2, 0),
    ...tail, I(0xbf, 1, 0), I(0x85, 0, 0, 0, BPF_FUNC.sk_release),
    ...EXIT0,
  ];
};
const sock = {};
for (const [name, lookup, cast, size] of sockets) {
  const bytes = new Uint8Array(size);
  for (let off = 0; off < size; off++) {
    SIZES.forEach(([sz, n], k) => {
      if (off % n) return;
      if (load(T.SCHED_CLS, undefined, sockProbe(lookup, cast, I(0x61 | sz, 8, 0, off))).accepted) bytes[off] |= 1 << k;
    });
  }
  // The probe itself must load: offset 0 with a 4-byte load is valid for every socket view.
  if (!(bytes[0] & 4)) throw new Error(`socket probe for ${name} never loads`);
  sock[name] = Buffer.from(bytes).toString('hex');
  console.error(`${name}: probed`);
}

let out = `// Generated by scripts/gen-verifier-tables.mjs from the running kernel (Linux 6.18). Do not edit.\n\n`;
out += `/** Helper ids each program type may call, by BPF_PROG_TYPE (or \`type:attach\` where the attach type matters). */\n`;
out += `export const HELPERS_BY_PROG_TYPE: Readonly<Record<string, readonly number[]>> = {\n`;
for (const [t, a] of helperTypes) out += `  '${keyOf(t, a)}': [${helpers[keyOf(t, a)].join(', ')}], // ${nameOf(t, a)}\n`;
out += `};\n\n`;
out += `/**\n * Context access per program type: one byte per context offset; bit k (k = 0..3 for sizes\n`;
out += ` * 1, 2, 4, 8) set when a load of that size at that offset is allowed, bit 4 + k for a store.\n */\n`;
out += `export const CTX_ACCESS_HEX: Readonly<Record<string, string>> = {\n`;
for (const [t, a] of probed) out += `  '${keyOf(t, a)}': '${ctx[keyOf(t, a)]}', // ${nameOf(t, a)}\n`;
out += `};\n\n`;
out += `/** Socket reads through a sock, sock_common or tcp_sock pointer, encoded like CTX_ACCESS_HEX (loads only). */\n`;
out += `export const SOCK_ACCESS_HEX: Readonly<Record<string, string>> = {\n`;
for (const [name] of sockets) out += `  ${name}: '${sock[name]}',\n`;
out += `};\n`;
writeFileSync(new URL('../src/verifier/tables.gen.ts', import.meta.url), out);
