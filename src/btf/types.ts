/** BTF type records (linux/btf.h), decoded. Type id 0 is `void`. */

/** `BTF_KIND_*` numbers, indexed by name. */
export const BTF_KIND = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9,
  CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17,
  TYPE_TAG: 18, ENUM64: 19,
} as const;
export type BtfKindName = Exclude<keyof typeof BTF_KIND, 'UNKN'>;
/** Kind names indexed by number. */
export const BTF_KIND_NAMES = Object.keys(BTF_KIND) as (keyof typeof BTF_KIND)[];

/** `BTF_INT_*` encoding bits. */
export const BTF_INT = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;
/** Linkage of FUNC (`btf_func_linkage`) and VAR (`BTF_VAR_*`). */
export const BTF_LINKAGE = ['static', 'global', 'extern'] as const;

interface Base<K extends BtfKindName> {
  readonly id: number;
  readonly kind: K;
  /** '' for anonymous types. */
  readonly name: string;
}
/** Types that refer to one other type. */
interface Ref<K extends BtfKindName> extends Base<K> {
  readonly type: number;
}

export interface BtfInt extends Base<'INT'> {
  readonly size: number;
  /** BTF_INT_* bits. */
  readonly encoding: number;
  readonly bitsOffset: number;
  readonly bits: number;
}
export type BtfPtr = Ref<'PTR'>;
export interface BtfArray extends Base<'ARRAY'> {
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  readonly bitsOffset: number;
  /** 0 unless the member is a bitfield (kind_flag set). */
  readonly bitfieldSize: number;
}
export interface BtfComposite<K extends 'STRUCT' | 'UNION'> extends Base<K> {
  readonly size: number;
  /** kind_flag: member offsets encode bitfield sizes. */
  readonly kindFlag: boolean;
  readonly members: readonly BtfMember[];
}
export type BtfStruct = BtfComposite<'STRUCT'>;
export type BtfUnion = BtfComposite<'UNION'>;
export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}
export interface BtfEnum<K extends 'ENUM' | 'ENUM64' = 'ENUM' | 'ENUM64'> extends Base<K> {
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly BtfEnumValue[];
}
export interface BtfFwd extends Base<'FWD'> {
  /** Forward declaration of a union (kind_flag) rather than a struct. */
  readonly union: boolean;
}
export type BtfTypedef = Ref<'TYPEDEF'>;
export type BtfVolatile = Ref<'VOLATILE'>;
export type BtfConst = Ref<'CONST'>;
export type BtfRestrict = Ref<'RESTRICT'>;
export interface BtfFunc extends Ref<'FUNC'> {
  /** 0 static, 1 global, 2 extern. */
  readonly linkage: number;
}
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}
export interface BtfFuncProto extends Base<'FUNC_PROTO'> {
  readonly returnType: number;
  readonly params: readonly BtfParam[];
}
export interface BtfVar extends Ref<'VAR'> {
  readonly linkage: number;
}
export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}
export interface BtfDatasec extends Base<'DATASEC'> {
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}
export interface BtfFloat extends Base<'FLOAT'> {
  readonly size: number;
}
export interface BtfDeclTag extends Ref<'DECL_TAG'> {
  /** -1 for the type itself, else the member/parameter index. */
  readonly componentIdx: number;
}
export type BtfTypeTag = Ref<'TYPE_TAG'>;

export interface BtfVoid {
  readonly id: 0;
  readonly kind: 'VOID';
  readonly name: '';
}

/** Any BTF type. */
export type BtfType =
  | BtfInt | BtfPtr | BtfArray | BtfStruct | BtfUnion | BtfEnum<'ENUM'> | BtfEnum<'ENUM64'> | BtfFwd | BtfTypedef
  | BtfVolatile | BtfConst | BtfRestrict | BtfFunc | BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag
  | BtfTypeTag | BtfVoid;

/** Kinds that only qualify another type (skipped when resolving sizes). */
export const MODIFIER_KINDS: ReadonlySet<string> = new Set(['TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'TYPE_TAG']);
