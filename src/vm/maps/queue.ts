/**
 * BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (kernel/bpf/queue_stack_maps.c): a ring of
 * max_entries + 1 values with head and tail indexes; no keys. Push with BPF_EXIST on a full map
 * overwrites the oldest value; pop/peek of an empty map zero the output and fail with -ENOENT.
 */
import { BPF_ANY, BPF_EXIST, BPF_F, BPF_MAP_TYPE, BPF_NOEXIST } from '../../uapi/index.js';
import { ERRNO } from './errno.js';
import { BpfMap, type MapAttrs } from './map.js';
import { ACCESS_MASK, accessOk, KMALLOC_MAX_SIZE } from './spec.js';

const { E2BIG, EINVAL, ENOENT } = ERRNO;
const QUEUE_STACK_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | ACCESS_MASK;

/** queue_stack_map_alloc_check(). */
export function checkQueueAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.maxEntries === 0 || a.keySize !== 0 || a.valueSize === 0 || a.flags & ~QUEUE_STACK_CREATE_FLAG_MASK || !accessOk(a.flags)) {
    return [EINVAL, 'needs key_size 0, value_size > 0, max_entries > 0 and only NUMA/access flags'];
  }
  if (a.valueSize > KMALLOC_MAX_SIZE) return [E2BIG, 'value_size too large'];
  return undefined;
}

export class QueueStackMap extends BpfMap {
  /** The ring of size max_entries + 1 values. */
  readonly values: Uint8Array;
  readonly isStack: boolean;
  private head = 0;
  private tail = 0;
  private readonly size: number;

  constructor(a: MapAttrs) {
    super(a);
    this.isStack = a.type === BPF_MAP_TYPE.STACK;
    this.size = a.maxEntries + 1;
    this.values = new Uint8Array(this.size * a.valueSize);
  }

  /** Number of values held. */
  get length(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  /** bpf_map_push_elem: 0 or -errno. */
  push(value: Uint8Array, valueOff: number, flags: number): number {
    if (flags & BPF_NOEXIST || flags > BPF_EXIST) return -EINVAL;
    if (this.length === this.size - 1) {
      if (!(flags & BPF_EXIST)) return -E2BIG;
      if (++this.tail >= this.size) this.tail = 0;
    }
    const n = this.valueSize;
    this.values.set(value.subarray(valueOff, valueOff + n), this.head * n);
    if (++this.head >= this.size) this.head = 0;
    return 0;
  }

  /** bpf_map_pop_elem / bpf_map_peek_elem into out[outOff…]: 0 or -ENOENT (out zeroed). */
  pop(out: Uint8Array, outOff: number, remove = true): number {
    const n = this.valueSize;
    if (this.head === this.tail) {
      out.fill(0, outOff, outOff + n);
      return -ENOENT;
    }
    let index: number;
    if (this.isStack) {
      index = this.head - 1 < 0 ? this.size - 1 : this.head - 1;
      if (remove) this.head = index;
    } else {
      index = this.tail;
      if (remove && ++this.tail >= this.size) this.tail = 0;
    }
    out.set(this.values.subarray(index * n, index * n + n), outOff);
    return 0;
  }

  /** bpf_map_peek_elem. */
  peek(out: Uint8Array, outOff: number): number {
    return this.pop(out, outOff, false);
  }

  /** Programs reach a queue through push/pop/peek; map_lookup_elem is refused by the verifier. */
  lookup(): number {
    return -1;
  }
  /** map_update_elem on a queue/stack is a push (key ignored). */
  update(_key: Uint8Array, _keyOff: number, value: Uint8Array, valueOff: number, flags: number): number {
    return this.push(value, valueOff, flags);
  }
  delete(): number {
    return -EINVAL;
  }

  protected userLookup(_key: Uint8Array | null, out: Uint8Array): number {
    return this.peek(out, 0);
  }
  protected userUpdate(_key: Uint8Array | null, value: Uint8Array, flags: number): number {
    return this.push(value, 0, flags);
  }
  protected override userDelete(): number {
    return -EINVAL;
  }
  protected override userLookupAndDelete(_key: Uint8Array | null, out: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return -EINVAL;
    return this.pop(out, 0);
  }
  protected nextKeyImpl(): number {
    return -EINVAL;
  }
}
