/**
 * chipweb's built-in middleware and handlers, one file each.
 *
 * Never: import a host module; everything here runs on the board.
 */
export { recovery, RECOVERY_BODY } from './recovery.ts';
export type { RecoveryOptions } from './recovery.ts';
export { logger } from './logger.ts';
export type { LogEntry, Logger, LoggerOptions } from './logger.ts';
export { timeout } from './timeout.ts';
export type { TimeoutOptions } from './timeout.ts';
export { rateLimit } from './rate-limit.ts';
export type { RateLimiter, RateLimitOptions } from './rate-limit.ts';
export { cors } from './cors.ts';
export type { CorsOptions } from './cors.ts';
export { basicAuth } from './basic-auth.ts';
export type { BasicAuthOptions, BasicAuthUser } from './basic-auth.ts';
export { bodyLimit } from './body-limit.ts';
export type { BodyLimitOptions } from './body-limit.ts';
export { health, HEALTHY_BODY } from './health.ts';
export type { HealthOptions } from './health.ts';
export { metrics, PROMETHEUS_TYPE } from './metrics.ts';
export type { MetricsOptions } from './metrics.ts';
export { serveAsset, serveAssets, assetType } from './assets.ts';
export type { AssetOptions, AssetsOptions } from './assets.ts';
export { captivePortal, PROBE_PATHS } from './captive-portal.ts';
export type { CaptivePortalOptions } from './captive-portal.ts';
export { streamBody } from './stream-body.ts';
