/**
 * chipweb/host-sim: run an App on Node (real sockets) or in memory.
 *
 * Never: be imported by the core (src/).
 */
export { simulate } from './simulate.ts';
export type { Simulation, SimulateOptions } from './simulate.ts';
export { loadMatcher } from './matcher.ts';
export { NodePlatform } from './node-platform.ts';
export type { NodePlatformOptions } from './node-platform.ts';
export { MemoryPlatform, MemoryClient } from './memory-platform.ts';
export type { MemoryPlatformOptions } from './memory-platform.ts';
export { SimDevice } from './device.ts';
export type { SimDeviceOptions } from './device.ts';
export { request } from './request.ts';
export type { RequestInit, RequestSetup, TestResponse } from './request.ts';
export { MemoryOtaTarget } from './ota-memory.ts';
export type { MemoryOtaOptions } from './ota-memory.ts';
export { FileOtaTarget } from './ota-file.ts';
export type { FileOtaOptions } from './ota-file.ts';
