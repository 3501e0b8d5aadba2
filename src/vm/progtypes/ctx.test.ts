import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SK_BUFF, XDP_MD } from '../../uapi/index.js';
import { CtxRules } from './ctx.js';

const R = { read: true }, RW = { read: true, write: true };
const xdp = new CtxRules(XDP_MD, { data: R, data_end: R, data_meta: R, ingress_ifindex: R, rx_queue_index: R, egress_ifindex: R },
  new Set(['data', 'data_end', 'data_meta']));
const skb = new CtxRules(SK_BUFF, { len: R, mark: RW, cb: RW, data: R, data_end: R }, new Set(['data', 'data_end']));

/** The field name an access resolves to, or the refusal's message. */
function outcome(rules: CtxRules, offset: number, size: number, write: boolean): string {
  try {
    return rules.names[rules.check(offset, size, write, 'test')];
  } catch (e) {
    return (e as Error).message;
  }
}

test('ctx rules: permitted accesses resolve to their field at every width the kernel allows', () => {
  assert.equal(outcome(xdp, 0, 4, false), 'data');
  assert.equal(outcome(xdp, 4, 4, false), 'data_end');
  for (const [off, size] of [[12, 1], [13, 1], [14, 2], [12, 4]]) assert.equal(outcome(xdp, off, size, false), 'ingress_ifindex');
  assert.equal(outcome(skb, 0, 2, false), 'len');
  assert.equal(outcome(skb, SK_BUFF.fields.mark.offset, 4, true), 'mark');
  // cb[5] is an array: narrow accesses are checked per 4-byte element.
  const cb = SK_BUFF.fields.cb.offset;
  assert.equal(outcome(skb, cb + 4, 4, true), 'cb');
  assert.equal(outcome(skb, cb + 6, 2, false), 'cb');
});

test('ctx rules: refusals name the reason, as before the access table', () => {
  assert.match(outcome(xdp, 0, 2, false), /invalid xdp_md access off=0 size=2: data must be accessed as a whole 4-byte field/);
  assert.match(outcome(xdp, 0, 8, false), /off=0 size=8: misaligned or spans fields \(data\)/);
  assert.match(outcome(xdp, 13, 2, false), /misaligned or spans fields \(ingress_ifindex\)/);
  assert.match(outcome(xdp, 12, 4, true), /ingress_ifindex is not writable by test programs/);
  assert.match(outcome(xdp, 24, 4, false), /off=24 size=4: no such field/);
  assert.match(outcome(xdp, 1000, 1, false), /no such field/);
  assert.match(outcome(skb, SK_BUFF.fields.mark.offset, 2, true), /mark must be accessed as a whole 4-byte field/);
  assert.match(outcome(skb, SK_BUFF.fields.cb.offset + 2, 4, false), /misaligned or spans fields \(cb\)/);
  assert.match(outcome(skb, SK_BUFF.fields.len.offset, 4, true), /len is not writable by test programs/);
});
