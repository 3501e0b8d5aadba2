/**
 * CO-RE relocation values (libbpf bpf_core_calc_relo and helpers): for a local spec and a
 * matched target spec (or none), the value the compiler assumed, the target's value, whether the
 * instruction must be poisoned, and the memory sizes of field loads.
 */
import type { CoreRelo } from './ext.js';
import { BTF_INT, type BtfType } from './types.js';
import { CORE_KIND_STR, CoreReloError, coreReloClass, resolveSize, type CoreSpec } from './core-spec.js';

/** libbpf's `struct bpf_core_relo_res`. */
export interface CoreRawResult {
  origVal: bigint;
  newVal: bigint;
  poison: boolean;
  validate: boolean;
  failMemszAdjust: boolean;
  origSz: number;
  newSz: number;
  origTypeId: number;
  newTypeId: number;
}

const isInt = (t: BtfType): t is Extract<BtfType, { kind: 'INT' }> => t.kind === 'INT';

/** bpf_core_calc_field_relo for one side; `spec` undefined = no target. Returns undefined to request poisoning. */
function fieldValue(relo: CoreRelo, spec: CoreSpec | undefined): { val: bigint; sz: number; typeId: number; validate: boolean } | undefined {
  if (relo.kind === 'field_exists') return { val: spec ? 1n : 0n, sz: 0, typeId: 0, validate: true };
  if (!spec) return undefined;
  const { btf } = spec;
  const acc = spec.accessors[spec.accessors.length - 1];
  if (acc.name === undefined) {
    const sz = resolveSize(btf, acc.typeId);
    if (relo.kind === 'field_byte_offset') return { val: BigInt(spec.bitOffset >>> 3), sz, typeId: acc.typeId, validate: true };
    if (relo.kind === 'field_byte_size') return { val: BigInt(sz), sz: 0, typeId: 0, validate: true };
    throw new CoreReloError(`relo ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn} can't be applied to array access`);
  }
  const t = btf.type(acc.typeId) as Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;
  const m = t.members[acc.idx];
  const mt = btf.skipModifiers(m.type);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  const bitfield = bitSz > 0;
  let byteSz: number;
  let byteOff: number;
  if (bitfield) {
    byteSz = (mt as { size?: number }).size ?? 0;
    if (byteSz === 0) throw new CoreReloError(`bitfield member ${m.name} of [${t.id}] has a type without size`);
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) throw new CoreReloError(`relo ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn} can't be satisfied for bitfield`);
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    byteSz = resolveSize(btf, mt.id);
    byteOff = bitOff >>> 3;
    bitSz = byteSz * 8;
  }
  const res = { val: 0n, sz: 0, typeId: 0, validate: !bitfield };
  switch (relo.kind) {
    case 'field_byte_offset':
      res.val = BigInt(byteOff);
      if (!bitfield) {
        res.sz = byteSz;
        res.typeId = mt.id;
      }
      break;
    case 'field_byte_size':
      res.val = BigInt(byteSz);
      break;
    case 'field_signed':
      res.val = (mt.kind === 'ENUM' || mt.kind === 'ENUM64') ? (mt.signed ? 1n : 0n) : isInt(mt) && mt.encoding & BTF_INT.SIGNED ? 1n : 0n;
      res.validate = true;
      break;
    // libbpf computes the shifts in 32-bit unsigned arithmetic (a field wider than 8 bytes wraps).
    case 'field_lshift_u64':
      res.val = BigInt((64 - (bitOff + bitSz - byteOff * 8)) >>> 0);
      break;
    case 'field_rshift_u64':
      res.val = BigInt((64 - bitSz) >>> 0);
      res.validate = true;
      break;
    default:
      throw new CoreReloError(`unrecognized CO-RE relocation ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn}`);
  }
  return res;
}

/** bpf_core_calc_type_relo: value of a type-based relocation (0 without target). */
function typeValue(relo: CoreRelo, spec: CoreSpec | undefined): bigint {
  if (!spec) return 0n;
  switch (relo.kind) {
    case 'type_id_target': return BigInt(spec.rootTypeId);
    case 'type_exists': case 'type_matches': return 1n;
    case 'type_size': return BigInt(resolveSize(spec.btf, spec.rootTypeId));
    default: throw new CoreReloError(`unrecognized CO-RE relocation ${CORE_KIND_STR[relo.kind]} at insn #${relo.insn}`);
  }
}

/** bpf_core_calc_enumval_relo; undefined requests poisoning. */
function enumValue(relo: CoreRelo, spec: CoreSpec | undefined): bigint | undefined {
  if (relo.kind === 'enumval_exists') return spec ? 1n : 0n;
  if (!spec) return undefined;
  const acc = spec.accessors[0];
  const t = spec.btf.type(acc.typeId) as Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>;
  const v = t.values[acc.idx].value;
  // An ENUM value is a __s32 widened to u64 whatever the enum's signedness; ENUM64 is a u64.
  return t.kind === 'ENUM' ? BigInt.asUintN(64, BigInt.asIntN(32, v)) : BigInt.asUintN(64, v);
}

/** bpf_core_calc_relo: original and target values for one candidate (or none). */
export function calcRelo(relo: CoreRelo, local: CoreSpec, targ: CoreSpec | undefined): CoreRawResult {
  const res: CoreRawResult = { origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
  switch (coreReloClass(relo.kind)) {
    case 'field': {
      const o = fieldValue(relo, local)!;
      const n = fieldValue(relo, targ);
      res.origVal = o.val;
      res.origSz = o.sz;
      res.origTypeId = o.typeId;
      res.validate = o.validate;
      if (!n) {
        res.poison = true;
        break;
      }
      res.newVal = n.val;
      res.newSz = n.sz;
      res.newTypeId = n.typeId;
      if (res.origSz !== res.newSz) {
        const ot = local.btf.type(res.origTypeId);
        const nt = targ!.btf.type(res.newTypeId);
        const unsignedInt = (t: BtfType) => isInt(t) && t.encoding !== BTF_INT.SIGNED;
        res.failMemszAdjust = !((ot.kind === 'PTR' && nt.kind === 'PTR') || (unsignedInt(ot) && unsignedInt(nt)));
      }
      break;
    }
    case 'type':
      res.origVal = typeValue(relo, local);
      res.newVal = typeValue(relo, targ);
      res.validate = relo.kind !== 'type_id_target';
      break;
    case 'enumval': {
      res.origVal = enumValue(relo, local)!;
      const n = enumValue(relo, targ);
      if (n === undefined) res.poison = true;
      else res.newVal = n;
      break;
    }
  }
  // libbpf leaves new_val 0 when poisoning.
  if (res.poison) res.newVal = 0n;
  return res;
}
