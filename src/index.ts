/**
 * chipweb: the public entry point of the core.
 *
 * Never: import a host module (Node, Moddable); hosts pass a Platform.
 */
export { App, Group } from './app.ts';
export type { AppOptions, CompiledApp, PathParams } from './app.ts';
export { HttpError } from './context.ts';
export type { Context, Env, ErrorHandler, Handler, RawRequest } from './context.ts';
export type { Device, WifiMode, WifiNetwork, WifiStatus } from './device.ts';
export { ADMIN_PASSWORD_KEY, WIFI_SSID_KEY, strongestNetworks, wifiCredentialsProblem } from './device.ts';
export { parseJson } from './json.ts';
export { Server, serve } from './server.ts';
export type { WebSocket, WsHandlers, WsMessage } from './ws/socket.ts';
export type { OverflowPolicy, ServerOptions } from './server.ts';
export type { ServerStats } from './stats.ts';
export type {
  Listener,
  ListenOptions,
  MemoryStats,
  OtaTarget,
  Platform,
  Socket,
  SocketHandler,
  TimerHandle,
} from './platform.ts';
export { OtaSession, SHA256_HEADER } from './ota/session.ts';
export type { BodyReader, OtaFormOptions, OtaResult } from './ota/session.ts';
export { Sha256, SHA256_BYTES } from './crypto/sha256.ts';
export {
  MultipartParser,
  MP_DATA,
  MP_END,
  MP_MORE,
  MP_PART,
  MP_PART_END,
  multipartProblem,
  multipartStatus,
} from './http/multipart.ts';
export type { MultipartOptions, MultipartSink } from './http/multipart.ts';
export { reasonPhrase } from './http/status.ts';
export * from './middleware/index.ts';
