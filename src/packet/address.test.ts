import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from './address.js';
import { PacketError } from './errors.js';

test('MAC addresses parse and format', () => {
  assert.deepEqual([...parseMac('02:00:5e:10:ff:0A')], [2, 0, 0x5e, 0x10, 0xff, 0x0a]);
  assert.deepEqual([...parseMac('02-00-5e-10-ff-0a')], [2, 0, 0x5e, 0x10, 0xff, 0x0a]);
  assert.equal(formatMac(Uint8Array.of(9, 2, 0, 0x5e, 0x10, 0xff, 0x0a), 1), '02:00:5e:10:ff:0a');
  for (const bad of ['02:00:5e:10:ff', '02:00:5e:10:ff:0a:01', 'zz:00:00:00:00:00', '']) {
    assert.throws(() => parseMac(bad), PacketError, bad);
  }
});

test('IPv4 addresses parse and format', () => {
  assert.deepEqual([...parseIpv4('192.0.2.255')], [192, 0, 2, 255]);
  assert.equal(formatIpv4(Uint8Array.of(10, 0, 0, 1)), '10.0.0.1');
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '1..2.3']) {
    assert.throws(() => parseIpv4(bad), PacketError, bad);
  }
});

test('IPv6 addresses parse (RFC 4291 forms) and format canonically (RFC 5952)', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['2001:DB8::A:B', '2001:db8::a:b'],
  ];
  for (const [text, canonical] of cases) assert.equal(formatIpv6(parseIpv6(text)), canonical, text);
  assert.deepEqual([...parseIpv6('::1')], [...new Array(15).fill(0), 1]);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1:2:3:4:5:6:7::8']) {
    assert.throws(() => parseIpv6(bad), PacketError, bad);
  }
});
