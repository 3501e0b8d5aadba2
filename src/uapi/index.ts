/**
 * UAPI numbers of `linux/bpf.h` and friends. The enums come from the kernel's own BTF
 * (see scripts/gen-uapi.mjs); the small flag sets below are from the UAPI headers.
 */
import { BPF_MAP_TYPE, BPF_PROG_TYPE, BPF_ATTACH_TYPE, BPF_FUNC, BPF_LINK_TYPE, BPF_CMD, XDP_ACTION } from './enums.gen.js';

export { BPF_MAP_TYPE, BPF_PROG_TYPE, BPF_ATTACH_TYPE, BPF_FUNC, BPF_LINK_TYPE, BPF_CMD, XDP_ACTION };

export type MapTypeName = Lowercase<keyof typeof BPF_MAP_TYPE>;
export type ProgTypeName = Lowercase<keyof typeof BPF_PROG_TYPE>;

function invert(table: Record<string, number>): string[] {
  const names: string[] = [];
  // An alias marked _DEPRECATED (CGROUP_STORAGE_DEPRECATED = CGROUP_STORAGE) never wins: bpftool prints the other.
  for (const [k, v] of Object.entries(table)) if (names[v] === undefined || names[v].endsWith('_deprecated')) names[v] = k.toLowerCase();
  return names;
}
const mapTypeNames = invert(BPF_MAP_TYPE);
const progTypeNames = invert(BPF_PROG_TYPE);
const attachTypeNames = invert(BPF_ATTACH_TYPE);
const helperNames = invert(BPF_FUNC);

/** bpftool's name of a map type (`hash`, `lpm_trie`, `ringbuf`…), or `type N` when unknown. */
export function mapTypeName(type: number): string {
  return mapTypeNames[type] ?? `type ${type}`;
}
/** bpftool's name of a program type (`xdp`, `sched_cls`, `socket_filter`…), or `type N`. */
export function progTypeName(type: number): string {
  return progTypeNames[type] ?? `type ${type}`;
}
/** Lowercase name of an attach type (`cgroup_inet_ingress`, `tcx_ingress`…), or `type N`. */
export function attachTypeName(type: number): string {
  return attachTypeNames[type] ?? `type ${type}`;
}
/** Helper name without the `bpf_` prefix (`map_lookup_elem`), or undefined for an unknown id. */
export function helperName(id: number): string | undefined {
  return helperNames[id];
}
/** Map type id from its bpftool name, or undefined. */
export function mapTypeByName(name: string): number | undefined {
  return (BPF_MAP_TYPE as Record<string, number>)[name.toUpperCase()];
}
/** Program type id from its bpftool name, or undefined. */
export function progTypeByName(name: string): number | undefined {
  return (BPF_PROG_TYPE as Record<string, number>)[name.toUpperCase()];
}

/** Flags of BPF_MAP_UPDATE_ELEM. */
export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2, BPF_F_LOCK = 4;

/** Map creation flags (`map_flags`). */
export const BPF_F = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
  LINK: 1 << 13,
  PATH_FD: 1 << 14,
  VTYPE_BTF_OBJ_FD: 1 << 15,
  TOKEN_FD: 1 << 16,
  SEGV_ON_FAULT: 1 << 17,
  NO_USER_CONV: 1 << 18,
} as const;

/** Flags of bpf_get_stackid / bpf_get_stack (linux/bpf.h). */
export const BPF_F_STACK = {
  SKIP_FIELD_MASK: 0xff,
  USER_STACK: 1 << 8,
  FAST_STACK_CMP: 1 << 9,
  REUSE_STACKID: 1 << 10,
  USER_BUILD_ID: 1 << 11,
} as const;

/** `status` of struct bpf_stack_build_id (linux/bpf.h bpf_stack_build_id_status). */
export const BPF_STACK_BUILD_ID = { EMPTY: 0, VALID: 1, IP: 2 } as const;

/** `TC_ACT_*` verdicts of tc programs (linux/pkt_cls.h). */
export const TC_ACT = {
  UNSPEC: -1, OK: 0, RECLASSIFY: 1, SHOT: 2, PIPE: 3, STOLEN: 4, QUEUED: 5, REPEAT: 6, REDIRECT: 7, TRAP: 8,
} as const;

/** Pseudo source registers of `BPF_LD | BPF_IMM | BPF_DW` (lddw). */
export const BPF_PSEUDO = {
  MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6,
} as const;
/** Source register of `BPF_CALL`: helper (0), bpf-to-bpf call, kfunc call. */
export const BPF_PSEUDO_CALL = 1, BPF_PSEUDO_KFUNC_CALL = 2;

/** BPF_PROG_LOAD `prog_flags` (linux/bpf.h). */
export const BPF_PROG_F = {
  STRICT_ALIGNMENT: 1 << 0, ANY_ALIGNMENT: 1 << 1, TEST_RND_HI32: 1 << 2, TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4, XDP_HAS_FRAGS: 1 << 5,
} as const;
/** BPF_PROG_TEST_RUN `flags` (linux/bpf.h). */
export const BPF_F_TEST = { RUN_ON_CPU: 1 << 0, XDP_LIVE_FRAMES: 1 << 1, SKB_CHECKSUM_COMPLETE: 1 << 2 } as const;
/** BPF_PROG_ATTACH / BPF_LINK_CREATE attach flags (linux/bpf.h; BEFORE/AFTER/ID since 6.6). */
export const BPF_F_ATTACH = {
  ALLOW_OVERRIDE: 1 << 0, ALLOW_MULTI: 1 << 1, REPLACE: 1 << 2, BEFORE: 1 << 3, AFTER: 1 << 4, ID: 1 << 5, LINK: 1 << 13,
} as const;

export * from './structs.gen.js';
export * from './errno.js';
export * from './cpus.js';
