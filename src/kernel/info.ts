/**
 * BPF_OBJ_GET_INFO_BY_FD for programs, maps and links, decoded into plain objects. Program info
 * is fetched twice like bpftool does: once for the lengths, then with buffers for the translated
 * and JITed instructions and the map ids.
 */
import { INFO, LINK_INFO, MAP_INFO, PROG_INFO, type Layout, readString, readU32, readU64, encode, writeField } from './layout.js';
import { bpf } from './syscall.js';
import { BPF_LINK_TYPE } from '../uapi/index.js';
import { NativeBuffer } from './libc.js';

/** Issues BPF_OBJ_GET_INFO_BY_FD; the kernel reads the request from and writes the info into `buf`. */
function getInfo(fd: number, layout: Layout, buf: NativeBuffer): void {
  bpf('OBJ_GET_INFO_BY_FD', INFO, { bpf_fd: fd, info_len: layout.size, info: buf.addr });
}

export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxValueTypeId: number;
  mapExtra: bigint;
}

/** `struct bpf_map_info` of a map fd. */
export function mapInfo(fd: number): MapInfo {
  const buf = new NativeBuffer(MAP_INFO.size);
  try {
    getInfo(fd, MAP_INFO, buf);
    const v = buf.view, f = MAP_INFO.fields;
    return {
      type: readU32(v, f.type), id: readU32(v, f.id), keySize: readU32(v, f.key_size), valueSize: readU32(v, f.value_size),
      maxEntries: readU32(v, f.max_entries), flags: readU32(v, f.map_flags), name: readString(v, f.name),
      ifindex: readU32(v, f.ifindex), btfId: readU32(v, f.btf_id), btfKeyTypeId: readU32(v, f.btf_key_type_id),
      btfValueTypeId: readU32(v, f.btf_value_type_id), btfVmlinuxValueTypeId: readU32(v, f.btf_vmlinux_value_type_id),
      mapExtra: readU64(v, f.map_extra),
    };
  } finally {
    buf.free();
  }
}

export interface ProgInfo {
  type: number;
  id: number;
  /** The program tag as bpftool prints it (16 hex digits). */
  tag: string;
  name: string;
  /** Instructions after the verifier's rewrites (`bpftool prog dump xlated`). */
  xlatedInsns: Uint8Array;
  /** Native code of the JIT (`bpftool prog dump jited`). */
  jitedInsns: Uint8Array;
  mapIds: number[];
  loadTime: bigint;
  createdByUid: number;
  gplCompatible: boolean;
  btfId: number;
  /** Cumulative run time and count (only counted while BPF stats are enabled). */
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
  /** Instructions the verifier processed (`processed N insns`). */
  verifiedInsns: number;
  attachBtfObjId: number;
  attachBtfId: number;
}

/** `struct bpf_prog_info` of a program fd, with its xlated/jited instructions and map ids. */
export function progInfo(fd: number): ProgInfo {
  const buf = new NativeBuffer(PROG_INFO.size);
  const f = PROG_INFO.fields, v = buf.view;
  try {
    getInfo(fd, PROG_INFO, buf);
    const xlatedLen = readU32(v, f.xlated_prog_len), jitedLen = readU32(v, f.jited_prog_len), nrMaps = readU32(v, f.nr_map_ids);
    const xlated = new NativeBuffer(xlatedLen), jited = new NativeBuffer(jitedLen), maps = new NativeBuffer(nrMaps * 4);
    try {
      encode(v, PROG_INFO, {
        xlated_prog_len: xlatedLen, xlated_prog_insns: xlated.addr, jited_prog_len: jitedLen, jited_prog_insns: jited.addr,
        nr_map_ids: nrMaps, map_ids: maps.addr,
      });
      getInfo(fd, PROG_INFO, buf);
      const tag = Array.from(new Uint8Array(v.buffer, v.byteOffset + f.tag[0], 8), (b) => b.toString(16).padStart(2, '0')).join('');
      return {
        type: readU32(v, f.type), id: readU32(v, f.id), tag, name: readString(v, f.name),
        xlatedInsns: xlated.bytes.slice(0, readU32(v, f.xlated_prog_len)),
        jitedInsns: jited.bytes.slice(0, readU32(v, f.jited_prog_len)),
        mapIds: Array.from({ length: Math.min(nrMaps, readU32(v, f.nr_map_ids)) }, (_, i) => maps.view.getUint32(i * 4, true)),
        loadTime: readU64(v, f.load_time), createdByUid: readU32(v, f.created_by_uid),
        gplCompatible: readU32(v, f.gpl_compatible) !== 0, btfId: readU32(v, f.btf_id),
        runTimeNs: readU64(v, f.run_time_ns), runCount: readU64(v, f.run_cnt), recursionMisses: readU64(v, f.recursion_misses),
        verifiedInsns: readU32(v, f.verified_insns), attachBtfObjId: readU32(v, f.attach_btf_obj_id),
        attachBtfId: readU32(v, f.attach_btf_id),
      };
    } finally {
      xlated.free(); jited.free(); maps.free();
    }
  } finally {
    buf.free();
  }
}

export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  /** Raw tracepoint links: the tracepoint name. */
  tracepoint?: string;
  /** XDP and tcx links: the interface. */
  ifindex?: number;
  /** tcx, cgroup and netns links: the attach type. */
  attachType?: number;
  /** cgroup links. */
  cgroupId?: bigint;
  /** netns links. */
  netnsIno?: number;
}

/** `struct bpf_link_info` of a link fd. */
export function linkInfo(fd: number): LinkInfo {
  const buf = new NativeBuffer(LINK_INFO.size);
  const name = new NativeBuffer(256);
  const f = LINK_INFO.fields, v = buf.view;
  try {
    getInfo(fd, LINK_INFO, buf);
    const info: LinkInfo = { type: readU32(v, f.type), id: readU32(v, f.id), progId: readU32(v, f.prog_id) };
    switch (info.type) {
      case BPF_LINK_TYPE.RAW_TRACEPOINT:
        writeField(v, f['raw_tracepoint.tp_name'], name.addr);
        writeField(v, f['raw_tracepoint.tp_name_len'], name.size);
        getInfo(fd, LINK_INFO, buf);
        info.tracepoint = readString(name.view, [0, name.size]);
        break;
      case BPF_LINK_TYPE.XDP:
        info.ifindex = readU32(v, f['xdp.ifindex']);
        break;
      case BPF_LINK_TYPE.TCX:
        info.ifindex = readU32(v, f['tcx.ifindex']);
        info.attachType = readU32(v, f['tcx.attach_type']);
        break;
      case BPF_LINK_TYPE.CGROUP:
        info.cgroupId = readU64(v, f['cgroup.cgroup_id']);
        info.attachType = readU32(v, f['cgroup.attach_type']);
        break;
      case BPF_LINK_TYPE.NETNS:
        info.netnsIno = readU32(v, f['netns.netns_ino']);
        info.attachType = readU32(v, f['netns.attach_type']);
        break;
    }
    return info;
  } finally {
    buf.free();
    name.free();
  }
}
