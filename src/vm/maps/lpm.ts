/**
 * BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): keys are `struct bpf_lpm_trie_key_u8
 * {u32 prefixlen; u8 data[]}`; lookups return the value of the longest stored prefix matching the
 * key. The trie is the kernel's: a binary Patricia trie whose nodes hold a prefix, with
 * intermediate (value-less) nodes where two prefixes branch, updated and pruned exactly as the
 * kernel does, so get_next_key walks the same post-order (more specific prefixes first).
 *
 * Storage: node fields in typed arrays over 2 × max_entries + 1 nodes (intermediate nodes
 * included); values in `values`, max_entries + 1 slots of roundUp(value_size, 8) bytes.
 */
import { BPF_EXIST, BPF_F, BPF_NOEXIST } from '../../uapi/index.js';
import { readU32 } from './array.js';
import { ERRNO } from './errno.js';
import { BpfMap, roundUp8, type MapAttrs } from './map.js';
import { ACCESS_MASK, accessOk, KMALLOC_MAX_SIZE } from './spec.js';

const { EEXIST, EINVAL, ENOENT, ENOSPC } = ERRNO;
const LPM_CREATE_FLAG_MASK = BPF_F.NO_PREALLOC | BPF_F.NUMA_NODE | ACCESS_MASK;
const LPM_DATA_SIZE_MAX = 256;
const LPM_KEY_SIZE_MIN = 4 + 1;
const LPM_KEY_SIZE_MAX = 4 + LPM_DATA_SIZE_MAX;
/** LPM_VAL_SIZE_MAX: KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - sizeof(struct lpm_trie_node). */
const LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - 32;
/** Node flag: an intermediate node, added where two prefixes branch. */
const IM = 1;

/** trie_alloc() checks. */
export function checkLpmAttrs(a: MapAttrs): [number, string] | undefined {
  if (a.maxEntries === 0 || !(a.flags & BPF_F.NO_PREALLOC) || a.flags & ~LPM_CREATE_FLAG_MASK || !accessOk(a.flags)) {
    return [EINVAL, 'needs max_entries > 0 and BPF_F_NO_PREALLOC'];
  }
  if (a.keySize < LPM_KEY_SIZE_MIN || a.keySize > LPM_KEY_SIZE_MAX || a.valueSize < 1 || a.valueSize > LPM_VAL_SIZE_MAX) {
    return [EINVAL, `key_size must be ${LPM_KEY_SIZE_MIN}..${LPM_KEY_SIZE_MAX}, value_size at least 1`];
  }
  return undefined;
}

export class LpmTrieMap extends BpfMap {
  readonly values: Uint8Array;
  private elems = 0;
  private readonly dataSize: number;
  private readonly maxPrefixlen: number;
  private readonly elemSize: number;
  private readonly prefixlen: Uint32Array;
  private readonly nodeFlags: Uint8Array;
  private readonly child0: Int32Array;
  private readonly child1: Int32Array;
  private readonly valueSlot: Int32Array;
  private readonly data: Uint8Array;
  private root = -1;
  private freeNodes = -1;
  private freeValues = -1;
  private readonly valueLink: Int32Array;
  /** Node path of the last walk (get_next_key's node_stack). */
  private readonly stack: Int32Array;

  /** Number of elements held (intermediate nodes excluded). */
  get count(): number {
    return this.elems;
  }

  constructor(a: MapAttrs) {
    super(a);
    this.dataSize = a.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
    this.elemSize = roundUp8(a.valueSize);
    const nodes = 2 * a.maxEntries + 1;
    this.prefixlen = new Uint32Array(nodes);
    this.nodeFlags = new Uint8Array(nodes);
    this.child0 = new Int32Array(nodes);
    this.child1 = new Int32Array(nodes);
    this.valueSlot = new Int32Array(nodes);
    this.data = new Uint8Array(nodes * this.dataSize);
    this.values = new Uint8Array((a.maxEntries + 1) * this.elemSize);
    this.valueLink = new Int32Array(a.maxEntries + 1);
    this.stack = new Int32Array(this.maxPrefixlen + 2);
    for (let n = nodes - 1; n >= 0; n--) {
      this.child0[n] = this.freeNodes;
      this.freeNodes = n;
    }
    for (let v = a.maxEntries; v >= 0; v--) {
      this.valueLink[v] = this.freeValues;
      this.freeValues = v;
    }
  }

  // ---- node helpers ----------------------------------------------------------------------------
  private allocNode(withValue: boolean): number {
    const n = this.freeNodes;
    this.freeNodes = this.child0[n];
    this.child0[n] = this.child1[n] = -1;
    this.nodeFlags[n] = 0;
    if (withValue) {
      const v = this.freeValues;
      this.freeValues = this.valueLink[v];
      this.valueSlot[n] = v;
    } else this.valueSlot[n] = -1;
    return n;
  }

  private freeNode(n: number): void {
    const v = this.valueSlot[n];
    if (v >= 0) {
      this.valueLink[v] = this.freeValues;
      this.freeValues = v;
    }
    this.child0[n] = this.freeNodes;
    this.freeNodes = n;
  }

  private child(n: number, bit: number): number {
    return bit ? this.child1[n] : this.child0[n];
  }

  /** Bit `index` (MSB first) of a key's data at `dataOff` in `buf`. */
  private static bit(buf: Uint8Array, dataOff: number, index: number): number {
    return (buf[dataOff + (index >>> 3)] >>> (7 - (index & 7))) & 1;
  }

  /** longest_prefix_match(): bits of node `n` and the key matching, up to both prefix lengths. */
  private matchLen(n: number, key: Uint8Array, keyOff: number, keyPrefixlen: number): number {
    const limit = Math.min(this.prefixlen[n], keyPrefixlen);
    const d = this.data, base = n * this.dataSize;
    let i = 0;
    while (i < limit) {
      const x = d[base + (i >>> 3)] ^ key[keyOff + 4 + (i >>> 3)];
      if (x === 0 && (i & 7) === 0 && i + 8 <= limit) {
        i += 8;
        continue;
      }
      if ((x >>> (7 - (i & 7))) & 1) break;
      i++;
    }
    return i;
  }

  /** The slot holding a node: -1 for the root, else parent * 2 + bit. */
  private setSlot(slot: number, n: number): void {
    if (slot < 0) this.root = n;
    else if (slot & 1) this.child1[slot >> 1] = n;
    else this.child0[slot >> 1] = n;
  }

  private getSlot(slot: number): number {
    return slot < 0 ? this.root : this.child(slot >> 1, slot & 1);
  }

  // ---- program side -------------------------------------------------------------------------------
  /** trie_lookup_elem: offset of the value of the longest matching prefix, or -1. */
  lookup(key: Uint8Array, keyOff: number): number {
    const plen = readU32(key, keyOff);
    if (plen > this.maxPrefixlen) return -1;
    let found = -1;
    for (let n = this.root; n >= 0;) {
      const m = this.matchLen(n, key, keyOff, plen);
      if (m === this.maxPrefixlen) {
        found = n;
        break;
      }
      if (m < this.prefixlen[n]) break;
      if (!(this.nodeFlags[n] & IM)) found = n;
      n = this.child(n, LpmTrieMap.bit(key, keyOff + 4, this.prefixlen[n]));
    }
    return found < 0 ? -1 : this.valueSlot[found] * this.elemSize;
  }

  /** trie_update_elem: 0, -EINVAL, -EEXIST, -ENOENT, -ENOSPC. */
  update(key: Uint8Array, keyOff: number, value: Uint8Array, valueOff: number, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    const plen = readU32(key, keyOff);
    if (plen > this.maxPrefixlen) return -EINVAL;
    let slot = -1, node = -1, m = 0;
    for (node = this.root; node >= 0; node = this.getSlot(slot)) {
      m = this.matchLen(node, key, keyOff, plen);
      if (this.prefixlen[node] !== m || this.prefixlen[node] === plen) break;
      slot = node * 2 + LpmTrieMap.bit(key, keyOff + 4, this.prefixlen[node]);
    }
    const checkAdd = (): number => {
      if (flags === BPF_EXIST) return -ENOENT;
      if (this.elems === this.maxEntries) return -ENOSPC;
      this.elems++;
      return 0;
    };
    const makeNew = (): number => {
      const n = this.allocNode(true);
      this.prefixlen[n] = plen;
      this.data.set(key.subarray(keyOff + 4, keyOff + 4 + this.dataSize), n * this.dataSize);
      this.copyValue(this.valueSlot[n] * this.elemSize, value, valueOff);
      return n;
    };
    if (node < 0) {
      const rc = checkAdd();
      if (rc) return rc;
      this.setSlot(slot, makeNew());
      return 0;
    }
    if (this.prefixlen[node] === m) {
      if (!(this.nodeFlags[node] & IM)) {
        if (flags === BPF_NOEXIST) return -EEXIST;
      } else {
        const rc = checkAdd();
        if (rc) return rc;
      }
      const n = makeNew();
      this.child0[n] = this.child0[node];
      this.child1[n] = this.child1[node];
      this.setSlot(slot, n);
      this.freeNode(node);
      return 0;
    }
    const rc = checkAdd();
    if (rc) return rc;
    const n = makeNew();
    if (m === plen) {
      const b = LpmTrieMap.bit(this.data, node * this.dataSize, m);
      if (b) this.child1[n] = node;
      else this.child0[n] = node;
      this.setSlot(slot, n);
      return 0;
    }
    const im = this.allocNode(false);
    this.prefixlen[im] = m;
    this.nodeFlags[im] = IM;
    this.data.copyWithin(im * this.dataSize, node * this.dataSize, (node + 1) * this.dataSize);
    if (LpmTrieMap.bit(key, keyOff + 4, m)) {
      this.child0[im] = node;
      this.child1[im] = n;
    } else {
      this.child0[im] = n;
      this.child1[im] = node;
    }
    this.setSlot(slot, im);
    return 0;
  }

  /** trie_delete_elem: exact prefix only; 0, -EINVAL or -ENOENT. */
  delete(key: Uint8Array, keyOff: number): number {
    const plen = readU32(key, keyOff);
    if (plen > this.maxPrefixlen) return -EINVAL;
    let trim = -1, trim2 = -1, parent = -1, node = -1, m = 0;
    for (node = this.root; node >= 0; node = this.getSlot(trim)) {
      m = this.matchLen(node, key, keyOff, plen);
      if (this.prefixlen[node] !== m || this.prefixlen[node] === plen) break;
      parent = node;
      trim2 = trim;
      trim = node * 2 + LpmTrieMap.bit(key, keyOff + 4, this.prefixlen[node]);
    }
    if (node < 0 || this.prefixlen[node] !== plen || this.prefixlen[node] !== m || this.nodeFlags[node] & IM) return -ENOENT;
    this.elems--;
    const c0 = this.child0[node], c1 = this.child1[node];
    if (c0 >= 0 && c1 >= 0) {
      // Two children: the node becomes intermediate (its value is released).
      this.nodeFlags[node] |= IM;
      const v = this.valueSlot[node];
      this.valueLink[v] = this.freeValues;
      this.freeValues = v;
      this.valueSlot[node] = -1;
      return 0;
    }
    if (parent >= 0 && this.nodeFlags[parent] & IM && c0 < 0 && c1 < 0) {
      this.setSlot(trim2, this.child0[parent] === node ? this.child1[parent] : this.child0[parent]);
      this.freeNode(parent);
      this.freeNode(node);
      return 0;
    }
    this.setSlot(trim, c0 >= 0 ? c0 : c1);
    this.freeNode(node);
    return 0;
  }

  // ---- bpf(2) -----------------------------------------------------------------------------------
  protected userLookup(key: Uint8Array | null, out: Uint8Array): number {
    if (!key) return -EINVAL;
    const off = this.lookup(key, 0);
    if (off < 0) return -ENOENT;
    out.set(this.values.subarray(off, off + this.valueSize));
    return 0;
  }

  protected userUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): number {
    return key ? this.update(key, 0, value, 0, flags) : -EINVAL;
  }

  /** trie_get_next_key: post-order, more specific prefixes first; unknown key → the first. */
  protected nextKeyImpl(key: Uint8Array | null, out: Uint8Array): number {
    let searchRoot = this.root;
    if (searchRoot < 0) return -ENOENT;
    let next = -1;
    const plen = key ? readU32(key, 0) : 0;
    if (key && plen <= this.maxPrefixlen) {
      let sp = -1, node = -1, m = 0;
      for (node = searchRoot; node >= 0;) {
        this.stack[++sp] = node;
        m = this.matchLen(node, key, 0, plen);
        if (this.prefixlen[node] !== m || this.prefixlen[node] === plen) break;
        node = this.child(node, LpmTrieMap.bit(key, 4, this.prefixlen[node]));
      }
      if (node >= 0 && this.prefixlen[node] === m && !(this.nodeFlags[node] & IM)) {
        node = this.stack[sp];
        searchRoot = -1;
        while (sp > 0) {
          const parent = this.stack[sp - 1];
          if (this.child0[parent] === node && this.child1[parent] >= 0) {
            searchRoot = this.child1[parent];
            break;
          }
          if (!(this.nodeFlags[parent] & IM)) {
            next = parent;
            break;
          }
          node = parent;
          sp--;
        }
        if (next < 0 && searchRoot < 0) return -ENOENT;
      }
    }
    if (next < 0) {
      for (let node = searchRoot; node >= 0;) {
        if (this.nodeFlags[node] & IM) node = this.child0[node];
        else {
          next = node;
          node = this.child0[node] >= 0 ? this.child0[node] : this.child1[next];
        }
      }
    }
    out[0] = this.prefixlen[next];
    out[1] = this.prefixlen[next] >>> 8;
    out[2] = this.prefixlen[next] >>> 16;
    out[3] = this.prefixlen[next] >>> 24;
    out.set(this.data.subarray(next * this.dataSize, (next + 1) * this.dataSize), 4);
    return 0;
  }
}
