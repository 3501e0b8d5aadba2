/** The verifier's input built from an ObjectSpec program (what every backend load verifies). */
import type { MapSpec, ObjectSpec, ProgramSpec } from '../object/types.js';
import type { BtfSpec } from '../btf/spec.js';
import { BPF_PROG_TYPE as P } from '../uapi/index.js';
import type { FuncArg, FuncProto, VerifierInput, VerifierMap } from './types.js';

/**
 * The frozen value of a read-only global-data map as loaders create it: `.rodata*` holds its
 * initial bytes (zeros where the ELF has none). `.kconfig` is filled from the running kernel's
 * configuration at load time; its values are left unknown here.
 */
const frozenValue = (m: MapSpec): Uint8Array | undefined =>
  m.frozen && m.source === 'data' ? frozenContents(m.data ?? new Uint8Array(0), m.valueSize) : undefined;

function toVerifierMap(m: MapSpec): VerifierMap {
  const frozen = frozenValue(m);
  return {
    name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags,
    ...(m.innerMap ? { innerMap: toVerifierMap(m.innerMap) } : {}),
    ...(frozen ? { frozenValue: frozen } : {}),
  };
}

/** The map value as loaded: the section's bytes, zero-padded to the value size. */
function frozenContents(data: Uint8Array, valueSize: number): Uint8Array {
  const v = new Uint8Array(valueSize);
  v.set(data.subarray(0, valueSize));
  return v;
}

/** The verifier's plain-data input for one program of an object spec. */
export function verifierInputFromSpec(spec: ObjectSpec, prog: ProgramSpec, privileged = true, logLevel: 0 | 1 | 2 = 0): VerifierInput {
  return {
    progType: prog.type,
    expectedAttachType: prog.expectedAttachType,
    insns: prog.insns,
    maps: spec.maps.map(toVerifierMap),
    funcInfo: prog.funcInfo.map((f) => ({ insnOff: f.insn, typeId: f.typeId })),
    ...(spec.btf && prog.funcInfo.length ? { funcs: funcProtos(spec.btf, prog) } : {}),
    lineInfo: prog.lineInfo.map((l) => ({ insnOff: l.insn, line: l.line, fileName: l.fileName, lineNum: l.lineNumber, column: l.column })),
    privileged,
    logLevel,
  };
}

/** What tsbpf cannot verify in this program yet (CO-RE relocations, kernel symbols), or undefined. */
export function unsupportedFeature(prog: ProgramSpec): string | undefined {
  if (prog.coreRelos.length) return 'CO-RE relocations (not applied by the verifier)';
  const ref = prog.references.find((r) => r.kind === 'ksym' || r.kind === 'kfunc' || r.kind === 'unresolved');
  if (ref) return `reference to kernel symbol '${'name' in ref ? ref.name : '?'}'`;
  if (!prog.type) return `unknown program type of section '${prog.section}'`;
  return undefined;
}

/** The context struct of each program type (bpf_types.h), which a global function's argument may point to. */
const CTX_STRUCT: Readonly<Partial<Record<number, string>>> = {
  [P.SOCKET_FILTER]: '__sk_buff', [P.SCHED_CLS]: '__sk_buff', [P.SCHED_ACT]: '__sk_buff', [P.CGROUP_SKB]: '__sk_buff',
  [P.LWT_IN]: '__sk_buff', [P.LWT_OUT]: '__sk_buff', [P.LWT_XMIT]: '__sk_buff', [P.LWT_SEG6LOCAL]: '__sk_buff',
  [P.SK_SKB]: '__sk_buff', [P.FLOW_DISSECTOR]: '__sk_buff', [P.XDP]: 'xdp_md', [P.CGROUP_SOCK]: 'bpf_sock',
  [P.CGROUP_SOCK_ADDR]: 'bpf_sock_addr', [P.SOCK_OPS]: 'bpf_sock_ops', [P.SK_MSG]: 'sk_msg_md',
  [P.CGROUP_DEVICE]: 'bpf_cgroup_dev_ctx', [P.CGROUP_SYSCTL]: 'bpf_sysctl', [P.CGROUP_SOCKOPT]: 'bpf_sockopt',
  [P.SK_REUSEPORT]: 'sk_reuseport_md', [P.SK_LOOKUP]: 'bpf_sk_lookup', [P.PERF_EVENT]: 'bpf_perf_event_data',
  [P.RAW_TRACEPOINT]: 'bpf_raw_tracepoint_args',
};

/** Each function of `prog` with its linkage and, for global ones, its arguments (btf_prepare_func_args). */
function funcProtos(btf: BtfSpec, prog: ProgramSpec): FuncProto[] {
  // The `arg:` declaration tags of each function's parameters: function id → parameter → tags.
  const tags = new Map<number, Map<number, Set<string>>>();
  for (const t of btf.types) {
    if (t.kind !== 'DECL_TAG' || t.componentIdx < 0 || !t.name.startsWith('arg:')) continue;
    const params = tags.get(t.type) ?? new Map<number, Set<string>>();
    tags.set(t.type, params.set(t.componentIdx, (params.get(t.componentIdx) ?? new Set()).add(t.name.slice(4))));
  }
  return prog.funcInfo.map((f) => {
    const fn = btf.type(f.typeId);
    if (fn.kind !== 'FUNC') return { insnOff: f.insn, name: '', global: false, args: [] };
    const global = fn.linkage === 1;
    const proto = btf.type(fn.type);
    const base = { insnOff: f.insn, name: fn.name, global };
    if (!global || proto.kind !== 'FUNC_PROTO') return { ...base, args: [] };
    if (proto.params.length > 5) {
      return { ...base, args: [], unsupported: `Global function ${fn.name}() with ${proto.params.length} > 5 args. Only 5 are supported` };
    }
    const ret = btf.skipModifiers(proto.returnType);
    if (ret.kind !== 'INT' && ret.kind !== 'ENUM' && ret.kind !== 'ENUM64') {
      return { ...base, args: [], unsupported: `Global function ${fn.name}() doesn't return scalar. Only those are supported.` };
    }
    const args: FuncArg[] = [];
    for (const [i, p] of proto.params.entries()) {
      const a = funcArg(btf, p.type, prog.type, tags.get(f.typeId)?.get(i) ?? new Set());
      if (typeof a === 'string') return { ...base, args: [], unsupported: a.replace('#', `#${i}`).replace('%f', fn.name) };
      args.push(a);
    }
    return { ...base, args };
  });
}

/** The `arg:` tags tsbpf models: the context, and memory that is or is not nullable. */
const MODELLED_TAGS: ReadonlySet<string> = new Set(['ctx', 'nonnull', 'nullable']);

/**
 * One global-function argument's type (its `arg:` tags in `tags`), or the kernel's complaint about
 * it (`#` and `%f` to fill in).
 */
function funcArg(btf: BtfSpec, typeId: number, progType: number, tags: ReadonlySet<string>): FuncArg | string {
  const unmodelled = [...tags].find((tag) => !MODELLED_TAGS.has(tag));
  if (unmodelled) return `tsbpf: argument tag arg:${unmodelled} of arg# of %f() is not modelled`;
  const t = btf.skipModifiers(typeId);
  if (t.kind === 'PTR' && tags.has('ctx')) return { kind: 'ctx' };
  if (t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64') return { kind: 'scalar' };
  if (t.kind !== 'PTR') return `Arg# type ${t.kind} in %f() is not supported yet.`;
  const target = btf.skipModifiers(t.type);
  if (target.kind === 'STRUCT' && target.name && target.name === CTX_STRUCT[progType]) return { kind: 'ctx' };
  try {
    return { kind: tags.has('nonnull') ? 'mem' : 'mem_or_null', size: btf.size(t.type) };
  } catch {
    return `arg# reference type('${target.kind} ${target.name}') size cannot be determined`;
  }
}
