/**
 * BTF → C header, in the output format of `bpftool btf dump file X format c` (libbpf's btf_dump):
 * types in dependency order with forward declarations where a pointer suffices, anonymous
 * types inline, explicit bitfield padding, `__attribute__((packed))` for packed layouts, and
 * `___N` suffixes for duplicate names. Tested equal to bpftool 7.1 over the kernel's BTF.
 */
import { BtfError } from '../errors.js';
import type { BtfSpec } from './spec.js';
import type { BtfType } from './types.js';

const enum Order { NONE, ORDERING, ORDERED }
const enum Emit { NONE, EMITTING, EMITTED }

const TABS = '\t'.repeat(12);
/** Deeper nesting than any real C type: a reference loop in malformed BTF. */
const MAX_DEPTH = 512;
/** Larger gaps (1 MiB) are malformed offsets, not layouts: printing them would take forever. */
const MAX_PADDING_BITS = 8 << 20;
const pfx = (lvl: number) => TABS.slice(0, Math.min(lvl, TABS.length));

type Composite = Extract<BtfType, { kind: 'STRUCT' | 'UNION' }>;
type EnumType = Extract<BtfType, { kind: 'ENUM' | 'ENUM64' }>;

/** Dumps a whole BTF as a C header (with bpftool's vmlinux.h prologue and epilogue). */
export function formatBtfC(spec: BtfSpec): string {
  const d = new CDumper(spec);
  for (let id = 1; id < spec.types.length; id++) d.dumpType(id);
  return [
    '#ifndef __VMLINUX_H__',
    '#define __VMLINUX_H__',
    '',
    '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX',
    '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)',
    '#endif',
    '',
    d.out.join('') + '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX',
    '#pragma clang attribute pop',
    '#endif',
    '',
    '#endif /* __VMLINUX_H__ */',
    '',
  ].join('\n');
}

/** libbpf's btf_dump state machine. */
class CDumper {
  readonly out: string[] = [];
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly referenced: Uint8Array;
  private readonly nameResolved: Uint8Array;
  private readonly cachedNames: (string | undefined)[] = [];
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];

  constructor(private readonly spec: BtfSpec) {
    const n = spec.types.length;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.referenced = new Uint8Array(n);
    this.nameResolved = new Uint8Array(n);
    for (const t of spec.types) for (const r of refs(t)) this.referenced[r] = 1;
  }

  private t(id: number): BtfType {
    return this.spec.type(id);
  }

  private p(s: string): void {
    this.out.push(s);
  }

  dumpType(id: number): void {
    this.orderType(id, false);
    const q = this.queue;
    this.queue = [];
    for (const x of q) this.emitType(x, 0);
  }

  /** Topological ordering; returns 1 when the type is a "strong" (by-value) dependency. */
  private orderType(id: number, throughPtr: boolean, depth = 0): number {
    if (this.order[id] === Order.ORDERED) return 1;
    if (depth > MAX_DEPTH) throw new BtfError(`type [${id}]: type graph nested deeper than ${MAX_DEPTH} (a reference loop?)`);
    const t = this.t(id);
    if (this.order[id] === Order.ORDERING) {
      if ((t.kind === 'STRUCT' || t.kind === 'UNION') && throughPtr && t.name) return 0;
      throw new BtfError(`unsatisfiable type cycle, id:[${id}]`);
    }
    switch (t.kind) {
      case 'VOID':
        return 0;
      case 'INT': case 'FLOAT':
        this.order[id] = Order.ORDERED;
        return 0;
      case 'PTR': {
        const r = this.orderType(t.type, true, depth + 1);
        this.order[id] = Order.ORDERED;
        return r;
      }
      case 'ARRAY':
        return this.orderType(t.type, false, depth + 1);
      case 'STRUCT': case 'UNION':
        if (throughPtr && t.name) return 0;
        this.order[id] = Order.ORDERING;
        for (const m of t.members) this.orderType(m.type, false, depth + 1);
        if (t.name) this.queue.push(id);
        this.order[id] = Order.ORDERED;
        return 1;
      case 'ENUM': case 'ENUM64': case 'FWD':
        if (t.name || !this.referenced[id]) this.queue.push(id);
        this.order[id] = Order.ORDERED;
        return 1;
      case 'TYPEDEF': {
        const strong = this.orderType(t.type, throughPtr, depth + 1);
        if (throughPtr && !strong) return 0;
        this.queue.push(id);
        this.order[id] = Order.ORDERED;
        return 1;
      }
      case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG':
        return this.orderType(t.type, throughPtr, depth + 1);
      case 'FUNC_PROTO': {
        let strong = this.orderType(t.returnType, throughPtr, depth + 1) > 0;
        for (const prm of t.params) if (this.orderType(prm.type, throughPtr, depth + 1) > 0) strong = true;
        return strong ? 1 : 0;
      }
      case 'FUNC': case 'VAR': case 'DATASEC': case 'DECL_TAG':
        this.order[id] = Order.ORDERED;
        return 0;
    }
  }

  private emitType(id: number, contId: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new BtfError(`type [${id}]: type graph nested deeper than ${MAX_DEPTH} (a reference loop?)`);
    const topLevel = contId === 0;
    if (this.emit[id] === Emit.EMITTED) return;
    const t = this.t(id);
    if (this.emit[id] === Emit.EMITTING) {
      if (this.fwdEmitted[id]) return;
      if (t.kind === 'STRUCT' || t.kind === 'UNION') {
        if (id === contId || !t.name) return;
        this.p(`${this.structFwd(id, t)};\n\n`);
        this.fwdEmitted[id] = 1;
      } else if (t.kind === 'TYPEDEF') {
        if (!this.blacklisted(t)) this.p(`${this.typedefDef(id, t, 0)};\n\n`);
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case 'INT':
        this.emit[id] = Emit.EMITTED;
        break;
      case 'ENUM': case 'ENUM64':
        if (topLevel) this.p(`${this.enumDef(id, t, 0)};\n\n`);
        this.emit[id] = Emit.EMITTED;
        break;
      case 'PTR': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'ARRAY':
        this.emitType(t.type, contId, depth + 1);
        break;
      case 'FWD':
        this.p(`${this.fwdDef(id, t)};\n\n`);
        this.emit[id] = Emit.EMITTED;
        break;
      case 'TYPEDEF':
        this.emit[id] = Emit.EMITTING;
        this.emitType(t.type, id, depth + 1);
        if (!this.fwdEmitted[id] && !this.blacklisted(t)) this.p(`${this.typedefDef(id, t, 0)};\n\n`);
        this.emit[id] = Emit.EMITTED;
        break;
      case 'STRUCT': case 'UNION':
        this.emit[id] = Emit.EMITTING;
        if (topLevel || !t.name) {
          const cont = t.name ? id : contId;
          for (const m of t.members) this.emitType(m.type, cont, depth + 1);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.p(`${this.structFwd(id, t)};\n\n`);
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.p(`${this.structDef(id, t, 0)};\n\n`);
          this.emit[id] = Emit.EMITTED;
        } else {
          this.emit[id] = Emit.NONE;
        }
        break;
      case 'FUNC_PROTO':
        this.emitType(t.returnType, contId, depth + 1);
        for (const prm of t.params) this.emitType(prm.type, contId, depth + 1);
        break;
      default:
        this.emit[id] = Emit.EMITTED;
    }
  }

  private blacklisted(t: BtfType): boolean {
    return t.name === '__builtin_va_list';
  }

  /** btf_dump_resolve_name: a duplicate name gets `___N` (N counts its uses so far). */
  private resolveName(id: number, names: Map<string, number>): string {
    const t = this.t(id);
    if (!t.name) return '';
    if (this.nameResolved[id]) return this.cachedNames[id] ?? t.name;
    this.nameResolved[id] = 1;
    if (t.kind === 'FWD' || ((t.kind === 'ENUM' || t.kind === 'ENUM64') && t.values.length === 0)) return t.name;
    const dups = nameDups(names, t.name);
    if (dups > 1) this.cachedNames[id] = `${t.name}___${dups}`;
    return this.cachedNames[id] ?? t.name;
  }
  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }
  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }

  private structFwd(id: number, t: Composite): string {
    return `${t.kind === 'STRUCT' ? 'struct' : 'union'}${t.name ? ' ' : ''}${this.typeName(id)}`;
  }
  private fwdDef(id: number, t: Extract<BtfType, { kind: 'FWD' }>): string {
    return `${t.union ? 'union' : 'struct'} ${this.typeName(id)}`;
  }
  private typedefDef(id: number, t: Extract<BtfType, { kind: 'TYPEDEF' }>, lvl: number): string {
    const name = this.identName(id);
    if (t.type === 0 && name === '__gnuc_va_list') return 'typedef __builtin_va_list __gnuc_va_list';
    return `typedef ${this.typeDecl(t.type, name, lvl)}`;
  }

  private alignOf(id: number): number {
    try {
      return this.spec.alignment(id);
    } catch {
      return 0;
    }
  }
  private sizeOf(id: number): number {
    try {
      return this.spec.size(id);
    } catch {
      return 0;
    }
  }

  /** btf_is_struct_packed: a member off its natural alignment, or a size that is no multiple of it. */
  private isPacked(t: Composite): boolean {
    let maxAlign = 1;
    for (const m of t.members) {
      const a = this.alignOf(m.type);
      if (a && m.bitfieldSize === 0 && m.bitsOffset % (8 * a) !== 0) return true;
      maxAlign = Math.max(maxAlign, a);
    }
    return t.size % maxAlign !== 0;
  }

  private structDef(id: number, t: Composite, lvl: number): string {
    if (lvl > MAX_DEPTH) throw new BtfError(`type [${id}]: anonymous types nested deeper than ${MAX_DEPTH} (a reference loop?)`);
    const isStruct = t.kind === 'STRUCT';
    const align = this.alignOf(id);
    const packed = isStruct && this.isPacked(t);
    let s = `${this.structFwd(id, t)} {`;
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      const mAlign = packed ? 1 : this.alignOf(m.type);
      const inBitfield = prevBitfield && m.bitfieldSize !== 0;
      s += bitPadding(off, m.bitsOffset, mAlign, inBitfield, lvl + 1);
      s += `\n${pfx(lvl + 1)}${this.typeDecl(m.type, m.name, lvl + 1)}`;
      if (m.bitfieldSize) {
        s += `: ${m.bitfieldSize}`;
        off = m.bitsOffset + m.bitfieldSize;
        prevBitfield = true;
      } else {
        off = m.bitsOffset + Math.max(0, this.sizeOf(m.type)) * 8;
        prevBitfield = false;
      }
      s += ';';
    }
    if (isStruct) s += bitPadding(off, t.size * 8, align, false, lvl + 1);
    // `struct empty {}` stays on one line.
    s += t.members.length || t.size ? `\n${pfx(lvl)}}` : '}';
    if (packed) s += ' __attribute__((packed))';
    return s;
  }

  private enumDef(id: number, t: EnumType, lvl: number): string {
    let s = `enum${t.name ? ' ' : ''}${this.typeName(id)}`;
    if (!t.values.length) return s;
    s += ' {';
    const suffix = t.kind === 'ENUM64' ? (t.signed ? 'LL' : 'ULL') : '';
    for (const v of t.values) {
      const dups = nameDups(this.identNames, v.name);
      s += `\n${pfx(lvl + 1)}${v.name}${dups > 1 ? `___${dups}` : ''} = ${v.value}${suffix},`;
    }
    return `${s}\n${pfx(lvl)}}`;
  }

  /** btf_dump_emit_type_decl: a declaration of `name` with type `id`. */
  private typeDecl(id: number, name: string, lvl: number): string {
    const stack: number[] = [];
    for (;;) {
      stack.push(id);
      if (id === 0) break;
      const t = this.t(id);
      if (t.kind === 'PTR' || t.kind === 'VOLATILE' || t.kind === 'CONST' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG' || t.kind === 'ARRAY') id = t.type;
      else if (t.kind === 'FUNC_PROTO') id = t.returnType;
      else break;
      if (stack.length > 4096) throw new BtfError(`type [${stack[0]}]: declaration chain loops`);
    }
    return this.typeChain(stack, name, lvl);
  }

  private mods(stack: number[]): string {
    let s = '';
    while (stack.length) {
      const k = this.t(stack[stack.length - 1]).kind;
      if (k === 'VOLATILE') s += 'volatile ';
      else if (k === 'CONST') s += 'const ';
      else if (k === 'RESTRICT') s += 'restrict ';
      else break;
      stack.pop();
    }
    return s;
  }
  private dropMods(stack: number[]): void {
    while (stack.length) {
      const k = this.t(stack[stack.length - 1]).kind;
      if (k !== 'VOLATILE' && k !== 'CONST' && k !== 'RESTRICT' && k !== 'TYPE_TAG') break;
      stack.pop();
    }
  }

  /** btf_dump_emit_type_chain: `stack` holds the declarator chain, base type last. */
  private typeChain(stack: number[], name: string, lvl: number): string {
    let lastWasPtr = true;
    let s = '';
    const withName = () => `${name && !lastWasPtr ? ' ' : ''}${name}`;
    while (stack.length) {
      const id = stack.pop()!;
      if (id === 0) {
        s += `${this.mods(stack)}void`;
        lastWasPtr = false;
        continue;
      }
      const t = this.t(id);
      switch (t.kind) {
        case 'INT': case 'FLOAT':
          s += this.mods(stack) + t.name;
          break;
        case 'STRUCT': case 'UNION':
          s += this.mods(stack) + (t.name ? this.structFwd(id, t) : this.structDef(id, t, lvl));
          break;
        case 'ENUM': case 'ENUM64':
          s += this.mods(stack) + (t.name ? `enum ${this.typeName(id)}` : this.enumDef(id, t, lvl));
          break;
        case 'FWD':
          s += this.mods(stack) + this.fwdDef(id, t);
          break;
        case 'TYPEDEF':
          s += this.mods(stack) + this.identName(id);
          break;
        case 'PTR':
          s += lastWasPtr ? '*' : ' *';
          break;
        case 'VOLATILE':
          s += ' volatile';
          break;
        case 'CONST':
          s += ' const';
          break;
        case 'RESTRICT':
          s += ' restrict';
          break;
        case 'TYPE_TAG':
          s += `${this.mods(stack)} __attribute__((btf_type_tag("${t.name}")))`;
          break;
        case 'ARRAY': {
          this.dropMods(stack);
          if (stack.length === 0) return `${s}${withName()}[${t.nelems}]`;
          const multidim = this.t(stack[stack.length - 1]).kind === 'ARRAY';
          if (name && !lastWasPtr) s += ' ';
          const inner = this.typeChain(stack, name, lvl);
          return `${s}${multidim ? inner : `(${inner})`}[${t.nelems}]`;
        }
        case 'FUNC_PROTO': {
          this.dropMods(stack);
          s += stack.length ? ` (${this.typeChain(stack, name, lvl)})` : withName();
          if (t.params.length === 0 || (t.params.length === 1 && t.params[0].type === 0)) return `${s}(void)`;
          const params = t.params.map((prm, i) => (i === t.params.length - 1 && prm.type === 0 ? '...' : this.typeDecl(prm.type, prm.name, lvl)));
          return `${s}(${params.join(', ')})`;
        }
        default:
          throw new BtfError(`unexpected ${t.kind} in declaration chain, id:[${id}]`);
      }
      lastWasPtr = t.kind === 'PTR';
    }
    return s + withName();
  }
}

/** Counts the uses of a name (1 on first use). */
function nameDups(names: Map<string, number>, name: string): number {
  const n = (names.get(name) ?? 0) + 1;
  names.set(name, n);
  return n;
}

const PADS: [string, number][] = [['long', 64], ['int', 32], ['short', 16], ['char', 8]];

/**
 * Explicit `<type>: N;` padding between bit offsets `cur` and `next` (libbpf's
 * btf_dump_emit_bit_padding): align with the largest type that fits, mark with `<type>: 0` when
 * natural alignment would not get there, then fill the gap.
 */
function bitPadding(cur: number, next: number, nextAlign: number, inBitfield: boolean, lvl: number): string {
  if (cur >= next) return '';
  if (next - cur > MAX_PADDING_BITS) throw new BtfError(`padding of ${(next - cur) / 8} bytes is too large to print (malformed member offsets or size?)`);
  let s = '';
  let [padType, padBits] = PADS[PADS.length - 1];
  let newOff = cur;
  for ([padType, padBits] of PADS) {
    newOff = roundup(cur, padBits);
    if (newOff <= next) break;
  }
  if (newOff > cur && newOff <= next) {
    if (inBitfield || (newOff === next && roundup(cur, nextAlign * 8) !== newOff) || (newOff !== next && next - newOff < padBits)) {
      s += `\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - cur : 0};`;
    }
    // Natural (or `: 0`-forced) alignment takes us to newOff; fill the rest explicitly.
    cur = newOff;
  }
  while (cur !== next) {
    const bits = Math.min(next - cur, padBits);
    if (bits === padBits) {
      s += `\n${pfx(lvl)}${padType}: ${bits};`;
      cur += bits;
      continue;
    }
    for (let i = PADS.length - 1; i >= 0; i--) {
      const [t, b] = PADS[i];
      if (b < bits) continue;
      s += `\n${pfx(lvl)}${t}: ${bits};`;
      cur += bits;
      break;
    }
  }
  return s;
}

const roundup = (x: number, y: number) => Math.ceil(x / y) * y;

/** Type ids a type refers to (btf_type_visit_type_ids). */
function refs(t: BtfType): number[] {
  switch (t.kind) {
    case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'FUNC': case 'VAR': case 'DECL_TAG':
      return [t.type];
    case 'ARRAY':
      return [t.type, t.indexType];
    case 'STRUCT': case 'UNION':
      return t.members.map((m) => m.type);
    case 'FUNC_PROTO':
      return [t.returnType, ...t.params.map((p) => p.type)];
    case 'DATASEC':
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}
