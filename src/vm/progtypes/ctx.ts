/**
 * Context regions: a program's context (`__sk_buff`, `xdp_md`) is a region over a shadow copy
 * of the UAPI struct with load/store hooks that apply the kernel's access rules (which fields a
 * program type may read or write, at which widths) and turn the packet fields (`data`,
 * `data_end`, `data_meta`) into 64-bit VM packet pointers — what the kernel's ctx access
 * rewriting does at load time. Per-field rules are data (one table per struct).
 */
import { VmFault } from '../../errors.js';
import type { StructLayout } from '../../uapi/index.js';
import { RegionKind, type Memory, type RegionHooks } from '../memory.js';
import type { HelperVm } from '../program.js';

/** Access a program type has to one field. */
export interface FieldAccess {
  read?: boolean;
  write?: boolean;
}

/** Index of an access size (1, 2, 4, 8) in the precomputed access tables. */
function sizeIndex(size: number): number {
  return 31 - Math.clz32(size);
}

/**
 * Computed rules of one struct for one program type: per field its extent and permissions, and
 * per (offset, size, direction) the verdict, precomputed once so an access costs one table load.
 */
export class CtxRules {
  /** Field index per byte (+1; 0 = padding). */
  readonly fieldAt: Uint8Array;
  readonly names: string[];
  readonly starts: number[];
  readonly sizes: number[];
  readonly canRead: boolean[];
  readonly canWrite: boolean[];
  /** Element size of array fields (cb[5]): narrow accesses are checked per element. */
  readonly elem: number[];
  /** Field index + 1 of a permitted load at [offset * 4 + sizeIndex], 0 when refused. */
  private readonly loads: Uint8Array;
  /** Field index + 1 of a permitted store at [offset * 4 + sizeIndex], 0 when refused. */
  private readonly stores: Uint8Array;

  constructor(readonly layout: StructLayout, access: Readonly<Record<string, FieldAccess>>, readonly pointers: ReadonlySet<string>) {
    this.fieldAt = new Uint8Array(layout.size);
    this.names = []; this.starts = []; this.sizes = []; this.canRead = []; this.canWrite = []; this.elem = [];
    for (const [name, f] of Object.entries(layout.fields)) {
      const a = access[name] ?? {};
      const i = this.names.length;
      this.names.push(name); this.starts.push(f.offset); this.sizes.push(f.size);
      this.canRead.push(!!a.read); this.canWrite.push(!!a.write);
      this.elem.push(f.count ? f.size / f.count : f.size);
      for (let b = f.offset; b < f.offset + f.size; b++) if (!this.fieldAt[b]) this.fieldAt[b] = i + 1;
    }
    this.loads = new Uint8Array(layout.size * 4);
    this.stores = new Uint8Array(layout.size * 4);
    for (let offset = 0; offset < layout.size; offset++) {
      for (const size of [1, 2, 4, 8]) {
        const at = offset * 4 + sizeIndex(size), fi = this.fieldAt[offset];
        if (this.refusal(offset, size, false, '') === undefined) this.loads[at] = fi;
        if (this.refusal(offset, size, true, '') === undefined) this.stores[at] = fi;
      }
    }
  }

  /**
   * The field index of an access, or a VmFault explaining why the kernel's verifier would refuse
   * it (see {@link refusal}). One table load when the access is permitted.
   */
  check(offset: number, size: number, write: boolean, typeName: string): number {
    if (offset < this.fieldAt.length) {
      const fi = (write ? this.stores : this.loads)[offset * 4 + sizeIndex(size)];
      if (fi !== 0) return fi - 1;
    }
    throw new VmFault(`invalid ${this.layout.name} access off=${offset} size=${size}: ${this.refusal(offset, size, write, typeName)}`);
  }

  /**
   * Why the kernel's verifier would refuse an access, or undefined when it is permitted: outside
   * the struct, unknown field, not readable/writable for this program type, pointer fields not
   * loaded as a whole 4-byte word, accesses spanning two fields, stores narrower than the field.
   */
  private refusal(offset: number, size: number, write: boolean, typeName: string): string | undefined {
    const fi = offset < this.fieldAt.length ? this.fieldAt[offset] - 1 : -1;
    if (fi < 0) return 'no such field';
    const name = this.names[fi], start = this.starts[fi], elem = this.elem[fi];
    const rel = (offset - start) % elem;
    // Array fields (cb[]) are plain memory to the kernel: naturally aligned accesses of any size
    // inside the array, 8-byte ones spanning two elements and narrow stores included.
    const array = elem !== this.sizes[fi];
    const inArray = array && offset % size === 0 && offset + size <= start + this.sizes[fi];
    if (!inArray && (rel + size > elem || (rel % size) !== 0)) return `misaligned or spans fields (${name})`;
    if (write ? !this.canWrite[fi] : !this.canRead[fi]) return `${name} is not ${write ? 'writable' : 'readable'} by ${typeName} programs`;
    if (((write && !array) || this.pointers.has(name)) && size !== elem) return `${name} must be accessed as a whole ${elem}-byte field`;
    return undefined;
  }
}

/** What a context struct computes on access (pointer fields, derived values). */
export interface CtxComputed {
  /**
   * Writes the whole value of a computed field into `out[at]` (low 32 bits) and `out[at + 1]`
   * (high 32 bits) and returns true — a pointer field writes the VM pointer (offset, region) —
   * or returns false for a plain read of the shadow struct. Called on the interpreter's loads:
   * must not allocate.
   */
  computed(field: string, out: Int32Array, at: number): boolean;
  /** Called after a store into the shadow. */
  stored?(field: string): void;
}

/**
 * Registers a context region over `shadow` whose accesses follow `rules`; `owner` is the region's
 * host object, so helpers find it from the context pointer in r1 ({@link ctxObject}).
 */
export function addCtxRegion(mem: Memory, shadow: Uint8Array, rules: CtxRules, typeName: string, owner: CtxComputed): number {
  const view = new DataView(shadow.buffer, shadow.byteOffset, shadow.byteLength);
  const hooks: RegionHooks = {
    load(offset, size, out, at) {
      const fi = rules.check(offset, size, false, typeName);
      if (owner.computed(rules.names[fi], out, at)) {
        // Narrow load of a computed scalar (e.g. a u16 of len): little-endian sub-field.
        if (size !== rules.sizes[fi]) narrow(out, at, (offset - rules.starts[fi]) * 8, size);
        return;
      }
      out[at] = size === 1 ? view.getUint8(offset) : size === 2 ? view.getUint16(offset, true) : view.getInt32(offset, true);
      out[at + 1] = size === 8 ? view.getInt32(offset + 4, true) : 0;
    },
    store(offset, size, lo, hi) {
      const fi = rules.check(offset, size, true, typeName);
      if (size === 1) view.setUint8(offset, lo);
      else if (size === 2) view.setUint16(offset, lo, true);
      else if (size === 4) view.setInt32(offset, lo, true);
      else { view.setInt32(offset, lo, true); view.setInt32(offset + 4, hi, true); }
      owner.stored?.(rules.names[fi]);
    },
  };
  return mem.addRegion(shadow, true, { kind: RegionKind.Context, name: rules.layout.name, hooks, object: owner });
}

/** Keeps the `size` bytes at bit `shift` of the 64-bit value at out[at], out[at + 1] (zero-extended). */
function narrow(out: Int32Array, at: number, shift: number, size: number): void {
  const lo = out[at], hi = out[at + 1];
  const v = shift === 0 ? lo : shift < 32 ? (lo >>> shift) | (hi << (32 - shift)) : hi >>> (shift - 32);
  out[at] = size === 4 ? v : v & ((1 << (size * 8)) - 1);
  out[at + 1] = 0;
}

/** The context object behind the pointer in register `r` (helpers' ctx argument), checked to be a `cls`. */
export function ctxObject<T>(vm: HelperVm, r: number, cls: abstract new (...a: never[]) => T, what: string): T {
  const hi = vm.hi(r);
  const o = vm.mem.has(hi) && vm.mem.kind[hi] === RegionKind.Context ? vm.mem.objects[hi] : undefined;
  if (!(o instanceof cls)) throw new VmFault(`R${r} is not a ${what} context pointer`, { insn: vm.pc });
  return o;
}
