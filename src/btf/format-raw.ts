/** `bpftool btf dump file X` (raw format) printer. */
import type { BtfSpec } from './spec.js';
import { BTF_INT, BTF_LINKAGE, type BtfType } from './types.js';

const q = (name: string) => `'${name || '(anon)'}'`;
const linkage = (l: number) => BTF_LINKAGE[l] ?? '(unknown)';

function intEncoding(e: number): string {
  switch (e) {
    case 0: return '(none)';
    case BTF_INT.SIGNED: return 'SIGNED';
    case BTF_INT.CHAR: return 'CHAR';
    case BTF_INT.BOOL: return 'BOOL';
    default: return 'UNKN';
  }
}

/** One type in bpftool's raw format (may span several lines, no trailing newline). */
export function formatTypeRaw(spec: BtfSpec, t: BtfType): string {
  const head = `[${t.id}] ${t.kind} ${q(t.name)}`;
  switch (t.kind) {
    case 'VOID':
      return `[0] VOID`;
    case 'INT':
      return `${head} size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.bits} encoding=${intEncoding(t.encoding)}`;
    case 'PTR': case 'CONST': case 'VOLATILE': case 'RESTRICT': case 'TYPEDEF': case 'TYPE_TAG':
      return `${head} type_id=${t.type}`;
    case 'ARRAY':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'STRUCT': case 'UNION':
      return `${head} size=${t.size} vlen=${t.members.length}` + t.members.map((m) =>
        `\n\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitsOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ''}`).join('');
    case 'ENUM': case 'ENUM64': {
      const suffix = t.kind === 'ENUM64' ? (t.signed ? 'LL' : 'ULL') : '';
      return `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}` +
        t.values.map((v) => `\n\t${q(v.name)} val=${v.value}${suffix}`).join('');
    }
    case 'FWD':
      return `${head} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'FUNC':
      return `${head} type_id=${t.type} linkage=${linkage(t.linkage)}`;
    case 'FUNC_PROTO':
      return `${head} ret_type_id=${t.returnType} vlen=${t.params.length}` + t.params.map((p) => `\n\t${q(p.name)} type_id=${p.type}`).join('');
    case 'VAR':
      return `${head} type_id=${t.type}, linkage=${linkage(t.linkage)}`;
    case 'DATASEC':
      return `${head} size=${t.size} vlen=${t.vars.length}` + t.vars.map((v) => {
        const target = spec.types[v.type];
        const what = target ? ` (${target.kind} ${q(target.name)})` : '';
        return `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size}${what}`;
      }).join('');
    case 'FLOAT':
      return `${head} size=${t.size}`;
    case 'DECL_TAG':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}

/** Every type (ids 1..n), one per line block, as `bpftool btf dump file X` prints them. */
export function formatBtfRaw(spec: BtfSpec): string {
  const out: string[] = [];
  for (let i = 1; i < spec.types.length; i++) out.push(formatTypeRaw(spec, spec.types[i]));
  return out.join('\n') + (out.length ? '\n' : '');
}
