/**
 * chipweb: the public entry point of the core.
 *
 * Never: import a host module (Node, Moddable); hosts pass a Platform.
 */
export { App, Group } from './app.ts';
export type { AppOptions, CompiledApp, PathParams } from './app.ts';
export { HttpError } from './context.ts';
export type { Context, Env, ErrorHandler, Handler, RawRequest } from './context.ts';
export type { Device, WifiMode, WifiStatus } from './device.ts';
export { WIFI_SSID_KEY, wifiCredentialsProblem } from './device.ts';
export { Server, serve } from './server.ts';
export type { WebSocket, WsHandlers, WsMessage } from './ws/socket.ts';
export type { OverflowPolicy, ServerOptions } from './server.ts';
export type { ServerStats } from './stats.ts';
export type { Listener, ListenOptions, MemoryStats, Platform, Socket, SocketHandler, TimerHandle } from './platform.ts';
export { reasonPhrase } from './http/status.ts';
export * from './middleware/index.ts';
