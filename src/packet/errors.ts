import { TsbpfError } from '../errors.js';

/** A packet description the builder cannot encode (bad address, field out of range…). */
export class PacketError extends TsbpfError {}
