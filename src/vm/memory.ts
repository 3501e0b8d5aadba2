/**
 * The VM's memory model: every byte a program can touch lives in a registered region (context,
 * stack frame, packet, map values, ring-buffer records, global data). A VM pointer is a 64-bit
 * value whose upper 32 bits are the region id and whose lower 32 bits are the byte offset in that
 * region, so the interpreter finds the region of an address in O(1) (`regions[hi]`). Host memory
 * is never reachable: an address outside every region's bounds, into a region without the needed
 * permission, or with a region id that is not registered, faults with a {@link VmFault} naming
 * the instruction index, the address and the access size.
 *
 * Region id 0 is never allocated, so NULL (and every small scalar) is an invalid address.
 *
 * Registering storage: `addRegion(bytes, writable, options?)` → region id. A map registers its
 * stable value storage once (read-only to programs with BPF_F_RDONLY_PROG) and a map value
 * pointer is then `pointer(id, offset)` for the offset its lookup returns (see ./map-helpers.ts);
 * a packet uses {@link PacketBuffer}; host objects (maps as `struct bpf_map *`) get opaque
 * handle regions (`addHandle`). Regions whose accesses need conversion (a context whose 32-bit
 * `data` fields yield 64-bit pointers) pass {@link RegionHooks}.
 */
import { VmFault } from '../errors.js';

/** What a region holds; used in fault messages and by helpers that accept only some kinds. */
export enum RegionKind {
  /** The program's context (`xdp_md`, `__sk_buff`, raw args…). */
  Context = 1,
  /** One 512-byte stack frame. */
  Stack,
  /** Packet bytes (with headroom before `data` and a metadata area). */
  Packet,
  /** A map's value storage (a map value pointer is base + offset). */
  MapValue,
  /** Ring-buffer record storage. */
  Ringbuf,
  /** Global data (`.data`, `.bss`, `.rodata`) or any other plain memory. */
  Global,
  /** Not memory: a handle to a host object (e.g. a map), used as an opaque pointer. */
  Handle,
}

/** Lower-case names of {@link RegionKind} for messages. */
const KIND_NAMES: Record<RegionKind, string> = {
  [RegionKind.Context]: 'context',
  [RegionKind.Stack]: 'stack',
  [RegionKind.Packet]: 'packet',
  [RegionKind.MapValue]: 'map value',
  [RegionKind.Ringbuf]: 'ringbuf',
  [RegionKind.Global]: 'global data',
  [RegionKind.Handle]: 'handle',
};

/**
 * Accessors of a region whose loads/stores are not plain byte accesses — e.g. a context whose
 * `data` field must yield a 64-bit VM pointer although the UAPI field is 32 bits wide (the
 * kernel rewrites such loads; the VM routes them here). Offsets are region offsets.
 */
export interface RegionHooks {
  /**
   * Loads the value the destination register gets — the zero-extended field, or a full 64-bit VM
   * pointer for fields the kernel converts to pointers (`xdp_md.data`…) — into `out[at]` (low 32
   * bits) and `out[at + 1]` (high 32 bits, a pointer's region), without allocating. Throw a
   * VmFault to refuse the access.
   */
  load(offset: number, size: 1 | 2 | 4 | 8, out: Int32Array, at: number): void;
  /** Stores the value (64-bit, given as two's-complement halves). Throw a VmFault to refuse. */
  store(offset: number, size: 1 | 2 | 4 | 8, lo: number, hi: number): void;
}

/** Options of {@link Memory.addRegion}. */
export interface RegionOptions {
  /** Default {@link RegionKind.Global}. */
  kind?: RegionKind;
  /** Name for fault messages (map name, `.rodata`…). */
  name?: string;
  /** First accessible offset (default 0). */
  start?: number;
  /** End of the accessible bytes, exclusive (default `bytes.length`). */
  end?: number;
  /** Hooks that handle every access to the region instead of plain byte access. */
  hooks?: RegionHooks;
  /** False for write-only memory (maps with BPF_F_WRONLY_PROG); default true. */
  readable?: boolean;
  /** Host object of a {@link RegionKind.Handle} region. */
  object?: unknown;
}

/** 2^32 as a number: pointer = region * 2^32 + offset. */
export const TWO32 = 4294967296;
/** Regions a Memory holds at once (ids 1 … MAX_REGIONS-1). */
export const MAX_REGIONS = 1 << 14;

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/**
 * How far an offset that pointer arithmetic moved out of the 32-bit range carries into the
 * region half of the address (0 for in-range offsets, without a division).
 */
function carryOf(offset: number): number {
  return offset >= 0 && offset < TWO32 ? 0 : Math.floor(offset / TWO32);
}

/** A 64-bit address as `0x` + 16 hex digits. */
export function formatAddress(lo: number, hi: number): string {
  return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/**
 * The region table. Parallel typed arrays indexed by region id keep the interpreter's bounds
 * check to two comparisons: an access of `size` bytes at offset `o` of region `r` is allowed on
 * the fast path iff `start[r] <= o && o + size <= readEnd[r]` (`writeEnd` for stores). Read-only,
 * unregistered, handle and hooked regions have `readEnd`/`writeEnd` 0 so they always take the
 * slow path ({@link Memory.load}/{@link Memory.store}), which applies hooks or faults.
 */
export class Memory {
  /** Backing bytes per region. */
  readonly bytes: Uint8Array[] = new Array(MAX_REGIONS).fill(EMPTY);
  /** DataView over `bytes` per region. */
  readonly views: DataView[] = new Array(MAX_REGIONS).fill(EMPTY_VIEW);
  /** First valid offset per region. */
  readonly start = new Int32Array(MAX_REGIONS);
  /** Fast-path read limit (exclusive) per region; 0 when reads take the slow path. */
  readonly readEnd = new Int32Array(MAX_REGIONS);
  /** Fast-path write limit (exclusive) per region; 0 when writes take the slow path. */
  readonly writeEnd = new Int32Array(MAX_REGIONS);
  /** Accessible end per region (exclusive), independent of permissions. */
  readonly end = new Int32Array(MAX_REGIONS);
  readonly kind = new Uint8Array(MAX_REGIONS);
  readonly writable = new Uint8Array(MAX_REGIONS);
  readonly readable = new Uint8Array(MAX_REGIONS);
  readonly names: (string | undefined)[] = new Array(MAX_REGIONS).fill(undefined);
  readonly hooks: (RegionHooks | undefined)[] = new Array(MAX_REGIONS).fill(undefined);
  readonly objects: unknown[] = new Array(MAX_REGIONS).fill(undefined);
  private readonly free: number[] = [];
  private next = 1;

  /**
   * Registers `bytes` as a region and returns its id. The region keeps a reference to `bytes`
   * (never a copy): a map registers its stable value storage once at creation and a map value
   * pointer is then {@link pointer}(id, offset).
   */
  addRegion(bytes: Uint8Array, writable: boolean, options: RegionOptions = {}): number {
    const id = this.free.pop() ?? this.next++;
    if (id >= MAX_REGIONS) throw new VmFault(`too many memory regions (limit ${MAX_REGIONS - 1})`);
    this.kind[id] = options.kind ?? RegionKind.Global;
    this.names[id] = options.name;
    this.hooks[id] = options.hooks;
    this.objects[id] = options.object;
    this.writable[id] = writable ? 1 : 0;
    this.readable[id] = options.readable === false ? 0 : 1;
    this.setBytes(id, bytes, options.start ?? 0, options.end ?? bytes.length);
    return id;
  }

  /** Registers a non-memory handle to a host object (e.g. a map); its pointer is opaque. */
  addHandle(object: unknown, name?: string): number {
    return this.addRegion(EMPTY, false, { kind: RegionKind.Handle, object, name });
  }

  /** Replaces the bytes and bounds of a region (a new packet, a grown/shrunk packet…). */
  setBytes(id: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.check(id);
    if (!(start >= 0 && start <= end && end <= bytes.length)) {
      throw new VmFault(`region ${id}: bounds [${start}, ${end}) outside its ${bytes.length} bytes`);
    }
    this.bytes[id] = bytes;
    this.views[id] = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.setBounds(id, start, end);
  }

  /** Changes the accessible window of a region (e.g. `bpf_xdp_adjust_head` moves `start`). */
  setBounds(id: number, start: number, end: number): void {
    this.check(id);
    if (!(start >= 0 && start <= end && end <= this.bytes[id].length)) {
      throw new VmFault(`region ${id}: bounds [${start}, ${end}) outside its ${this.bytes[id].length} bytes`);
    }
    this.start[id] = start;
    this.end[id] = end;
    const plain = this.hooks[id] === undefined && this.kind[id] !== RegionKind.Handle;
    this.readEnd[id] = plain && this.readable[id] ? end : 0;
    this.writeEnd[id] = plain && this.writable[id] ? end : 0;
  }

  /** Unregisters a region; its id may be reused. */
  removeRegion(id: number): void {
    this.check(id);
    this.bytes[id] = EMPTY;
    this.views[id] = EMPTY_VIEW;
    this.start[id] = this.end[id] = this.readEnd[id] = this.writeEnd[id] = 0;
    this.kind[id] = 0;
    this.writable[id] = 0;
    this.readable[id] = 0;
    this.names[id] = undefined;
    this.hooks[id] = undefined;
    this.objects[id] = undefined;
    this.free.push(id);
  }

  /** True when `id` is a registered region. */
  has(id: number): boolean {
    return id > 0 && id < MAX_REGIONS && this.kind[id] !== 0;
  }

  /** The VM pointer to `offset` in region `id`, as a number (exact: ids < 2^21). */
  pointer(id: number, offset: number): number {
    return id * TWO32 + offset;
  }

  /** The host object behind a handle pointer, or undefined when the pointer is not a handle. */
  object(lo: number, hi: number): unknown {
    return lo === 0 && hi > 0 && hi < MAX_REGIONS && this.kind[hi] === RegionKind.Handle ? this.objects[hi] : undefined;
  }

  /**
   * Checks an access of `size` bytes at the 64-bit address (lo, hi) and returns the region's
   * offset of it; faults (naming `insn`) when not allowed. For helpers reading/writing program
   * memory: `mem.bytes[hi]` at the returned offset is then safe to access for `size` bytes.
   */
  resolve(lo: number, hi: number, size: number, write: boolean, insn: number): number {
    const o = lo >>> 0;
    if (this.has(hi) && this.hooks[hi] === undefined && this.kind[hi] !== RegionKind.Handle &&
        (write ? this.writable[hi] : this.readable[hi]) && o >= this.start[hi] && o + size <= this.end[hi]) {
      return o;
    }
    throw this.fault(hi, o, size, write, insn);
  }

  /**
   * Slow path of a load of `size` bytes at offset `offset` of region `region`, where `offset` may
   * have left the 32-bit range through pointer arithmetic (the carry then moves to the next or
   * previous region id, exactly as the 64-bit address does). Handles hooked regions and such
   * carried addresses, or faults. Writes the loaded value, zero-extended, into `out[at]` (low 32
   * bits) and `out[at + 1]` (high 32 bits): the interpreter passes its register file.
   */
  load(region: number, offset: number, size: 1 | 2 | 4 | 8, insn: number, out: Int32Array, at: number): void {
    const carry = carryOf(offset);
    const r = (region + carry) | 0, o = offset - carry * TWO32;
    if (this.has(r) && o >= this.start[r] && o + size <= this.end[r]) {
      const hooks = this.hooks[r];
      if (hooks) {
        hooks.load(o, size, out, at);
        return;
      }
      if (o + size <= this.readEnd[r]) {
        const v = this.views[r];
        out[at] = size === 1 ? v.getUint8(o) : size === 2 ? v.getUint16(o, true) : v.getInt32(o, true);
        out[at + 1] = size === 8 ? v.getInt32(o + 4, true) : 0;
        return;
      }
    }
    throw this.fault(region, offset, size, false, insn);
  }

  /** Slow path of a store (see {@link load}); the value is given as two's-complement halves. */
  store(region: number, offset: number, size: 1 | 2 | 4 | 8, vlo: number, vhi: number, insn: number): void {
    const carry = carryOf(offset);
    const r = (region + carry) | 0, o = offset - carry * TWO32;
    if (this.has(r) && this.writable[r] && o >= this.start[r] && o + size <= this.end[r]) {
      const hooks = this.hooks[r];
      if (hooks) {
        hooks.store(o, size, vlo, vhi);
        return;
      }
      if (o + size <= this.writeEnd[r]) {
        const v = this.views[r];
        if (size === 1) v.setUint8(o, vlo);
        else if (size === 2) v.setUint16(o, vlo, true);
        else if (size === 4) v.setInt32(o, vlo, true);
        else { v.setInt32(o, vlo, true); v.setInt32(o + 4, vhi, true); }
        return;
      }
    }
    throw this.fault(region, offset, size, true, insn);
  }

  /**
   * The (region, offset) of a read-modify-write access (atomics) of plain writable memory, with
   * the carry of {@link load} applied; faults otherwise. Returns the region in the high part:
   * `region * 2^32 + offset`.
   */
  rmw(region: number, offset: number, size: number, insn: number): number {
    const carry = carryOf(offset);
    const r = (region + carry) | 0, o = offset - carry * TWO32;
    if (this.has(r) && o >= this.start[r] && o + size <= this.writeEnd[r] && o + size <= this.readEnd[r]) return r * TWO32 + o;
    throw this.fault(region, offset, size, true, insn);
  }

  /** The fault for a refused access at `offset` of `region`, explaining why. */
  fault(region: number, offset: number, size: number, write: boolean, insn: number): VmFault {
    // The real 64-bit address: pointer arithmetic may have carried into the region half.
    const lo = offset | 0, hi = (region + Math.floor(offset / TWO32)) | 0;
    const what = `invalid ${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at ${formatAddress(lo, hi)}`;
    let why: string;
    if (!this.has(region)) {
      why = region === 0 ? 'not a pointer (no memory region)' : `no memory region ${region >>> 0}`;
    } else {
      const name = this.names[region] ? ` '${this.names[region]}'` : '';
      const desc = `${KIND_NAMES[this.kind[region] as RegionKind]} region${name}`;
      if (this.kind[region] === RegionKind.Handle) why = `${desc} is not memory`;
      else if (write && !this.writable[region]) why = `${desc} is read-only`;
      else if (!write && !this.readable[region]) why = `${desc} is write-only`;
      else why = `${desc}: offset ${offset} size ${size} outside [${this.start[region]}, ${this.end[region]})`;
    }
    return new VmFault(`${what}: ${why}`, { insn });
  }

  private check(id: number): void {
    if (!this.has(id)) throw new VmFault(`no region ${id}`);
  }
}

/** Bytes reserved before an XDP packet's data (XDP_PACKET_HEADROOM of linux/bpf.h). */
export const XDP_PACKET_HEADROOM = 256;

/**
 * A packet in one region, laid out like the kernel's xdp_buff: `headroom` bytes before the data
 * (where `bpf_xdp_adjust_head` grows the packet and the metadata area lives, directly before
 * `data`), the data, then `tailroom` bytes `bpf_xdp_adjust_tail` may grow into. Programs may
 * access exactly [meta, end); the offsets are region offsets.
 */
export class PacketBuffer {
  readonly region: number;
  readonly buf: Uint8Array;
  /** Start of the metadata area (= data when there is none). */
  meta: number;
  data: number;
  end: number;

  constructor(readonly mem: Memory, packet: Uint8Array, headroom = XDP_PACKET_HEADROOM, tailroom = 0) {
    this.buf = new Uint8Array(headroom + packet.length + tailroom);
    this.buf.set(packet, headroom);
    this.meta = this.data = headroom;
    this.end = headroom + packet.length;
    this.region = mem.addRegion(this.buf, true, { kind: RegionKind.Packet, name: 'packet', start: this.meta, end: this.end });
  }

  /** Moves the accessible window (meta ≤ data ≤ end, all inside the buffer). */
  setWindow(meta: number, data: number, end: number): void {
    if (!(0 <= meta && meta <= data && data <= end && end <= this.buf.length)) {
      throw new VmFault(`packet window [${meta}, ${data}, ${end}) outside its ${this.buf.length}-byte buffer`);
    }
    this.meta = meta; this.data = data; this.end = end;
    this.mem.setBounds(this.region, meta, end);
  }

  /** VM pointer to byte `offset` of the buffer. */
  pointer(offset: number): number {
    return this.mem.pointer(this.region, offset);
  }

  /** A copy of the packet as it is now (data to end). */
  bytes(): Uint8Array {
    return this.buf.slice(this.data, this.end);
  }

  /** A copy of the metadata area (meta to data). */
  metadata(): Uint8Array {
    return this.buf.slice(this.meta, this.data);
  }
}
