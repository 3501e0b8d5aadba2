/**
 * Byte layouts of the kernel structs that cross the bpf(2) boundary, as tables of
 * `field: [offset, size]`. They are the Linux 6.18 layouts (the kernel's own BTF:
 * `bpftool btf dump file /sys/kernel/btf/vmlinux`), which extend the 6.1 `linux/bpf.h` installed
 * here; layout.test.ts checks every entry against the running kernel's BTF.
 *
 * `union bpf_attr` holds one anonymous or named struct per command; `prefix` names the member the
 * table describes (empty for anonymous ones) and dotted field names reach into nested members,
 * exactly as C spells them (`attr.link_create.tcx.relative_fd`). A table lists the fields tsbpf
 * writes or reads; the size passed to bpf(2) is the end of its last field, and the kernel requires
 * (and gets) zeros in every byte of that range that is not set.
 */

/** `[byte offset, byte size]`; size 1/2/4/8 are integers, any other size a byte array. */
export type Field = readonly [offset: number, size: number];
export interface Layout {
  /** The `union bpf_attr` member (or the struct name for info structs) the table describes. */
  readonly prefix: string;
  readonly fields: Readonly<Record<string, Field>>;
  /** Bytes the table covers: the end of its last field. */
  readonly size: number;
}

function layout<const F extends Record<string, Field>>(prefix: string, fields: F): { prefix: string; fields: F; size: number } {
  let size = 0;
  for (const [off, len] of Object.values(fields)) size = Math.max(size, off + len);
  return { prefix, fields, size };
}


// ---- union bpf_attr, one table per command group -------------------------------------------

/** BPF_MAP_CREATE. */
export const MAP_CREATE = layout('', {
  map_type: [0, 4], key_size: [4, 4], value_size: [8, 4], max_entries: [12, 4], map_flags: [16, 4],
  inner_map_fd: [20, 4], numa_node: [24, 4], map_name: [28, 16], map_ifindex: [44, 4], btf_fd: [48, 4],
  btf_key_type_id: [52, 4], btf_value_type_id: [56, 4], btf_vmlinux_value_type_id: [60, 4], map_extra: [64, 8],
});

/** BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM. */
export const MAP_ELEM = layout('', {
  map_fd: [0, 4], key: [8, 8], value: [16, 8], next_key: [16, 8], flags: [24, 8],
});

/** BPF_MAP_FREEZE. */
export const MAP_FREEZE = layout('', { map_fd: [0, 4] });

/** BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH, DELETE_BATCH. */
export const MAP_BATCH = layout('batch', {
  in_batch: [0, 8], out_batch: [8, 8], keys: [16, 8], values: [24, 8], count: [32, 4], map_fd: [36, 4],
  elem_flags: [40, 8], flags: [48, 8],
});

/** BPF_PROG_LOAD. */
export const PROG_LOAD = layout('', {
  prog_type: [0, 4], insn_cnt: [4, 4], insns: [8, 8], license: [16, 8], log_level: [24, 4], log_size: [28, 4],
  log_buf: [32, 8], kern_version: [40, 4], prog_flags: [44, 4], prog_name: [48, 16], prog_ifindex: [64, 4],
  expected_attach_type: [68, 4], prog_btf_fd: [72, 4], func_info_rec_size: [76, 4], func_info: [80, 8],
  func_info_cnt: [88, 4], line_info_rec_size: [92, 4], line_info: [96, 8], line_info_cnt: [104, 4],
  attach_btf_id: [108, 4], attach_prog_fd: [112, 4], attach_btf_obj_fd: [112, 4], core_relo_cnt: [116, 4],
  fd_array: [120, 8], core_relos: [128, 8], core_relo_rec_size: [136, 4], log_true_size: [140, 4],
});

/** BPF_OBJ_PIN, BPF_OBJ_GET. */
export const OBJ = layout('', { pathname: [0, 8], bpf_fd: [8, 4], file_flags: [12, 4] });

/** BPF_PROG_ATTACH, BPF_PROG_DETACH. */
export const PROG_ATTACH = layout('', {
  target_fd: [0, 4], attach_bpf_fd: [4, 4], attach_type: [8, 4], attach_flags: [12, 4], replace_bpf_fd: [16, 4],
});

/** BPF_PROG_TEST_RUN. */
export const TEST_RUN = layout('test', {
  prog_fd: [0, 4], retval: [4, 4], data_size_in: [8, 4], data_size_out: [12, 4], data_in: [16, 8], data_out: [24, 8],
  repeat: [32, 4], duration: [36, 4], ctx_size_in: [40, 4], ctx_size_out: [44, 4], ctx_in: [48, 8], ctx_out: [56, 8],
  flags: [64, 4], cpu: [68, 4], batch_size: [72, 4],
});

/** BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID and *_GET_FD_BY_ID. */
export const GET_ID = layout('', {
  start_id: [0, 4], prog_id: [0, 4], map_id: [0, 4], btf_id: [0, 4], link_id: [0, 4], next_id: [4, 4], open_flags: [8, 4],
});

/** BPF_OBJ_GET_INFO_BY_FD. */
export const INFO = layout('info', { bpf_fd: [0, 4], info_len: [4, 4], info: [8, 8] });

/** BPF_RAW_TRACEPOINT_OPEN. */
export const RAW_TRACEPOINT = layout('raw_tracepoint', { name: [0, 8], prog_fd: [8, 4], cookie: [16, 8] });

/** BPF_BTF_LOAD. */
export const BTF_LOAD = layout('', {
  btf: [0, 8], btf_log_buf: [8, 8], btf_size: [16, 4], btf_log_size: [20, 4], btf_log_level: [24, 4], btf_log_true_size: [28, 4],
});

/** BPF_LINK_CREATE (the per-attach-type union members tsbpf uses). */
export const LINK_CREATE = layout('link_create', {
  prog_fd: [0, 4], map_fd: [0, 4], target_fd: [4, 4], target_ifindex: [4, 4], attach_type: [8, 4], flags: [12, 4],
  target_btf_id: [16, 4], iter_info: [16, 8], iter_info_len: [24, 4],
  'perf_event.bpf_cookie': [16, 8],
  'tracing.target_btf_id': [16, 4], 'tracing.cookie': [24, 8],
  'netfilter.pf': [16, 4], 'netfilter.hooknum': [20, 4], 'netfilter.priority': [24, 4], 'netfilter.flags': [28, 4],
  'tcx.relative_fd': [16, 4], 'tcx.relative_id': [16, 4], 'tcx.expected_revision': [24, 8],
});

/** BPF_ITER_CREATE. */
export const ITER_CREATE = layout('iter_create', { link_fd: [0, 4], flags: [4, 4] });

/** BPF_LINK_DETACH. */
export const LINK_DETACH = layout('link_detach', { link_fd: [0, 4] });

// ---- info structs filled by BPF_OBJ_GET_INFO_BY_FD -----------------------------------------

/** `struct bpf_prog_info`. */
export const PROG_INFO = layout('bpf_prog_info', {
  type: [0, 4], id: [4, 4], tag: [8, 8], jited_prog_len: [16, 4], xlated_prog_len: [20, 4], jited_prog_insns: [24, 8],
  xlated_prog_insns: [32, 8], load_time: [40, 8], created_by_uid: [48, 4], nr_map_ids: [52, 4], map_ids: [56, 8],
  name: [64, 16], ifindex: [80, 4], gpl_compatible: [84, 4], btf_id: [128, 4], run_time_ns: [192, 8], run_cnt: [200, 8],
  recursion_misses: [208, 8], verified_insns: [216, 4], attach_btf_obj_id: [220, 4], attach_btf_id: [224, 4],
});

/** `struct bpf_map_info`. */
export const MAP_INFO = layout('bpf_map_info', {
  type: [0, 4], id: [4, 4], key_size: [8, 4], value_size: [12, 4], max_entries: [16, 4], map_flags: [20, 4],
  name: [24, 16], ifindex: [40, 4], btf_vmlinux_value_type_id: [44, 4], btf_id: [64, 4], btf_key_type_id: [68, 4],
  btf_value_type_id: [72, 4], map_extra: [80, 8],
});

/** `struct bpf_link_info` (common part and the union members tsbpf decodes). */
export const LINK_INFO = layout('bpf_link_info', {
  type: [0, 4], id: [4, 4], prog_id: [8, 4],
  'raw_tracepoint.tp_name': [16, 8], 'raw_tracepoint.tp_name_len': [24, 4],
  'xdp.ifindex': [16, 4], 'tcx.ifindex': [16, 4], 'tcx.attach_type': [20, 4],
  'cgroup.cgroup_id': [16, 8], 'cgroup.attach_type': [24, 4],
  'netns.netns_ino': [16, 4], 'netns.attach_type': [20, 4],
});

// ---- perf_event_open(2) (linux/perf_event.h) ----------------------------------------------

/** `struct perf_event_attr` (the fields a BPF output event needs; bit flags left zero). */
export const PERF_EVENT_ATTR = layout('perf_event_attr', {
  type: [0, 4], size: [4, 4], config: [8, 8], sample_period: [16, 8], sample_type: [24, 8], wakeup_events: [48, 4],
});
/** sizeof(struct perf_event_attr) in 6.18 (PERF_ATTR_SIZE_VER8). */
export const PERF_EVENT_ATTR_SIZE = 136;

/** `struct perf_event_mmap_page`, the first page of a perf event's ring. */
export const PERF_EVENT_MMAP_PAGE = layout('perf_event_mmap_page', {
  data_head: [1024, 8], data_tail: [1032, 8], data_offset: [1040, 8], data_size: [1048, 8],
});

/** `struct perf_event_header`, in front of every record of a perf ring. */
export const PERF_EVENT_HEADER = layout('perf_event_header', { type: [0, 4], misc: [4, 2], size: [6, 2] });

/** Every table, for the layout test. */
export const ALL_LAYOUTS: readonly Layout[] = [
  MAP_CREATE, MAP_ELEM, MAP_FREEZE, MAP_BATCH, PROG_LOAD, OBJ, PROG_ATTACH, TEST_RUN, GET_ID, INFO, RAW_TRACEPOINT,
  BTF_LOAD, LINK_CREATE, ITER_CREATE, LINK_DETACH, PROG_INFO, MAP_INFO, LINK_INFO, PERF_EVENT_ATTR, PERF_EVENT_MMAP_PAGE,
  PERF_EVENT_HEADER,
];

/** A value for a field: integers, or a string / bytes for a byte-array field. */
export type FieldValue = number | bigint | string | Uint8Array;
export type Values<L extends Layout> = { readonly [K in keyof L['fields']]?: FieldValue };

const textEncoder = new TextEncoder();

/** Zero-fills `view[0, l.size)` and writes `values` at their fields; returns the size. */
export function encode<L extends Layout>(view: DataView, l: L, values: Values<L>): number {
  const size = l.size;
  new Uint8Array(view.buffer, view.byteOffset, size).fill(0);
  for (const name in values) {
    const v = values[name];
    if (v !== undefined) writeField(view, l.fields[name], v);
  }
  return size;
}

/** Writes one field. Byte-array fields take a string (NUL-terminated, truncated) or bytes. */
export function writeField(view: DataView, [off, size]: Field, v: FieldValue): void {
  switch (size) {
    case 1: view.setUint8(off, Number(v)); return;
    case 2: view.setUint16(off, Number(v), true); return;
    case 4: view.setUint32(off, Number(v) >>> 0, true); return;
    case 8: view.setBigUint64(off, BigInt.asUintN(64, BigInt(v as number | bigint)), true); return;
  }
  const bytes = typeof v === 'string' ? textEncoder.encode(v).subarray(0, size - 1) : (v as Uint8Array).subarray(0, size);
  for (let i = 0; i < size; i++) view.setUint8(off + i, i < bytes.length ? bytes[i] : 0);
}

/** Reads an integer field (unsigned; 8-byte fields as bigint). */
export function readU32(view: DataView, [off]: Field): number {
  return view.getUint32(off, true);
}
export function readU64(view: DataView, [off]: Field): bigint {
  return view.getBigUint64(off, true);
}
/** Reads a NUL-terminated char array field. */
export function readString(view: DataView, [off, size]: Field): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + off, size);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? size : end));
}
