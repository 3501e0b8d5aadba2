/**
 * Map definitions: BTF-defined maps of `.maps` (libbpf's `__uint`/`__type`/`__array` members),
 * legacy `maps` sections (libbpf's `struct bpf_map_def`, samples/bpf's extended variant and
 * iproute2's `struct bpf_elf_map`), and the array maps libbpf makes of global data sections.
 */
import { ObjectError, type Location } from '../errors.js';
import type { BtfSpec } from '../btf/spec.js';
import type { BtfType } from '../btf/types.js';
import { BPF_F, BPF_MAP_TYPE } from '../uapi/index.js';
import type { ElfSection } from '../elf/reader.js';
import type { MapSpec } from './types.js';

/** Kernel limit on object names (BPF_OBJ_NAME_LEN, including the NUL). */
export const BPF_OBJ_NAME_LEN = 16;

function emptyMap(name: string, source: MapSpec['source'], section: string): MapSpec {
  return {
    name, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0, mapExtra: 0, pinning: 0,
    source, section, btfKeyTypeId: 0, btfValueTypeId: 0, frozen: false,
  };
}

/** A map found in `.maps`, with where its definition lies (for the `.rel.maps` initialisers). */
export interface BtfMapDef {
  map: MapSpec;
  /** Byte range of the variable in `.maps`. */
  offset: number;
  size: number;
  /** Byte offset of the `values` member inside the variable, when there is one. */
  valuesOffset?: number;
}

/** Parses every variable of the `.maps` DATASEC. */
export function btfMaps(btf: BtfSpec, sec: ElfSection, loc: Location): BtfMapDef[] {
  const datasec = btf.typeByName('.maps', 'DATASEC');
  if (!datasec) throw new ObjectError('no DATASEC .maps in BTF for section .maps', loc);
  const out: BtfMapDef[] = [];
  for (const vi of datasec.vars) {
    const v = btf.type(vi.type);
    if (v.kind !== 'VAR') throw new ObjectError(`.maps DATASEC entry [${vi.type}] is ${v.kind}, not VAR`, loc);
    if (vi.offset > sec.size || vi.size > sec.size - vi.offset) {
      throw new ObjectError(`map '${v.name}': definition [${vi.offset}, +${vi.size}) outside section .maps (${sec.size} bytes)`, loc);
    }
    const def = btf.skipModifiers(v.type);
    if (def.kind !== 'STRUCT') throw new ObjectError(`map '${v.name}': definition is ${def.kind}, expected STRUCT`, loc);
    const parsed = parseBtfMapDef(btf, v.name, def, loc);
    out.push({ map: parsed.map, offset: vi.offset, size: vi.size, valuesOffset: parsed.valuesOffset });
  }
  return out;
}

/** `__uint(name, N)` is `int (*name)[N]`: the value is the array's element count. */
function uintMember(btf: BtfSpec, mapName: string, m: { name: string; type: number }, loc: Location): number {
  const ptr = btf.skipModifiers(m.type);
  if (ptr.kind !== 'PTR') throw new ObjectError(`map '${mapName}': attr '${m.name}': expected PTR, got ${ptr.kind}`, loc);
  const arr = btf.skipModifiers(ptr.type);
  if (arr.kind !== 'ARRAY') throw new ObjectError(`map '${mapName}': attr '${m.name}': expected ARRAY, got ${arr.kind}`, loc);
  return arr.nelems;
}

/** `__type(name, T)` is `T *name`: returns T's id and size. */
function typeMember(btf: BtfSpec, mapName: string, m: { name: string; type: number }, loc: Location): { id: number; size: number } {
  const ptr = btf.skipModifiers(m.type);
  if (ptr.kind !== 'PTR') throw new ObjectError(`map '${mapName}': ${m.name} spec is not PTR: ${ptr.kind}`, loc);
  return { id: ptr.type, size: btf.size(ptr.type) };
}

function parseBtfMapDef(btf: BtfSpec, name: string, def: Extract<BtfType, { kind: 'STRUCT' }>, loc: Location, inner = false): { map: MapSpec; valuesOffset?: number } {
  const map = emptyMap(name, 'btf', '.maps');
  let valuesOffset: number | undefined;
  let innerDef: Extract<BtfType, { kind: 'STRUCT' | 'FUNC_PROTO' }> | undefined;
  def.members.forEach((m, i) => {
    switch (m.name) {
      case 'type': map.type = uintMember(btf, name, m, loc); break;
      case 'max_entries': map.maxEntries = uintMember(btf, name, m, loc); break;
      case 'map_flags': map.flags = uintMember(btf, name, m, loc); break;
      case 'numa_node': map.numaNode = uintMember(btf, name, m, loc); break;
      case 'map_extra': map.mapExtra = uintMember(btf, name, m, loc); break;
      case 'key_size': setSize(map, 'keySize', uintMember(btf, name, m, loc), name, loc); break;
      case 'value_size': setSize(map, 'valueSize', uintMember(btf, name, m, loc), name, loc); break;
      case 'key': {
        const t = typeMember(btf, name, m, loc);
        setSize(map, 'keySize', t.size, name, loc);
        map.btfKeyTypeId = t.id;
        break;
      }
      case 'value': {
        const t = typeMember(btf, name, m, loc);
        setSize(map, 'valueSize', t.size, name, loc);
        map.btfValueTypeId = t.id;
        break;
      }
      case 'values': {
        if (inner) throw new ObjectError(`map '${name}': multi-level inner maps are not supported`, loc);
        if (i !== def.members.length - 1) throw new ObjectError(`map '${name}': '${m.name}' member should be last`, loc);
        const arr = btf.skipModifiers(m.type);
        if (arr.kind !== 'ARRAY' || arr.nelems !== 0) throw new ObjectError(`map '${name}': values spec is not a zero-sized array`, loc);
        const ptr = btf.skipModifiers(arr.type);
        if (ptr.kind !== 'PTR') throw new ObjectError(`map '${name}': values element is ${ptr.kind}, expected PTR`, loc);
        const target = btf.skipModifiers(ptr.type);
        if (target.kind !== 'STRUCT' && target.kind !== 'FUNC_PROTO') throw new ObjectError(`map '${name}': values element points to ${target.kind}`, loc);
        innerDef = target;
        valuesOffset = m.bitsOffset / 8;
        break;
      }
      case 'pinning':
        // libbpf accepts 0 (none) and 1 (by name); other values (cilium's CILIUM_PIN_REPLACE = 16…)
        // belong to other loaders and are kept for the backend to accept or refuse.
        map.pinning = uintMember(btf, name, m, loc);
        break;
      default:
        throw new ObjectError(`map '${name}': unknown field '${m.name}'`, loc);
    }
  });
  if (innerDef) {
    if (map.type === BPF_MAP_TYPE.PROG_ARRAY) {
      if (innerDef.kind !== 'FUNC_PROTO') throw new ObjectError(`map '${name}': prog-array values must be function pointers`, loc);
    } else if (map.type === BPF_MAP_TYPE.ARRAY_OF_MAPS || map.type === BPF_MAP_TYPE.HASH_OF_MAPS) {
      if (innerDef.kind !== 'STRUCT') throw new ObjectError(`map '${name}': map-in-map values must be map definitions`, loc);
      map.innerMap = parseBtfMapDef(btf, `${name}.inner`, innerDef, loc, true).map;
    } else {
      throw new ObjectError(`map '${name}': 'values' is only allowed for prog-array and map-in-map types`, loc);
    }
    setSize(map, 'valueSize', 4, name, loc);
  }
  return { map, valuesOffset };
}

function setSize(map: MapSpec, field: 'keySize' | 'valueSize', v: number, name: string, loc: Location): void {
  if (map[field] !== 0 && map[field] !== v) {
    throw new ObjectError(`map '${name}': conflicting ${field === 'keySize' ? 'key' : 'value'} size ${map[field]} != ${v}`, loc);
  }
  map[field] = v;
}

/** Layout of a legacy `maps` record, chosen by its size. */
export type LegacyLayout = 'bpf_map_def' | 'bpf_map_def_ext' | 'bpf_elf_map';

/**
 * Legacy `maps` sections (`maps`, or one `maps/<name>` section per map): one record per symbol,
 * all records of a section the same size (section size / symbols). Map indices (inner_map_idx)
 * count across all legacy sections in section order.
 * - 20 bytes: libbpf `struct bpf_map_def` {type, key_size, value_size, max_entries, map_flags};
 * - 28 bytes: samples/bpf `struct bpf_map_def` (+ inner_map_idx, numa_node) or iproute2's older
 *   `struct bpf_elf_map` (+ id, pinning). The two are told apart per map: for map-in-map types
 *   field 6 is the inner map index, with BPF_F_NUMA_NODE field 7 is the NUMA node; otherwise
 *   fields 6/7 are iproute2's id and pinning;
 * - 36 bytes: iproute2 `struct bpf_elf_map` (+ id, pinning, inner_id, inner_idx); a map-in-map's
 *   inner template is the map whose `id` equals its `inner_id`.
 * Any other size of at least 20 bytes is read as `bpf_map_def` when the extra bytes are zero
 * (libbpf 0.x's rule).
 */
export function legacyMaps(sections: { sec: ElfSection; symbols: { name: string; value: number }[] }[], loc: Location): { map: MapSpec; sec: ElfSection; offset: number; id?: number }[] {
  const maps: { m: MapSpec; f: (i: number) => number; at: number; sec: ElfSection; recSize: number }[] = [];
  for (const { sec, symbols } of sections) {
    if (symbols.length === 0) continue;
    const sloc = { ...loc, section: sec.name };
    if (sec.size % symbols.length !== 0) {
      throw new ObjectError(`legacy maps: section size ${sec.size} is not a multiple of the ${symbols.length} map symbols`, sloc);
    }
    const recSize = sec.size / symbols.length;
    if (recSize < 20) throw new ObjectError(`legacy maps: record size ${recSize} is smaller than struct bpf_map_def (20)`, sloc);
    const dv = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    for (const s of [...symbols].sort((a, b) => a.value - b.value)) {
      if (s.value % 4 || s.value + recSize > sec.size) {
        throw new ObjectError(`legacy map '${s.name}': record at ${s.value} (+${recSize}) outside section ${sec.name} (${sec.size} bytes)`, { ...sloc, offset: s.value });
      }
      const f = (i: number) => dv.getUint32(s.value + 4 * i, true);
      const m = emptyMap(s.name, 'legacy', sec.name);
      m.type = f(0); m.keySize = f(1); m.valueSize = f(2); m.maxEntries = f(3); m.flags = f(4);
      maps.push({ m, f, at: s.value, sec, recSize });
    }
  }
  return maps.map(({ m, f, at, sec, recSize }) => {
    const sloc = { ...loc, section: sec.name };
    const isMapInMap = m.type === BPF_MAP_TYPE.ARRAY_OF_MAPS || m.type === BPF_MAP_TYPE.HASH_OF_MAPS;
    let innerIdx: number | undefined;
    let id: number | undefined;
    if (recSize === 28) {
      if (isMapInMap) innerIdx = f(5);
      else if (m.flags & BPF_F.NUMA_NODE) m.numaNode = f(6);
      else [id, m.pinning] = [f(5), f(6)];
    } else if (recSize === 36) {
      [id, m.pinning] = [f(5), f(6)];
      // iproute2: the outer map's inner_id names the `id` of the map used as inner template.
      if (isMapInMap) {
        innerIdx = maps.findIndex((x) => x.m !== m && x.f(5) === f(7));
        if (innerIdx < 0) throw new ObjectError(`legacy map '${m.name}': no map with id ${f(7)} for inner_id`, sloc);
      }
    } else {
      for (let o = 20; o < recSize; o++) {
        if (sec.data[at + o] !== 0) {
          throw new ObjectError(`legacy map '${m.name}': unknown ${recSize}-byte map definition has non-zero bytes past struct bpf_map_def`, { ...sloc, offset: at + o });
        }
      }
    }
    if (innerIdx !== undefined) {
      const inner = maps[innerIdx];
      if (!inner) throw new ObjectError(`legacy map '${m.name}': inner map index ${innerIdx} out of range (${maps.length} maps)`, sloc);
      m.innerMap = { ...inner.m, innerMap: undefined };
    }
    return { map: m, sec, offset: at, ...(id !== undefined ? { id } : {}) };
  });
}

/** libbpf's `internal_map_name`: `<obj prefix><section>` within BPF_OBJ_NAME_LEN, sanitised. */
export function internalMapName(objName: string, realName: string): string {
  let sfxLen = Math.max(7, realName.length);
  if (sfxLen >= BPF_OBJ_NAME_LEN) sfxLen = BPF_OBJ_NAME_LEN - 1;
  const pfxLen = realName.indexOf('.', 1) !== -1 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length);
  const name = objName.slice(0, pfxLen) + realName.slice(0, sfxLen);
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

/** An array map holding a global data section (`.data*`, `.rodata*`, `.bss*`, or `.kconfig`). */
export function dataMap(objName: string, realName: string, section: string, size: number, data: Uint8Array | undefined, btf: BtfSpec | undefined, kind: 'data' | 'rodata' | 'bss' | 'kconfig'): MapSpec {
  const m = emptyMap(internalMapName(objName, realName), kind === 'kconfig' ? 'kconfig' : 'data', section);
  m.realName = realName;
  m.type = BPF_MAP_TYPE.ARRAY;
  m.keySize = 4;
  m.valueSize = size;
  m.maxEntries = 1;
  m.frozen = kind === 'rodata' || kind === 'kconfig';
  m.flags = m.frozen ? BPF_F.RDONLY_PROG : 0;
  if (data) m.data = data;
  const datasec = btf?.typeByName(realName, 'DATASEC');
  if (datasec) {
    m.btfValueTypeId = datasec.id;
    // libbpf's map_is_mmapable: a DATASEC with at least one non-static variable.
    if (datasec.vars.some((v) => { const t = btf!.types[v.type]; return t?.kind === 'VAR' && t.linkage !== 0; })) m.flags |= BPF_F.MMAPABLE;
  }
  return m;
}

/**
 * libbpf's struct_ops maps: each variable of a `.struct_ops` / `.struct_ops.link` DATASEC is a
 * BPF_MAP_TYPE_STRUCT_OPS map (key 4 bytes, value the struct, one entry; `.link` adds BPF_F_LINK)
 * holding the variable's initial bytes.
 */
export function structOpsMaps(btf: BtfSpec, sec: ElfSection, loc: Location): BtfMapDef[] {
  const datasec = btf.typeByName(sec.name, 'DATASEC');
  if (!datasec) throw new ObjectError(`no DATASEC ${sec.name} in BTF`, loc);
  return datasec.vars.map((vi) => {
    const v = btf.type(vi.type);
    if (v.kind !== 'VAR') throw new ObjectError(`${sec.name} DATASEC entry [${vi.type}] is ${v.kind}, not VAR`, loc);
    const st = btf.skipModifiers(v.type);
    if (st.kind !== 'STRUCT') throw new ObjectError(`struct_ops '${v.name}': ${st.kind} is not a struct`, loc);
    if (vi.offset > sec.data.length || vi.size > sec.data.length - vi.offset || vi.size !== st.size) {
      throw new ObjectError(`struct_ops '${v.name}': data [${vi.offset}, +${vi.size}) does not fit section ${sec.name} or struct ${st.name}`, loc);
    }
    const m = emptyMap(v.name, 'struct_ops', sec.name);
    m.type = BPF_MAP_TYPE.STRUCT_OPS;
    m.keySize = 4;
    m.valueSize = st.size;
    m.maxEntries = 1;
    m.flags = sec.name === '.struct_ops.link' ? BPF_F.LINK : 0;
    m.btfValueTypeId = st.id;
    m.data = sec.data.subarray(vi.offset, vi.offset + vi.size);
    return { map: m, offset: vi.offset, size: vi.size };
  });
}
